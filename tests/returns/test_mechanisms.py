"""The returns mechanisms, each shown necessary by switching it off under its condition."""

from __future__ import annotations

import numpy as np

from sim.checks import returns, run_all
from sim.engine import History
from tests.returns.support import case_statuses, events, run_returns

OFF = "returns.enabled=false"
LOST = "faults=[{kind: lost_response, target: erp.create_return_order, probability: 0.4}]"
NO_KEYS = "integration.mechanisms.idempotency_keys=false"


def test_without_returns_no_case_rma_or_credit_memo_exists() -> None:
    history = run_returns(OFF).history
    seen = events(history)
    assert not {name for name in seen if "return" in name or "case" in name or "credit" in name}
    assert run_returns(OFF).metrics["returns"]["cases_opened"] == 0


def test_returns_do_not_move_the_order_flow() -> None:
    """With returns on but nobody returning, every order row is the same as without."""
    for pattern in ("direct", "hybrid"):
        quiet = run_returns("returns.demand.share=0", f"integration.pattern={pattern}").history
        off = run_returns(OFF, f"integration.pattern={pattern}").history

        assert _order_rows(quiet) == _order_rows(off), pattern
        assert len(quiet) > 1000


def _order_rows(history: History) -> tuple[list[str], list[bytes]]:
    """Event names and the numeric columns' bytes, less the declarations of the bus's
    subscriptions and of the endpoints on the ERP's work processes (the returns APIs)."""
    cols = history.columns()
    names = np.array(history.events.names)[cols["event"]]
    declarations = ["bus.subscribed", "bus.subscription_filter", "pool.declared", "pool.member"]
    keep = ~np.isin(names, declarations)
    numbers = [cols[c][keep].tobytes() for c in ("time", "order", "subject", "value", "value2")]
    return [str(n) for n in names[keep]], numbers


def test_the_erp_refuses_a_return_of_more_than_was_delivered() -> None:
    history = run_returns("returns.demand.over_claim_share=1").history
    refused = history.select("erp.return_refused")
    assert len(refused) > 10
    assert {r["status"] for r in refused} == {"exceeds_delivered"}
    seen = events(history)
    assert seen["erp.return_authorized"] == 0 and seen["erp.credit_memo_posted"] == 0
    assert all(statuses == ["Refused"] for statuses in case_statuses(history).values())
    assert run_all(history)["returns"].valid


def test_without_idempotency_keys_a_lost_answer_authorises_a_return_twice() -> None:
    on = run_returns(LOST)
    assert events(on.history)["erp.return_replayed"] > 5  # the retry met its key
    verdict = returns(on.history)
    assert verdict.valid and verdict.counts["duplicate_return_orders"] == 0

    without = run_returns(LOST, NO_KEYS)
    verdict = returns(without.history)
    assert not verdict.valid
    assert verdict.counts["duplicate_return_orders"] > 3
    assert any(row["event"] == "erp.return_authorized" for row in verdict.witness)


def test_direct_integration_sends_no_key_so_lost_answers_duplicate_rmas() -> None:
    verdict = returns(run_returns(LOST, "integration.pattern=direct").history)
    assert not verdict.valid and verdict.counts["duplicate_return_orders"] > 3


def test_returned_stock_is_counted_as_stock() -> None:
    history = run_returns().history
    verdict = run_all(history)["causality"]
    assert verdict.valid and verdict.counts["stock_counted_groups"] > 0
    assert sum(r["value"] for r in history.select("erp.stock_returned")) > 0
    # damaged goods come back but are not sellable: fewer units to stock than received
    received = history.select("erp.return_received")
    assert sum(r["value2"] for r in received) < sum(r["value"] for r in received)


def test_a_smaller_receiving_team_makes_returns_wait_longer() -> None:
    """Parcels queue at the dock for the receiving team: queueing emerges from its size."""

    def receipt_mean(receivers: int) -> float:
        metrics = run_returns(
            f"returns.receiving.receivers={receivers}",
            "returns.receiving.inspection_time={kind: constant, value: 28800}",
        ).metrics
        return float(metrics["latency_s"]["return_receipt_delay"]["mean"])

    assert receipt_mean(1) > receipt_mean(8) + 6 * 3600
