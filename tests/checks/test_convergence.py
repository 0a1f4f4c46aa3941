from __future__ import annotations

from sim.checks import convergence
from sim.checks.convergence import NOT_QUIESCENT
from tests.checks.support import Row, has_row, order_world, row, run_ended, without, write


def test_crm_shows_the_erp_status_at_a_quiescent_end() -> None:
    verdict = convergence(write(order_world()))
    assert verdict.valid
    assert verdict.note == ""
    assert verdict.counts == {
        "orders_compared": 3,
        "diverged": 0,
        "missing_in_crm": 0,
        "diverged_in_open_exception": 0,
        "in_flight": 0,
        "pending": 0,
    }


def _diverged(quiescent: bool = True) -> list[Row]:
    rows = order_world(quiescent=False)
    rows.append(row(500, "erp.order_status", 2, status="DELIVERED"))
    if quiescent:
        rows.append(run_ended(1000))
    return rows


def test_a_crm_status_behind_the_erp_at_a_quiescent_end_diverges() -> None:
    verdict = convergence(write(_diverged()))
    assert not verdict.valid
    assert verdict.counts["diverged"] == 1
    assert verdict.counts["missing_in_crm"] == 0
    assert has_row(verdict.witness, "crm.status_updated", order=2, status="IN_TRANSIT")
    assert has_row(verdict.witness, "erp.order_status", order=2, status="DELIVERED")
    assert len(verdict.witness) == 2


def test_an_order_crm_never_heard_of_diverges() -> None:
    verdict = convergence(write(without(order_world(), "crm.status_updated", order=4)))
    assert not verdict.valid
    assert verdict.counts["missing_in_crm"] == 1
    assert verdict.witness == [
        w for w in verdict.witness if w["event"] == "erp.order_status" and w["order"] == 4
    ]


def test_without_a_run_end_convergence_is_not_judged() -> None:
    verdict = convergence(write(_diverged(quiescent=False)))
    assert verdict.valid
    assert verdict.note == NOT_QUIESCENT
    assert verdict.counts["in_flight"] == -1
    assert verdict.counts["diverged"] == 1
    assert verdict.witness == []


def test_work_in_flight_at_the_end_is_not_quiescent() -> None:
    rows = [*_diverged(quiescent=False), run_ended(1000, in_flight=2, pending=1)]
    verdict = convergence(write(rows))
    assert verdict.valid
    assert verdict.note == NOT_QUIESCENT
    assert (verdict.counts["in_flight"], verdict.counts["pending"]) == (2, 1)


def test_the_last_status_is_last_by_time_then_row() -> None:
    rows = order_world(quiescent=False)
    # written out of time order: the row at t=600 is CRM's last status, and at equal times
    # the later row wins
    rows.append(row(600, "crm.status_updated", 2, status="DELIVERED"))
    rows.append(row(500, "erp.order_status", 2, status="DELIVERED"))
    rows.append(row(550, "crm.status_updated", 2, status="SHIPPED"))
    rows.append(row(700, "erp.order_status", 1, status="SHIPPED"))
    rows.append(row(700, "erp.order_status", 1, status="DELIVERED"))
    rows.append(run_ended(1000))
    verdict = convergence(write(rows))
    assert verdict.valid, verdict.witness


def _excepted(resolved: int) -> list[Row]:
    """Order 2 diverged, with two exceptions raised and ``resolved`` of them resolved."""
    rows = _diverged(quiescent=False)
    rows.append(row(300, "integration.exception_raised", 2, status="dead_letter"))
    rows.append(row(400, "integration.exception_raised", 2, status="dead_letter"))
    rows.extend([row(450, "integration.exception_resolved", 2, status="resubmit")] * resolved)
    rows.append(run_ended(1000))
    return rows


def test_an_order_in_an_open_exception_is_pending_not_diverged() -> None:
    verdict = convergence(write(_excepted(resolved=1)))
    assert verdict.valid
    assert verdict.counts["diverged"] == 0
    assert verdict.counts["diverged_in_open_exception"] == 1
    assert verdict.witness == []


def test_once_its_exceptions_are_resolved_the_order_is_judged() -> None:
    verdict = convergence(write(_excepted(resolved=2)))
    assert not verdict.valid
    assert verdict.counts["diverged"] == 1
    assert verdict.counts["diverged_in_open_exception"] == 0
    assert has_row(verdict.witness, "erp.order_status", order=2, status="DELIVERED")
