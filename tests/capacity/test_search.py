"""The bisection under replications, on a fake runner whose one SLA breaks at a known load.

The runner stands in for the simulation (injected through ``capacity_search``'s ``runner``):
replication ``i`` at multiplier ``m`` reports an order creation p95 of
``10 s * m * (1 + (i - 1) / 100)``, so the verdict's upper bound is ``10 s * m * c`` with
``c = 1 + t(0.95, 2) * 0.01 / sqrt(3)``, and a 40 s target holds up to ``m* = 4 / c``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import pytest
from scipy import stats

from sim.capacity import CapacitySettings, capacity_search
from sim.replications import Replication, ReplicationTask, TaskProgress
from sim.scenario import Scenario

BASE = 100.0
METRIC = "order_creation_latency"


def _world() -> Scenario:
    return Scenario.model_validate(
        {
            "name": "fake",
            "demand": {"orders_per_business_day": BASE},
            "slas": {METRIC: {"percentile": 95, "max_s": 40}},
        }
    )


def _metrics(multiplier: float, index: int) -> dict[str, object]:
    hours = [0.0, 1.0, 2.0]
    # a resource whose busiest hour is 0.2 x the multiplier: saturated (0.85) from 4.25x;
    # requests wait for it once it is more than half busy, more as the load grows
    busy = [0.1 * multiplier, 0.2 * multiplier, 0.0]
    queue = [10 * max(0.0, u - 0.5) for u in busy]
    return {
        "sla": {METRIC: {"observed_s": 10.0 * multiplier * (1 + (index - 1) / 100)}},
        "thresholds": {},
        "volume": {"orders_accepted": BASE * multiplier},
        "resources": {
            "erp.dialog": {
                "servers": 2,
                "peak_hour_utilisation": max(busy),
                "mean_utilisation": sum(busy) / 3,
                "peak_hour_queue": max(queue),
            }
        },
        "resource_hourly": {
            "time_h": hours,
            "accepted": [BASE * multiplier, BASE * multiplier, 0.0],
            "retries": [0.0, 0.0, 0.0],
            "utilisation": {"erp.dialog": busy},
            "queue": {"erp.dialog": queue},
        },
        "backlog_age": {"hourly": {"awaiting_erp_order.count": [0.0, 0.0, 0.0, 0.0]}},
    }


class FakeRunner:
    """Answers each task from its multiplier and index, and records what it was asked."""

    def __init__(self) -> None:
        self.seeds: list[list[int]] = []

    def __call__(
        self, tasks: Sequence[ReplicationTask], workers: int, progress: TaskProgress | None
    ) -> list[Replication]:
        self.seeds.append([task.seed for task in tasks])
        done = []
        for task in tasks:
            multiplier = task.scenario.demand.orders_per_business_day / BASE
            done.append(
                Replication(
                    index=task.index,
                    study_seed=task.study_seed,
                    seed=task.seed,
                    pattern=task.scenario.integration.pattern,
                    history_hash="",
                    history_rows=0,
                    demand_hash="",
                    timeline_hash="",
                    metrics=_metrics(multiplier, task.index),
                    statistics={},
                )
            )
        return done


def _answer() -> float:
    return 4.0 / (1 + float(stats.t.ppf(0.95, 2)) * 0.01 / math.sqrt(3))


def test_bisection_converges_on_the_load_where_the_sla_breaks() -> None:
    runner = FakeRunner()
    settings = CapacitySettings(low=0.5, high=16, tolerance=0.02, max_steps=20, replications=3)
    result = capacity_search(_world(), settings, runner=runner)
    assert result.bracketed and result.converged
    assert result.passed is not None and result.failed is not None
    assert result.passed <= _answer() < result.failed
    assert result.failed / result.passed - 1 <= 0.02
    # every step ran the same replication seeds: common random numbers
    assert all(seeds == runner.seeds[0] for seeds in runner.seeds)
    assert len(set(runner.seeds[0])) == 3
    # the failing steps name the SLA that failed
    assert all(s.failed == (METRIC,) for s in result.steps if s.multiplier > _answer())
    assert result.bottleneck.resource == "erp.dialog"
    assert result.bottleneck.crossing_multiplier == pytest.approx(4.25, rel=0.15)


def test_the_step_budget_stops_the_search_with_a_wider_interval() -> None:
    settings = CapacitySettings(low=0.5, high=16, tolerance=0.001, max_steps=4, replications=3)
    result = capacity_search(_world(), settings, runner=FakeRunner())
    assert len(result.steps) == 4
    assert result.bracketed and not result.converged
    assert result.passed is not None and result.failed is not None
    assert result.passed <= _answer() < result.failed
    assert "budget" in result.stop_reason


def test_a_bracket_that_does_not_hold_is_widened_then_reported() -> None:
    # high passes: doubled once (widen=1), still passes: no failing multiplier found
    settings = CapacitySettings(low=0.25, high=1, widen=1, replications=3)
    result = capacity_search(_world(), settings, runner=FakeRunner())
    assert [s.multiplier for s in result.steps] == [0.25, 1, 2]
    assert not result.bracketed and result.failed is None and result.passed == 2
    # low fails: halved until it passes
    settings = CapacitySettings(low=12, high=16, widen=3, tolerance=0.5, replications=3)
    result = capacity_search(_world(), settings, runner=FakeRunner())
    assert [s.multiplier for s in result.steps][:3] == [12, 6, 3]
    assert result.bracketed and result.passed is not None and result.failed is not None
    assert result.passed <= _answer() < result.failed
    # low fails and may not be widened: the answer is below low
    settings = CapacitySettings(low=12, high=16, widen=0, replications=3)
    result = capacity_search(_world(), settings, runner=FakeRunner())
    assert result.passed is None and result.failed == 12 and not result.bracketed


def test_settings_refuse_a_bracket_upside_down() -> None:
    with pytest.raises(ValueError, match="must be above low"):
        CapacitySettings(low=4, high=2)


def test_high_is_never_doubled_above_the_ceiling() -> None:
    settings = CapacitySettings(low=0.25, high=1, widen=2, replications=3)
    result = capacity_search(_world(), settings, runner=FakeRunner(), ceiling=1.5)
    assert [s.multiplier for s in result.steps] == [0.25, 1]
    assert result.failed is None and "above the largest allowed" in result.stop_reason


def test_the_backlog_floor_of_the_settings_is_the_rule_the_search_applies() -> None:
    # the fake resource's busiest-hour queue grows by 1 per 0.1 of utilisation above 0.5,
    # per server 0.5 per 0.1: a floor above anything it reaches leaves it busy only
    base = dict(low=0.5, high=16, tolerance=0.2, max_steps=8, replications=3)
    found = capacity_search(_world(), CapacitySettings(**base), runner=FakeRunner()).bottleneck
    assert found.saturated and found.backlog_floor == 0.1
    strict = CapacitySettings(**base, backlog_floor=1000)
    unmet = capacity_search(_world(), strict, runner=FakeRunner()).bottleneck
    assert not unmet.saturated and unmet.resource == "erp.dialog"
    assert unmet.busy_without_backlog == {"erp.dialog": pytest.approx(4.25, rel=0.15)}


STOCK = "allocation_delay"
"""A second SLA, against a 12-hour target, whose p95 a :class:`DelayRunner` sets: failing at
every load (as a peak day's backorders wait days for receipts), easing as the load rises, or
failing in a band of loads."""


def _world_with_stock_wait() -> Scenario:
    world = _world()
    slas = dict(world.slas)
    slas[STOCK] = world.slas[METRIC].model_copy(update={"max_s": 43_200.0})
    return world.model_copy(update={"slas": slas})


class DelayRunner(FakeRunner):
    """The fake runner, with an allocation delay in every replication: ``delay(m)`` seconds
    at multiplier ``m`` (times 1.000, 1.001, 1.002 over the three replications)."""

    def __init__(self, delay: Callable[[float], float]) -> None:
        super().__init__()
        self.delay = delay

    def __call__(
        self, tasks: Sequence[ReplicationTask], workers: int, progress: TaskProgress | None
    ) -> list[Replication]:
        done = super().__call__(tasks, workers, progress)
        for task, replication in zip(tasks, done, strict=True):
            multiplier = task.scenario.demand.orders_per_business_day / BASE
            latency = replication.metrics["sla"]
            assert isinstance(latency, dict)
            latency[STOCK] = {"observed_s": self.delay(multiplier) * (1 + task.index / 1000)}
        return done


def _stock_wait() -> DelayRunner:
    """100,000 s whatever the load."""
    return DelayRunner(lambda multiplier: 100_000.0)


def test_a_gate_failing_at_every_load_leaves_no_bracket_and_is_reported() -> None:
    settings = CapacitySettings(low=0.5, high=16, widen=2, replications=3)
    result = capacity_search(_world_with_stock_wait(), settings, runner=_stock_wait())
    assert result.passed is None and not result.bracketed
    assert [s.multiplier for s in result.ascending] == [0.125, 0.25, 0.5]
    everywhere = result.failed_at_every_step
    assert list(everywhere) == [STOCK]  # order creation holds at these loads
    assert [m for m, _ in everywhere[STOCK]] == [0.125, 0.25, 0.5]
    assert {round(mean) for _, mean in everywhere[STOCK]} == {100_100}
    assert result.to_dict()["answer"]["failed_at_every_step"][STOCK][0]["multiplier"] == 0.125


def test_gating_on_the_other_slas_finds_their_capacity_and_reports_the_rest() -> None:
    settings = CapacitySettings(
        low=0.5, high=16, tolerance=0.002, max_steps=30, replications=3, gates=(METRIC,)
    )
    result = capacity_search(_world_with_stock_wait(), settings, runner=_stock_wait())
    assert result.bracketed and result.converged
    assert result.passed is not None and result.failed is not None
    # the family-wise alpha is split among the gating SLAs only (one): the bound is the
    # one-SLA world's; split between two SLAs the answer would be lower, outside the bracket
    assert result.passed <= _answer() < result.failed
    split_in_two = 4.0 / (1 + float(stats.t.ppf(1 - 0.05 / 2, 2)) * 0.01 / math.sqrt(3))
    assert result.passed > split_in_two
    for step in result.steps:
        assert step.gates[STOCK]["gating"] is False and not step.gates[STOCK]["passed"]
        assert step.failed_not_gating == (STOCK,)
        assert STOCK not in step.failed
    assert list(result.failed_at_every_step) == [STOCK]
    assert result.to_dict()["answer"]["gates"] == [METRIC]

    from rich.console import Console

    from sim.report.capacity import print_capacity

    console = Console(record=True, width=200)
    print_capacity(result, console)
    text = console.export_text()
    assert f"every SLA of {METRIC} held" in text
    assert f"not gating: {STOCK}" in text
    assert f"{STOCK} failed at every step (not gating); its mean: 27.8 h at" in text
    assert "--gate" not in text  # the hint is for a search left without a bracket


def test_the_hint_names_the_gates_to_search_on_when_one_fails_everywhere() -> None:
    from rich.console import Console

    from sim.report.capacity import print_capacity

    settings = CapacitySettings(low=0.5, high=16, widen=1, replications=3)
    result = capacity_search(_world_with_stock_wait(), settings, runner=_stock_wait())
    console = Console(record=True, width=300)
    print_capacity(result, console)
    text = console.export_text()
    assert f"{STOCK} failed at every step; its mean: 27.8 h at 0.25x, 27.8 h at 0.5x" in text
    assert f"search on the others (--gate {METRIC})" in text


def test_an_unknown_gate_is_refused_with_the_scenarios_gates() -> None:
    settings = CapacitySettings(replications=3, gates=("allocation_dela",))
    with pytest.raises(ValueError, match="no gate 'allocation_dela'; its gates: "):
        capacity_search(_world_with_stock_wait(), settings, runner=_stock_wait())


def _printed(result: object) -> str:
    from rich.console import Console

    from sim.report.capacity import print_capacity

    console = Console(record=True, width=300)
    print_capacity(result, console)  # type: ignore[arg-type]
    return console.export_text()


def test_a_gate_that_holds_at_a_higher_load_than_it_failed_is_reported() -> None:
    # an allocation delay that eases as the load rises, 100,000 s / m (as a peak day's,
    # once a saturated ERP creates orders after their stock arrived)
    # the delay holds from about 2.3x (100,000 / m within 43,200 s): it fails at 0.5x and
    # 2x and holds at 16x; order creation fails from about 3.9x
    settings = CapacitySettings(
        low=0.5, high=16, tolerance=0.5, max_steps=5, replications=3, gates=(METRIC,)
    )
    result = capacity_search(
        _world_with_stock_wait(),
        settings,
        runner=DelayRunner(lambda multiplier: 100_000.0 / multiplier),
    )
    assert result.passed is not None and result.passed <= _answer() < (result.failed or 0)
    failed_at, held_at = result.not_monotone[STOCK]
    assert failed_at == 0.5 and held_at > 2.3
    assert METRIC not in result.not_monotone  # it fails from one load upwards
    answer = result.to_dict()["answer"]["not_monotone"]
    assert answer == {STOCK: {"failed_at": 0.5, "held_at": held_at, "gating": False}}
    text = _printed(result)
    assert f"{STOCK} (not gating) is not monotone in the load: it failed at 0.5x" in text
    assert "may be in the wrong place" not in text  # it decides nothing here


def _band(multiplier: float) -> float:
    """A delay that fails its 12-hour target only between 2.5x and 3.5x."""
    return 100_000.0 if 2.5 <= multiplier <= 3.5 else 1_000.0


def test_a_gating_gate_that_is_not_monotone_warns_about_the_bracket() -> None:
    # 0.5x holds, 16x fails order creation (the delay holds there), the midpoint 2.83x
    # fails the delay alone: the bracket ends at 2.83x, below order creation's 3.9x
    settings = CapacitySettings(low=0.5, high=16, tolerance=0.5, max_steps=3, replications=3)
    result = capacity_search(_world_with_stock_wait(), settings, runner=DelayRunner(_band))
    assert [s.multiplier for s in result.ascending] == [0.5, pytest.approx(2.83, rel=0.01), 16]
    assert result.failed == pytest.approx(2.83, rel=0.01)
    assert result.not_monotone == {STOCK: (result.failed, 16)}
    text = _printed(result)
    assert f"{STOCK} is not monotone in the load: it failed at 2.83x and held at 16x" in text
    assert "so the bracket may be in the wrong place" in text
