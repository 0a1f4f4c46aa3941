from __future__ import annotations

from sim.checks import no_lost_orders
from sim.history_frame import history_frame
from tests.checks.support import has_row, order_world, row, without, write


def test_every_accepted_order_is_created_or_in_exception() -> None:
    verdict = no_lost_orders(write(order_world()))
    assert verdict.valid
    assert verdict.name == "no_lost_orders"
    assert verdict.counts == {"accepted": 4, "created": 3, "in_exception": 1, "lost": 0}
    assert verdict.witness == []


def test_an_order_the_erp_never_created_is_lost() -> None:
    verdict = no_lost_orders(write(without(order_world(), "erp.order_created", order=2)))
    assert not verdict.valid
    assert verdict.counts == {"accepted": 4, "created": 2, "in_exception": 1, "lost": 1}
    assert len(verdict.witness) == 1
    assert has_row(verdict.witness, "crm.quote_accepted", order=2, correlation_id="O00000002")


def test_an_exception_without_a_reason_row_is_lost_and_a_cancellation_is_not() -> None:
    rows = without(order_world(), "integration.exception_raised")
    lost = no_lost_orders(write(rows))
    assert not lost.valid
    assert lost.counts["lost"] == 1
    assert has_row(lost.witness, "crm.quote_accepted", order=3)
    cancelled = [
        *rows,
        row(90, "integration.order_cancelled", 3, status="customer_request", actor="integration:x"),
    ]
    verdict = no_lost_orders(write(cancelled))
    assert verdict.valid
    assert verdict.counts["in_exception"] == 1


def test_a_frame_gives_the_same_verdict() -> None:
    history = write(without(order_world(), "erp.order_created", order=1))
    assert no_lost_orders(history_frame(history)) == no_lost_orders(history)
