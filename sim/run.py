"""One run: a pure function of (scenario, seed) returning a :class:`RunResult`."""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import simpy

from sim.checks import Verdict, run_all
from sim.collector import simulation_collector
from sim.delivery_health import endpoint_limits
from sim.engine import History
from sim.engine.calendar import DAY
from sim.faults import FaultTimeline
from sim.metrics import compute_metrics
from sim.scenario import Scenario
from sim.scenario.memory import MemorySettings
from sim.world import build_world

__all__ = ["Progress", "RunResult", "execute", "retry_amplification", "simulate"]

Progress = Callable[[float, float], None]
"""Called as ``progress(now, horizon)`` once per simulated day."""


@dataclass
class RunResult:
    """What a run leaves: its inputs, its history and the KPIs computed from it."""

    scenario: Scenario
    seed: int
    history: History
    horizon_s: float
    metrics: dict[str, Any]
    timeline: FaultTimeline = field(default_factory=FaultTimeline)
    wall_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def history_hash(self) -> str:
        """SHA-256 of the history: equal for equal (scenario, seed)."""
        return self.history.content_hash()

    @property
    def sla_passed(self) -> bool:
        """True when every SLA target and every threshold of the scenario was met."""
        gates = [
            *self.metrics.get("sla", {}).values(),
            *self.metrics.get("thresholds", {}).values(),
        ]
        return all(v["passed"] for v in gates)

    @cached_property
    def invariants(self) -> dict[str, Verdict]:
        """Every history-only invariant checker's verdict on this run (computed once)."""
        return run_all(self.history)

    @property
    def invariants_hold(self) -> bool:
        """True when no invariant checker found a violation."""
        return all(verdict.valid for verdict in self.invariants.values())

    @property
    def threshold_errors(self) -> dict[str, str]:
        """Threshold lines whose figure the metrics do not have, with what is wrong."""
        return {
            line: entry["error"]
            for line, entry in self.metrics.get("thresholds", {}).items()
            if "error" in entry
        }


def retry_amplification(faulty: dict[str, Any], fault_free: dict[str, Any]) -> dict[str, Any]:
    """Calls to each system and endpoint under the faults, against the run without them.

    Both arguments are metrics (``RunResult.metrics``) of the same scenario and seed, so
    both runs take the same orders; the ratio is how many times more each was called
    because of the faults (retries, probes, re-sends, polls), which one run cannot tell.
    Per system it is calls per order; per endpoint, calls (scheduled extracts dilute a
    system's figure, so the endpoint shows where the extra calls went).
    """

    def ratios(under: dict[str, Any], without: dict[str, Any], key: str) -> dict[str, Any]:
        return {
            name: {
                key: float(row[key]),
                f"fault_free_{key}": float(without[name][key]) if name in without else math.nan,
                "amplification": (
                    float(row[key]) / float(without[name][key])
                    if name in without and without[name][key]
                    else math.nan
                ),
            }
            for name, row in sorted(under.items())
        }

    under, without = (m["delivery_health"]["calls"] for m in (faulty, fault_free))
    return {
        "by_system": ratios(under["by_system"], without["by_system"], "calls_per_order"),
        "by_endpoint": ratios(under["by_endpoint"], without["by_endpoint"], "calls"),
    }


def simulate(
    sim: simpy.Environment,
    history: History,
    horizon: float,
    memory: MemorySettings,
    progress: Progress | None,
) -> None:
    """Run the environment to ``horizon``, reporting each day and keeping the history budget.

    With a history budget the run stops every ``memory.history_check_s`` simulated seconds
    to spill the history if its rows in memory exceed the budget. Stopping a SimPy run and
    going on changes nothing of what happens (the stop is an event of its own), so the
    history is the same with or without a budget.
    """
    budget = memory.history_budget_rows
    step = DAY if budget is None else min(DAY, memory.history_check_s)
    now = 0.0
    next_day = DAY
    with simulation_collector():
        while now < horizon:
            now = min(horizon, now + step)
            sim.run(until=now)
            if budget is not None:
                history.spill_if_over(budget)
            if progress is not None and (now >= next_day or now >= horizon):
                progress(now, horizon)
                next_day += DAY


def execute(
    scenario: Scenario,
    seed: int | None = None,
    progress: Progress | None = None,
    timeline: FaultTimeline | None = None,
    against_fault_free: bool = False,
) -> RunResult:
    """Build the world, run it to its horizon and compute the metrics.

    ``progress(now, horizon)`` is called once per simulated day; it only observes.
    Wall-clock timings are kept beside the result, never inside the history. With
    ``against_fault_free`` the same scenario and seed also runs without its faults, and
    ``delivery_health.retry_amplification`` compares the calls per order of the two.
    """
    if against_fault_free:
        result = execute(scenario, seed, progress, timeline)
        twin = execute(scenario.model_copy(update={"faults": ()}), seed, None, FaultTimeline())
        result.metrics["delivery_health"]["retry_amplification"] = retry_amplification(
            result.metrics, twin.metrics
        )
        result.wall_seconds["fault_free_twin"] = sum(twin.wall_seconds.values())
        return result
    seed = scenario.seed if seed is None else seed
    started = time.perf_counter()
    world = build_world(scenario, seed, timeline)
    built = time.perf_counter()
    horizon = world.horizon_s
    simulate(world.run.sim, world.run.history, horizon, scenario.memory, progress)
    world.record_end()
    simulated = time.perf_counter()
    business_days = sum(
        1
        for day in range(math.ceil(scenario.demand_days))
        if scenario.demand.weekday_factors[world.calendar.weekday(day * DAY)] > 0
    )
    history, fault_timeline = world.run.history, world.timeline
    # the world (every system's state, the pending events) is not needed for the metrics:
    # let it go before they build their frames; a long run's world is collected at once
    del world
    if history.spills:
        gc.collect()
    metrics = compute_metrics(
        history,
        horizon,
        scenario.slas,
        business_days,
        limits=endpoint_limits(scenario, fault_timeline, horizon),
        thresholds=scenario.thresholds,
        alerts=scenario.alerts,
        warmup_s=scenario.warm_start.warmup_days * DAY,
    )
    finished = time.perf_counter()
    return RunResult(
        scenario=scenario,
        seed=seed,
        history=history,
        horizon_s=horizon,
        metrics=metrics,
        timeline=fault_timeline,
        wall_seconds={
            "build": built - started,
            "simulate": simulated - built,
            "metrics": finished - simulated,
        },
    )
