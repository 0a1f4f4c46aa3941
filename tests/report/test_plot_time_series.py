"""Plots over time agree with the history and the metrics, and shade the fault windows."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.calendar import HOUR
from sim.history_frame import ACCEPTANCE_EVENTS, history_frame
from sim.outage_recovery import integration_backlog
from sim.report.plots import (
    plot_backlog,
    plot_crm_staleness,
    plot_dead_letters_and_exceptions,
    plot_throughput,
    staleness_series,
    throughput_series,
)
from sim.report.plots.backlog import BACKLOG_LABELS, TOTAL_GID
from sim.run import RunResult
from tests.report.support import by_gid, line_xy, one, render, spans, stairs, step_at, tiny_run


@pytest.fixture(scope="module")
def outage() -> RunResult:
    """The ERP down from hour 10 to 14, with orders arriving: a backlog that drains."""
    return tiny_run("erp_outage")


@pytest.fixture(scope="module")
def schema() -> RunResult:
    """An event contract the consumers cannot read until hour 38: dead letters, stale CRM."""
    return tiny_run("schema_upgrade")


def windows_h(result: RunResult, kind: str) -> list[tuple[str, float, float]]:
    return sorted(
        (
            f"window:{w.kind}:{w.target}",
            w.start_s / HOUR,
            min(w.end_s, result.horizon_s) / HOUR,
        )
        for w in result.timeline.windows
        if w.kind == kind
    )


def test_backlog_is_the_recovery_metrics_backlog_with_the_outage_shaded(
    outage: RunResult,
) -> None:
    ax = plot_backlog(outage)
    render(ax)
    assert spans(ax) == windows_h(outage, "outage") == [("window:outage:erp", 10.0, 14.0)]
    x, y = line_xy(ax, TOTAL_GID)
    times, levels = integration_backlog(history_frame(outage.history))
    assert x[0] == 0 and x[-1] == outage.horizon_s / HOUR
    assert np.array_equal(x[1:-1], times / HOUR) and np.array_equal(y[1:-1], levels)
    # the terms drawn add up to the total at every instant it changes
    terms = [line_xy(ax, name) for name in BACKLOG_LABELS if by_gid(ax, name)]
    assert len(terms) >= 3
    for t in x[1:-1]:
        assert sum(step_at(tx, ty, t) for tx, ty in terms) == step_at(x, y, t)
    # and the recovery metric reads the same line: level at the outage's start, and its
    # peak from then until the backlog had drained
    (window,) = outage.metrics["delivery_health"]["recovery"]["windows"]
    start_h, recovered_h = window["start_s"] / HOUR, (window["end_s"] + window["recovery_s"]) / HOUR
    assert step_at(x, y, start_h) == window["backlog_at_start"]
    inside = (x > start_h) & (x <= recovered_h)
    assert y[inside].max() == window["peak_backlog"] > 20
    # exceptions raised leave the backlog for the desk: drawn beside it, not in the total
    _, open_exceptions = line_xy(ax, "exceptions")
    assert open_exceptions.max() == outage.metrics["delivery_health"]["exceptions"]["peak_backlog"]
    assert open_exceptions.max() > 0
    assert by_gid(plot_backlog(outage, exceptions=False), "exceptions") == []


def test_throughput_bars_and_steps_count_every_order_and_shipment(outage: RunResult) -> None:
    ax = plot_throughput(outage)
    render(ax)
    volume = outage.metrics["volume"]
    bars = [a for a in ax.patches if a.get_gid() == "accepted"]
    heights = np.array([bar.get_height() for bar in bars])
    assert heights.sum() == volume["orders_accepted"] > 50
    assert len(bars) == 60 and [bar.get_x() for bar in bars] == list(range(60))
    created, edges = stairs(ax, "erp_created")
    shipped, _ = stairs(ax, "shipped")
    assert created.sum() == volume["erp_orders_created"]
    assert shipped.sum() == volume["shipments"]
    assert edges.tolist() == list(range(61))
    # hour by hour, against the history
    accepted = [r for e in ACCEPTANCE_EVENTS for r in outage.history.select(e)]
    hours = np.floor(np.array([row["time"] for row in accepted]) / HOUR).astype(int)
    assert heights.tolist() == np.bincount(hours, minlength=60).tolist()
    # nothing created in the ERP while it was down; the catch-up comes in the hour after
    assert created[10:14].sum() == 0 and created[14] > heights[14]
    assert spans(ax) == [("window:outage:erp", 10.0, 14.0)]
    table = throughput_series(outage, bucket_h=6)
    assert table["accepted"].sum() == volume["orders_accepted"] and len(table) == 10


def test_dead_letter_and_exception_depths_peak_as_the_metrics_say(schema: RunResult) -> None:
    ax = plot_dead_letters_and_exceptions(schema, shade=("schema_change",))
    render(ax)
    health = schema.metrics["delivery_health"]
    dead, raised = health["dead_letters"], health["exceptions"]
    _, depth = line_xy(ax, "dead_letters")
    _, backlog = line_xy(ax, "exceptions")
    assert depth.max() == dead["peak_depth"] > 100
    assert depth[-1] == dead["count"] - dead["replayed"]
    assert backlog.max() == raised["peak_backlog"] > 10
    assert backlog[-1] == raised["raised"] - raised["resolved"]
    assert spans(ax) == windows_h(schema, "schema_change")
    assert spans(plot_dead_letters_and_exceptions(schema, shade=None))  # every kind
    assert spans(plot_dead_letters_and_exceptions(schema, shade=())) == []


def test_staleness_buckets_weigh_up_to_the_runs_time_weighted_share(schema: RunResult) -> None:
    ax = plot_crm_staleness(schema)
    render(ax)
    figure = schema.metrics["crm_staleness"]
    table = staleness_series(schema)
    assert figure["stale_share"] > 0.01
    assert table["stale_order_hours"].sum() / table["open_order_hours"].sum() == pytest.approx(
        figure["stale_share"], rel=1e-9
    )
    assert table["open_order_hours"].sum() == pytest.approx(figure["open_order_hours"], rel=1e-9)
    values, edges = stairs(ax, "stale_share")
    assert np.array_equal(values, table["share"].to_numpy(), equal_nan=True)
    assert edges[0] == 0 and edges[-1] == schema.horizon_s / HOUR
    assert np.nanmax(values) <= 1 and np.nanmin(values) >= 0
    _, run_share = line_xy(ax, "run_stale_share")
    assert run_share.tolist() == [figure["stale_share"]] * 2
    # CRM cannot read the ERP's events from hour 8, so it is staler then than before (the
    # first hours have few open orders, so one order's ordinary sync lag shows as a few %)
    assert np.nanmax(values[8:16]) > 0.2 and np.nanmax(values[:7]) < 0.05
    assert one(ax, "stale_share").get_label() == "per 1 h bucket"
