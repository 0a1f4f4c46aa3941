"""FaultRunner: applies a fault timeline to a run's seams, in simulated time.

One SimPy process walks the timeline's start and end instants in order. At each instant it
updates, for every (kind, seam) touched, the windows in force and calls the kind's
``apply`` with all of them, so overlapping windows combine. Each window leaves
``fault.started`` and ``fault.ended`` rows (actor ``fault:<kind>``, status = target,
subject = window index); a window aimed at a seam the running pattern does not have leaves
one ``fault.not_applicable`` row and is skipped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Generator, Hashable
from typing import Any

from sim.engine import NONE, RunEnvironment
from sim.faults.registry import FaultKind, fault_kind
from sim.faults.seams import BROKER, MASTER_DATA, FaultSeams
from sim.faults.timeline import FaultTimeline, FaultWindow

__all__ = ["FaultRunner"]


def _seam_key(seam: Any) -> Hashable:
    """A seam's identity: the object, or (bus, topic/subscription name) for bus seams.

    Bus seams are built as a fresh tuple per window; keying them by their parts lets
    overlapping windows of one kind on one topic or subscription combine.
    """
    if isinstance(seam, tuple):
        return tuple(part if isinstance(part, str) else id(part) for part in seam)
    return id(seam)


def _with_defaults(kind: FaultKind, window: FaultWindow) -> FaultWindow:
    """The window with every parameter of its kind, defaults filled in and checked.

    A hand-written timeline may leave out parameters that have defaults; a parameter of
    the wrong type or range is an error here, before time zero, not a crash mid-run.
    """
    spec = kind.spec.model_validate({"kind": window.kind, "target": window.target, **window.params})
    return window.model_copy(update={"params": spec.params()})


class FaultRunner:
    """Schedules the timeline's windows onto the seams of one run."""

    def __init__(self, run: RunEnvironment, timeline: FaultTimeline, seams: FaultSeams) -> None:
        self.run = run
        self.timeline = timeline
        self.seams = seams
        self._active: dict[tuple[str, Hashable], list[tuple[int, FaultWindow]]] = defaultdict(list)
        self._state: dict[tuple[str, Hashable], dict[str, Any]] = defaultdict(dict)

    def resolve(self, kind: FaultKind, target: str) -> list[Any]:
        """The seam objects a window of ``kind`` on ``target`` acts on ([] = not here)."""
        seams = self.seams
        found: list[Any] = []
        for family in kind.families:
            if family == "endpoint":
                found.extend(seams.endpoints_for(target))
            elif family == "bus" and seams.bus is not None:
                if target == BROKER and kind.name == "outage":
                    found.append(seams.bus)
                elif target in seams.bus.topics:
                    found.append((seams.bus, target))
            elif (
                family == "subscriber"
                and seams.bus is not None
                and target.startswith("subscriber:")
            ):
                name = target.removeprefix("subscriber:")
                if name in seams.bus.subscriptions:
                    found.append((seams.bus, name))
            elif family == "master_data" and target == MASTER_DATA and seams.master_data:
                found.append(seams.master_data)
            elif family == "desk" and target == "desk" and seams.desk is not None:
                found.append(seams.desk)
            elif family == "contract" and target in seams.contracts:
                found.append(seams.contracts[target])
            elif family == "feed" and target in seams.feeds:
                found.append(seams.feeds[target])
            elif family == "delivery" and target in seams.deliveries:
                found.append(seams.deliveries[target])
            elif family == "workers" and target in seams.workers:
                found.append(seams.workers[target])
        return found

    def start(self) -> None:
        """Resolve every window's seams and start the process that applies them."""
        history = self.run.history
        changes: list[tuple[float, int, int, FaultWindow, list[Any]]] = []
        for index, given in enumerate(self.timeline.windows):
            kind = fault_kind(given.kind)
            window = _with_defaults(kind, given)
            targets = self.resolve(kind, window.target)
            if not targets:
                history.record(
                    self.run.now,
                    history.event_code("fault.not_applicable"),
                    history.actor_code(f"fault:{window.kind}"),
                    NONE,
                    index,
                    history.status_code(window.target),
                )
                continue
            changes.append((window.start_s, 1, index, window, targets))
            changes.append((window.end_s, 0, index, window, targets))
        changes.sort(key=lambda c: (c[0], c[1], c[2]))  # ends before starts at one instant
        if changes:
            self.run.sim.process(self._apply_all(changes))

    def _apply_all(
        self, changes: list[tuple[float, int, int, FaultWindow, list[Any]]]
    ) -> Generator[Any, Any, None]:
        sim = self.run.sim
        history = self.run.history
        for at, starting, index, window, targets in changes:
            if at > sim.now:
                yield sim.timeout(at - sim.now)
            kind = fault_kind(window.kind)
            for seam in targets:
                key = (window.kind, _seam_key(seam))
                active = self._active[key]
                if starting:
                    active.append((index, window))
                else:
                    active.remove((index, window))
                kind.apply(seam, [w for _, w in active], self._state[key])
            history.record(
                sim.now,
                history.event_code("fault.started" if starting else "fault.ended"),
                history.actor_code(f"fault:{window.kind}"),
                NONE,
                index,
                history.status_code(window.target),
                window.end_s - window.start_s,
            )
