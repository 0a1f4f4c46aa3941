"""The integration building blocks on their own: callers' switches and the CRM status sync."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from sim.engine.calendar import HOUR
from sim.integration.adapters.erp import InvoiceStatus
from sim.integration.blocks import Callers, CrmStatusSync, StatusNews
from sim.integration.canonical import OrderStatus
from sim.integration.messaging import ClientLimit, Outcome
from sim.integration.settings import IntegrationSettings, Mechanisms
from sim.scenario import Scenario
from sim.world import World, build_world


def _world(mechanisms: Mechanisms | None = None, **integration: Any) -> World:
    return build_world(
        Scenario(
            name="blocks",
            seed=3,
            demand_days=0.25,
            drain_days=1,
            demand={"orders_per_business_day": 80},
            master_data={"customers": 20, "products": 10},
            integration={"mechanisms": mechanisms or Mechanisms(), **integration},
        )
    )


def test_callers_honour_the_mechanism_switches() -> None:
    limits = {"erp": ClientLimit(requests=300, window_s=60.0)}
    world = _world()
    on = Callers.build(world.run, IntegrationSettings(client_limits=limits))
    assert on.order_breaker is not None and on.delivery_breaker is not None
    assert on.order_breaker is not on.delivery_breaker  # one breaker per ERP API group
    assert on.erp_orders.bucket is not None and on.erp_orders.bucket is on.forward.bucket
    assert on.crm.policy.max_attempts > 1
    off = Callers.build(
        world.run,
        IntegrationSettings(
            client_limits=limits,
            mechanisms=Mechanisms(retry=False, circuit_breaker=False, client_throttle=False),
        ),
    )
    assert off.order_breaker is None and off.erp_orders.breaker is None
    assert off.erp_orders.bucket is None
    assert off.crm.policy.max_attempts == 1 and off.erp_orders.policy.max_attempts == 1
    # parking and forwarding keep trying whatever the retry switch: they are store and forward
    assert off.forward.policy.max_attempts > 1 and off.parked.policy.max_attempts > 1


def _apply_twice(resequencing: bool) -> tuple[list[Outcome], list[str]]:
    """Settle a small world, then send news for one order: a newer version, then an older."""
    world = _world(Mechanisms(resequencing=resequencing))
    world.run.sim.run(until=world.horizon_s)
    sync = world.pattern.status_sync  # type: ignore[attr-defined]
    assert isinstance(sync, CrmStatusSync)
    history = world.run.history
    ref = int(history.select("erp.order_created")[0]["order"])  # an order CRM shows
    now = world.run.now
    outcomes: list[Outcome] = []

    def drive() -> Generator[Any, Any, None]:
        for status, version in ((OrderStatus.CANCELLED, 1_000), (OrderStatus.CREATED, 999)):
            outcomes.append((yield from sync.apply(StatusNews(ref, status, version, now))))

    world.run.sim.process(drive())
    world.run.sim.run(until=world.horizon_s + HOUR)
    shown = [
        str(r["status"])
        for r in history.select("crm.status_updated")
        if int(r["order"]) == ref and float(r["time"]) >= now
    ]
    return outcomes, shown


def test_status_sync_discards_news_older_than_crm_shows() -> None:
    outcomes, shown = _apply_twice(resequencing=True)
    assert outcomes == [Outcome.APPLIED, Outcome.STALE]
    assert shown == ["CANCELLED"]


def test_without_resequencing_older_news_moves_crm_backwards() -> None:
    outcomes, shown = _apply_twice(resequencing=False)
    assert outcomes == [Outcome.APPLIED, Outcome.APPLIED]
    assert shown == ["CANCELLED", "CREATED"]


def _settled_multi_delivery_world() -> World:
    """A light hybrid world, run to its end; scarce stock ships orders in several deliveries."""
    world = build_world(
        Scenario(
            name="blocks-multi",
            seed=3,
            demand_days=0.5,
            drain_days=6,
            demand={"orders_per_business_day": 120},
            master_data={"customers": 40, "products": 30, "opening_cover_days": (0.2, 0.6)},
            warm_start={"enabled": False},  # thin opening stock: a cold start
        )
    )
    world.run.sim.run(until=world.horizon_s)
    return world


def test_status_sync_writes_each_new_shipment_and_invoice_once() -> None:
    world = _settled_multi_delivery_world()
    order = next(o for o in world.erp.orders.values() if len(o.deliveries) >= 2)
    ref, deliveries = order.customer_reference, tuple(order.deliveries)
    pattern: Any = world.pattern
    # a sync that has not written anything yet, over the pattern's own CRM writer
    sync = CrmStatusSync(
        pattern.record,
        pattern.context.crm,
        pattern.context.erp,
        pattern.writer,
        (pattern.callers.crm, pattern.callers.parked),
        60.0,
        resequencing=True,
    )
    history = world.run.history
    start = world.run.now
    news = StatusNews(
        ref,
        OrderStatus(order.status),
        order.version,
        start,
        order.sales_document,
        tuple((d, OrderStatus.DELIVERED) for d in deliveries),
        tuple((d, InvoiceStatus.POSTED) for d in deliveries),
    )
    paid = news._replace(version=order.version + 1, invoices=((deliveries[0], InvoiceStatus.PAID),))
    outcomes: list[Outcome] = []

    def drive() -> Generator[Any, Any, None]:
        for item in (news, news, paid):
            outcomes.append((yield from sync.apply(item)))

    world.run.sim.process(drive())
    world.run.sim.run(until=world.horizon_s + HOUR)

    def written(event: str) -> list[tuple[int, str]]:
        return [
            (int(r["subject"]), str(r["status"]))
            for r in history.select(event)
            if int(r["order"]) == ref and float(r["time"]) >= start
        ]

    numbers = [world.erp.deliveries[d].number for d in deliveries]
    assert outcomes == [Outcome.APPLIED, Outcome.STALE, Outcome.APPLIED]
    # CRM takes one shipment and one invoice per write: one write per delivery
    assert written("crm.shipment_updated") == [(n, "DELIVERED") for n in numbers]
    assert written("crm.invoice_status_updated") == [
        *((n, "POSTED") for n in numbers),
        (numbers[0], "PAID"),
    ]
    crm_calls = [
        r
        for r in history.select("endpoint.call")
        if r["actor"] == "endpoint:crm.api" and int(r["order"]) == ref and r["time"] >= start
    ]
    assert len(crm_calls) == len(deliveries) + 1
