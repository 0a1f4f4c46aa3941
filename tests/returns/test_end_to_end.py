"""Returns run end to end through each of the four patterns, from history rows alone."""

from __future__ import annotations

import math

import pytest

from sim.checks import run_all
from sim.run import RunResult
from tests.returns.support import case_statuses, events, run_returns

PATTERNS = ("direct", "ipaas", "event_bus", "hybrid")


@pytest.fixture(scope="module")
def runs() -> dict[str, RunResult]:
    return {pattern: run_returns(f"integration.pattern={pattern}") for pattern in PATTERNS}


@pytest.mark.parametrize("pattern", PATTERNS)
def test_a_case_becomes_an_rma_a_receipt_and_a_credit_memo(
    runs: dict[str, RunResult], pattern: str
) -> None:
    result = runs[pattern]
    history = result.history
    seen = events(history)
    assert seen["crm.case_opened"] > 10
    assert seen["integration.return_requested"] == seen["crm.case_opened"]
    authorized = seen["erp.return_authorized"]
    assert authorized + seen["erp.return_refused"] == seen["crm.case_opened"]
    assert authorized == seen["wms.return_advised"] > 10
    assert seen["wms.return_inspected"] == seen["erp.credit_memo_posted"] >= authorized - 2
    assert seen["erp.stock_returned"] > 0
    # every credit memo reached the case, which went through the lifecycle in order
    credited = {int(r["order"]) for r in history.select("erp.credit_memo_posted")}
    shown = case_statuses(history)
    assert {o for o, statuses in shown.items() if statuses[-1] == "Credited"} == credited
    for order in credited:
        assert shown[order][0] == "Authorized"
    broken = {name: v.counts for name, v in run_all(history).items() if not v.valid}
    assert not broken, broken


@pytest.mark.parametrize("pattern", PATTERNS)
def test_returns_have_their_own_kpis(runs: dict[str, RunResult], pattern: str) -> None:
    metrics = runs[pattern].metrics
    returns = metrics["returns"]
    assert returns["cases_opened"] > 10
    assert 20 < returns["returns_per_100_orders"] < 80  # half the delivered orders
    assert returns["credited_net"] > 0 and returns["credited_tax"] > 0
    latency = metrics["latency_s"]
    cycle = latency["return_cycle_time"]
    assert cycle["count"] == returns["credit_memos"]
    # the cycle spans the customer's shipping, the carrier's transit (days) and inspection
    assert 2 * 86400 < cycle["p50"] < 10 * 86400
    assert latency["return_authorization_latency"]["p95"] < 600
    assert latency["credit_memo_sync_latency"]["count"] == returns["credit_memos"]
    assert not math.isnan(latency["return_receipt_delay"]["p50"])


def test_the_same_customers_return_the_same_goods_under_every_pattern(
    runs: dict[str, RunResult],
) -> None:
    def cases(result: RunResult) -> set[tuple[int, str, float]]:
        return {
            (int(r["order"]), str(r["status"]), float(r["value"]))
            for r in result.history.select("crm.case_opened")
        }

    first = cases(runs["hybrid"])
    for pattern in PATTERNS:
        assert cases(runs[pattern]) == first, pattern


def test_polling_makes_the_case_learn_of_its_credit_later_than_events_do(
    runs: dict[str, RunResult],
) -> None:
    def sync_p50(pattern: str) -> float:
        return float(runs[pattern].metrics["latency_s"]["credit_memo_sync_latency"]["p50"])

    # events reach the case in seconds; the direct pattern's poll and iPaaS's bulk sync
    # leave it to the next run of the job
    assert sync_p50("hybrid") < 60 and sync_p50("event_bus") < 60
    assert sync_p50("direct") > 5 * sync_p50("hybrid")
    assert sync_p50("ipaas") > 5 * sync_p50("hybrid")


def test_every_returns_event_is_an_ocel_event_of_a_return(runs: dict[str, RunResult]) -> None:
    from sim.export import ocel_log
    from sim.history_frame import history_frame

    for pattern in ("direct", "event_bus"):
        log = ocel_log(history_frame(runs[pattern].history), "2026-11-23T00:00:00Z")
        assert log.unmapped == {}, pattern
        names = {table.name for table in log.events}
        assert {"Return Requested", "Return Authorized", "Credit Memo Posted"} <= names
        returns_table = next(t for t in log.objects if t.name == "return")
        assert len(returns_table.base) == runs[pattern].metrics["returns"]["cases_opened"]
