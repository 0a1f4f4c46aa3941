"""``sim.compare.compare``: hybrid against a user's pattern run by import path in workers."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console

from sim.compare import (
    TIDY_COLUMNS,
    CompareError,
    CompareResult,
    compare,
    resolve_patterns,
    resolve_reference,
    write_compare_outputs,
)
from sim.replications import replication_seed
from sim.report.compare import print_comparison
from sim.run import execute
from tests.compare.support import SLAS, USER_PATTERN, tiny

SEED = 17
N = 3
SCENARIO = tiny()


@pytest.fixture(scope="module")
def result() -> CompareResult:
    return compare(SCENARIO, ["hybrid", USER_PATTERN], replications=N, seed=SEED, workers=2)


def test_the_tidy_table_has_a_row_per_pattern_replication_and_kpi(result: CompareResult) -> None:
    tidy = result.tidy
    assert tuple(tidy.columns) == TIDY_COLUMNS
    kpis = list(dict.fromkeys(tidy["kpi"]))
    assert len(tidy) == 2 * N * len(kpis)
    assert not tidy.duplicated(["pattern", "replication", "kpi"]).any()
    assert list(dict.fromkeys(tidy["pattern"])) == ["hybrid", "hybrid_unreconciled"]
    seeds = tidy.groupby("replication")["seed"].unique()
    assert {i: list(s) for i, s in seeds.items()} == {
        i: [replication_seed(SEED, i)] for i in range(N)
    }
    for kpi in (
        "order_creation_latency_p95_s",
        "crm_stale_share",
        "orders_delivered",
        "orders_lost",
        "duplicates",
        "calls_per_order.crm",
        "limit_use.crm",
        "messages_published",
        "manual_touches",
        "dead_letters",
        "cost_per_order",
        "sla.order_creation_latency",
    ):
        assert kpi in kpis, kpi
    assert str(tidy["value"].dtype) == "float64" and str(tidy["seed"].dtype) == "int64"


def test_every_pattern_ran_the_same_seeds_orders_and_faults(result: CompareResult) -> None:
    hybrid, user = result.replications["hybrid"], result.replications["hybrid_unreconciled"]
    assert [r.seed for r in hybrid] == [r.seed for r in user]
    assert [r.demand_hash for r in hybrid] == [r.demand_hash for r in user]
    assert len({r.demand_hash for r in hybrid}) == N  # each replication its own orders
    assert result.summary["common_random_numbers"] == {
        "same_orders": True,
        "same_fault_timeline": True,
    }
    # the user's pattern ran (in a spawned worker, by its path) and behaved differently
    assert all(u.pattern == USER_PATTERN for u in user)
    assert all(h.history_hash != u.history_hash for h, u in zip(hybrid, user, strict=True))
    # hybrid replication 0 is the run made on its own with that replication's seed
    assert execute(SCENARIO, replication_seed(SEED, 0)).history_hash == hybrid[0].history_hash


def test_summary_means_and_paired_differences(result: CompareResult) -> None:
    summary = result.summary
    assert summary["patterns"] == ["hybrid", "hybrid_unreconciled"]
    assert summary["reference"] == "hybrid"
    assert list(summary["differences"]) == ["hybrid_unreconciled"]
    tidy = result.tidy
    for label in summary["patterns"]:
        values = tidy[(tidy["pattern"] == label) & (tidy["kpi"] == "calls.erp")]["value"]
        assert summary["kpis"][label]["calls.erp"]["mean"] == pytest.approx(values.mean())
    # without reconciliation no status extracts or tracking polls: fewer ERP calls, surely
    erp = summary["differences"]["hybrid_unreconciled"]["calls.erp"]
    assert erp["high"] < 0 and erp["significant"] is True
    # the same orders: no difference at all in what was accepted
    accepted = summary["differences"]["hybrid_unreconciled"]["orders_accepted"]
    assert (accepted["mean"], accepted["half_width"], accepted["significant"]) == (0, 0, False)


def test_sla_verdicts_use_the_rule_across_replications(result: CompareResult) -> None:
    summary = result.summary
    assert summary["sla_rule"]["bonferroni_k"] == len(SLAS)
    for label in summary["patterns"]:
        verdicts = summary["sla"][label]
        assert sorted(verdicts) == sorted(SLAS)
        for metric, v in verdicts.items():
            assert (v["n"], v["k"], v["level"]) == (N, 2, pytest.approx(0.975))
            assert v["max_s"] == SLAS[metric]["max_s"]
            assert v["upper_bound"] > v["mean"]
            assert v["passed"] is (v["upper_bound"] <= v["max_s"])
        assert summary["sla_passed"][label] is all(v["passed"] for v in verdicts.values())


def test_the_console_tables(result: CompareResult) -> None:
    console = Console(record=True, width=220, color_system=None)
    print_comparison(result.summary, console, workers=2)
    text = console.export_text()
    for phrase in (
        "Service levels (p95 of finished samples)",
        "Outcomes",
        "API calls per order, and the peak use of the system's request limit",
        "Operating figures",
        "SLA verdicts across 3 replications",
        "one-sided 97.5% upper bound (t, 2 dof; Bonferroni over 2 SLAs)",
        "hybrid_unreconciled",
        "Δ vs hybrid",
        "order creation p95",
        "cost / order",
    ):
        assert phrase in text, phrase
    erp = result.summary["differences"]["hybrid_unreconciled"]["calls_per_order.erp"]
    assert erp["significant"]
    assert " *" in text  # the significant difference is marked
    assert "warning" not in text


def test_parquet_and_json_outputs(result: CompareResult, tmp_path: Path) -> None:
    paths = write_compare_outputs(result, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["replications.parquet", "summary.json"]
    back = pd.read_parquet(paths["tidy"])
    pd.testing.assert_frame_equal(back, result.tidy)
    summary = json.loads(paths["summary"].read_text())
    assert summary["patterns"] == ["hybrid", "hybrid_unreconciled"]
    assert summary["replication_seeds"] == [replication_seed(SEED, i) for i in range(N)]
    assert summary["history_sha256"]["hybrid"] == [
        r.history_hash for r in result.replications["hybrid"]
    ]
    # no outage, no recovery time: NaN in Python, null in JSON (valid JSON, no NaN token)
    assert math.isnan(result.summary["kpis"]["hybrid"]["max_recovery_s"]["mean"])
    assert summary["kpis"]["hybrid"]["max_recovery_s"]["mean"] is None
    assert "NaN" not in paths["summary"].read_text()


def test_requests_that_cannot_run() -> None:
    with pytest.raises(CompareError, match="at least 2 replications") as caught:
        compare(SCENARIO, ["hybrid"], replications=1)
    assert caught.value.option == "replications"
    with pytest.raises(CompareError, match="already listed"):
        resolve_patterns(["hybrid", "sim.integration.patterns.hybrid:HybridPattern"])
    with pytest.raises(CompareError, match="unknown pattern 'carrier_pigeon'"):
        resolve_patterns(["hybrid", "carrier_pigeon"])
    labels = resolve_patterns(["hybrid", USER_PATTERN])
    assert labels == {"hybrid": "hybrid", "hybrid_unreconciled": USER_PATTERN}
    assert resolve_reference(labels, USER_PATTERN) == "hybrid_unreconciled"
    assert resolve_reference({"x": "x", "y": "y"}, None) == "x"
    with pytest.raises(CompareError, match="not among the patterns compared"):
        resolve_reference(labels, "direct")
