"""Releasing settled orders' state changes nothing a run records, and keeps the state small."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.run import execute, simulate
from sim.scenario import load_scenario
from sim.world import World, build_world

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SMALL = [
    "demand_days=2",
    "drain_days=6",
    "demand.orders_per_business_day=300",
    # customers pay in about a day, so orders settle (and are released) inside a small world
    'systems.erp.credit.payment_terms={"kind":"lognormal","mean":86400,"cv":0.3}',
    # a residence of half a day: released as early as a settled order may be
    "memory.release_after_days=0.5",
]


def _world(name: str, release: bool, *extra: str) -> World:
    scenario = load_scenario(
        SCENARIOS / name, [*SMALL, f"memory.release_finished_orders={release}", *extra]
    )
    world = build_world(scenario)
    simulate(world.run.sim, world.run.history, world.horizon_s, scenario.memory, None)
    world.record_end()
    return world


@pytest.mark.parametrize(
    ("name", "extra"),
    [
        ("baseline.yaml", ()),
        ("carrier_chaos.yaml", ()),  # duplicate, reordered, late and missing scans
        ("bad_monday.yaml", ()),
        # dead letters and exception-desk resolutions that read orders days later
        ("schema_upgrade.yaml", ()),
        ("baseline.yaml", ("integration.pattern=event_bus",)),
        ("baseline.yaml", ("returns.enabled=true",)),
    ],
)
def test_release_leaves_the_history_unchanged(name: str, extra: tuple[str, ...]) -> None:
    released, kept = _world(name, True, *extra), _world(name, False, *extra)
    assert released.run.history.content_hash() == kept.run.history.content_hash()
    if "returns.enabled=true" in extra:
        assert released.archive is None  # a return may read any order: nothing is released
    else:
        assert released.archive is not None and released.archive.released > 100


def _held(world: World) -> dict[str, int]:
    """Orders (and their parts) each system still holds at the end of the run."""
    return {
        "erp.orders": len(world.erp.orders),
        "erp.deliveries": len(world.erp.deliveries),
        "erp.invoices": len(world.erp.invoices),
        "crm.records": len(world.crm.quotes) + len(world.crm.orders),
        "wms.released": len(world.wms.released),
        "carrier.bookings": len(world.carrier.bookings),
    }


def test_settled_orders_are_released_from_every_system() -> None:
    world = _world("baseline.yaml", True)
    taken = len(world.erp.by_reference) + world.archive.released  # type: ignore[union-attr]
    held = _held(world)
    assert taken > 400
    assert max(held.values()) < taken / 4, held


def test_without_release_every_order_stays_held() -> None:
    """The check above, with the release switched off, fails: every order is still held."""
    world = _world("baseline.yaml", False)
    held = _held(world)
    assert world.archive is None
    assert held["erp.orders"] == len(world.erp.by_reference) > 400
    assert min(held.values()) > len(world.erp.by_reference) / 4, held


def test_a_released_run_has_the_same_metrics() -> None:
    overrides = [*SMALL, "demand_days=1"]
    on = execute(load_scenario(SCENARIOS / "baseline.yaml", overrides))
    off = execute(
        load_scenario(
            SCENARIOS / "baseline.yaml", [*overrides, "memory.release_finished_orders=false"]
        )
    )
    assert on.history_hash == off.history_hash
    assert repr(on.metrics) == repr(off.metrics)
