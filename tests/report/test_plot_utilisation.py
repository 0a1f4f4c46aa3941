"""Endpoint utilisation: busy servers over the endpoint's capacity, bucket by bucket."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.calendar import HOUR
from sim.faults import FaultTimeline
from sim.history_frame import history_frame, rows
from sim.report.plots import endpoint_utilisation, plot_endpoint_utilisation
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
