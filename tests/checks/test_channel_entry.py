"""The checkers treat each channel's point of entry as its acceptance.

The hand-written world of ``support.order_world`` with each order entering where its channel
enters: order 1 placed by the web shop, orders 2 and 3 received by the ERP as IDocs (order 2
taken into the CRM as an order record), order 4 a field-sales quote.
"""

from __future__ import annotations

from sim.checks import no_duplicates, no_lost_orders, no_phantoms, run_all
from tests.checks.support import Row, has_row, order_world, row, without, write

_ENTRY = {1: "crm.order_placed", 2: "erp.idoc_received", 3: "erp.idoc_received"}


def channel_world() -> list[Row]:
    """``order_world`` with web-shop and EDI orders entering outside the CRM quote."""
    rows = []
    for r in order_world():
        if r["event"] == "crm.quote_accepted" and r["order"] in _ENTRY:
            r = {**r, "event": _ENTRY[r["order"]]}
        rows.append(r)
    rows.append(row(12, "crm.order_record_created", 2, status="edi"))
    return rows


def test_every_channel_keeps_every_invariant() -> None:
    verdicts = run_all(write(channel_world()))
    assert all(v.valid for v in verdicts.values()), {
        k: v.counts for k, v in verdicts.items() if not v.valid
    }
    assert verdicts["no_lost_orders"].counts["accepted"] == 4


def test_an_edi_order_without_its_idoc_receipt_is_a_phantom() -> None:
    verdict = no_phantoms(write(without(channel_world(), "erp.idoc_received", order=2)))
    assert not verdict.valid
    assert verdict.counts["created_without_acceptance"] == 1
    assert has_row(verdict.witness, "erp.order_created", order=2)


def test_an_edi_order_neither_created_nor_in_exception_is_lost() -> None:
    world = without(channel_world(), "integration.exception_raised", order=3)
    verdict = no_lost_orders(write(world))
    assert not verdict.valid
    assert verdict.counts["lost"] == 1
    assert has_row(verdict.witness, "erp.idoc_received", order=3)


def test_a_web_shop_order_never_created_is_lost() -> None:
    verdict = no_lost_orders(write(without(channel_world(), "erp.order_created", order=1)))
    assert not verdict.valid
    assert has_row(verdict.witness, "crm.order_placed", order=1)


def test_a_crm_order_record_for_an_order_the_erp_never_created_is_a_phantom() -> None:
    world = [*channel_world(), row(90, "crm.order_record_created", 3, status="edi")]
    verdict = no_phantoms(write(world))
    assert not verdict.valid
    assert verdict.counts["crm_record_without_order"] == 1
    assert has_row(verdict.witness, "crm.order_record_created", order=3)


def test_a_second_crm_order_record_is_a_duplicate() -> None:
    world = [*channel_world(), row(90, "crm.order_record_created", 2, status="edi")]
    verdict = no_duplicates(write(world))
    assert not verdict.valid
    assert verdict.counts["duplicate_crm_records"] == 1
