"""The alerts chart shows the run's own episodes and each fault window's time to detect."""

from __future__ import annotations

from io import BytesIO

import pytest
from matplotlib.collections import PolyCollection
from matplotlib.text import Annotation

from sim.report.plots import plot_alerts
from sim.run import RunResult, execute
from sim.scenario import load_scenario


@pytest.fixture(scope="module")
def result() -> RunResult:
    overrides = ["demand.orders_per_business_day=200", "drain_days=6"]
    return execute(load_scenario("scenarios/erp_maintenance_peak.yaml", overrides))


def test_bars_are_the_recorded_episodes_and_arrows_the_times_to_detect(
    result: RunResult,
) -> None:
    ax = plot_alerts(result)
    ax.figure.savefig(BytesIO(), format="png")
    rules = result.metrics["alerts"]["rules"]
    bars = {
        str(c.get_gid()).removeprefix("alert:"): c
        for c in ax.collections
        if str(c.get_gid()).startswith("alert:")
    }
    assert set(bars) == set(rules)
    for name, rule in rules.items():
        paths = bars[name].get_paths()
        assert len(paths) == len(rule["episodes"])
        for path, episode in zip(paths, rule["episodes"], strict=True):
            left = float(path.vertices[:, 0].min())
            assert left == pytest.approx(episode["fired_s"] / 3600.0)
    arrows = {a.get_gid(): a for a in ax.texts if isinstance(a, Annotation)}
    faults = result.metrics["alerts"]["faults"]
    assert faults and all(f["detected_by"] for f in faults)
    for fault in faults:
        arrow = arrows[f"detect:{fault['kind']}:{fault['window']}"]
        assert arrow.xy[0] == pytest.approx((fault["start_s"] + fault["time_to_detect_s"]) / 3600.0)
        assert arrow.get_text().startswith(fault["detected_by"])
    shaded = [p for p in ax.patches if str(p.get_gid()).startswith("window:outage")]
    assert len(shaded) == len(faults)
    assert all(isinstance(c, PolyCollection) for c in bars.values())
