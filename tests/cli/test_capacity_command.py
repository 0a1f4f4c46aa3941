"""``o2csim capacity`` as a user runs it: the answer, the files, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.capacity.support import PEAK_DAY, SHRUNK_PEAK_DAY
from tests.cli.support import o2csim

SETS = [arg for item in SHRUNK_PEAK_DAY for arg in ("--set", item)]
SMALL = ["--low", "0.5", "--high", "4", "--max-steps", "2", "--replications", "2"]


def test_capacity_writes_the_answer_the_bottleneck_and_the_series(tmp_path: Path) -> None:
    out = tmp_path / "capacity"
    gate = ["--gate", "order_creation_latency"]  # the shrunk world's one SLA, by name
    done = o2csim(
        "capacity",
        PEAK_DAY,
        "--pattern",
        "hybrid",
        *SMALL,
        *gate,
        "--workers",
        "2",
        "--out",
        out,
        *SETS,
    )
    assert done.code == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "bottleneck: erp.dialog" in done.stdout
    assert "capacity: between 0.5x" in done.stdout and "and 4x" in done.stdout
    summary = json.loads((out / "capacity.json").read_text())
    assert summary["pattern"] == "hybrid"
    assert summary["answer"]["gates"] == ["order_creation_latency"]
    assert summary["answer"]["multiplier_passed"] == 0.5
    assert summary["answer"]["multiplier_failed"] == 4
    assert summary["bottleneck"]["resource"] == "erp.dialog"
    # the evidence: its backlog per server grew from the lowest step to the highest
    backlog = {s: dict(pairs) for s, pairs in summary["bottleneck"]["backlog"].items()}
    assert backlog["4"]["erp.dialog"] > backlog["0.5"]["erp.dialog"] + 0.1
    assert summary["bottleneck"]["backlog_growth"] > 0.1
    assert [s["multiplier"] for s in summary["steps"]] == [0.5, 4]
    assert summary["steps"][1]["failed"] == ["order_creation_latency"]
    assert summary["metastability"]["overload"]["multiplier"] == 4
    series = pd.read_parquet(out / "utilisation.parquet")
    assert list(series.columns) == ["multiplier", "time_h", "resource", "figure", "value"]
    dialog = series[(series["resource"] == "erp.dialog") & (series["figure"] == "utilisation")]
    assert set(dialog["multiplier"]) == {0.5, 4.0}
    assert dialog.groupby("multiplier")["value"].max().is_monotonic_increasing
    assert {"accepted", "retries"} <= set(series.loc[series["resource"] == "orders", "figure"])
    # a subscription's queue is its consumer lag: copies waiting to be taken
    lag = series[
        (series["resource"] == "subscriber:fulfilment-router") & (series["figure"] == "queue")
    ]
    assert lag["value"].notna().all() and lag["value"].max() > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--low", "4", "--high", "2"], "must be above low"),
        (["--replications", "1"], "--replications"),
        (["--tolerance", "0"], "--tolerance"),
        (["--pattern", "no_such_pattern"], "--pattern no_such_pattern"),
        (["--set", "demand.orders_per_business_day=-1"], "orders_per_business_day"),
        (["--high", "1e9"], "lower --high"),
        (["--gate", "allocation_dela"], "has no gate 'allocation_dela'; its gates: "),
    ],
)
def test_bad_input_exits_2_with_one_message(args: list[str], message: str, tmp_path: Path) -> None:
    out = tmp_path / "never"
    done = o2csim("capacity", PEAK_DAY, "--out", out, *args)
    assert done.code == 2, done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()
