"""Each resilience mechanism, switched off under the fault it answers, lets an invariant
(or the delivery-health figure it protects) break; switched on, the invariants hold.

Every verdict comes from the history-only checkers, never from a mock's private state.
"""

from __future__ import annotations

import pytest

from tests.faults.support import call_outcomes, count, run_small, verdicts

ALL_HOLD = {
    "no_lost_orders",
    "no_phantoms",
    "no_duplicates",
    "convergence",
    "causality",
    "monotonic_lifecycle",
    "message_conservation",
    "returns",
}


def off(mechanism: str) -> str:
    return f"integration.mechanisms.{mechanism}=false"


def assert_all_hold(result: object) -> None:
    found = verdicts(result)  # type: ignore[arg-type]
    broken = {name: v.counts for name, v in found.items() if not v.valid}
    assert not broken, broken
    assert set(found) == ALL_HOLD


LOST_RESPONSES = "faults=[{kind: lost_response, target: erp.create_order, probability: 0.4}]"


def test_without_idempotency_keys_lost_responses_duplicate_erp_orders() -> None:
    on = run_small(LOST_RESPONSES)
    assert_all_hold(on)
    assert call_outcomes(on.history, "erp.create_order")["lost_response"] > 5
    assert count(on.history, "erp.duplicate_suppressed") > 5  # the retry met its key

    without = run_small(LOST_RESPONSES, off("idempotency_keys"))
    verdict = verdicts(without)["no_duplicates"]
    assert not verdict.valid
    assert verdict.counts["duplicate_creates"] > 5
    assert any(row["event"] == "erp.order_created" for row in verdict.witness)


REORDER = "faults=[{kind: bus_reorder, target: erp.order-events, probability: 0.3, delay_s: 120}]"


def test_without_resequencing_the_crm_moves_backwards() -> None:
    on = run_small(REORDER)
    assert_all_hold(on)
    assert count(on.history, "bus.discarded", status="stale") > 10

    without = run_small(REORDER, off("resequencing"))
    verdict = verdicts(without)["monotonic_lifecycle"]
    assert not verdict.valid
    assert verdict.counts["backward_moves"] > 5


CRASHES = "faults=[{kind: consumer_crash, target: erp.order-events, probability: 0.3}]"


def test_without_dedupe_a_redelivered_copy_is_applied_twice() -> None:
    on = run_small(CRASHES)
    assert_all_hold(on)
    assert count(on.history, "bus.redelivered") > 10
    assert count(on.history, "bus.discarded", status="duplicate") > 10

    without = run_small(CRASHES, off("dedupe"))
    verdict = verdicts(without)["message_conservation"]
    assert not verdict.valid
    assert verdict.counts["applied_twice"] > 5


POISON = "faults=[{kind: poison, target: erp.order-events, probability: 0.05}]"


def test_without_the_dead_letter_queue_poison_messages_vanish() -> None:
    on = run_small(POISON)
    conservation = verdicts(on)["message_conservation"]
    assert conservation.valid
    assert conservation.counts["dead_lettered"] > 5
    assert on.metrics is not None

    without = run_small(POISON, off("dead_letter_queue"))
    verdict = verdicts(without)["message_conservation"]
    assert not verdict.valid
    assert verdict.counts["dropped"] > 5
    assert {row["event"] for row in verdict.witness} >= {"bus.dropped"}


ERP_DOWN = "faults=[{kind: outage, target: erp, mode: timeout, windows: [{start_h: 8, end_h: 11}]}]"


def test_without_the_circuit_breaker_calls_pile_up_on_the_failed_system() -> None:
    on = run_small(ERP_DOWN)
    assert_all_hold(on)
    without = run_small(ERP_DOWN, off("circuit_breaker"))
    assert_all_hold(without)  # no invariant is at stake: the cost is load and waiting
    timed_out_on = call_outcomes(on.history, "erp.")["timeout"]
    timed_out_off = call_outcomes(without.history, "erp.")["timeout"]
    assert timed_out_on > 0
    assert timed_out_off > 3 * timed_out_on


def test_without_store_and_forward_an_erp_outage_sends_orders_to_manual_rekeying() -> None:
    on = run_small(ERP_DOWN)
    assert count(on.history, "integration.stored_for_forwarding") > 5
    assert count(on.history, "integration.exception_raised", status="manual_rekey") == 0

    without = run_small(ERP_DOWN, off("store_and_forward"))
    assert count(without.history, "integration.stored_for_forwarding") == 0
    assert count(without.history, "integration.exception_raised", status="manual_rekey") > 5
    assert verdicts(without)["no_lost_orders"].valid  # re-keying is a named exception state


CRM_THROTTLED = (
    "faults=[{kind: throttle, target: crm, preset: custom, limits: {requests: 10, window_s: 60},"
    " windows: [{start_h: 1, end_h: 12}]}]"
)
CLIENT_LIMIT = "integration.client_limits={crm: {requests: 10, window_s: 60}}"


@pytest.mark.parametrize("seed", [3, 4])
def test_without_client_side_throttling_429s_multiply(seed: int) -> None:
    paced = run_small(CRM_THROTTLED, CLIENT_LIMIT, seed=seed)
    assert_all_hold(paced)
    assert count(paced.history, "integration.throttle_wait") > 10
    unpaced = run_small(CRM_THROTTLED, CLIENT_LIMIT, off("client_throttle"), seed=seed)
    throttled_paced = call_outcomes(paced.history, "crm.")["throttled"]
    throttled_unpaced = call_outcomes(unpaced.history, "crm.")["throttled"]
    assert throttled_unpaced > 20
    assert throttled_unpaced > 5 * max(1, throttled_paced)


# Poison that nobody sees: without a dead-letter queue the copy is dropped, and only the
# reconciliation job can bring CRM back in line with the ERP.
SILENT_LOSS = (POISON, off("dead_letter_queue"))


def test_without_reconciliation_crm_and_erp_do_not_converge_after_a_lost_event() -> None:
    on = run_small(*SILENT_LOSS)
    assert verdicts(on)["convergence"].valid
    assert count(on.history, "integration.reconciled") > 0

    without = run_small(*SILENT_LOSS, off("reconciliation"))
    verdict = verdicts(without)["convergence"]
    assert not verdict.valid
    assert verdict.counts["diverged"] > 0
    assert count(without.history, "integration.reconciled") == 0


MISSING_SCANS = "faults=[{kind: scan_missing, probability: 0.3}]"
POLL_SOONER = (  # so that every shipment of the small run is polled before it ends
    "integration.reconciliation={tracking_poll_after_s: 129600, tracking_poll_interval_s: 21600}"
)


def test_without_the_tracking_poll_missing_scans_leave_shipments_undelivered() -> None:
    def undelivered(result: object) -> int:
        history = result.history  # type: ignore[attr-defined]
        delivered_at_carrier = count(history, "carrier.scan", status="delivered")
        delivered_at_erp = count(history, "erp.delivery_status", status="DELIVERED")
        return delivered_at_carrier - delivered_at_erp

    on = run_small(MISSING_SCANS, POLL_SOONER)
    assert_all_hold(on)
    assert count(on.history, "integration.scan_recovered") > 5
    assert undelivered(on) == 0

    without = run_small(MISSING_SCANS, POLL_SOONER, off("reconciliation"))
    assert undelivered(without) > 5


# ERP prices rise for half the materials; the price flow cannot read them back from the ERP
# for a day, so the CRM price book learns them a day later, quotes in between are held for
# a pricing mismatch, and the desk cancels them.
PRICE_DRIFT = (
    "faults=[{kind: price_change, share: 0.5, change: 0.3, windows: [{start_h: 0, end_h: 24}]},"
    " {kind: outage, target: erp.price_read, windows: [{start_h: 0, end_h: 24}]}]"
)
DESK_CANCELS = "systems.desk.outcomes={pricing_mismatch: {cancel: 1.0}}"


def test_without_compensation_a_cancelled_order_stays_held_in_the_erp() -> None:
    on = run_small(PRICE_DRIFT, DESK_CANCELS)
    assert_all_hold(on)
    assert count(on.history, "erp.hold_placed", status="pricing_mismatch") > 5
    assert count(on.history, "integration.compensated") > 5

    without = run_small(PRICE_DRIFT, DESK_CANCELS, off("compensation"))
    verdict = verdicts(without)["convergence"]
    assert not verdict.valid
    assert verdict.counts["diverged"] > 5


def test_without_the_order_desk_exceptions_wait_for_ever() -> None:
    def open_exceptions(result: object) -> tuple[int, float]:
        history = result.history  # type: ignore[attr-defined]
        raised = {
            row["order"]: row["time"] for row in history.select("integration.exception_raised")
        }
        for row in history.select("integration.exception_resolved"):
            raised.pop(row["order"], None)
        end = result.horizon_s  # type: ignore[attr-defined]
        return len(raised), max((end - t for t in raised.values()), default=0.0)

    on = run_small(PRICE_DRIFT)
    assert_all_hold(on)
    assert count(on.history, "desk.item_resolved") > 5
    assert open_exceptions(on) == (0, 0.0)

    without = run_small(PRICE_DRIFT, off("order_desk"))
    waiting, oldest = open_exceptions(without)
    assert waiting > 5
    assert oldest > 5 * 86_400  # raised on Monday morning, still open a week later


ERP_ERRORS = (
    "faults=[{kind: brownout, target: erp, latency_multiplier: 1, error_rate: 0.3,"
    " windows: [{start_h: 7, end_h: 12}]}]"
)


def test_without_retries_transient_errors_become_stored_orders_and_late_creations() -> None:
    # every order through the synchronous create call (EDI orders would otherwise wait
    # for their IDoc inbound run, retries or not)
    quotes = ("demand.entry.edi=crm_quote", "demand.entry.web_shop=crm_quote")
    # one answer in five a 5xx: with retries the breaker seldom sees five failures in a row
    errors = ERP_ERRORS.replace("error_rate: 0.3", "error_rate: 0.2")
    on = run_small(errors, *quotes)
    assert_all_hold(on)
    assert count(on.history, "integration.retry") > 20
    without = run_small(errors, *quotes, off("retry"))
    assert_all_hold(without)  # store and forward still saves the orders, only later
    stored_on = count(on.history, "integration.stored_for_forwarding")
    stored_off = count(without.history, "integration.stored_for_forwarding")
    assert stored_off > 5 * max(1, stored_on)
    p95 = lambda r: r.metrics["latency_s"]["order_creation_latency"]["p95"]  # noqa: E731
    assert p95(without) > 3 * p95(on)


def test_retry_amplification_compares_calls_per_order_with_the_fault_free_run() -> None:
    from sim.run import execute
    from sim.scenario import load_scenario
    from tests.faults.support import SMALL

    scenario = load_scenario("scenarios/baseline.yaml", [*SMALL, ERP_ERRORS])
    result = execute(scenario, seed=3, against_fault_free=True)
    amplification = result.metrics["delivery_health"]["retry_amplification"]
    by_endpoint, by_system = amplification["by_endpoint"], amplification["by_system"]
    assert by_endpoint["erp.create_order"]["amplification"] > 1.2  # retried 5xx answers
    assert by_system["erp"]["amplification"] > 1.0
    assert by_system["wms"]["amplification"] == pytest.approx(1.0)
    assert "fault_free_twin" in result.wall_seconds
