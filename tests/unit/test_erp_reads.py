"""The mock ERP's read APIs and its notification events, as the adapter maps them.

Three endpoints, each with its own cost: a status query per order (``order_status``), the
change extract since a time (``status_extract``) and the read-back of a whole order by key
(``read_order``). Each must answer what the ERP holds when it is asked: before and after
a delivery, a goods issue (the invoice is posted), a carrier milestone and a payment. With
``event_payload: keys`` the ERP's events carry keys only, and the consumers' contract
mapping still reads them, in both contract versions.
"""

from __future__ import annotations

from typing import Any

import pytest

from mock_systems.erp import (
    BillingStatus,
    ChangeNotification,
    Erp,
    ErpConfig,
    ErpEndpoints,
    EventPayload,
    SalesOrderDocument,
    StatusLine,
    WorkProcesses,
)
from sim.engine import RunEnvironment
from sim.engine.calendar import DAY
from sim.integration.adapters import ErpAdapter
from sim.integration.adapters.erp import InvoiceStatus, OrderReading, StatusReading, keys_only
from sim.integration.blocks import EventContracts
from sim.integration.canonical import OrderStatus
from sim.integration.messaging import BusSettings, MessageBus, Outcome
from tests.helpers import at
from tests.unit.test_erp_rules import FAST, PLANT, erp_config, order_of, request, standard_erp

TRACKING = "1Z0000000001"


def _config(**changes: Any) -> ErpConfig:
    """Every endpoint takes exactly 1 s, so every instant below is exact.

    Enough work processes that reads asked together never queue for one.
    """
    changes.setdefault("work_processes", WorkProcesses(dialog=8))
    endpoints = ErpEndpoints(
        simulate_order=FAST,
        create_order=FAST,
        delivery_update=FAST,
        order_status=FAST,
        read_order=FAST,
        status_extract=FAST,
    )
    return erp_config(endpoints=endpoints, **changes)


def _allocated(config: ErpConfig | None = None) -> tuple[RunEnvironment, Erp, str]:
    """Order 1 (4 M1 + 2 M2) allocated in one delivery at 960 s."""
    run, erp = standard_erp(config or _config(), on_hand=10)
    erp.add_material("M2", 3.25)
    erp.set_stock(PLANT, "M2", 7, 0, 0)
    at(run, 0.0, lambda: erp.create_order(request(1, (("M1", 4, 10.0), ("M2", 2, 3.25))), "k"))
    run.sim.run(until=1000.0)
    (delivery,) = order_of(erp, 1).deliveries
    return run, erp, delivery


def _ask(run: RunEnvironment, erp: Erp, when: float) -> tuple[Any, Any, Any]:
    """(status query, change extract since 0, read-back) of order 1, asked at ``when``."""
    status = at(run, when, lambda: erp.order_status(1))
    extract = at(run, when, lambda: erp.status_extract(0.0))
    document = at(run, when, lambda: erp.read_order(1))
    run.sim.run(until=when + 2.0)
    return status[0], extract[0], document[0]


def test_the_three_read_endpoints_answer_what_the_erp_holds() -> None:
    run, erp, delivery = _allocated()
    status, extract, document = _ask(run, erp, 1000.0)
    order = order_of(erp, 1)
    assert status == StatusLine(
        1, "ALLOCATED", order.version, order.sales_document, 960.0, ((delivery, "ALLOCATED"),)
    )
    assert extract == [status]
    assert isinstance(document, SalesOrderDocument)
    assert document.line == status and document.plant == PLANT and document.sold_to == "C1"
    (shipped,) = document.deliveries
    assert (shipped.delivery, shipped.status, shipped.plant) == (delivery, "ALLOCATED", PLANT)
    assert shipped.items == ((1, "M1", 4), (2, "M2", 2))
    assert document.invoices == ()

    # goods issue posts the invoice; a carrier milestone moves the delivery on
    at(run, 1100.0, lambda: erp.post_goods_issue(delivery, TRACKING))
    at(run, 1200.0, lambda: erp.record_tracking(delivery, "in_transit", 1150.0))
    status, extract, after = _ask(run, erp, 1300.0)
    (invoice,) = erp.invoices.values()
    assert status.status == "IN_TRANSIT" and status.version == order.version
    assert status.deliveries == ((delivery, "IN_TRANSIT"),)
    assert status.invoices == ((invoice.billing_document, delivery, BillingStatus.POSTED),)
    assert extract == [status]
    assert after.line == status
    assert after.deliveries[0].status == "IN_TRANSIT"
    assert after.deliveries[0].tracking_number == TRACKING
    assert after.invoices == (invoice,) and after.invoices[0].net == pytest.approx(46.5)
    # a read-back is a snapshot of its time, not a live view
    assert document.deliveries[0].status == "ALLOCATED" and document.invoices == ()

    # each read is one call of its own endpoint
    calls = [r["actor"] for r in run.history.select("endpoint.call")]
    for endpoint in ("order_status", "status_extract", "read_order"):
        assert calls.count(f"endpoint:erp.{endpoint}") == 2, endpoint


def test_the_extract_reports_invoice_and_tracking_changes_that_leave_the_status() -> None:
    run, erp, delivery = _allocated()
    at(run, 1100.0, lambda: erp.post_goods_issue(delivery, TRACKING))
    at(run, 1200.0, lambda: erp.record_tracking(delivery, "delivered", 1150.0))
    run.sim.run(until=1300.0)
    assert order_of(erp, 1).status == "DELIVERED"
    assert erp.changes_after(1300.0) == 0
    quiet = at(run, 1300.0, lambda: erp.status_extract(1250.0))
    run.sim.run(until=1400.0)
    assert quiet == [[]]
    # the customer pays after the terms: no status move, but an invoice change
    run.sim.run(until=1101.0 + 10 * DAY + 1)
    assert order_of(erp, 1).status == "DELIVERED"
    assert erp.changes_after(1300.0) == 1  # the harness's peek: no call
    calls = len(run.history.select("endpoint.call"))
    status, extract, document = _ask(run, erp, 1101.0 + 10 * DAY + 10)
    (invoice,) = erp.invoices.values()
    assert invoice.status is BillingStatus.PAID
    assert status.invoices == ((invoice.billing_document, delivery, BillingStatus.PAID),)
    assert status.changed_at == 1201.0  # the order status last moved at the delivered scan
    assert extract == [status]
    assert document.invoices == (invoice,)
    assert len(run.history.select("endpoint.call")) == calls + 3


def test_unknown_orders_read_as_none() -> None:
    run, erp = standard_erp(_config())
    answers = [at(run, 0.0, lambda: erp.order_status(99)), at(run, 0.0, lambda: erp.read_order(99))]
    run.sim.run(until=5.0)
    assert answers == [[None], [None]]


def test_the_adapter_maps_the_reads_to_the_canonical_model() -> None:
    run, erp, delivery = _allocated()
    adapter = ErpAdapter(erp)
    at(run, 1100.0, lambda: erp.post_goods_issue(delivery, TRACKING))
    at(run, 1200.0, lambda: erp.record_tracking(delivery, "out_for_delivery", 1150.0))
    run.sim.run(until=1300.0)
    status = at(run, 1300.0, lambda: adapter.read_status(1))
    changes = at(run, 1300.0, lambda: adapter.status_changes(0.0))
    moved = at(run, 1300.0, lambda: adapter.status_changes(0.0, moved_until=1300.0))
    not_yet = at(run, 1300.0, lambda: adapter.status_changes(0.0, moved_until=1200.0))
    not_since = at(run, 1300.0, lambda: adapter.status_changes(1201.0, moved_until=1300.0))
    document = at(run, 1300.0, lambda: adapter.read_order(1))
    run.sim.run(until=1400.0)
    (reading,) = status
    assert isinstance(reading, StatusReading)
    assert reading.status == "OUT_FOR_DELIVERY"
    assert reading.shipments == ((delivery, OrderStatus.OUT_FOR_DELIVERY),)
    assert reading.invoices == ((delivery, InvoiceStatus.POSTED),)
    assert changes == [[reading]]
    # the status last moved at 1201 (the out-for-delivery scan committed): read only in
    # (since, until]
    assert reading.changed_at == 1201.0
    assert moved == [[reading]] and not_yet == [[]] and not_since == [[]]
    (order,) = document
    assert isinstance(order, OrderReading)
    assert order.status == reading and order.hold_reason == ""
    found = order.delivery(delivery)
    assert found is not None and found.plant == PLANT
    assert found.lines == ((1, "M1", 4), (2, "M2", 2))
    assert found.status is OrderStatus.OUT_FOR_DELIVERY
    assert order.delivery("80009999") is None
    assert adapter.unsynced_changes(0.0) == erp.changes_after(0.0) > 0


def _notes(erp: Erp) -> list[ChangeNotification]:
    return [n for n in erp.outbox.items if n.customer_reference == 1]


@pytest.mark.parametrize("payload", list(EventPayload))
def test_notification_events_carry_only_keys(payload: EventPayload) -> None:
    run, erp, delivery = _allocated(_config(event_payload=payload))
    at(run, 1100.0, lambda: erp.post_goods_issue(delivery, TRACKING))
    run.sim.run(until=1200.0)
    notes = {n.event: n for n in _notes(erp)}
    allocated, posted = notes["InventoryAllocated"], notes["InvoicePosted"]
    (invoice,) = erp.invoices
    if payload is EventPayload.FULL:
        assert not allocated.keys_only and allocated.order_status == "ALLOCATED"
        assert allocated.detail["items"] and allocated.detail["plant"] == PLANT
        assert posted.detail["net"] == pytest.approx(46.5)
        return
    assert all(n.keys_only and n.order_status == "" for n in _notes(erp))
    assert allocated.detail == {"delivery": delivery}
    assert posted.detail == {"billing_document": invoice, "delivery": delivery}
    assert notes["OrderAccepted"].detail == {}
    envelope = ErpAdapter(erp).envelope(allocated, run.now)
    assert keys_only(envelope) and "status" not in envelope.payload
    assert envelope.payload["delivery"] == delivery and envelope.sequence == allocated.sequence


def test_contract_mapping_reads_notification_events_in_both_versions() -> None:
    run, erp, delivery = _allocated(_config(event_payload="keys"))
    adapter = ErpAdapter(erp)
    contracts = EventContracts(
        run,
        lambda *_a, **_k: None,
        MessageBus(run, BusSettings()),
        ("crm-status-sync",),
        {"1.0": 0.0, "2.0": 0.0},
        False,
    )
    (allocated,) = [n for n in _notes(erp) if n.event == "InventoryAllocated"]
    v1 = adapter.envelope(allocated, run.now)
    erp.set_contract_version("2.0")
    at(run, 1100.0, lambda: erp.post_goods_issue(delivery, TRACKING))
    run.sim.run(until=1200.0)
    (shipped,) = [n for n in _notes(erp) if n.event == "ShipmentDispatched"]
    v2 = adapter.envelope(shipped, run.now)
    assert v2.schema_version == "2.0" and "OverallStatus" not in v2.payload
    for envelope in (v1, v2):
        mapped = contracts.mapped(envelope)
        assert not isinstance(mapped, Outcome), envelope
        assert keys_only(mapped) and mapped.payload["delivery"] == delivery
        assert mapped.payload["order_ref"] == 1
    # a payload that has neither a status nor the keys-only mark is still poison
    garbled = v1._replace(payload={"order_ref": 1, "delivery": delivery})
    assert contracts.mapped(garbled) is Outcome.POISON


def test_a_scan_of_an_archived_delivery_is_answered_not_found_and_ignored() -> None:
    """A late duplicate scan can reach the ERP after its settled order was archived: the
    ERP answers (the call is served, keyed to no order) that it changed nothing."""
    run, erp, delivery = _allocated()
    at(run, 1100.0, lambda: erp.post_goods_issue(delivery, TRACKING))
    at(run, 1200.0, lambda: erp.record_tracking(delivery, "delivered", 1150.0))
    run.sim.run(until=1101.0 + 10 * DAY + 1)  # the customer has paid: the order is settled
    archived = erp.archive_order(1)
    assert archived is not None and archived.deliveries == (delivery,)
    assert delivery not in erp.deliveries
    rows = len(run.history)
    when = run.sim.now + 10.0
    answer = at(run, when, lambda: erp.record_tracking(delivery, "delivered", 1160.0))
    run.sim.run(until=when + 2.0)
    assert answer == [False]
    call = run.history.select("endpoint.call")[-1]
    assert call["actor"] == "endpoint:erp.delivery_update" and call["status"] == "ok"
    assert call["order"] == -1
    assert len(run.history) == rows + 1  # the call's row and nothing else
