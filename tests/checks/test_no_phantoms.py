from __future__ import annotations

import pytest

from sim.checks import no_phantoms
from tests.checks.support import has_row, order_world, row, without, write


def test_a_consistent_world_has_no_phantoms() -> None:
    verdict = no_phantoms(write(order_world()))
    assert verdict.valid
    assert verdict.counts["phantoms"] == 0
    assert verdict.counts["orders_created"] == 3


def test_an_erp_order_without_an_accepted_quote_is_a_phantom() -> None:
    verdict = no_phantoms(write(without(order_world(), "crm.quote_accepted", order=4)))
    assert not verdict.valid
    assert verdict.counts["created_without_acceptance"] == 1
    assert verdict.counts["phantoms"] == 1
    assert has_row(verdict.witness, "erp.order_created", order=4)


def test_shipments_invoices_and_tenders_need_an_erp_order() -> None:
    verdict = no_phantoms(write(without(order_world(), "erp.order_created", order=2)))
    assert not verdict.valid
    assert verdict.counts["dispatched_without_order"] == 2
    assert verdict.counts["invoiced_without_order"] == 2
    assert verdict.counts["tendered_without_order"] == 2
    assert verdict.counts["phantoms"] == 6
    assert has_row(verdict.witness, "erp.shipment_dispatched", order=2, subject=9002)
    assert has_row(verdict.witness, "erp.invoice_posted", order=2, subject=9003)
    assert has_row(verdict.witness, "carrier.tendered", order=2, subject=9002)


@pytest.mark.parametrize("order", [1, 99])
def test_an_invoice_for_a_delivery_never_dispatched_is_a_phantom(order: int) -> None:
    rows = [*order_world(), row(95, "erp.invoice_posted", order, 9999, value=5.0)]
    verdict = no_phantoms(write(rows))
    assert not verdict.valid
    assert verdict.counts["invoiced_without_dispatch"] == 1
    assert verdict.counts["invoiced_without_order"] == (order == 99)
    assert verdict.counts["phantoms"] == 1
    assert verdict.witness[0]["subject"] == 9999
