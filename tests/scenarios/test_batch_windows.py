"""Batch windows in a small world: each has its KPI effect, and it vanishes when switched off.

One run of a small baseline world with every batch window on (the defaults), and one run
with each switched off in turn. Each test reads the history and the metrics only.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest

from sim.engine.calendar import DAY, HOUR
from sim.history_frame import history_frame, rows
from sim.run import RunResult, execute
from sim.scenario import load_scenario

SMALL = [
    "demand_days=1",
    "drain_days=3",
    "demand.orders_per_business_day=150",
    # every place on UTC, so a schedule's local hour is the hour read here (the local
    # calendars are tested in tests/scenarios/test_holidays.py)
    "calendar.local_time=false",
]
OFF = {
    "billing": ["systems.erp.billing_runs.enabled=false"],
    "rescheduling": ["systems.erp.backorder_rescheduling.enabled=false"],
    "waves": ["systems.wms.waves.enabled=false"],
    "closeout": [
        "systems.carrier.pickup_cutoff.enabled=false",
        "systems.carrier.manifest.enabled=false",
    ],
}


@cache
def _run(off: str = "") -> RunResult:
    """The small world (baseline starts on a Monday 00:00 UTC), with ``off`` switched off."""
    overrides = [*SMALL, *OFF.get(off, [])]
    return execute(load_scenario("scenarios/baseline.yaml", overrides), seed=3)


def _frame(off: str = "") -> pd.DataFrame:
    return history_frame(_run(off).history)


def _hour_of_day(times: pd.Series | np.ndarray) -> np.ndarray:
    return (np.asarray(times, dtype=float) % DAY) / HOUR


@pytest.mark.parametrize("off", ["", *OFF])
def test_every_invariant_holds_with_and_without_each_batch_window(off: str) -> None:
    result = _run(off)
    assert result.metrics["volume"]["invoices"] > 100
    failed = {name: v.counts for name, v in result.invariants.items() if not v.valid}
    assert failed == {}


def test_invoices_post_in_the_nightly_billing_run_and_wait_hours_for_it() -> None:
    posted = rows(_frame(), "erp.invoice_posted")
    hours = _hour_of_day(posted["time"])
    assert ((hours >= 22.0) & (hours < 22.5)).all()  # the 22:00 run, minutes long
    delay = _run().metrics["latency_s"]["billing_delay"]
    assert delay["p50"] > 2 * HOUR and delay["censored"] == 0
    assert _run().metrics["batch_windows"]["billing_due_at_end"] == 0


def test_without_billing_runs_invoices_post_at_goods_issue() -> None:
    frame = _frame("billing")
    posted = rows(frame, "erp.invoice_posted").set_index(["order", "subject"])["time"]
    issued = rows(frame, "erp.shipment_dispatched").set_index(["order", "subject"])["time"]
    assert (posted == issued.reindex(posted.index)).all()
    assert _run("billing").metrics["latency_s"]["billing_delay"]["p95"] == 0.0
    assert "billing_run" not in _run("billing").metrics["batch_windows"]["jobs"]


def _backorder_releases(frame: pd.DataFrame) -> pd.Series:
    """Times of allocations after an order's first one (backorders filled later)."""
    allocated = rows(frame, "erp.inventory_allocated").sort_values("time", kind="stable")
    backordered = rows(frame, "erp.backorder_created")["order"].unique()
    later = allocated[allocated["order"].isin(backordered)]
    first_attempt = rows(frame, "erp.backorder_created").groupby("order")["time"].min()
    return later[later["time"].to_numpy() > first_attempt.reindex(later["order"]).to_numpy()][
        "time"
    ]


def test_backorders_are_released_by_the_nightly_rescheduling_run() -> None:
    released = _backorder_releases(_frame())
    assert len(released) >= 3
    hours = _hour_of_day(released)
    assert ((hours >= 2.0) & (hours < 2.5)).all()  # the 02:00 run
    assert _run().metrics["batch_windows"]["jobs"]["backorder_rescheduling"]["runs"] >= 2


def test_without_rescheduling_backorders_are_released_by_allocation_runs_after_receipts() -> None:
    released = _backorder_releases(_frame("rescheduling"))
    assert len(released) >= 3
    hours = _hour_of_day(released)
    assert not ((hours >= 2.0) & (hours < 2.5)).all()
    # the allocation run ticks every 900 s and takes 60 s plus a little per line it handles
    into_tick = released.to_numpy() % 900.0
    assert ((into_tick >= 60.0) & (into_tick < 120.0)).all()


def test_picks_start_at_wave_times_and_wait_for_them() -> None:
    started = rows(_frame(), "wms.pick_started")
    waves = rows(_frame(), "wms.wave_released")["time"].to_numpy()
    # each pick starts at a wave or when a picker frees up after one: never before a wave
    assert np.isin(started["time"].min(), waves)
    hours = _hour_of_day(waves)
    assert set(np.round(hours, 6)) <= {6.0, 8.0, 10.0, 12.0, 14.0, 16.0, 18.0, 20.0}
    on = _run().metrics["warehouse_s"]["pick_queue_wait"]["p50"]
    off = _run("waves").metrics["warehouse_s"]["pick_queue_wait"]["p50"]
    assert on > 15 * 60 and off < 60.0


def test_without_waves_no_pick_waits_for_a_wave() -> None:
    assert rows(_frame("waves"), "wms.wave_released").empty
    started = rows(_frame("waves"), "wms.pick_started")
    hours = _hour_of_day(started["time"])
    assert not set(np.round(hours, 6)) <= {6.0, 8.0, 10.0, 12.0, 14.0, 16.0, 18.0, 20.0}


def test_the_cutoff_and_manifest_delay_the_first_scan_and_its_propagation() -> None:
    on, off = _run().metrics, _run("closeout").metrics
    waits = on["batch_windows"]["pickup_wait_s"], off["batch_windows"]["pickup_wait_s"]
    assert waits[0]["mean"] > waits[1]["mean"] + HOUR
    picked = rows(_frame(), "carrier.scan")
    picked = picked[picked["status"] == "picked_up"]
    tendered = rows(_frame(), "carrier.tendered").groupby(["order", "subject"])["time"].min()
    late = tendered[_hour_of_day(tendered) >= 16.0]
    first = picked.groupby(["order", "subject"])["value2"].min().reindex(late.index)
    assert len(late) > 0
    # confirmed after the 16:00 cut-off: picked up by a later day's truck
    assert (first.to_numpy() // DAY > late.to_numpy() // DAY).all()
    assert on["batch_windows"]["jobs"]["manifest"]["runs"] >= 2
    assert (
        on["latency_s"]["shipment_propagation_lag"]["p50"]
        > off["latency_s"]["shipment_propagation_lag"]["p50"]
    )
    assert "manifest" not in off["batch_windows"]["jobs"]
