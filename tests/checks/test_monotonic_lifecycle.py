from __future__ import annotations

import pytest

from sim.checks import monotonic_lifecycle
from sim.checks.monotonic_lifecycle import RANK
from sim.integration.canonical import STATUS_RANK, OrderStatus
from tests.checks.support import Row, has_row, order_world, row, write


def _crm(order: int, *statuses: str) -> list[Row]:
    return [
        row(100 + i, "crm.status_updated", order, status=status)
        for i, status in enumerate(statuses)
    ]


def _shipment(*statuses: str) -> list[Row]:
    return [
        row(100 + i, "crm.shipment_updated", 9, 9009, status=status)
        for i, status in enumerate(statuses)
    ]


def test_the_ranks_are_the_canonical_ones() -> None:
    assert {status.value: rank for status, rank in STATUS_RANK.items()} == RANK
    assert RANK["HELD"] == RANK["CREATED"] < RANK["BACKORDERED"] < RANK["ALLOCATED"]
    assert RANK[OrderStatus.CANCELLED] == max(RANK.values())


def test_a_consistent_world_only_moves_forward() -> None:
    verdict = monotonic_lifecycle(write(order_world()))
    assert verdict.valid
    assert verdict.counts["orders_checked"] == 3
    assert verdict.counts["shipments_checked"] == 3
    assert verdict.counts["backward_moves"] == 0


def test_a_crm_status_moving_backwards_is_caught_with_both_rows() -> None:
    rows = order_world() + _crm(9, "CREATED", "ALLOCATED", "SHIPPED", "ALLOCATED", "SHIPPED")
    verdict = monotonic_lifecycle(write(rows))
    assert not verdict.valid
    assert verdict.counts["order_backward_moves"] == 1
    assert verdict.counts["backward_moves"] == 1
    assert [(w["time"], w["status"]) for w in verdict.witness] == [
        (102.0, "SHIPPED"),
        (103.0, "ALLOCATED"),
    ]
    assert verdict.witness[0]["correlation_id"] == "O00000009"


@pytest.mark.parametrize(
    ("statuses", "backward"),
    [
        (("CREATED", "HELD", "CREATED", "ALLOCATED"), 0),  # resumed after a hold
        (("ALLOCATED", "PICK_RELEASED", "CANCELLED"), 0),
        (("SHIPPED", "HELD", "CREATED"), 1),  # into HELD from further on is backwards
        (("CREATED", "BACKORDERED", "CREATED"), 1),
        (("BACKORDERED", "ALLOCATED", "BACKORDERED"), 1),
        (("CANCELLED", "CREATED"), 1),
        (("DELIVERED", "DELIVERED"), 0),
    ],
)
def test_allowed_and_forbidden_order_moves(statuses: tuple[str, ...], backward: int) -> None:
    verdict = monotonic_lifecycle(write(_crm(9, *statuses)))
    assert verdict.counts["backward_moves"] == backward
    assert verdict.valid == (backward == 0)


@pytest.mark.parametrize(
    ("statuses", "backward"),
    [
        (("IN_TRANSIT", "OUT_FOR_DELIVERY", "DELIVERED"), 0),
        (("OUT_FOR_DELIVERY", "EXCEPTION", "IN_TRANSIT", "OUT_FOR_DELIVERY", "DELIVERED"), 0),
        (("DELIVERED", "IN_TRANSIT"), 1),
        (("OUT_FOR_DELIVERY", "IN_TRANSIT", "EXCEPTION", "IN_TRANSIT"), 1),
        # a failed attempt, a new one, delivered; and three failed ones, then the return
        (("IN_TRANSIT", "OUT_FOR_DELIVERY", "EXCEPTION", "OUT_FOR_DELIVERY", "DELIVERED"), 0),
        (("OUT_FOR_DELIVERY", "EXCEPTION", "OUT_FOR_DELIVERY", "EXCEPTION", "EXCEPTION"), 0),
        # broken: an exception after delivery, used to bring a delivered shipment back out
        (("OUT_FOR_DELIVERY", "DELIVERED", "EXCEPTION", "OUT_FOR_DELIVERY"), 1),
        (("DELIVERED", "EXCEPTION"), 1),
    ],
)
def test_allowed_and_forbidden_shipment_moves(statuses: tuple[str, ...], backward: int) -> None:
    verdict = monotonic_lifecycle(write(_shipment(*statuses)))
    assert verdict.counts["shipment_backward_moves"] == backward
    assert verdict.counts["unranked_statuses"] == statuses.count("EXCEPTION")
    assert verdict.valid == (backward == 0)


def test_a_shipment_moving_backwards_is_caught_with_both_rows() -> None:
    verdict = monotonic_lifecycle(write(_shipment("IN_TRANSIT", "DELIVERED", "OUT_FOR_DELIVERY")))
    assert not verdict.valid
    assert has_row(verdict.witness, "crm.shipment_updated", subject=9009, status="DELIVERED")
    assert has_row(verdict.witness, "crm.shipment_updated", subject=9009, status="OUT_FOR_DELIVERY")


def test_an_exception_after_delivered_is_caught_with_both_rows() -> None:
    statuses = ("OUT_FOR_DELIVERY", "EXCEPTION", "OUT_FOR_DELIVERY", "DELIVERED", "EXCEPTION")
    verdict = monotonic_lifecycle(write(_shipment(*statuses)))
    assert not verdict.valid
    assert verdict.counts["shipment_backward_moves"] == 1
    assert [(w["time"], w["status"]) for w in verdict.witness] == [
        (103.0, "DELIVERED"),
        (104.0, "EXCEPTION"),
    ]
    # an order's status never goes through EXCEPTION; nothing changes for orders
    assert monotonic_lifecycle(write(_crm(9, "OUT_FOR_DELIVERY", "DELIVERED"))).valid


def test_rows_are_judged_in_time_order_then_row_order() -> None:
    # written out of time order, but in time order it only moves forward
    rows = [
        row(20, "crm.status_updated", 9, status="SHIPPED"),
        row(10, "crm.status_updated", 9, status="CREATED"),
        row(20, "crm.status_updated", 9, status="DELIVERED"),
        row(5, "crm.shipment_updated", 9, 1, status="OUT_FOR_DELIVERY"),
        row(5, "crm.shipment_updated", 9, 2, status="IN_TRANSIT"),
        row(1, "crm.shipment_updated", 9, 1, status="IN_TRANSIT"),
    ]
    verdict = monotonic_lifecycle(write(rows))
    assert verdict.valid
    assert verdict.counts["shipments_checked"] == 2
    ties = [row(20, "crm.status_updated", 9, status=s) for s in ("DELIVERED", "SHIPPED")]
    assert not monotonic_lifecycle(write(ties)).valid


def test_back_to_backorder_only_after_a_short_shipment() -> None:
    moves = _crm(9, "CREATED", "ALLOCATED", "PICK_RELEASED", "BACKORDERED", "SHIPPED")
    # without a short shipment, PICK_RELEASED -> BACKORDERED is a backward move
    assert monotonic_lifecycle(write(order_world() + moves)).counts["backward_moves"] == 1
    short = row(102.5, "erp.shipped_short", 9, 9009, status="NJ01", value=3)
    assert monotonic_lifecycle(write([*order_world(), *moves, short])).valid
    # a short shipment allows BACKORDERED, not any other move back
    other = _crm(9, "CREATED", "ALLOCATED", "PICK_RELEASED", "ALLOCATED")
    assert not monotonic_lifecycle(write([*order_world(), *other, short])).valid
