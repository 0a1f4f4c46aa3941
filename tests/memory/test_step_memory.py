"""The heaviest metric and checker steps hold a bounded number of bytes per row they read.

On a simulated year these steps read millions of rows each, and the largest of them sets the
run's peak memory. Each is measured here with ``tracemalloc`` (numpy and pandas report their
buffers to it) on half a day of the baseline with a spilled history, as bytes at the step's
peak per row of the event types it reads.

The bounds sit between this build's figures and the previous build's, which held per-row
strings, hash tables of names and int64 temporaries (bytes per row, previous -> this build):
message conservation 170 -> 75, resource hours 79 -> 43, CRM staleness 138 -> 88, ground
truth 134 -> 104, monotonic lifecycle 156 -> 101, latency samples 128 -> 80, integration
backlog 79 -> 55. A step that goes back to the old ways fails its bound.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sim.checks.message_conservation import KINDS, message_conservation
from sim.checks.monotonic_lifecycle import monotonic_lifecycle
from sim.history_table import HistoryTable
from sim.latencies import latency_frames, order_attributes
from sim.outage_recovery import integration_backlog
from sim.run import RunResult, execute
from sim.scenario import load_scenario
from sim.staleness import crm_staleness, ground_truth_staleness
from sim.utilisation import hourly_resources

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"
_STATUS = ("erp.order_status", "crm.status_updated")
_CRM_MOVES = ("crm.status_updated", "crm.shipment_updated")

# step -> (what it computes, the events whose rows it is charged by, bytes per row allowed)
_STEPS: dict[str, tuple[Callable[[HistoryTable, float], Any], tuple[str, ...], float]] = {
    "message_conservation": (lambda t, end: message_conservation(t), tuple(KINDS), 120.0),
    "hourly_resources": (hourly_resources, ("endpoint.call", *KINDS), 60.0),
    "crm_staleness": (crm_staleness, _STATUS, 112.0),
    "ground_truth_staleness": (ground_truth_staleness, _STATUS, 118.0),
    "monotonic_lifecycle": (lambda t, end: monotonic_lifecycle(t), _CRM_MOVES, 128.0),
    "latency_frames": (lambda t, end: latency_frames(t, order_attributes(t)), _STATUS, 103.0),
    "integration_backlog": (lambda t, end: integration_backlog(t), tuple(KINDS), 67.0),
}


@pytest.fixture(scope="module")
def spilled_run() -> RunResult:
    """Half a day of the baseline (a day of drain), its history spilled every 20,000 rows."""
    scenario = load_scenario(
        BASELINE,
        ["demand_days=0.5", "drain_days=1", "memory.history_budget_rows=20000"],
    )
    result = execute(scenario)
    assert result.history.spills > 0
    return result


def _peak_bytes(step: Callable[[], Any]) -> int:
    """The traced peak of one call, the grouping and imports done before."""
    step()
    gc.collect()
    tracemalloc.start()
    try:
        step()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("name", sorted(_STEPS))
def test_a_heavy_step_holds_few_bytes_per_row_it_reads(spilled_run: RunResult, name: str) -> None:
    compute, events, allowed = _STEPS[name]
    table = HistoryTable(spilled_run.history)
    counts = table.event_counts()
    read = sum(counts.get(event, 0) for event in events)
    assert read > 2_000  # enough rows for the per-row cost to outweigh the fixed one
    per_row = _peak_bytes(lambda: compute(table, spilled_run.horizon_s)) / read
    assert per_row < allowed, f"{name}: {per_row:.0f} bytes per row read (bound {allowed:.0f})"
