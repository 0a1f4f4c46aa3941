"""On a shrunk peak day the search names the bottleneck, and raising it moves both.

The ERP's two dialog work processes saturate first (each creation holds one for minutes);
with eight, they saturate far later, the WMS's one release server first, and the order
creation SLA holds at a higher load. Nothing here names a resource in advance: the
bottleneck comes from the runs' hourly utilisation.
"""

from __future__ import annotations

from sim.capacity import CapacityResult, CapacitySettings, capacity_search
from tests.capacity.support import SHRUNK_PEAK_DAY, scenario

SETTINGS = CapacitySettings(low=0.5, high=4, tolerance=0.5, max_steps=3, widen=0, replications=3)


def _search(*overrides: str) -> CapacityResult:
    return capacity_search(scenario(*SHRUNK_PEAK_DAY, *overrides), SETTINGS)


def test_raising_the_bottleneck_names_another_and_raises_the_capacity() -> None:
    base = _search()
    assert base.bottleneck.resource == "erp.dialog"
    assert base.bottleneck.saturated
    assert base.bracketed and base.failed is not None
    failing = next(step for step in base.steps if step.multiplier == base.failed)
    assert failing.failed == ("order_creation_latency",)
    # every resource's utilisation at every step is reported, busiest first
    for ranking in base.bottleneck.ranking.values():
        shares = [share for _, share in ranking]
        assert shares == sorted(shares, reverse=True) and len(ranking) > 3

    raised = _search("systems.erp.work_processes.dialog=8")
    assert raised.bottleneck.resource == "wms.release"
    assert raised.bottleneck.saturated
    assert raised.passed is not None and base.passed is not None
    assert raised.passed > base.passed
    assert raised.passed >= base.failed  # the raised world holds where the base one failed
    # the bottleneck's series is in the result: its utilisation rises with the multiplier
    series = raised.series()
    release = series[(series["resource"] == "wms.release") & (series["figure"] == "utilisation")]
    peaks = release.groupby("multiplier")["value"].max()
    assert peaks.is_monotonic_increasing and peaks.iloc[-1] > SETTINGS.saturation
