"""Capacity search: the highest arrival-rate multiplier at which every gate still holds.

Bisection on the multiplier (:func:`sim.capacity.scaling.scaled`), replications at each
step on the same replication seeds (common random numbers: every step sees the same
random draws, scaled, so a verdict changes because the load did). A step *passes* when
every SLA target and threshold line of the scenario holds across its replications with
95% confidence (the rule of :mod:`sim.verdicts`), or every one of those the settings name
(``gates``), when some are set by something other than the load.

1. Judge ``low``; while it fails and widening is left, halve it (the failed one bounds the
   answer from above). Then judge ``high``, unless a failing multiplier is known; while it
   passes and widening is left, double it.
2. Bisect the bracket [highest passed, lowest failed] at its geometric midpoint until the
   failed end is within ``tolerance`` above the passed end, or the step budget is spent.

The answer is the bracket itself: the capacity lies between its ends (if the verdict is
monotone in the load, which a search cannot prove). Every judged step is kept, with its
gates, its resources' utilisation and queues and its hourly series, for the bottleneck
(:mod:`sim.capacity.bottleneck`) and metastability (:mod:`sim.capacity.metastability`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from functools import partial

from sim.capacity.bottleneck import find_bottleneck
from sim.capacity.metastability import assess_metastability
from sim.capacity.result import CapacityResult
from sim.capacity.scaling import scaled
from sim.capacity.settings import CapacitySettings
from sim.capacity.steps import CapacityStep, check_gates, judge_step
from sim.executors import ProcessExecutor
from sim.replications import Replication, ReplicationTask, TaskProgress, run_tasks
from sim.scenario import Scenario

__all__ = ["Runner", "StepObserver", "capacity_search"]

Runner = Callable[[Sequence[ReplicationTask], int, TaskProgress | None], list[Replication]]
"""Runs tasks and returns their replications in task order (:func:`sim.replications.run_tasks`)."""

StepObserver = Callable[[CapacityStep], None]
"""Called with each step once it is judged; it only observes."""


class _Search:
    """The state of one search: its steps and the bracket."""

    def __init__(
        self,
        scenario: Scenario,
        settings: CapacitySettings,
        study_seed: int,
        workers: int,
        runner: Runner,
        progress: TaskProgress | None,
        on_step: StepObserver | None,
        ceiling: float,
    ) -> None:
        self.scenario = scenario
        self.settings = settings
        self.study_seed = study_seed
        self.workers = workers
        self.runner = runner
        self.progress = progress
        self.on_step = on_step
        self.ceiling = ceiling
        self.steps: list[CapacityStep] = []

    @property
    def budget_left(self) -> bool:
        return len(self.steps) < self.settings.max_steps

    def judge(self, multiplier: float) -> bool:
        """Run and judge one multiplier; True when every gate held."""
        scenario = scaled(self.scenario, multiplier)
        n = self.settings.replications
        tasks = [ReplicationTask(scenario, self.study_seed, index) for index in range(n)]
        replications = self.runner(tasks, min(self.workers, n), self.progress)
        step = judge_step(self.scenario, multiplier, replications, self.settings.gates)
        self.steps.append(step)
        if self.on_step is not None:
            self.on_step(step)
        return step.passed

    def bracket(self) -> tuple[float | None, float | None, str]:
        """(highest passed, lowest failed, why the bracket stops there)."""
        s = self.settings
        low, widen = s.low, s.widen
        failed: float | None = None
        while not self.judge(low):
            failed = low
            if not widen or not self.budget_left:
                return None, failed, f"every multiplier tried down to {low:g} failed"
            low, widen = low / 2, widen - 1
        if failed is not None:
            return low, failed, ""
        high = s.high
        while self.budget_left and self.judge(high):
            low = high
            if not widen or not self.budget_left:
                return low, None, f"every multiplier tried up to {high:g} passed"
            if high * 2 > self.ceiling:
                return (
                    low,
                    None,
                    (
                        f"every multiplier tried up to {high:g} passed; {high * 2:g} is above "
                        f"the largest allowed, {self.ceiling:g}"
                    ),
                )
            high, widen = high * 2, widen - 1
        if not self.budget_left and (not self.steps or self.steps[-1].passed):
            return low, None, "the step budget ran out before a multiplier failed"
        return low, high, ""

    def bisect(self, passed: float, failed: float) -> tuple[float, float, str]:
        tolerance = self.settings.tolerance
        while failed / passed - 1 > tolerance:
            if not self.budget_left:
                return passed, failed, "the step budget ran out"
            middle = math.sqrt(passed * failed)
            if self.judge(middle):
                passed = middle
            else:
                failed = middle
        return passed, failed, f"the bracket is within {tolerance:g} of its lower end"


def capacity_search(
    scenario: Scenario,
    settings: CapacitySettings | None = None,
    seed: int | None = None,
    workers: int = 1,
    progress: TaskProgress | None = None,
    on_step: StepObserver | None = None,
    runner: Runner = run_tasks,
    ceiling: float = math.inf,
) -> CapacityResult:
    """Search ``scenario``'s capacity by the rule above.

    ``seed`` is the study seed (default: the scenario's), ``workers`` the processes each
    step's replications run on.

    ``runner`` runs a step's tasks (default :func:`sim.replications.run_tasks`);
    ``progress`` observes the tasks of each step, ``on_step`` each judged step.
    ``ceiling`` is the largest multiplier ``high`` may be doubled to (the CLI gives the
    largest whose runs fit the memory ceiling).
    """
    settings = settings or CapacitySettings()
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    check_gates(scenario, settings.gates)
    study_seed = scenario.seed if seed is None else seed
    with ExitStack() as stack:
        if runner is run_tasks and workers > 1:
            # one pool of workers for every step, not one started per step
            executor = stack.enter_context(ProcessExecutor(workers).kept())
            runner = partial(run_tasks, executor=executor)
        search = _Search(
            scenario, settings, study_seed, workers, runner, progress, on_step, ceiling
        )
        passed, failed, reason = search.bracket()
        bracketed = passed is not None and failed is not None
        if passed is not None and failed is not None:
            passed, failed, reason = search.bisect(passed, failed)
    converged = (
        passed is not None and failed is not None and failed / passed - 1 <= settings.tolerance
    )
    steps = search.steps
    ordered = sorted(steps, key=lambda step: step.multiplier)
    findings = [assess_metastability(step.series, settings.metastability) for step in ordered]
    return CapacityResult(
        scenario=scenario.name,
        pattern=scenario.integration.pattern,
        study_seed=study_seed,
        settings=settings,
        passed=passed,
        failed=failed,
        bracketed=bracketed,
        converged=converged,
        stop_reason=reason,
        steps=steps,
        bottleneck=find_bottleneck(ordered, settings.saturation, settings.backlog_floor),
        metastability=findings,
    )
