"""An order's swim lanes hold exactly its history rows, each in its system's lane."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.collections import LineCollection, PathCollection

from sim.checks.base import correlation_id
from sim.engine.calendar import HOUR
from sim.history_frame import history_frame
from sim.report.plots import order_journey, order_number, plot_order_journey
from sim.report.plots.journey import LANES
from sim.run import RunResult
from tests.report.support import by_gid, one, render, tiny_run

SOURCE_LANE = {
    "crm": "CRM",
    "integration": "integration",
    "bus": "integration",
    "erp": "ERP",
    "wms": "WMS",
    "carrier": "carrier",
    "desk": "order desk",
}
"""The lanes as the plot's docstring states them, restated here to check the plot."""


@pytest.fixture(scope="module")
def outage() -> RunResult:
    return tiny_run("erp_outage")


@pytest.fixture(scope="module")
def desk_order(outage: RunResult) -> int:
    """An order that went to the order desk and was then shipped: every lane has rows."""
    frame = history_frame(outage.history)
    desk = frame[frame["event"].astype(str).str.startswith("desk.") & (frame["order"] >= 0)]
    scanned = frame[(frame["event"] == "carrier.scan") & (frame["order"].isin(desk["order"]))]
    return int(scanned["order"].iloc[0])


def expected_lanes(outage: RunResult, order: int) -> dict[str, list[float]]:
    """Per lane, the hours of the order's rows, straight from the history."""
    lanes: dict[str, list[float]] = {lane: [] for lane in LANES}
    frame = history_frame(outage.history)
    for time, event, actor in frame.loc[
        frame["order"] == order, ["time", "event", "actor"]
    ].itertuples(index=False):
        called = str(actor).removeprefix("endpoint:").split(".")[0]
        source = called if event == "endpoint.call" else str(event).split(".")[0]
        lanes[SOURCE_LANE[source]].append(float(time) / HOUR)
    return lanes


def test_each_lane_has_the_orders_rows_of_that_system(outage: RunResult, desk_order: int) -> None:
    ax = plot_order_journey(outage, correlation_id(desk_order))
    render(ax)
    expected = expected_lanes(outage, desk_order)
    assert all(expected[lane] for lane in LANES)
    tick_labels = [t.get_text() for t in ax.get_yticklabels()]
    assert tick_labels == list(LANES)
    for y, lane in enumerate(LANES):
        (collection,) = by_gid(ax, f"lane:{lane}")
        assert isinstance(collection, PathCollection)
        offsets = np.asarray(collection.get_offsets())
        assert offsets[:, 0].tolist() == pytest.approx(expected[lane])
        assert set(offsets[:, 1]) == {y}
    assert ax.get_title().startswith(f"order {correlation_id(desk_order)}")


def test_calls_are_segments_from_arrival_to_end_in_the_called_systems_lane(
    outage: RunResult, desk_order: int
) -> None:
    ax = plot_order_journey(outage, desk_order)
    calls = [
        r
        for r in outage.history.select("endpoint.call")
        if r["order"] == desk_order and str(r["actor"]).startswith("endpoint:erp.")
    ]
    assert calls
    segments = one(ax, "calls:ERP")
    assert isinstance(segments, LineCollection)
    ends = sorted((s[0][0], s[1][0]) for s in segments.get_segments())
    wanted = sorted(
        ((r["time"] - r["value"] - r["value2"]) / HOUR, r["time"] / HOUR) for r in calls
    )
    assert np.allclose(ends, wanted)


def test_the_journey_table_and_its_labels(outage: RunResult, desk_order: int) -> None:
    journey = order_journey(outage, str(desk_order))
    assert len(journey) == sum(len(v) for v in expected_lanes(outage, desk_order).values())
    labels = journey.set_index("event")["label"]
    assert labels["crm.quote_accepted"].startswith("quote accepted")
    assert (journey.loc[journey["event"] == "endpoint.call", "label"] == "").all()
    assert (journey["start_h"] <= journey["time_h"]).all()


def test_a_window_draws_only_the_rows_in_it(outage: RunResult, desk_order: int) -> None:
    journey = order_journey(outage, desk_order)
    start = float(journey["time_h"].min())
    window = (start - 0.01, start + 0.25)  # the first quarter of an hour of the order
    ax = plot_order_journey(outage, desk_order, window_h=window)
    render(ax)
    assert ax.get_xlim() == pytest.approx(window)
    inside = journey[(journey["time_h"] >= window[0]) & (journey["start_h"] <= window[1])]
    assert 0 < len(inside) < len(journey)
    drawn = sorted(
        float(x)
        for lane in LANES
        for collection in by_gid(ax, f"lane:{lane}")
        for x in np.asarray(collection.get_offsets())[:, 0]
    )
    assert drawn == pytest.approx(sorted(inside["time_h"]))
    with pytest.raises(ValueError, match="no rows between"):
        plot_order_journey(outage, desk_order, window_h=(-5.0, -4.0))
    with pytest.raises(ValueError, match="forwards"):
        plot_order_journey(outage, desk_order, window_h=(2.0, 1.0))


def test_order_numbers_and_correlation_ids(outage: RunResult) -> None:
    assert order_number("O00000042") == order_number("42") == order_number(42) == 42
    assert correlation_id(order_number("o00000007")) == "O00000007"
    with pytest.raises(ValueError, match="not an order number"):
        order_number("X42")
    with pytest.raises(ValueError, match="O99999999"):
        plot_order_journey(outage, 99_999_999)
