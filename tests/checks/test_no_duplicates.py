from __future__ import annotations

from sim.checks import no_duplicates
from tests.checks.support import Row, has_row, order_world, row, without, write


def test_one_of_each_and_totals_agree() -> None:
    verdict = no_duplicates(write(order_world()))
    assert verdict.valid
    assert verdict.counts["orders_fully_invoiced"] == 2
    assert verdict.counts["invoices"] == 3


def test_a_second_erp_order_for_an_order_is_a_duplicate() -> None:
    rows = [*order_world(), row(15, "erp.order_created", 1, 77, "NJ01", value=100.0)]
    verdict = no_duplicates(write(rows))
    assert not verdict.valid
    assert verdict.counts["duplicate_creates"] == 1
    created = [w for w in verdict.witness if w["event"] == "erp.order_created"]
    assert [w["time"] for w in created] == [10.0, 15.0]


def test_a_second_invoice_for_a_delivery_is_a_duplicate_and_over_invoices() -> None:
    rows = [*order_world(), row(32, "erp.invoice_posted", 1, 9001, value=100.0)]
    verdict = no_duplicates(write(rows))
    assert not verdict.valid
    assert verdict.counts["duplicate_invoices"] == 1
    assert verdict.counts["over_invoiced"] == 1
    assert verdict.counts["invoice_total_mismatch"] == 0
    assert has_row(verdict.witness, "erp.invoice_posted", order=1, time=32.0)


def test_a_delivery_dispatched_twice_is_a_duplicate() -> None:
    rows = [*order_world(), row(33, "erp.shipment_dispatched", 1, 9001, "NJ01", value=10)]
    verdict = no_duplicates(write(rows))
    assert not verdict.valid
    assert verdict.counts["duplicate_dispatches"] == 1
    assert has_row(verdict.witness, "erp.shipment_dispatched", order=1, time=33.0)


def test_a_complete_order_invoiced_short_is_a_mismatch() -> None:
    rows = without(order_world(), "erp.invoice_posted", order=1)
    rows.append(row(31, "erp.invoice_posted", 1, 9001, value=90.0))
    verdict = no_duplicates(write(rows))
    assert not verdict.valid
    assert verdict.counts["invoice_total_mismatch"] == 1
    assert has_row(verdict.witness, "erp.order_created", order=1)
    assert has_row(verdict.witness, "erp.invoice_posted", order=1, value=90.0)


def test_rounding_of_a_cent_per_invoice_is_allowed() -> None:
    rows = without(order_world(), "erp.invoice_posted", order=2)
    rows.append(row(41, "erp.invoice_posted", 2, 9002, value=30.01))
    rows.append(row(71, "erp.invoice_posted", 2, 9003, value=20.0))
    assert no_duplicates(write(rows)).valid


def test_a_partly_shipped_order_is_not_held_to_its_full_net() -> None:
    rows = without(order_world(), "erp.shipment_dispatched", subject=9003)
    rows = without(rows, "erp.invoice_posted", subject=9003)
    verdict = no_duplicates(write(rows))
    assert verdict.valid
    assert verdict.counts["orders_fully_invoiced"] == 1


def _order_1_changed_to(units: int, invoiced: float) -> list[Row]:
    """Order 1 (10 units, net 100) changed by the customer to ``units`` before allocation."""
    rows = [r for r in order_world() if not (r["order"] == 1 and r["event"] in _SHIPPING)]
    rows += [
        row(15, "erp.order_changed", 1, 1, "applied", value=10.0 * units, value2=units),
        row(20, "erp.inventory_allocated", 1, 9001, "NJ01", value=units),
        row(31, "erp.goods_issue", 1, 501, "NJ01", value=units),
        row(31, "erp.shipment_dispatched", 1, 9001, "NJ01", value=units),
        row(31, "erp.invoice_posted", 1, 9001, value=invoiced, value2=7.0),
    ]
    return rows


_SHIPPING = {
    "erp.inventory_allocated",
    "erp.goods_issue",
    "erp.shipment_dispatched",
    "erp.invoice_posted",
}


def test_a_changed_order_is_held_to_its_changed_quantity_and_net() -> None:
    for units in (8, 14):  # reduced, increased
        verdict = no_duplicates(write(_order_1_changed_to(units, 10.0 * units)))
        assert verdict.valid, verdict.counts
        assert verdict.counts["orders_fully_invoiced"] == 2


def test_a_changed_order_invoiced_short_of_its_changed_net_is_a_mismatch() -> None:
    verdict = no_duplicates(write(_order_1_changed_to(8, 70.0)))
    assert not verdict.valid
    assert verdict.counts["invoice_total_mismatch"] == 1
