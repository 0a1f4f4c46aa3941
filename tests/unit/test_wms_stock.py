"""WMS bin stock: drift makes short picks, cycle counts correct the records (small worlds)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mock_systems.wms_stock import BinStock, BinStockConfig
from sim.checks import run_all
from sim.engine import RunEnvironment
from sim.engine.calendar import WorkCalendar
from sim.scenario import Scenario
from sim.world import World, build_world

MONDAY = datetime(2026, 11, 23, tzinfo=UTC)


def _bins(config: BinStockConfig) -> tuple[RunEnvironment, BinStock, list[tuple[str, str, int]]]:
    run = RunEnvironment(3)
    posted: list[tuple[str, str, int]] = []
    bins = BinStock(run, config, WorkCalendar(MONDAY), lambda *a, **k: None)
    bins.post_difference = lambda site, material, diff: posted.append((site, material, diff))
    return run, bins, posted


def test_a_pick_takes_only_what_is_physically_in_the_bin() -> None:
    _, bins, _ = _bins(BinStockConfig(drift_per_bin_day=0, cycle_count_share=0))
    bins.load("NJ01", "M1", 5)
    bins.physical[("NJ01", "M1")] = 2  # two units lost without a booking
    assert bins.pick("NJ01", "M1", 4) == 2
    assert bins.physical[("NJ01", "M1")] == 0 and bins.system[("NJ01", "M1")] == 3
    assert bins.pick("NJ01", "UNKNOWN", 4) == 4  # a bin the WMS does not keep


def test_a_cycle_count_posts_the_difference_and_corrects_the_record() -> None:
    run, bins, posted = _bins(BinStockConfig(drift_per_bin_day=0, cycle_count_share=1.0))
    bins.load("NJ01", "M1", 5)
    bins.load("NJ01", "M2", 7)
    bins.physical[("NJ01", "M1")] = 3
    bins.task_opened("NJ01", ((1, "M2", 1),))
    bins.physical[("NJ01", "M2")] = 1
    run.sim.run(until=86_400.0)
    assert posted == [("NJ01", "M1", -2)]  # M2 has an open pick task: not counted
    assert bins.system[("NJ01", "M1")] == 3


def _world(drift: float, counts: float) -> World:
    scenario = Scenario.model_validate(
        {
            "name": "bins",
            "seed": 5,
            "demand_days": 4,
            "drain_days": 3,
            "demand": {"orders_per_business_day": 150},
            "master_data": {"customers": 100, "products": 40},
            "systems": {
                "wms": {"stock": {"drift_per_bin_day": drift, "cycle_count_share": counts}}
            },
        }
    )
    world = build_world(scenario)
    world.run.sim.run(until=world.horizon_s)
    world.record_end()
    return world


@pytest.fixture(scope="module")
def worlds() -> dict[str, World]:
    return {
        "drift": _world(0.3, 0.0),
        "drift+counts": _world(0.3, 0.3),
        "no drift": _world(0.0, 0.3),
    }


def _count(world: World, event: str) -> int:
    return len(world.run.history.select(event))


def test_short_picks_happen_under_drift_and_vanish_without_it(worlds: dict[str, World]) -> None:
    assert _count(worlds["drift"], "wms.short_pick") > 20
    assert _count(worlds["drift"], "erp.shipped_short") > 0
    assert _count(worlds["no drift"], "wms.stock_drift") == 0
    assert _count(worlds["no drift"], "wms.short_pick") == 0
    assert _count(worlds["no drift"], "erp.inventory_difference") == 0


def test_cycle_counts_reduce_short_picks(worlds: dict[str, World]) -> None:
    assert _count(worlds["drift"], "erp.inventory_difference") == 0
    assert _count(worlds["drift+counts"], "erp.inventory_difference") > 0
    with_counts = _count(worlds["drift+counts"], "wms.short_pick")
    without = _count(worlds["drift"], "wms.short_pick")
    assert with_counts < 0.8 * without, (with_counts, without)


@pytest.mark.parametrize("name", ["drift", "drift+counts", "no drift"])
def test_every_invariant_holds_with_drift_and_counts(worlds: dict[str, World], name: str) -> None:
    verdicts = run_all(worlds[name].run.history)
    assert all(v.valid for v in verdicts.values()), {
        k: v.counts for k, v in verdicts.items() if not v.valid
    }
    assert verdicts["causality"].counts["stock_counted_groups"] > 0
