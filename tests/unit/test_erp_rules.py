"""Unit tests of the mock ERP's business rules (DOMAIN.md): credit, pricing, allocation,
backorders, invoicing, idempotency, tracking and stock conservation.

Every setup is hand-built with Constant service times, so every instant is exact:
each ERP API call takes 1 s, the allocation run ticks every 900 s and takes 60 s
(allocation happens at 960, 1860, 2760, 3660, ... when there is work). The scheduled
batch jobs (billing due-list runs, nightly backorder rescheduling) are off here, so each
rule acts at once; tests/unit/test_batch_windows.py switches them on.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Generator
from functools import partial
from typing import Any

import pytest

from mock_systems.erp import (
    BackorderRescheduling,
    BillingRuns,
    ChangeNotification,
    CreateOrderResult,
    CreditPolicy,
    Erp,
    ErpConfig,
    ErpEndpoints,
    ReplenishmentPolicy,
    RequestItem,
    SalesOrderRequest,
    SimulationResult,
)
from sim.engine import CallResult, Constant, EndpointSpec, RunEnvironment
from sim.engine.calendar import DAY
from tests.helpers import at

PLANT = "NJ01"
FAST = EndpointSpec(service_time=Constant(value=1.0), concurrency=4)
ALLOCATION_1 = 960.0  # first allocation run: tick at 900 s plus 60 s run time


def erp_config(**changes: Any) -> ErpConfig:
    settings: dict[str, Any] = {
        "endpoints": ErpEndpoints(simulate_order=FAST, create_order=FAST, delivery_update=FAST),
        "allocation_interval_s": 900.0,
        "allocation_run_time": Constant(value=60.0),
        "allocation_time_per_line": 0.0,  # runs of a fixed length: the rules are tested here
        "credit": CreditPolicy(
            review_time=Constant(value=3600.0),
            approval_tolerance=0.25,
            payment_terms=Constant(value=10 * DAY),
        ),
        "replenishment": ReplenishmentPolicy(
            review_interval_s=DAY, lead_time=Constant(value=1000.0)
        ),
        "billing_runs": BillingRuns(enabled=False),
        "backorder_rescheduling": BackorderRescheduling(enabled=False),
    }
    settings.update(changes)
    return ErpConfig(**settings)


def make_erp(config: ErpConfig | None = None) -> tuple[RunEnvironment, Erp]:
    run = RunEnvironment(1)
    erp = Erp(run, config or erp_config(), {"northeast": PLANT})
    return run, erp


def standard_erp(
    config: ErpConfig | None = None,
    *,
    credit_limit: float = 1_000_000.0,
    exposure: float = 0.0,
    on_hand: int = 100,
    reorder_point: int = 0,
    order_up_to: int = 0,
) -> tuple[RunEnvironment, Erp]:
    """One customer C1 (northeast), material M1 at 10.00 with the given stock."""
    run, erp = make_erp(config)
    erp.add_customer("C1", "Acme", "northeast", credit_limit, exposure)
    erp.add_material("M1", 10.0)
    erp.set_stock(PLANT, "M1", on_hand, reorder_point, order_up_to)
    return run, erp


def request(
    ref: int, items: tuple[tuple[str, int, float], ...] = (("M1", 8, 10.0),), sold_to: str = "C1"
) -> SalesOrderRequest:
    return SalesOrderRequest(
        sold_to=sold_to,
        customer_reference=ref,
        channel="field_sales",
        items=tuple(RequestItem(m, q, p) for m, q, p in items),
    )


def rows(run: RunEnvironment, event: str) -> list[dict[str, Any]]:
    return run.history.select(event)


def notes(erp: Erp, ref: int) -> list[ChangeNotification]:
    return [n for n in erp.outbox.items if n.customer_reference == ref]


def events(erp: Erp, ref: int) -> list[str]:
    return [n.event for n in notes(erp, ref)]


def order_of(erp: Erp, ref: int) -> Any:
    return erp.orders[erp.by_reference[ref]]


# ---------------------------------------------------------------------------- credit


@pytest.mark.parametrize(
    ("exposure", "held"),
    [(800.0, False), (800.01, True), (900.0, True)],
    ids=["exactly-at-limit", "one-cent-over", "over"],
)
def test_credit_hold_is_placed_only_when_exposure_plus_order_exceeds_the_limit(
    exposure: float, held: bool
) -> None:
    run, erp = standard_erp(credit_limit=1000.0, exposure=exposure)
    checked = at(run, 0.0, lambda: erp.simulate_order(request(1, (("M1", 20, 10.0),))))
    answer = at(run, 0.0, lambda: erp.create_order(request(1, (("M1", 20, 10.0),)), "k1"))
    run.sim.run(until=2.0)
    assert ("credit_hold" in checked[0].reasons) is held  # the simulation agrees
    order = order_of(erp, 1)
    customer = erp.customers["C1"]
    if held:
        assert answer[0].status == "HELD"
        assert order.status == "HELD" and order.hold_reason == "credit_hold"
        assert customer.exposure == exposure  # not increased while held
        assert events(erp, 1) == ["CreditHoldPlaced"]
        assert notes(erp, 1)[0].detail == {"reason": "credit_hold"}
        assert notes(erp, 1)[0].order_status == "HELD"
        assert [r["status"] for r in rows(run, "erp.hold_placed")] == ["credit_hold"]
    else:
        assert answer[0].status == "CREATED"
        assert order.status == "CREATED" and order.hold_reason == ""
        assert customer.exposure == pytest.approx(exposure + 200.0)
        assert events(erp, 1) == ["OrderAccepted"]
        assert rows(run, "erp.hold_placed") == []


def test_credit_hold_released_within_tolerance_then_allocated_at_next_run() -> None:
    # limit 1000, tolerance 25%: ceiling 1250; exposure 900 + order 200 = 1100 is within it
    run, erp = standard_erp(credit_limit=1000.0, exposure=900.0)
    at(run, 0.0, lambda: erp.create_order(request(1, (("M1", 20, 10.0),)), "k1"))
    run.sim.run(until=ALLOCATION_1 + 1)
    order = order_of(erp, 1)
    assert order.status == "HELD"
    assert erp.deliveries == {}  # a held order is not allocated
    assert erp.inventory.stock[(PLANT, "M1")].allocated == 0

    run.sim.run(until=3600.5)  # review takes 3600 s from creation at t=1
    assert order.status == "HELD"
    run.sim.run(until=3601.5)
    assert order.status == "CREATED" and order.hold_reason == ""
    assert erp.customers["C1"].exposure == pytest.approx(1100.0)
    assert events(erp, 1) == ["CreditHoldPlaced", "CreditHoldReleased", "OrderAccepted"]
    released = rows(run, "erp.hold_released")
    assert [(r["time"], r["order"], r["status"]) for r in released] == [(3601.0, 1, "credit_hold")]

    # ticks at 3600 (queue still empty) and 4500; allocation at 4560
    run.sim.run(until=4559.0)
    assert erp.deliveries == {}
    run.sim.run(until=4561.0)
    assert len(order.deliveries) == 1
    delivery = erp.deliveries[order.deliveries[0]]
    assert delivery.items == [(1, "M1", 20)]
    assert order.status == "ALLOCATED"
    assert rows(run, "erp.inventory_allocated")[0]["time"] == 4560.0
    assert erp.inventory.stock[(PLANT, "M1")].allocated == 20


@pytest.mark.parametrize(
    ("exposure", "released"),
    [(1050.0, True), (1050.01, False), (1200.0, False)],
    ids=["exactly-at-ceiling", "one-cent-beyond", "beyond"],
)
def test_credit_review_releases_up_to_the_tolerance_ceiling_and_rejects_beyond(
    exposure: float, released: bool
) -> None:
    run, erp = standard_erp(credit_limit=1000.0, exposure=exposure)
    at(run, 0.0, lambda: erp.create_order(request(1, (("M1", 20, 10.0),)), "k1"))
    run.sim.run(until=2 * 3600.0)
    order = order_of(erp, 1)
    customer = erp.customers["C1"]
    if released:
        assert order.status == "ALLOCATED"
        assert customer.exposure == pytest.approx(exposure + 200.0)
        assert events(erp, 1)[:3] == ["CreditHoldPlaced", "CreditHoldReleased", "OrderAccepted"]
    else:
        assert order.status == "CANCELLED"
        assert customer.exposure == exposure
        assert events(erp, 1) == ["CreditHoldPlaced", "OrderRejected"]
        assert notes(erp, 1)[-1].order_status == "CANCELLED"
        assert notes(erp, 1)[-1].detail == {"reason": "credit_hold"}
        rejected = rows(run, "erp.order_rejected")
        assert [(r["time"], r["status"]) for r in rejected] == [(3601.0, "credit_hold")]
        assert order.deliveries == [] and erp.deliveries == {}
        stock = erp.inventory.stock[(PLANT, "M1")]
        assert stock.allocated == 0 and stock.backlog == 0


def test_rejected_order_status_change_is_recorded_in_the_history() -> None:
    """Metrics and checkers read only the history: the CANCELLED transition must be a row."""
    run, erp = standard_erp(credit_limit=1000.0, exposure=1200.0)
    at(run, 0.0, lambda: erp.create_order(request(1, (("M1", 20, 10.0),)), "k1"))
    run.sim.run(until=4000.0)
    statuses = [r["status"] for r in rows(run, "erp.order_status") if r["order"] == 1]
    assert statuses == ["HELD", "CANCELLED"]


# ---------------------------------------------------------------------------- allocation


def test_partial_allocation_ships_what_it_can_and_backorders_the_rest() -> None:
    run, erp = standard_erp(on_hand=5)
    answer = at(run, 0.0, lambda: erp.create_order(request(1, (("M1", 8, 10.0),)), "k1"))
    run.sim.run(until=ALLOCATION_1 - 1)
    assert answer[0].status == "CREATED"
    assert erp.deliveries == {}
    stock = erp.inventory.stock[(PLANT, "M1")]
    assert stock.backlog == 8  # open demand waits for the allocation run

    run.sim.run(until=ALLOCATION_1 + 1)
    order = order_of(erp, 1)
    assert len(order.deliveries) == 1
    assert erp.deliveries[order.deliveries[0]].items == [(1, "M1", 5)]
    assert order.items[0].allocated == 5 and order.items[0].open_quantity == 3
    assert order.status == "BACKORDERED"  # least advanced part: the open remainder
    assert stock.allocated == 5 and stock.atp == 0 and stock.on_hand == 5
    assert stock.backlog == 3
    backorders = [n for n in notes(erp, 1) if n.event == "BackorderCreated"]
    assert len(backorders) == 1 and backorders[0].detail == {"open_quantity": 3}
    assert events(erp, 1) == ["OrderAccepted", "InventoryAllocated", "BackorderCreated"]
    allocated = next(n for n in notes(erp, 1) if n.event == "InventoryAllocated")
    assert allocated.detail["items"] == [[1, "M1", 5]]
    assert allocated.detail["plant"] == PLANT
    rows_bo = rows(run, "erp.backorder_created")
    assert [(r["time"], r["order"], r["value"]) for r in rows_bo] == [(ALLOCATION_1, 1, 3.0)]


def _watch_stock(run: RunEnvironment, erp: Erp, every: float, log: list[str]) -> None:
    """Sample every stock record and log any allocation beyond on hand."""

    def watcher() -> Generator[Any, Any, None]:
        while True:
            for key, rec in erp.inventory.stock.items():
                if rec.allocated > rec.on_hand or rec.atp < 0 or rec.on_hand < 0:
                    log.append(f"{run.now}: {key} {rec}")
            yield run.sim.timeout(every)

    run.sim.process(watcher())


def test_backorder_with_no_stock_is_allocated_after_a_goods_receipt() -> None:
    config = erp_config(
        replenishment=ReplenishmentPolicy(
            review_interval_s=1800.0, lead_time=Constant(value=1000.0)
        )
    )
    run, erp = standard_erp(config, on_hand=0, reorder_point=5, order_up_to=20)
    violations: list[str] = []
    _watch_stock(run, erp, 10.0, violations)
    at(run, 0.0, lambda: erp.create_order(request(1, (("M1", 8, 10.0),)), "k1"))

    run.sim.run(until=ALLOCATION_1 + 1)
    order = order_of(erp, 1)
    assert order.status == "BACKORDERED"
    assert order.deliveries == [] and erp.deliveries == {}
    assert [n.detail for n in notes(erp, 1) if n.event == "BackorderCreated"] == [
        {"open_quantity": 8}
    ]

    # review at 1800: position = 0 on hand - 0 allocated + 0 on order - 8 backlog = -8 < 5,
    # so order up to 20: 28 units, received 1000 s later
    run.sim.run(until=2799.0)
    assert [(r["time"], r["value"]) for r in rows(run, "erp.purchase_order")] == [(1800.0, 28.0)]
    stock = erp.inventory.stock[(PLANT, "M1")]
    assert stock.on_order == 28 and stock.on_hand == 0
    run.sim.run(until=2801.0)
    assert [(r["time"], r["value"]) for r in rows(run, "erp.goods_receipt")] == [(2800.0, 28.0)]
    assert stock.on_hand == 28 and stock.on_order == 0
    assert erp.deliveries == {}  # the receipt waits for the next allocation run

    run.sim.run(until=3659.0)
    assert erp.deliveries == {}
    run.sim.run(until=3661.0)  # tick at 3600 + 60 s run time
    assert len(order.deliveries) == 1
    assert erp.deliveries[order.deliveries[0]].items == [(1, "M1", 8)]
    assert order.status == "ALLOCATED"
    assert stock.allocated == 8 and stock.atp == 20 and stock.backlog == 0
    run.sim.run(until=2 * DAY)
    assert violations == []


def test_partial_backorder_gets_a_second_delivery_after_replenishment() -> None:
    config = erp_config(
        replenishment=ReplenishmentPolicy(
            review_interval_s=1800.0, lead_time=Constant(value=1000.0)
        )
    )
    run, erp = standard_erp(config, on_hand=5, reorder_point=5, order_up_to=20)
    violations: list[str] = []
    _watch_stock(run, erp, 10.0, violations)
    at(run, 0.0, lambda: erp.create_order(request(1, (("M1", 8, 10.0),)), "k1"))
    run.sim.run(until=3661.0)
    order = order_of(erp, 1)
    assert [erp.deliveries[d].items for d in order.deliveries] == [[(1, "M1", 5)], [(1, "M1", 3)]]
    # position after the first run: 5 - 5 + 0 - 3 = -3, so 23 ordered
    assert [r["value"] for r in rows(run, "erp.purchase_order")] == [23.0]
    stock = erp.inventory.stock[(PLANT, "M1")]
    assert stock.on_hand == 28 and stock.allocated == 8 and stock.backlog == 0
    assert order.status == "ALLOCATED"
    assert order.items[0].open_quantity == 0
    assert events(erp, 1).count("BackorderCreated") == 1
    assert events(erp, 1).count("InventoryAllocated") == 2
    assert [r["time"] for r in rows(run, "erp.inventory_allocated")] == [ALLOCATION_1, 3660.0]
    run.sim.run(until=2 * DAY)
    assert violations == []


def test_allocation_serves_orders_in_arrival_order_when_stock_is_short() -> None:
    run, erp = standard_erp(on_hand=10)
    at(run, 0.0, lambda: erp.create_order(request(1, (("M1", 6, 10.0),)), "k1"))
    at(run, 5.0, lambda: erp.create_order(request(2, (("M1", 6, 10.0),)), "k2"))
    run.sim.run(until=ALLOCATION_1 + 1)
    first, second = order_of(erp, 1), order_of(erp, 2)
    assert first.status == "ALLOCATED" and first.items[0].allocated == 6
    assert second.status == "BACKORDERED" and second.items[0].allocated == 4
    assert erp.inventory.stock[(PLANT, "M1")].atp == 0


# ---------------------------------------------------------------------------- invoicing


def _ship_one(
    config: ErpConfig,
) -> tuple[RunEnvironment, Erp, str]:
    """C1 with a contract price on M1 orders 4 M1 + 2 M2; allocated at 960."""
    run, erp = standard_erp(config, on_hand=10)
    erp.add_material("M2", 3.25)
    erp.set_stock(PLANT, "M2", 7, 0, 0)
    erp.set_contract_price("C1", "M1", 11.0)
    at(run, 0.0, lambda: erp.create_order(request(1, (("M1", 4, 11.0), ("M2", 2, 3.25))), "k"))
    run.sim.run(until=ALLOCATION_1 + 1)
    order = order_of(erp, 1)
    assert len(order.deliveries) == 1
    return run, erp, order.deliveries[0]


def test_invoice_is_posted_at_goods_issue_with_contract_prices_and_regional_tax() -> None:
    run, erp, delivery_no = _ship_one(erp_config(tax_rates={"northeast": 0.08}))
    order = order_of(erp, 1)
    assert order.net_value == pytest.approx(4 * 11.0 + 2 * 3.25)
    picked = at(run, 1000.0, lambda: erp.confirm_pick_release(delivery_no))
    run.sim.run(until=1050.0)
    assert picked == [True]
    assert erp.deliveries[delivery_no].status == "PICK_RELEASED"
    assert order.status == "PICK_RELEASED"
    assert erp.invoices == {}

    issued = at(run, 1100.0, lambda: erp.post_goods_issue(delivery_no, "1Z0000000001"))
    run.sim.run(until=1200.0)
    assert issued == [True]
    delivery = erp.deliveries[delivery_no]
    assert delivery.status == "SHIPPED" and delivery.tracking_number == "1Z0000000001"
    assert order.status == "SHIPPED"
    assert [i.shipped for i in order.items] == [4, 2]
    assert len(erp.invoices) == 1
    invoice = next(iter(erp.invoices.values()))
    assert invoice.delivery == delivery_no and invoice.customer_reference == 1
    assert invoice.items == ((1, "M1", 4, 11.0), (2, "M2", 2, 3.25))
    assert invoice.net == pytest.approx(50.5)
    assert invoice.tax == pytest.approx(4.04)
    assert invoice.posted_at == 1101.0
    m1, m2 = erp.inventory.stock[(PLANT, "M1")], erp.inventory.stock[(PLANT, "M2")]
    assert (m1.on_hand, m1.allocated, m2.on_hand, m2.allocated) == (6, 0, 5, 0)
    posted = [n for n in notes(erp, 1) if n.event == "InvoicePosted"]
    assert len(posted) == 1
    assert posted[0].detail["net"] == pytest.approx(50.5)
    assert posted[0].detail["tax"] == pytest.approx(4.04)
    assert posted[0].detail["delivery"] == delivery_no
    assert events(erp, 1)[-2:] == ["ShipmentDispatched", "InvoicePosted"]
    issues = rows(run, "erp.goods_issue")
    assert sorted((r["order"], r["value"]) for r in issues) == [(1, 2.0), (1, 4.0)]


@pytest.mark.parametrize(("region", "rate"), [("northeast", 0.0625), ("south", 0.07)])
def test_invoice_tax_uses_the_rate_of_the_customers_region(region: str, rate: float) -> None:
    run = RunEnvironment(1)
    erp = Erp(run, erp_config(), {"northeast": "NJ01", "south": "GA01"})
    erp.add_customer("C1", "Acme", region, 1e6)
    erp.add_material("M1", 12.34)
    plant = erp.plant_for(region)
    erp.set_stock(plant, "M1", 50, 0, 0)
    at(run, 0.0, lambda: erp.create_order(request(1, (("M1", 7, 12.34),)), "k"))
    run.sim.run(until=ALLOCATION_1 + 1)
    delivery_no = order_of(erp, 1).deliveries[0]
    assert erp.deliveries[delivery_no].plant == plant
    at(run, 1000.0, lambda: erp.post_goods_issue(delivery_no, "1Z"))
    run.sim.run(until=1100.0)
    (invoice,) = erp.invoices.values()
    assert invoice.net == pytest.approx(7 * 12.34)
    assert abs(invoice.tax - invoice.net * rate) <= 0.005


def test_repeated_goods_issue_is_suppressed_not_issued_or_invoiced_twice() -> None:
    run, erp, delivery_no = _ship_one(erp_config())
    at(run, 1000.0, lambda: erp.post_goods_issue(delivery_no, "1Z1"))
    again = at(run, 1100.0, lambda: erp.post_goods_issue(delivery_no, "1Z1"))
    run.sim.run(until=1200.0)
    assert again == [True]
    assert len(erp.invoices) == 1
    assert erp.inventory.stock[(PLANT, "M1")].on_hand == 6
    assert len(rows(run, "erp.goods_issue")) == 2  # two lines, issued once
    assert [r["time"] for r in rows(run, "erp.duplicate_suppressed")] == [1101.0]


def test_invoice_on_delivery_waits_for_the_delivered_scan() -> None:
    run, erp, delivery_no = _ship_one(erp_config(invoice_on="delivery"))
    at(run, 1000.0, lambda: erp.post_goods_issue(delivery_no, "1Z1"))
    run.sim.run(until=1100.0)
    assert erp.deliveries[delivery_no].status == "SHIPPED"
    assert erp.invoices == {}
    assert erp.inventory.stock[(PLANT, "M1")].on_hand == 6  # stock issued at goods issue
    assert "InvoicePosted" not in events(erp, 1)

    at(run, 2000.0, lambda: erp.record_tracking(delivery_no, "in_transit", 1500.0))
    run.sim.run(until=2100.0)
    assert erp.invoices == {}
    applied = at(run, 3000.0, lambda: erp.record_tracking(delivery_no, "delivered", 2500.0))
    run.sim.run(until=3100.0)
    assert applied == [True]
    assert erp.deliveries[delivery_no].status == "DELIVERED"
    assert order_of(erp, 1).status == "DELIVERED"
    (invoice,) = erp.invoices.values()
    assert invoice.posted_at == 3001.0
    assert invoice.net == pytest.approx(50.5)
    assert events(erp, 1)[-2:] == ["ShipmentStatusChanged", "InvoicePosted"]


def test_payment_after_terms_reduces_exposure_by_the_invoiced_net() -> None:
    run, erp, delivery_no = _ship_one(erp_config())
    assert erp.customers["C1"].exposure == pytest.approx(50.5)
    at(run, 1000.0, lambda: erp.post_goods_issue(delivery_no, "1Z1"))
    run.sim.run(until=1001.0 + 10 * DAY - 1)
    assert erp.customers["C1"].exposure == pytest.approx(50.5)
    run.sim.run(until=1001.0 + 10 * DAY + 1)
    assert erp.customers["C1"].exposure == pytest.approx(0.0)
    assert [r["value"] for r in rows(run, "erp.payment_received")] == [pytest.approx(50.5)]
    assert events(erp, 1)[-1] == "PaymentReceived"


# ---------------------------------------------------------------------------- idempotency


def test_same_idempotency_key_returns_the_first_order_without_creating_another() -> None:
    run, erp = standard_erp()
    first = at(run, 0.0, lambda: erp.create_order(request(7), "O00000007"))
    second = at(run, 10.0, lambda: erp.create_order(request(7), "O00000007"))
    run.sim.run(until=20.0)
    assert len(erp.orders) == 1
    a, b = first[0], second[0]
    assert isinstance(a, CreateOrderResult) and isinstance(b, CreateOrderResult)
    assert a.created and not a.replayed
    assert b.created and b.replayed and b.sales_document == a.sales_document
    dup = rows(run, "erp.duplicate_suppressed")
    assert [(r["time"], r["order"]) for r in dup] == [(11.0, 7)]
    assert len(rows(run, "erp.order_created")) == 1
    assert erp.customers["C1"].exposure == pytest.approx(80.0)  # counted once


def test_without_an_idempotency_key_a_resubmission_creates_a_duplicate_order() -> None:
    run, erp = standard_erp()
    first = at(run, 0.0, lambda: erp.create_order(request(7), None))
    second = at(run, 10.0, lambda: erp.create_order(request(7), None))
    run.sim.run(until=20.0)
    assert len(erp.orders) == 2
    assert first[0].sales_document != second[0].sales_document
    assert not second[0].replayed
    assert [o.customer_reference for o in erp.orders.values()] == [7, 7]
    assert rows(run, "erp.duplicate_suppressed") == []
    assert erp.customers["C1"].exposure == pytest.approx(160.0)


# ------------------------------------------------------------------ master data and pricing


@pytest.mark.parametrize(
    ("sold_to", "material"), [("C404", "M1"), ("C1", "M404")], ids=["customer", "material"]
)
def test_unknown_customer_or_material_is_rejected_as_master_data_conflict(
    sold_to: str, material: str
) -> None:
    run, erp = standard_erp()
    req = request(3, (("M1", 1, 10.0), (material, 2, 10.0)), sold_to=sold_to)
    checked = at(run, 0.0, lambda: erp.simulate_order(req))
    answer = at(run, 0.0, lambda: erp.create_order(req, "k3"))
    run.sim.run(until=ALLOCATION_1 + 100)
    assert isinstance(checked[0], SimulationResult)
    assert checked[0].reasons == ("master_data_conflict",) and not checked[0].ok
    result = answer[0]
    assert isinstance(result, CreateOrderResult)
    assert not result.created and result.reason == "master_data_conflict"
    assert result.sales_document == ""
    assert erp.orders == {} and erp.by_reference == {}
    assert [(r["order"], r["status"]) for r in rows(run, "erp.order_rejected")] == [
        (3, "master_data_conflict")
    ]
    assert erp.outbox.items == []
    assert erp.deliveries == {}


@pytest.mark.parametrize(
    ("quoted", "held"),
    [(10.0, False), (10.04, False), (9.96, False), (10.06, True), (9.9, True)],
)
def test_quoted_price_off_by_more_than_tolerance_holds_the_order(quoted: float, held: bool) -> None:
    run, erp = standard_erp()  # price 10.00, tolerance 0.5% = 0.05
    answer = at(run, 0.0, lambda: erp.create_order(request(1, (("M1", 3, quoted),)), "k"))
    run.sim.run(until=3 * 3600.0)
    order = order_of(erp, 1)
    if held:
        assert answer[0].status == "HELD"
        assert order.status == "HELD" and order.hold_reason == "pricing_mismatch"
        assert events(erp, 1) == ["OrderHeld"]  # stays held: no credit review, no allocation
        assert notes(erp, 1)[0].detail == {"reason": "pricing_mismatch"}
        assert erp.customers["C1"].exposure == 0.0
        assert erp.deliveries == {}
    else:
        assert order.status == "ALLOCATED" and order.hold_reason == ""
        assert order.items[0].net_price == 10.0  # the ERP charges its own price


def test_quote_at_list_price_mismatches_a_contract_price() -> None:
    run, erp = standard_erp()
    erp.set_contract_price("C1", "M1", 9.0)
    checked = at(run, 0.0, lambda: erp.simulate_order(request(1, (("M1", 3, 10.0),))))
    answer = at(run, 0.0, lambda: erp.create_order(request(1, (("M1", 3, 10.0),)), "k"))
    run.sim.run(until=10.0)
    assert "pricing_mismatch" in checked[0].reasons
    assert answer[0].status == "HELD"
    assert order_of(erp, 1).hold_reason == "pricing_mismatch"


def test_simulation_reports_credit_price_and_atp_without_committing() -> None:
    run, erp = standard_erp(credit_limit=100.0, on_hand=2)
    checked = at(run, 0.0, lambda: erp.simulate_order(request(1, (("M1", 20, 10.0),))))
    run.sim.run(until=ALLOCATION_1 + 10)
    result = checked[0]
    assert isinstance(result, SimulationResult)
    assert not result.ok
    assert result.reasons == ("credit_hold",)
    assert result.net_value == pytest.approx(200.0)
    assert result.tax == pytest.approx(200.0 * 0.0625)
    assert result.atp_short_items == (1,)
    assert erp.orders == {} and erp.outbox.items == []
    assert erp.customers["C1"].exposure == 0.0


def test_unavailable_create_endpoint_refuses_without_creating() -> None:
    run, erp = standard_erp()
    erp.endpoints["create_order"].set_available(False)
    answer = at(run, 0.0, lambda: erp.create_order(request(1), "k"))
    run.sim.run(until=10.0)
    assert isinstance(answer[0], CallResult) and answer[0].status == "unavailable"
    assert erp.orders == {}


# ---------------------------------------------------------------------------- tracking


def test_tracking_applies_only_newer_scans_and_never_moves_status_backwards() -> None:
    run, erp, delivery_no = _ship_one(erp_config())
    at(run, 1000.0, lambda: erp.post_goods_issue(delivery_no, "1Z1"))
    run.sim.run(until=1100.0)
    delivery = erp.deliveries[delivery_no]
    order = order_of(erp, 1)

    answers: list[tuple[str, float, Any, str]] = []

    def scan(code: str, occurred_at: float) -> None:
        box = at(run, run.now, lambda: erp.record_tracking(delivery_no, code, occurred_at))
        run.sim.run(until=run.now + 5)
        answers.append((code, occurred_at, box[0], delivery.status))

    scan("picked_up", 1200.0)
    scan("delivered", 1500.0)
    scan("out_for_delivery", 1400.0)  # older than the last applied: ignored
    scan("in_transit", 1600.0)  # newer but less advanced: no step back
    scan("delivered", 1500.0)  # repeated: ignored
    scan("exception", 1700.0)  # no status behind it: ignored
    assert answers == [
        ("picked_up", 1200.0, True, "IN_TRANSIT"),
        ("delivered", 1500.0, True, "DELIVERED"),
        ("out_for_delivery", 1400.0, False, "DELIVERED"),
        ("in_transit", 1600.0, False, "DELIVERED"),
        ("delivered", 1500.0, False, "DELIVERED"),
        ("exception", 1700.0, False, "DELIVERED"),
    ]
    assert order.status == "DELIVERED"
    applied = rows(run, "erp.delivery_status")
    assert [(r["status"], r["value2"]) for r in applied] == [
        ("IN_TRANSIT", 1200.0),
        ("DELIVERED", 1500.0),
    ]
    ignored = rows(run, "erp.tracking_ignored")
    assert [r["status"] for r in ignored] == ["out_for_delivery", "delivered", "exception"]
    changes = [n for n in notes(erp, 1) if n.event == "ShipmentStatusChanged"]
    assert [(n.occurred_at, n.detail["delivery_status"]) for n in changes] == [
        (1200.0, "IN_TRANSIT"),
        (1500.0, "DELIVERED"),
    ]
    statuses = [r["status"] for r in rows(run, "erp.order_status") if r["order"] == 1]
    assert statuses == ["CREATED", "ALLOCATED", "SHIPPED", "IN_TRANSIT", "DELIVERED"]


def test_order_status_is_the_least_advanced_delivery() -> None:
    config = erp_config(
        replenishment=ReplenishmentPolicy(
            review_interval_s=1800.0, lead_time=Constant(value=1000.0)
        )
    )
    run, erp = standard_erp(config, on_hand=5, reorder_point=5, order_up_to=20)
    at(run, 0.0, lambda: erp.create_order(request(1, (("M1", 8, 10.0),)), "k"))
    run.sim.run(until=ALLOCATION_1 + 1)
    order = order_of(erp, 1)
    first = order.deliveries[0]
    at(run, 1000.0, lambda: erp.post_goods_issue(first, "1Z1"))
    at(run, 1100.0, lambda: erp.record_tracking(first, "delivered", 1090.0))
    run.sim.run(until=1200.0)
    assert erp.deliveries[first].status == "DELIVERED"
    assert order.status == "BACKORDERED"  # the open remainder is the least advanced part
    run.sim.run(until=3661.0)
    second = order.deliveries[1]
    assert order.status == "ALLOCATED"
    at(run, 3700.0, lambda: erp.post_goods_issue(second, "1Z2"))
    run.sim.run(until=3800.0)
    assert order.status == "SHIPPED"
    at(run, 3900.0, lambda: erp.record_tracking(second, "delivered", 3850.0))
    run.sim.run(until=4000.0)
    assert order.status == "DELIVERED"
    assert len(erp.invoices) == 2


def test_scan_before_goods_issue_does_not_skip_goods_issue_or_invoice() -> None:
    """A carrier scan that overtakes the goods issue must not make the ERP drop it.

    A delivery that the carrier moves is shipped: its stock must be issued once and it
    must be invoiced once (DOMAIN.md invariants 3 and 5), whatever order the two arrive in.
    """
    run, erp, delivery_no = _ship_one(erp_config())
    at(run, 1000.0, lambda: erp.record_tracking(delivery_no, "picked_up", 990.0))
    at(run, 1100.0, lambda: erp.post_goods_issue(delivery_no, "1Z1"))
    run.sim.run(until=1200.0)
    m1 = erp.inventory.stock[(PLANT, "M1")]
    assert (m1.on_hand, m1.allocated) == (6, 0)
    assert len(erp.invoices) == 1
    assert erp.deliveries[delivery_no].tracking_number == "1Z1"


# ---------------------------------------------------------------------------- conservation


def test_stock_is_conserved_over_a_multi_order_run() -> None:
    config = erp_config(
        replenishment=ReplenishmentPolicy(
            review_interval_s=4 * 3600.0, lead_time=Constant(value=2 * 3600.0)
        )
    )
    run, erp = make_erp(config)
    erp.add_customer("C1", "Acme", "northeast", 1e9)
    erp.add_customer("C2", "Bolt", "northeast", 1e9)
    for material, price, on_hand, s, big_s in (
        ("M1", 10.0, 10, 5, 30),
        ("M2", 4.0, 3, 2, 10),
        ("M3", 7.5, 0, 1, 6),
    ):
        erp.add_material(material, price)
        erp.set_stock(PLANT, material, on_hand, s, big_s)
    plan = [
        (0.0, 1, "C1", (("M1", 6, 10.0), ("M2", 2, 4.0))),
        (100.0, 2, "C2", (("M1", 7, 10.0), ("M3", 3, 7.5))),
        (2000.0, 3, "C1", (("M2", 5, 4.0),)),
        (5000.0, 4, "C2", (("M1", 12, 10.0), ("M2", 1, 4.0), ("M3", 2, 7.5))),
        (30000.0, 5, "C1", (("M3", 4, 7.5),)),
    ]
    for when, ref, sold_to, items in plan:
        req = request(ref, items, sold_to=sold_to)
        at(run, when, partial(erp.create_order, req, f"k{ref}"))

    handled: set[str] = set()

    def warehouse() -> Generator[Any, Any, None]:
        while True:
            yield run.sim.timeout(300.0)
            for number in sorted(set(erp.deliveries) - handled):
                handled.add(number)
                yield from erp.confirm_pick_release(number)
                yield from erp.post_goods_issue(number, f"1Z{number}")

    run.sim.process(warehouse())
    violations: list[str] = []
    _watch_stock(run, erp, 60.0, violations)
    run.sim.run(until=3 * DAY)

    assert violations == []
    assert all(o.status == "SHIPPED" for o in erp.orders.values())
    assert rows(run, "erp.goods_receipt"), "the run should include replenishment"
    assert len(erp.deliveries) > len(plan), "the run should include backorders"
    numbers = {m.number: m.material for m in erp.materials.values()}
    balance: dict[tuple[str, str], float] = defaultdict(float)
    for event, sign in (
        ("erp.stock_opening", 1),
        ("erp.goods_receipt", 1),
        ("erp.goods_issue", -1),
    ):
        for r in rows(run, event):
            balance[(r["status"], numbers[r["subject"]])] += sign * r["value"]
    assert balance == {key: float(rec.on_hand) for key, rec in erp.inventory.stock.items()}
    issued: dict[int, float] = defaultdict(float)
    for r in rows(run, "erp.goods_issue"):
        issued[r["order"]] += r["value"]
    ordered = {ref: float(sum(q for _, q, _ in items)) for _, ref, _, items in plan}
    assert dict(issued) == ordered
    # every shipped delivery was invoiced once, at the ERP's price
    assert sorted(i.delivery for i in erp.invoices.values()) == sorted(erp.deliveries)
    for invoice in erp.invoices.values():
        order = erp.orders[invoice.sales_document]
        expected = sum(q * erp.price(order.sold_to, m) for _, m, q, _ in invoice.items)
        assert math.isclose(invoice.net, expected, abs_tol=0.005)
