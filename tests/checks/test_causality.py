from __future__ import annotations

from sim.checks import causality
from tests.checks.support import has_row, order_world, row, without, write


def test_shipments_follow_allocation_and_stock_stays_positive() -> None:
    verdict = causality(write(order_world()))
    assert verdict.valid
    assert verdict.counts == {
        "shipments": 3,
        "shipments_without_allocation": 0,
        "stock_groups": 2,
        "negative_stock_points": 0,
        "negative_stock_groups": 0,
        "stock_counted_groups": 0,
        "stock_not_conserved": 0,
        "allocated_beyond_on_hand": 0,
    }
    assert "not judged" in verdict.note  # no stock count in this history


def counted(on_hand_501: float = 2, on_hand_502: float = 0, allocated_501: float = 0) -> list:
    """The order world with its end-of-run stock count (501: 12 - 10; 502: 3 - 3 + 2 - 2)."""
    return [
        *order_world(),
        row(
            100,
            "erp.stock_count",
            subject=501,
            status="NJ01",
            value=on_hand_501,
            value2=allocated_501,
        ),
        row(100, "erp.stock_count", subject=502, status="NJ01", value=on_hand_502, value2=0),
    ]


def test_counted_stock_equals_opening_plus_receipts_minus_issues() -> None:
    verdict = causality(write(counted()))
    assert verdict.valid and verdict.note == ""
    assert verdict.counts["stock_counted_groups"] == 2


def test_stock_that_appears_or_vanishes_is_not_conserved() -> None:
    verdict = causality(write(counted(on_hand_501=3)))
    assert not verdict.valid
    assert verdict.counts["stock_not_conserved"] == 1
    assert has_row(verdict.witness, "erp.stock_count", subject=501, status="NJ01")
    # a goods issue the history lost: the count no longer balances
    lost = without(counted(), "erp.goods_issue", order=1)
    assert causality(write(lost)).counts["stock_not_conserved"] == 1


def test_allocation_beyond_counted_on_hand_breaks_causality() -> None:
    verdict = causality(write(counted(allocated_501=3)))
    assert not verdict.valid
    assert verdict.counts["allocated_beyond_on_hand"] == 1
    assert has_row(verdict.witness, "erp.stock_count", subject=501, value2=3.0)


def test_a_shipment_before_its_allocation_breaks_causality() -> None:
    rows = without(order_world(), "erp.inventory_allocated", subject=9003)
    rows.append(row(75, "erp.inventory_allocated", 2, 9003, "NJ01", value=2))
    verdict = causality(write(rows))
    assert not verdict.valid
    assert verdict.counts["shipments_without_allocation"] == 1
    assert has_row(verdict.witness, "erp.shipment_dispatched", order=2, subject=9003)
    assert has_row(verdict.witness, "erp.inventory_allocated", order=2, subject=9003, time=75.0)


def test_an_allocation_at_the_same_time_is_early_enough() -> None:
    rows = without(order_world(), "erp.inventory_allocated", subject=9003)
    rows.append(row(71, "erp.inventory_allocated", 2, 9003, "NJ01", value=2))
    assert causality(write(rows)).valid


def test_a_shipment_never_allocated_breaks_causality() -> None:
    rows = without(order_world(), "erp.inventory_allocated", subject=9001)
    verdict = causality(write(rows))
    assert not verdict.valid
    assert verdict.counts["shipments_without_allocation"] == 1
    assert [w["subject"] for w in verdict.witness] == [9001]


def test_issuing_more_than_on_hand_sends_stock_negative() -> None:
    rows = [*order_world(), row(80, "erp.goods_issue", 2, 502, "NJ01", value=1)]
    rows.append(row(81, "erp.goods_issue", 2, 502, "NJ01", value=1))
    verdict = causality(write(rows))
    assert not verdict.valid
    assert verdict.counts["negative_stock_points"] == 2
    assert verdict.counts["negative_stock_groups"] == 1
    assert verdict.witness == [w for w in verdict.witness if w["time"] == 80.0]
    assert has_row(verdict.witness, "erp.goods_issue", subject=502, status="NJ01")


def test_a_receipt_written_after_an_issue_at_the_same_time_comes_too_late() -> None:
    rows = without(order_world(), "erp.goods_receipt")
    rows.insert(
        rows.index(next(r for r in rows if r["time"] == 71)),
        row(71, "erp.goods_receipt", subject=502, status="NJ01", value=2),
    )
    assert causality(write(rows)).valid  # receipt written first: fine
    late = [
        *without(order_world(), "erp.goods_receipt"),
        row(71, "erp.goods_receipt", subject=502, status="NJ01", value=2),
    ]
    verdict = causality(write(late))
    assert not verdict.valid
    assert verdict.counts["negative_stock_points"] == 1


def test_stock_is_kept_per_plant() -> None:
    rows = [
        *order_world(),
        row(90, "erp.stock_opening", subject=501, status="GA01", value=5),
        row(91, "erp.goods_issue", 5, 501, "GA01", value=6),
    ]
    verdict = causality(write(rows))
    assert verdict.counts["stock_groups"] == 3
    assert verdict.counts["negative_stock_points"] == 1
    assert has_row(verdict.witness, "erp.goods_issue", status="GA01", order=5)


def test_inventory_differences_count_in_stock_conservation() -> None:
    # a cycle count found 2 units of 501 missing: book stock 2 - 2 = 0 at the end
    difference = row(50, "erp.inventory_difference", subject=501, status="NJ01", value=-2)
    verdict = causality(write([*counted(on_hand_501=0), difference]))
    assert verdict.valid, verdict.counts
    # without the difference the same count does not balance
    assert causality(write(counted(on_hand_501=0))).counts["stock_not_conserved"] == 1
