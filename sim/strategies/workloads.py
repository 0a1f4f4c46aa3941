"""Hypothesis strategies for small worlds: hours to a day of demand, dozens of orders.

:func:`small_workloads` draws a whole :class:`~sim.scenario.Scenario`: a seed, a demand
window of a few hours to a day starting on a Monday morning, a few dozen orders, a small
catalogue and customer base (so stock runs short and credit binds), the carrier feed, the
ERP's event payload, how often the order desk cancels, the integration's partitioning,
and optionally a fault timeline (:func:`~sim.strategies.faults.fault_timelines`) inside
the demand window. The drain that follows is long enough for the orders to be delivered
and the integration to go quiet, so every invariant, convergence included, can be judged
at the end. A world simulates in a fraction of a second.

The world's shape is drawn from short menus (``sampled_from``), each its own kind of
choice, while the seed varies everything else. Besides keeping counterexamples readable,
this keeps Hypothesis's generation on the faults: its generator spends up to five runs
after each new example copying one choice over another choice *of the same kind*, and
numbers drawn for the world (customers, pickers, partitions) would offer it many such
pairs: most runs would then repeat the same fault timeline on a slightly different world.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st

from mock_systems.desk import DeskConfig
from sim.scenario import Scenario
from sim.strategies.faults import fault_timelines

__all__ = ["DRAIN_DAYS", "MONDAY_MORNING", "small_workloads"]

MONDAY_MORNING = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
"""When demand starts: a Monday at 07:00, so a few hours already bring dozens of orders."""

DRAIN_DAYS = 6.0
"""Days run after demand stops: carriers deliver Monday to Saturday in two to five days,
and a failed delivery attempt is tried again the next day."""

_CUSTOMERS = (20, 5, 10, 40)
_PRODUCTS = (12, 3, 6, 30)
_COVER_DAYS = ((2.0, 8.0), (0.0, 1.0), (0.0, 4.0), (1.0, 3.0), (4.0, 14.0))
"""Opening stock cover (low, high) in days: short cover means backorders and shortfalls."""
_EXPOSURE = ((0.0, 0.3), (0.4, 0.7), (0.7, 1.0), (0.9, 1.2))
"""Opening credit exposure as a share of the limit: high exposure means credit holds."""
_PICKERS = ((2, 2, 2, 2), (1, 1, 1, 1), (1, 2, 3, 4), (4, 4, 4, 4))
_PARTITIONS = ((8, 8), (1, 1), (2, 4), (4, 1), (1, 8))
"""(status-sync partitions, scan workers)."""
_DESK_CANCELS = (None, 0.3, 0.6)
"""Share of fixable exceptions the desk cancels instead (None: the desk's defaults)."""
_SITES = (("NJ01", "northeast"), ("GA01", "south"), ("IL01", "midwest"), ("NV01", "west"))


def small_workloads(
    patterns: Sequence[str] = ("hybrid", "event_bus"),
    min_demand_hours: int = 3,
    max_demand_hours: int = 24,
    orders_per_business_day: tuple[int, int] = (40, 160),
    min_faults: int = 1,
    max_faults: int = 8,
    kinds: Sequence[str] | None = None,
    drain_days: float = DRAIN_DAYS,
) -> st.SearchStrategy[Scenario]:
    """Small scenarios under one of ``patterns``, with ``min_faults`` to ``max_faults`` faults.

    ``max_faults=0`` gives fault-free worlds; ``kinds`` restricts the fault kinds drawn.
    The demand window is ``min_demand_hours`` to ``max_demand_hours`` long; the daily
    volume lies in ``orders_per_business_day`` (so a morning brings a few dozen orders).
    """
    if not patterns:
        raise ValueError("at least one pattern is needed")
    hours_menu = st.sampled_from(range(min_demand_hours, max_demand_hours + 1))
    low, high = orders_per_business_day
    volume_menu = st.sampled_from(range(low, high + 1, max(1, (high - low) // 12)))

    @st.composite
    def workloads(draw: st.DrawFn) -> Scenario:
        pattern = draw(st.sampled_from(list(patterns)))
        hours = draw(hours_menu)
        demand_days = hours / 24
        faults = (
            draw(fault_timelines(demand_days, pattern, kinds, min_faults, max_faults))
            if max_faults > 0
            else ()
        )
        partitions, scan_workers = draw(st.sampled_from(_PARTITIONS))
        pickers = draw(st.sampled_from(_PICKERS))
        data: dict[str, Any] = {
            "name": "small-workload",
            "seed": draw(st.integers(0, 2**16)),
            "start": MONDAY_MORNING,
            "demand_days": demand_days,
            "drain_days": drain_days,
            # demand hours in UTC, one profile for every channel: a drawn window of a few
            # hours from Monday 00:00 UTC would otherwise fall in the US night
            "demand": {
                "orders_per_business_day": draw(volume_menu),
                "local_time": False,
                "channel_profiles": {},
            },
            "master_data": {
                "customers": draw(st.sampled_from(_CUSTOMERS)),
                "products": draw(st.sampled_from(_PRODUCTS)),
                "opening_cover_days": draw(st.sampled_from(_COVER_DAYS)),
                "opening_exposure_share": draw(st.sampled_from(_EXPOSURE)),
            },
            "warm_start": {"enabled": draw(st.booleans())},
            "sites": {
                name: {"serves": [region], "staffing": {"pickers": count}}
                for (name, region), count in zip(_SITES, pickers, strict=True)
            },
            "systems": {
                "carrier": {"feed": draw(st.sampled_from(["aggregator", "webhook"]))},
                "erp": {"event_payload": draw(st.sampled_from(["full", "keys"]))},
                **_desk(draw(st.sampled_from(_DESK_CANCELS))),
            },
            "integration": {
                "pattern": pattern,
                "status_sync_partitions": partitions,
                "scan_workers": scan_workers,
                **_mappings(draw(st.sampled_from([None, 0.0, hours / 2, float(hours)]))),
            },
        }
        if faults:
            data["faults"] = [fault.model_dump(mode="json", exclude_unset=True) for fault in faults]
        return Scenario.model_validate(data)

    return workloads()


def _desk(cancel: float | None) -> dict[str, Any]:
    """A desk that cancels ``cancel`` of the exceptions it could fix (None: defaults)."""
    if cancel is None:
        return {}
    outcomes = {reason: dict(table) for reason, table in DeskConfig().outcomes.items()}
    for reason in ("pricing_mismatch", "master_data_conflict", "manual_rekey", "tax_configuration"):
        outcomes[reason] = {"resubmit": 1.0 - cancel, "cancel": cancel}
    return {"desk": {"outcomes": outcomes}}


def _mappings(deployed_h: float | None) -> dict[str, Any]:
    """The consumers' mapping of the ERP's 2.0 contract, live from ``deployed_h`` (None: never)."""
    if deployed_h is None:
        return {}
    return {"mappings": {"1.0": 0.0, "2.0": deployed_h}}
