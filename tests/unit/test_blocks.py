"""The integration building blocks on their own: callers' switches and the CRM status sync."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from sim.engine.calendar import HOUR
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
    ref = int(history.select("integration.order_submitted")[0]["order"])
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
