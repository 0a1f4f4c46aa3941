"""The hybrid pattern's isolation between dependencies, under outages of one system.

Outages are driven by flipping an endpoint's availability from a test process (the fault
catalogue will schedule them from scenarios later).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from sim.engine.calendar import HOUR
from sim.metrics import compute_metrics
from sim.scenario import Scenario
from sim.world import World, build_world


def _world() -> World:
    return build_world(
        Scenario(
            name="resilience",
            seed=4,
            demand_days=1,
            drain_days=9,
            # demand hours in UTC with one profile for every channel, so the outages at
            # 09:00-11:00 UTC meet the reps' quotes (in US local time that is the night)
            demand={"orders_per_business_day": 400, "local_time": False, "channel_profiles": {}},
            master_data={"customers": 80, "products": 40},
        )
    )


def _outage(world: World, system: Any, operation: str, start: float, hours: float) -> None:
    endpoint = system.endpoints[operation]

    def run() -> Generator[Any, Any, None]:
        yield world.run.sim.timeout(start)
        endpoint.set_available(False)
        yield world.run.sim.timeout(hours * HOUR)
        endpoint.set_available(True)

    world.run.sim.process(run())


def test_a_delivery_api_outage_does_not_touch_order_intake() -> None:
    world = _world()
    _outage(world, world.erp, "delivery_update", 8 * HOUR, 6)
    world.run.sim.run(until=world.horizon_s)
    history = world.run.history
    validated = {str(r["status"]) for r in history.select("integration.validated")}
    assert "provisional" not in validated
    assert history.select("integration.stored_for_forwarding") == []
    breakers = {str(r["actor"]) for r in history.select("integration.breaker")}
    assert breakers == {"breaker:erp.deliveries"}  # only the delivery API's breaker moved
    parked = [r for r in history.select("integration.parked")]
    assert parked and len(history.select("integration.unparked")) == len(parked)
    statuses = {order.status for order in world.erp.orders.values()}
    assert statuses <= {"DELIVERED", "CANCELLED"}


def test_a_crm_outage_does_not_delay_erp_order_creation() -> None:
    world = _world()
    _outage(world, world.crm, "api", 9 * HOUR, 2)
    world.run.sim.run(until=world.horizon_s)
    metrics = compute_metrics(world.run.history, world.horizon_s)
    latency, by_channel = metrics["latency_s"], metrics["latency_by_channel_s"]
    # orders that enter through the CRM reach the ERP at once (EDI orders wait for their
    # IDoc inbound run, whatever the CRM does)
    for channel in ("field_sales", "web_shop"):
        assert by_channel["order_creation_latency"][channel]["p99"] < 30.0
    # the reps saw their verdicts late: the outage shows where it belongs
    assert latency["validation_latency"]["p99"] > 600.0
    quotes = world.crm.quotes.values()
    assert all(q.Validation_Result__c for q in quotes)
    assert all(
        q.Order_Status__c == world.erp.orders[world.erp.by_reference[q.Number]].status
        for q in quotes
    )


def test_an_order_api_outage_stores_and_forwards_orders() -> None:
    world = _world()
    _outage(world, world.erp, "create_order", 10 * HOUR, 1)
    world.run.sim.run(until=world.horizon_s)
    history = world.run.history
    stored = {int(r["order"]) for r in history.select("integration.stored_for_forwarding")}
    forwarded = {int(r["order"]) for r in history.select("integration.forwarded")}
    assert stored and stored == forwarded
    accepted = len(world.crm.quotes) + len(world.crm.orders) - len(world.erp.idocs)
    accepted += len(world.erp.idocs)  # EDI orders: an IDoc each, and a CRM order record
    assert len(world.erp.idocs) and len(world.crm.orders) > len(world.erp.idocs)
    assert len(world.erp.orders) == accepted  # none lost, none duplicated


def test_validation_falls_back_to_the_cached_atp_when_the_erp_cannot_answer() -> None:
    world = _world()
    _outage(world, world.erp, "simulate_order", 10 * HOUR, 1)
    world.run.sim.run(until=world.horizon_s)
    history = world.run.history
    provisional = [
        r for r in history.select("integration.validated") if r["status"] == "provisional"
    ]
    assert provisional, "no order was validated during the outage"
    pattern = world.pattern
    assert set(pattern.atp_cache.atp) == set(world.scenario.region_plants.values())  # type: ignore[attr-defined]
    refreshes = history.select("integration.atp_cache_refreshed")
    assert len(refreshes) >= 4 * 24 * 9  # every 15 minutes at each of four plants
    shown = {q.Number: q.Validation_Result__c for q in world.crm.quotes.values()}
    quoted = [r for r in provisional if int(r["order"]) in shown]  # web-shop orders: no rep
    assert quoted and all(shown[int(r["order"])].endswith("(provisional)") for r in quoted)


def test_a_provisional_verdict_reports_a_shortfall_against_the_cache() -> None:
    from sim.integration.canonical import Channel, Order, OrderLine

    world = _world()
    world.run.sim.run(until=HOUR)  # the first extract has landed
    pattern = world.pattern
    plant = world.scenario.region_plants["west"]
    sku, available = next(iter(pattern.atp_cache.atp[plant].items()))  # type: ignore[attr-defined]

    def order(quantity: int) -> Order:
        line = OrderLine(line_no=1, sku=sku, quantity=quantity, unit_price=1.0)
        return Order(
            correlation_id="O1",
            order_ref=1,
            customer_id="C",
            channel=Channel.EDI,
            region="west",
            accepted_at=0.0,
            lines=(line,),
        )

    within = pattern.atp_cache.verdict(order(max(1, available)))  # type: ignore[attr-defined]
    beyond = pattern.atp_cache.verdict(order(available + 1))  # type: ignore[attr-defined]
    assert within.provisional and (within.ok or available == 0)
    assert beyond.provisional and not beyond.ok and beyond.reasons == ("inventory_shortfall",)
