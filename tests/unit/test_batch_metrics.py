"""Batch-window figures from hand-written histories whose answers are known."""

from __future__ import annotations

import pytest

from sim.batch_windows import batch_windows
from sim.history_frame import history_frame
from sim.metrics import latency_samples
from tests.helpers import Writer


def _billed_history(due_list: bool) -> Writer:
    """Two deliveries of order 0 issued at 1000 and 5000 s; a third (order 1) at 90,000 s.

    With the due list, the first two are billed by the run starting at 79,200 s (66 s
    long), the third is still due at the end; without it each is billed at goods issue.
    """
    w = Writer()
    for order, value in ((0, 100.0), (1, 40.0)):
        w(0.0, "crm.quote_accepted", order, status="edi", value=value, value2=3)
    for time, order, subject in ((1000.0, 0, 7), (5000.0, 0, 8), (90_000.0, 1, 9)):
        w(time, "erp.shipment_dispatched", order, subject=subject, value=1)
        if due_list:
            w(time, "erp.billing_due", order, subject=subject)
        else:
            w(time, "erp.invoice_posted", order, subject=subject, value=10.0)
    if due_list:
        w(79_200.0, "erp.batch_started", status="billing_run", value=2)
        w(79_264.0, "erp.invoice_posted", 0, subject=7, value=10.0)
        w(79_266.0, "erp.invoice_posted", 0, subject=8, value=10.0)
        w(79_266.0, "erp.batch_finished", status="billing_run", value=2, value2=66.0)
    w(64_800.0, "carrier.manifest_transmitted", status="NJ01", value=2)
    w(21_600.0, "wms.wave_released", status="NJ01", value=1)
    w(28_800.0, "wms.wave_released", status="NJ01", value=3)
    return w


def test_billing_delay_is_the_wait_in_the_due_list() -> None:
    lags = latency_samples(_billed_history(due_list=True).history)["billing_delay"]
    assert list(lags["order"]) == [0, 0, 1]
    assert lags["lag"].iloc[0] == pytest.approx(79_264.0 - 1000.0)
    assert lags["lag"].iloc[1] == pytest.approx(79_266.0 - 5000.0)
    assert lags["lag"].isna().iloc[2]  # still due at the end: censored, not zero


def test_without_a_due_list_the_billing_delay_is_zero() -> None:
    lags = latency_samples(_billed_history(due_list=False).history)["billing_delay"]
    assert list(lags["lag"]) == [0.0, 0.0, 0.0]


def test_batch_windows_summarise_each_job_and_what_is_left_due() -> None:
    figures = batch_windows(history_frame(_billed_history(due_list=True).history))
    billing = figures["jobs"]["billing_run"]
    assert (billing["runs"], billing["documents"], billing["mean_seconds"]) == (1, 2.0, 66.0)
    assert billing["first_start"] == 79_200.0
    waves = figures["jobs"]["wave_release"]
    assert (waves["runs"], waves["documents"], waves["max_documents"]) == (2, 4.0, 3.0)
    assert figures["jobs"]["manifest"]["documents"] == 2.0
    assert figures["billing_due_at_end"] == 1
    assert figures["running_at_end"] == {}


def test_a_run_started_and_not_finished_is_reported_running() -> None:
    w = _billed_history(due_list=True)
    w(165_600.0, "erp.batch_started", status="billing_run", value=1)
    figures = batch_windows(history_frame(w.history))
    assert figures["running_at_end"] == {"billing_run": 1}
    assert figures["jobs"]["billing_run"]["runs"] == 1  # finished runs only
