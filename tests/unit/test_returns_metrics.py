"""Returns KPIs on a hand-written history with known answers."""

from __future__ import annotations

import math

from sim.history_frame import history_frame
from sim.returns_metrics import RETURN_LATENCIES, return_counts, return_latency_frames
from sim.scenario import LATENCY_METRICS
from tests.helpers import Writer


def _history() -> Writer:
    w = Writer()
    w(100.0, "crm.case_opened", order=1, status="damaged", value=2)
    w(160.0, "erp.return_authorized", order=1, subject=60_000_000, value=2)
    w(4000.0, "erp.return_received", order=1, subject=501, value=2, value2=0)
    w(4000.0, "erp.credit_memo_posted", order=1, value=80.0, value2=5.0)
    w(4900.0, "crm.case_status", order=1, status="Credited")
    w(200.0, "crm.case_opened", order=2, status="not_needed", value=9)
    w(210.0, "erp.return_refused", order=2, status="exceeds_delivered", value=9)
    w(300.0, "crm.case_opened", order=3, status="wrong_item", value=1)
    w(330.0, "erp.return_authorized", order=3, subject=60_000_001, value=1)
    return w


def test_return_latencies_follow_each_case_and_censor_the_unfinished() -> None:
    frames = return_latency_frames(history_frame(_history().history))
    cycle = frames["return_cycle_time"].set_index("order")["lag"]
    assert cycle[1] == 3900.0
    assert math.isnan(cycle[3])  # authorised, never received: censored
    assert 2 not in cycle.index  # refused: not waited for
    auth = frames["return_authorization_latency"].set_index("order")["lag"]
    assert auth.to_dict() == {1: 60.0, 3: 30.0}
    assert frames["return_receipt_delay"].set_index("order")["lag"][1] == 3840.0
    assert frames["credit_memo_sync_latency"]["lag"].tolist() == [900.0]


def test_return_counts_and_returns_per_100_orders() -> None:
    counts = return_counts(history_frame(_history().history), orders_accepted=60)
    assert counts["cases_opened"] == 3
    assert counts["return_orders_authorized"] == 2
    assert counts["refused_by_reason"] == {"exceeds_delivered": 1}
    assert counts["credit_memos"] == 1 and counts["credited_net"] == 80.0
    assert counts["returns_per_100_orders"] == 5.0


def test_returns_latencies_can_be_named_in_slas() -> None:
    assert set(RETURN_LATENCIES) <= set(LATENCY_METRICS)
