"""The mock order desk: people who resolve exceptions by hand, working in shifts.

Work items (a held order, a dead letter, an order to re-key) queue by business reason.
Each of ``headcount`` people takes the next item when their shift is open: by strict
priority of reason if ``DeskConfig.priority`` lists reasons, else the oldest item first;
FIFO within a reason. An item takes a sampled resolution time; work not finished when the
shift ends stops and continues at the next shift opening (nights and weekends wait). The
outcome (``release``, ``resubmit`` or ``cancel``) is drawn from the reason's table, and the
``Resolution`` goes to ``resolutions`` for the integration to act on. Every resolution is
one manual touch (one ``desk.item_resolved`` row).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from mock_systems.base import MockSystem
from sim.engine import (
    BufferedDraws,
    Distribution,
    LevelMonitor,
    LogNormal,
    Mailbox,
    RunEnvironment,
    Sampler,
)
from sim.engine.calendar import WeeklyWindow, WorkCalendar

__all__ = ["OUTCOMES", "DeskConfig", "WorkItem", "Resolution", "Desk"]

OUTCOMES: tuple[str, ...] = ("release", "resubmit", "cancel")
"""What a person can do with a work item: release the order, correct and resubmit, cancel."""

_MINUTE = 60.0
_MIN_STEP = 1e-6
"""Smallest slice of work (seconds), so float rounding at a shift boundary cannot stall."""


def _minutes(mean: float, cv: float) -> LogNormal:
    return LogNormal(mean=mean * _MINUTE, cv=cv)


# Assumptions (no published figures): time one person spends on one item, by reason.
_RESOLUTION_TIME: dict[str, Distribution] = {
    "credit_hold": _minutes(45, 1.0),  # review exposure, perhaps call the customer
    "pricing_mismatch": _minutes(20, 0.8),  # check the contract, correct the price
    "inventory_shortfall": _minutes(30, 0.8),  # find stock elsewhere or agree a date
    "master_data_conflict": _minutes(40, 0.8),  # create or fix a customer/product master
    "dead_letter": _minutes(25, 1.0),  # read the payload, fix it, replay it
    "manual_rekey": _minutes(12, 0.5),  # key the order into the ERP by hand
    "tax_configuration": _minutes(60, 1.0),  # fix the tax jurisdiction or code
}

# Assumptions: how items of each reason end.
_OUTCOMES: dict[str, dict[str, float]] = {
    "credit_hold": {"release": 0.8, "cancel": 0.2},
    "pricing_mismatch": {"resubmit": 0.9, "cancel": 0.1},
    "inventory_shortfall": {"release": 0.7, "cancel": 0.3},
    "master_data_conflict": {"resubmit": 0.85, "cancel": 0.15},
    "dead_letter": {"resubmit": 1.0},
    "manual_rekey": {"resubmit": 0.95, "cancel": 0.05},
    "tax_configuration": {"resubmit": 0.9, "cancel": 0.1},
}


def _check_outcomes(reason: str, table: dict[str, float]) -> None:
    unknown = sorted(set(table) - set(OUTCOMES))
    if unknown:
        raise ValueError(f"outcomes for {reason!r} name unknown outcomes {unknown}; use {OUTCOMES}")
    if any(not 0.0 <= p <= 1.0 for p in table.values()):
        raise ValueError(f"outcome probabilities for {reason!r} must lie in [0, 1]")
    total = math.fsum(table.values())
    if abs(total - 1.0) > 1e-9:
        raise ValueError(f"outcome probabilities for {reason!r} sum to {total:g}, not 1")


class DeskConfig(BaseModel):
    """Staffing, shifts, resolution times and outcome tables of the order desk."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    shifts: tuple[WeeklyWindow, ...] = Field(
        # Assumption: one office shift, Monday to Friday 08:00-17:00.
        default=(WeeklyWindow(start_hour=8, end_hour=17, weekdays=(0, 1, 2, 3, 4)),),
        min_length=1,
    )
    headcount: int = Field(default=4, ge=0, description="people on the desk; 0: nobody works")
    resolution_time: dict[str, Distribution] = Field(default_factory=lambda: dict(_RESOLUTION_TIME))
    default_resolution_time: Distribution = _minutes(30, 1.0)  # assumption
    outcomes: dict[str, dict[str, float]] = Field(
        default_factory=lambda: {reason: dict(t) for reason, t in _OUTCOMES.items()}
    )
    default_outcomes: dict[str, float] = Field(
        default_factory=lambda: {"resubmit": 1.0},
        description="outcome table of reasons missing from ``outcomes``",
    )
    priority: tuple[str, ...] = Field(
        default=(),
        description="reasons in the order a free person serves them (unlisted reasons after, "
        "oldest first); empty: the oldest item across all reasons first",
    )

    @model_validator(mode="after")
    def _check(self) -> DeskConfig:
        for reason, table in self.outcomes.items():
            _check_outcomes(reason, table)
        _check_outcomes("default_outcomes", self.default_outcomes)
        if len(set(self.priority)) != len(self.priority):
            raise ValueError(f"priority lists a reason twice: {self.priority}")
        return self


@dataclass(frozen=True, slots=True)
class WorkItem:
    """One exception for a person to resolve; ``detail`` is handed back untouched."""

    item_id: int
    order_ref: int
    reason: str
    raised_at: float
    detail: dict[str, object] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True)
class Resolution:
    """What a person decided about a work item, when, and who it was."""

    item: WorkItem
    outcome: str
    resolved_at: float
    worker: int


class Desk(MockSystem):
    """Exception queues by reason, worked by people in shifts."""

    def __init__(self, run: RunEnvironment, config: DeskConfig, calendar: WorkCalendar) -> None:
        super().__init__(run, "desk")
        self.config = config
        self.calendar = calendar
        self.resolutions: Mailbox[Resolution] = Mailbox(run.sim)
        self.in_progress = 0
        """Items a person is working on (started, not resolved)."""
        self.backlog: dict[str, LevelMonitor] = {}
        """Per reason: items raised and not yet started, integrated over time."""
        self._queues: dict[str, deque[WorkItem]] = {}
        for reason in sorted({*config.resolution_time, *config.outcomes, *config.priority}):
            self._queue(reason)
        self._waiting = 0
        self._next_id = 0
        self.raised_for: set[int] = set()
        """Every order the desk was ever asked to look at (its records are kept whole)."""
        self._headcount = config.headcount
        self._started = 0
        self._idle: dict[int, Any] = {}  # worker -> the event that wakes it, in order of idling
        self._durations: dict[str, Sampler] = {}
        self._uniforms: dict[str, Sampler] = {}
        self._ensure_workers()

    @property
    def headcount(self) -> int:
        """People currently taking items."""
        return self._headcount

    def raise_item(
        self, order_ref: int, reason: str, detail: dict[str, object] | None = None
    ) -> WorkItem:
        """Queue a work item for the desk (takes no simulated time)."""
        if not reason:
            raise ValueError("a work item needs a reason")
        self._next_id += 1
        self.raised_for.add(order_ref)
        item = WorkItem(self._next_id, order_ref, reason, self.run.now, detail or {})
        self._queue(reason).append(item)
        self._waiting += 1
        self.backlog[reason].change(self.run.now, +1)
        self.record("item_raised", order=order_ref, subject=item.item_id, status=reason)
        self._wake(1)
        return item

    def set_headcount(self, n: int) -> None:
        """Staff the desk with ``n`` people from their next pick-up (0: nobody works).

        People above ``n`` finish the item in hand and then stop; they resume when the
        headcount rises again.
        """
        if n < 0:
            raise ValueError(f"headcount must be at least 0, got {n}")
        self._headcount = n
        self.record("headcount", value=float(n))
        self._ensure_workers()
        self._wake(self._waiting)

    def queue_length(self, reason: str | None = None) -> int:
        """Items waiting for a person: of one reason, or all."""
        if reason is None:
            return self._waiting
        queue = self._queues.get(reason)
        return len(queue) if queue is not None else 0

    def oldest_age(self, now: float) -> float:
        """Age at ``now`` of the oldest item not yet started (0 when none waits)."""
        heads = [queue[0].raised_at for queue in self._queues.values() if queue]
        return now - min(heads) if heads else 0.0

    def _queue(self, reason: str) -> deque[WorkItem]:
        queue = self._queues.get(reason)
        if queue is None:
            queue = self._queues[reason] = deque()
            self.backlog[reason] = LevelMonitor(self.run.now)
        return queue

    def _ensure_workers(self) -> None:
        while self._started < self._headcount:
            self.sim.process(self._worker(self._started))
            self._started += 1

    def _wake(self, count: int) -> None:
        """Wake up to ``count`` idle people allowed to work, longest idle first."""
        for worker in [w for w in self._idle if w < self._headcount][:count]:
            self._idle.pop(worker).succeed()

    def _pick(self) -> WorkItem:
        """The next item: first listed reason with work, else the oldest item left."""
        for reason in self.config.priority:
            queue = self._queues.get(reason)
            if queue:
                return queue.popleft()
        listed = set(self.config.priority)
        heads = [q for r, q in self._queues.items() if q and r not in listed]
        return min(heads, key=lambda q: q[0].item_id).popleft()

    def _duration(self, reason: str) -> float:
        sample = self._durations.get(reason)
        if sample is None:
            spec = self.config.resolution_time.get(reason, self.config.default_resolution_time)
            sample = spec.sampler(self.run.streams.stream(f"desk.resolution.{reason}"))
            self._durations[reason] = sample
        return sample()

    def _outcome(self, reason: str) -> str:
        uniform = self._uniforms.get(reason)
        if uniform is None:
            rng = self.run.streams.stream(f"desk.outcome.{reason}")
            uniform = self._uniforms[reason] = BufferedDraws(lambda n: rng.random(n))
        table = self.config.outcomes.get(reason, self.config.default_outcomes)
        u, cumulative = uniform(), 0.0
        chosen = [o for o in OUTCOMES if table.get(o, 0.0) > 0.0]
        for outcome in chosen:
            cumulative += table[outcome]
            if u < cumulative:
                return outcome
        return chosen[-1]  # u above a sum rounded just below 1

    def _worker(self, worker: int) -> Generator[Any, Any, None]:
        sim, shifts = self.sim, self.config.shifts
        while True:
            if worker >= self._headcount or not self._waiting:
                wake = self._idle[worker] = sim.event()
                yield wake
                continue
            opening = self.calendar.next_open(sim.now, shifts)
            if opening > sim.now:
                yield sim.timeout(opening - sim.now)
                continue  # staffing and queues may have changed overnight
            item = self._pick()
            self._waiting -= 1
            self.in_progress += 1
            self.backlog[item.reason].change(sim.now, -1)
            self.record(
                "item_started",
                order=item.order_ref,
                subject=item.item_id,
                status=item.reason,
                value=sim.now - item.raised_at,
                value2=float(worker),
            )
            work = self._duration(item.reason)
            remaining = work
            while remaining > 0.0:
                opening = self.calendar.next_open(sim.now, shifts)
                if opening > sim.now:
                    yield sim.timeout(opening - sim.now)  # off shift: pick it up next shift
                end = self.calendar.window_end(sim.now, shifts)
                step = min(remaining, max(end - sim.now, _MIN_STEP))
                yield sim.timeout(step)
                remaining -= step
            outcome = self._outcome(item.reason)
            self.in_progress -= 1
            self.record(
                "item_resolved",
                order=item.order_ref,
                subject=item.item_id,
                status=outcome,
                value=sim.now - item.raised_at,
                value2=work,
            )
            self.resolutions.put(Resolution(item, outcome, float(sim.now), worker))
