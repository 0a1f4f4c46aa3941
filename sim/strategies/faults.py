"""Hypothesis strategies for fault timelines: every shipped fault kind, valid targets.

:func:`fault_timelines` draws the ``faults:`` section of a scenario: a tuple of fault
specs (the pydantic models of :data:`sim.faults.AnyFault`; ``model_dump(mode="json")``
gives the dicts a scenario file holds). Every kind of :data:`KIND_PARAMETERS` can be
drawn, aimed at a target that the kind's seam families and the running pattern have, with
one or two explicit windows inside the demand window, so the world has its drain to
recover before the run ends. Parameters are drawn from ranges that matter in a small
world (a probability of 0.001 would hardly ever hit one of sixty orders).

Shrinking goes towards fewer faults, the first kind of :data:`KIND_PARAMETERS`, whole
systems before single operations, and early, short windows.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import strategies as st

from mock_systems.carrier import EXCEPTION_REASONS
from mock_systems.erp import Erp
from mock_systems.wms_receiving import RETURN_ADVICE
from sim.faults import AnyFault, FaultSpec, fault_kind, known_targets
from sim.faults.seams import BROKER, SeamFamily
from sim.integration.patterns import pattern_class

__all__ = [
    "COMMITTING",
    "KIND_PARAMETERS",
    "RETURNS_ENDPOINTS",
    "SYSTEMS",
    "fault_kind_names",
    "fault_specs",
    "fault_timelines",
    "fault_windows",
    "targets_for",
]

RETURNS_ENDPOINTS = frozenset(
    [f"erp.{op}" for op in Erp.RETURN_OPERATIONS] + [f"wms.{op}" for op in RETURN_ADVICE]
)
"""Endpoints only a world with returns has; the drawn worlds have none, so none is drawn."""

SYSTEMS = ("erp", "crm", "wms", "carrier")
"""Whole systems, the endpoint targets tried first (every operation of the system)."""

Params = Callable[[st.DrawFn], dict[str, Any]]
"""Draws one kind's own parameters (everything but kind, target and timing)."""


def _floats(low: float, high: float) -> st.SearchStrategy[float]:
    """Floats in ``[low, high]``, without subnormals (a delay of 1e-308 s reads as noise)."""
    return st.floats(low, high, allow_subnormal=False)


def _probability(low: float = 0.05, high: float = 0.6) -> st.SearchStrategy[float]:
    return _floats(low, high)


def _outage(draw: st.DrawFn) -> dict[str, Any]:
    return {"mode": draw(st.sampled_from(["refused", "timeout"]))}


def _brownout(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "latency_multiplier": draw(_floats(1.0, 20.0)),
        "error_rate": draw(_floats(0.0, 0.6)),
    }


def _throttle(draw: st.DrawFn) -> dict[str, Any]:
    preset = draw(st.sampled_from(["custom", "dataverse", "salesforce"]))
    if preset != "custom":
        return {"preset": preset}
    limits: dict[str, Any] = {
        "requests": draw(st.integers(2, 200)),
        "window_s": draw(_floats(10.0, 900.0)),
    }
    if draw(st.booleans()):
        limits["concurrent"] = draw(st.integers(1, 10))
    return {"preset": "custom", "limits": limits}


def _lost_response(draw: st.DrawFn) -> dict[str, Any]:
    return {"probability": draw(_probability(0.1, 0.8))}


def _bus_duplicate(draw: st.DrawFn) -> dict[str, Any]:
    return {"probability": draw(_probability(0.1, 0.8)), "delay_s": draw(_floats(0.0, 600.0))}


def _bus_delay(draw: st.DrawFn) -> dict[str, Any]:
    return {"delay_s": draw(_floats(1.0, 3600.0))}


def _bus_reorder(draw: st.DrawFn) -> dict[str, Any]:
    return {"probability": draw(_probability(0.1, 0.8)), "delay_s": draw(_floats(10.0, 3600.0))}


def _consumer_crash(draw: st.DrawFn) -> dict[str, Any]:
    return {"probability": draw(_probability(0.1, 0.6))}


def _poison(draw: st.DrawFn) -> dict[str, Any]:
    return {"probability": draw(_probability(0.05, 0.5))}


def _scan_duplicate(draw: st.DrawFn) -> dict[str, Any]:
    return {"probability": draw(_probability(0.1, 0.8)), "delay_s": draw(_floats(0.0, 7200.0))}


def _scan_missing(draw: st.DrawFn) -> dict[str, Any]:
    return {"probability": draw(_probability(0.1, 0.8))}


def _scan_reorder(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "probability": draw(_probability(0.1, 0.8)),
        "delay_s": draw(_floats(600.0, 24 * 3600.0)),
    }


def _scan_late(draw: st.DrawFn) -> dict[str, Any]:
    return {"max_delay_h": draw(_floats(1.0, 48.0))}


def _delivery_exception(draw: st.DrawFn) -> dict[str, Any]:
    reasons = draw(st.lists(st.sampled_from(EXCEPTION_REASONS), min_size=1, unique=True))
    return {
        "probability": draw(_probability(0.1, 0.8)),
        "reasons": {reason: draw(_floats(0.1, 1.0)) for reason in reasons},
    }


def _price_change(draw: st.DrawFn) -> dict[str, Any]:
    # beyond the ERP's price tolerance either way, so that quotes are held
    change = draw(st.one_of(_floats(0.1, 0.6), _floats(-0.5, -0.1)))
    return {"share": draw(_floats(0.1, 0.8)), "change": change}


def _share(draw: st.DrawFn) -> dict[str, Any]:
    return {"share": draw(_floats(0.05, 0.6))}


def _schema_change(draw: st.DrawFn) -> dict[str, Any]:
    return {"version": draw(st.sampled_from([v for v in Erp.CONTRACT_VERSIONS if v != "1.0"]))}


def _slow_consumer(draw: st.DrawFn) -> dict[str, Any]:
    return {"extra_s": draw(_floats(1.0, 300.0))}


def _desk_staffing(draw: st.DrawFn) -> dict[str, Any]:
    return {"headcount": draw(st.integers(0, 2))}


KIND_PARAMETERS: dict[str, Params] = {
    "outage": _outage,
    "brownout": _brownout,
    "lost_response": _lost_response,
    "throttle": _throttle,
    "bus_duplicate": _bus_duplicate,
    "bus_delay": _bus_delay,
    "bus_reorder": _bus_reorder,
    "consumer_crash": _consumer_crash,
    "poison": _poison,
    "scan_duplicate": _scan_duplicate,
    "scan_missing": _scan_missing,
    "scan_reorder": _scan_reorder,
    "scan_late": _scan_late,
    "delivery_exception": _delivery_exception,
    "price_change": _price_change,
    "material_block": _share,
    "customer_sync_lag": _share,
    "schema_change": _schema_change,
    "slow_consumer": _slow_consumer,
    "desk_staffing": _desk_staffing,
}
"""How each fault kind's parameters are drawn, by kind; the order is the shrinking order."""


def fault_kind_names() -> list[str]:
    """The ``kind`` of every member of :data:`sim.faults.AnyFault`, in the union's order."""
    union = typing.get_args(AnyFault)[0]
    return [str(member.model_fields["kind"].default) for member in typing.get_args(union)]


COMMITTING = frozenset(
    {
        "erp.create_order",
        "erp.maintain_order",
        "erp.delivery_update",
        "crm.api",
        "wms.release",
        "carrier.tender",
    }
)
"""Operations whose callee commits something: the only ones where a lost response is not
simply a timeout (which ``outage`` with ``mode: timeout`` already covers)."""


def targets_for(kind: str, pattern: str | None = None) -> list[str]:
    """Targets a fault of ``kind`` can act on, whole systems first.

    With ``pattern`` (a registered name or ``module:Class`` path) only the bus topics,
    subscriptions and worker pools that pattern has; without, those of every registered
    pattern. The broker itself (``bus``) is a target only of outages, and a lost response
    is aimed only at whole systems and at :data:`COMMITTING` operations.
    """
    return list(_targets(kind, pattern))


@functools.cache
def _targets(kind: str, pattern: str | None) -> tuple[str, ...]:
    cls = pattern_class(pattern) if pattern is not None else None
    found: list[str] = []
    for family in fault_kind(kind).families:
        found.extend(_family_targets(family, kind, cls))
    if kind == "lost_response":
        found = [t for t in found if t in SYSTEMS or t in COMMITTING]
    return tuple(dict.fromkeys(found))


def _family_targets(family: SeamFamily, kind: str, cls: Any) -> list[str]:
    if family == "endpoint":
        operations = sorted(known_targets("endpoint") - set(SYSTEMS) - RETURNS_ENDPOINTS)
        return [*SYSTEMS, *operations]
    if family == "bus":
        topics = list(cls.TOPICS) if cls is not None else sorted(known_targets("bus") - {BROKER})
        return [*topics, BROKER] if kind == "outage" else topics
    if family == "subscriber":
        if cls is None:
            return sorted(known_targets("subscriber"))
        return [f"subscriber:{name}" for name in cls.SUBSCRIPTIONS]
    if family == "workers":
        if cls is None:
            return sorted(known_targets("workers"))
        return [f"workers:{name}" for name in cls.WORKERS]
    return sorted(known_targets(family))


def _target(targets: Sequence[str]) -> st.SearchStrategy[str]:
    """A target, a whole system half of the time when both kinds are among ``targets``."""
    systems = [t for t in targets if t in SYSTEMS]
    parts = [t for t in targets if t not in SYSTEMS]
    if systems and parts:
        return st.one_of(st.sampled_from(systems), st.sampled_from(parts))
    return st.sampled_from(list(targets))


def fault_windows(
    demand_hours: float, max_windows: int = 2, max_hours: float = 6.0
) -> st.SearchStrategy[list[dict[str, float]]]:
    """One to ``max_windows`` disjoint windows inside ``[0, demand_hours]``, in whole minutes.

    Each window lasts at most ``max_hours``; windows are sorted and never touch.
    """
    minutes = max(2, int(demand_hours * 60))
    longest = max(1, int(max_hours * 60))

    @st.composite
    def windows(draw: st.DrawFn) -> list[dict[str, float]]:
        count = draw(st.integers(1, max_windows))
        cuts = sorted(
            draw(
                st.lists(
                    st.integers(0, minutes), min_size=2 * count, max_size=2 * count, unique=True
                )
            )
        )
        found = []
        for start, end in zip(cuts[::2], cuts[1::2], strict=True):
            found.append({"start_h": start / 60, "end_h": min(end, start + longest) / 60})
        return found

    return windows()


def fault_specs(
    kind: str, demand_hours: float, pattern: str | None = None
) -> st.SearchStrategy[FaultSpec]:
    """One fault of ``kind`` on a valid target, with windows inside the demand window."""
    return _fault_specs(kind, float(demand_hours), pattern)


@functools.cache
def _fault_specs(
    kind: str, demand_hours: float, pattern: str | None
) -> st.SearchStrategy[FaultSpec]:
    targets = targets_for(kind, pattern)
    if not targets:
        raise ValueError(f"no target for a {kind} fault under pattern {pattern!r}")
    params = KIND_PARAMETERS[kind]
    spec = fault_kind(kind).spec
    target = _target(targets)
    windows = fault_windows(demand_hours)

    @st.composite
    def one(draw: st.DrawFn) -> FaultSpec:
        data = {"kind": kind, "target": draw(target), **params(draw), "windows": draw(windows)}
        return spec.model_validate(data)

    return one()


def fault_timelines(
    demand_days: float = 0.5,
    pattern: str | None = None,
    kinds: Sequence[str] | None = None,
    min_faults: int = 1,
    max_faults: int = 4,
) -> st.SearchStrategy[tuple[FaultSpec, ...]]:
    """The ``faults:`` of a scenario: ``min_faults`` to ``max_faults`` specs.

    Kinds come from ``kinds`` (default: every kind of :data:`KIND_PARAMETERS` that has a
    target under ``pattern``); at most one fault per (kind, target), so that no two
    windows of one kind on one target overlap, which a scenario refuses. Windows lie
    inside the demand window (``demand_days``).
    """
    names = tuple(kinds) if kinds is not None else tuple(KIND_PARAMETERS)
    unknown = sorted(set(names) - set(KIND_PARAMETERS))
    if unknown:
        raise ValueError(f"no strategy for fault kind(s) {unknown}")
    return _timelines(float(demand_days), pattern, names, min_faults, max_faults)


@functools.cache
def _timelines(
    demand_days: float, pattern: str | None, names: tuple[str, ...], least: int, most: int
) -> st.SearchStrategy[tuple[FaultSpec, ...]]:
    usable = [name for name in names if targets_for(name, pattern)]
    hours = demand_days * 24.0
    one = st.one_of(*(fault_specs(name, hours, pattern) for name in usable))
    return st.lists(
        one, min_size=least, max_size=most, unique_by=lambda fault: (fault.kind, fault.target)
    ).map(tuple)
