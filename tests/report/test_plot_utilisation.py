"""Endpoint utilisation: busy servers over the endpoint's capacity, bucket by bucket."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.calendar import HOUR
from sim.faults import FaultTimeline
from sim.history_frame import history_frame, rows
from sim.report.plots import (
    endpoint_utilisation,
    peak_utilisation,
    picker_utilisation,
    plot_endpoint_utilisation,
    plot_picker_utilisation,
)
from sim.run import RunResult, execute
from sim.scenario import Scenario, load_scenario
from tests.cli.support import TINY as TINY_SCENARIO
from tests.helpers import Writer
from tests.report.support import SCENARIOS, TINY, render, spans, stairs

SLOW_CREATE = [
    "systems.erp.endpoints.create_order.concurrency=2",
    "systems.erp.endpoints.create_order.service_time.kind=lognormal",
    "systems.erp.endpoints.create_order.service_time.mean=120",
    "systems.erp.endpoints.create_order.service_time.cv=0.5",
]
"""ERP order creation on two servers at two minutes a call: saturated, with late calls."""


@pytest.fixture(scope="module")
def saturated() -> RunResult:
    """The ERP outage, shrunk, with order creation slowed until it saturates."""
    return execute(load_scenario(SCENARIOS / "erp_outage.yaml", [*TINY, *SLOW_CREATE]))


def concurrent_peak(starts: np.ndarray, ends: np.ndarray) -> int:
    """Most intervals in service at once (an end at t frees its server before a start at t).

    A start is ``end - service`` read back from a row, which rounds: a server handed over at
    ``t`` can seem to start a few ulps before ``t``, so starts are taken 1 us later.
    """
    events = sorted([(e, -1) for e in ends] + [(s + 1e-6, 1) for s in starts])
    level = best = 0
    for _, step in events:
        level += step
        best = max(best, level)
    return best


def test_utilisation_never_exceeds_capacity_and_averages_to_service_over_capacity(
    saturated: RunResult,
) -> None:
    ax = plot_endpoint_utilisation(saturated, top=4)
    render(ax)
    table = endpoint_utilisation(saturated)
    calls = rows(history_frame(saturated.history), "endpoint.call")
    names = calls["actor"].astype(str).str.removeprefix("endpoint:")
    horizon = saturated.horizon_s
    widths = np.diff(np.append(table.index.to_numpy(), horizon / HOUR))
    systems = saturated.scenario.systems
    assert systems.erp.endpoints.create_order.concurrency == 2
    capacity = {
        "erp.create_order": 2,
        "erp.atp_extract": systems.erp.endpoints.atp_extract.concurrency,
        "crm.api": systems.crm.api_spec().concurrency,
        "wms.release": systems.wms.release.concurrency,
    }
    assert set(capacity) <= set(table.columns)
    for name, servers in capacity.items():
        mine = calls[names == name]
        service = mine["value2"].fillna(0.0).to_numpy()
        ends = mine["time"].to_numpy()
        # the engine's own invariant, from the rows: never more requests in service than servers
        assert concurrent_peak(ends - service, ends) <= servers
        share = table[name].to_numpy()
        assert share.max() <= 1.0 + 1e-12 and share.min() >= 0.0
        assert (share * widths).sum() / (horizon / HOUR) == pytest.approx(
            service.sum() / (servers * horizon), rel=1e-9
        )
    create = table["erp.create_order"].to_numpy()
    assert create.max() > 0.5 and create.min() == 0.0  # busy for hours, idle before the orders
    # the four endpoints with the highest peaks are drawn, as the table has them
    drawn = sorted(a.get_gid() for a in ax.patches if (a.get_gid() or "").startswith("endpoint:"))
    expected = table.max().sort_values(ascending=False, kind="stable").index[:4]
    assert drawn == sorted(f"endpoint:{name}" for name in expected)
    for name in expected:
        values, _ = stairs(ax, f"endpoint:{name}")
        assert np.array_equal(values, table[name].to_numpy())
    assert spans(ax) == [("window:outage:erp", 10.0, 14.0)]


def test_busy_time_is_split_across_buckets_and_divided_by_servers() -> None:
    """Hand-written calls on erp.create_order (16 servers) whose utilisation is known."""
    w = Writer()
    actor = "endpoint:erp.create_order"
    # 16 calls of 1800 s ending at 1800: half of every server in hour 0
    for i in range(16):
        w(1800.0, "endpoint.call", i, status="ok", value=0.0, value2=1800.0, actor=actor)
    # one call from 1.5 h to 3.25 h: 0.5 h in hour 1, 1 h in hour 2, 0.25 h in hour 3
    w(3.25 * HOUR, "endpoint.call", 99, status="late", value=60.0, value2=1.75 * HOUR, actor=actor)
    # refused and throttled calls were never served
    w(2.0 * HOUR, "endpoint.call", 5, status="unavailable", value=0.5, value2=0.0, actor=actor)
    w(2.0 * HOUR, "endpoint.call", 6, status="throttled", value=0.0, value2=0.0, actor=actor)
    result = RunResult(
        scenario=Scenario.model_validate(TINY_SCENARIO),
        seed=0,
        history=w.history,
        horizon_s=4.5 * HOUR,
        metrics={},
        timeline=FaultTimeline(),
    )
    table = endpoint_utilisation(result)
    assert table.index.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    expected = np.array([0.5, 0.5 / 16, 1.0 / 16, 0.25 / 16, 0.0])
    assert table["erp.create_order"].to_numpy() == pytest.approx(expected, abs=1e-15)
    half_hours = endpoint_utilisation(result, bucket_h=2.0)["erp.create_order"]
    # buckets [0, 2), [2, 4) and the last, shorter one [4, 4.5)
    assert half_hours.to_numpy() == pytest.approx([(8 + 0.5) / 32, 1.25 / 32, 0.0])
    render(plot_endpoint_utilisation(result, endpoints=["erp.create_order"]))
    with pytest.raises(ValueError, match=r"erp\.nothing"):
        endpoint_utilisation(result, endpoints=["erp.nothing"])


ONE_PICKER_EACH = [f"sites.{site}.staffing.pickers=1" for site in ("NJ01", "GA01", "IL01", "NV01")]
"""The shipped sites down to one picker each: the pick queues saturate on a small day."""


def test_pickers_are_never_busier_than_there_are_pickers_and_saturate_first() -> None:
    result = execute(load_scenario(SCENARIOS / "peak_day.yaml", [*TINY, *ONE_PICKER_EACH]))
    ax = plot_picker_utilisation(result)
    render(ax)
    table = picker_utilisation(result)
    assert list(table.columns) == ["GA01", "IL01", "NJ01", "NV01"]
    frame = history_frame(result.history)
    packed = rows(frame, "wms.packed")
    started = rows(frame, "wms.pick_started")
    assert len(packed) > 20
    widths = np.diff(np.append(table.index.to_numpy(), result.horizon_s / HOUR))
    for site in table.columns:
        mine = packed[packed["status"].astype(str) == site]
        ends = mine["time"].to_numpy()
        work = mine["value"].to_numpy()
        # one picker: its tasks never overlap, as the rows show
        assert concurrent_peak(ends - work, ends) <= 1
        in_hand = started[
            (started["status"].astype(str) == site) & ~started["subject"].isin(packed["subject"])
        ]
        busy = work.sum() + (result.horizon_s - in_hand["time"].to_numpy()).sum()
        share = table[site].to_numpy()
        assert share.max() <= 1.0 + 1e-12 and share.min() >= 0.0
        assert (share * widths).sum() * HOUR == pytest.approx(busy, rel=1e-9)
        values, _ = stairs(ax, f"pickers:{site}")
        assert np.array_equal(values, share)
    # a morning's orders keep the lone pickers busy for whole hours, while the busiest
    # endpoint (many servers each) stays far from it
    assert table.max().max() > 0.99
    assert endpoint_utilisation(result).max().max() < 0.5
    peaks = peak_utilisation(result)
    assert list(peaks.columns) == ["peak", "saturated_h"]
    assert peaks.index[0].startswith("pickers:") and peaks["saturated_h"].iloc[0] >= 1.0
    assert peaks.loc["pickers:NJ01", "peak"] == table["NJ01"].max()
    assert peaks.loc["pickers:NJ01", "saturated_h"] == pytest.approx(
        widths[table["NJ01"].to_numpy() >= 0.95].sum()
    )
    endpoints = endpoint_utilisation(result)
    assert peaks.loc["erp.create_order", "peak"] == endpoints["erp.create_order"].max()
    assert (peaks.loc[list(endpoints.columns), "saturated_h"] == 0.0).all()
    assert peaks["saturated_h"].is_monotonic_decreasing


def test_picker_busy_time_is_split_across_buckets_and_counts_a_task_in_hand() -> None:
    """Hand-written picks at NJ01 (11 pickers) whose utilisation is known."""
    w = Writer()
    # 11 tasks of 1800 s packed at 1800: half of every NJ01 picker in hour 0
    for i in range(11):
        w(0.0, "wms.pick_started", i, subject=i, status="NJ01", value=float(i % 11))
        w(1800.0, "wms.packed", i, subject=i, status="NJ01", value=1800.0)
    # a GA01 task from 1.5 h to 3.25 h, and one started at 4 h still in hand at the end
    w(1.5 * HOUR, "wms.pick_started", 20, subject=20, status="GA01", value=0.0)
    w(3.25 * HOUR, "wms.packed", 20, subject=20, status="GA01", value=1.75 * HOUR)
    w(4.0 * HOUR, "wms.pick_started", 21, subject=21, status="GA01", value=1.0)
    result = RunResult(
        scenario=Scenario.model_validate(TINY_SCENARIO),
        seed=0,
        history=w.history,
        horizon_s=4.5 * HOUR,
        metrics={},
        timeline=FaultTimeline(),
    )
    table = picker_utilisation(result)
    assert table.index.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert table["NJ01"].to_numpy() == pytest.approx([0.5, 0.0, 0.0, 0.0, 0.0], abs=1e-15)
    ga = result.scenario.sites["GA01"].staffing.pickers
    assert table["GA01"].to_numpy() == pytest.approx(
        [0.0, 0.5 / ga, 1.0 / ga, 0.25 / ga, 1.0 / ga], abs=1e-15
    )
    assert table["IL01"].sum() == 0.0
    render(plot_picker_utilisation(result, bucket_h=2.0))
    # no site ever has 95% of its pickers busy; at a threshold of one half, NJ01's first
    # hour (half of its pickers busy) is saturated
    assert (peak_utilisation(result)["saturated_h"] == 0.0).all()
    halves = peak_utilisation(result, saturated=0.5)
    assert halves.index[0] == "pickers:NJ01" and halves["saturated_h"].iloc[0] == 1.0
