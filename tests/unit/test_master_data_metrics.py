"""Master-data sync latencies and sync-lag counts from hand-written histories."""

from __future__ import annotations

import math

import numpy as np

from sim.history_frame import history_frame
from sim.master_data_metrics import partner_sync_lags, price_sync_lags, sync_lag_orders
from tests.helpers import Writer


def test_partner_sync_latency_runs_from_sent_to_the_business_partner_created() -> None:
    w = Writer()
    w(100.0, "crm.account_created", subject=1500)
    w(200.0, "crm.account_created", subject=1501)
    w(50.0, "crm.account_resent", subject=7)
    w(160.0, "erp.business_partner_created", subject=1500, value=1500)
    w(400.0, "erp.business_partner_created", subject=3, value=7)
    # 1501 never reaches the ERP: censored
    lags = partner_sync_lags(history_frame(w.history)).sort_values("lag")
    assert lags["lag"].tolist()[:2] == [60.0, 350.0]
    assert math.isnan(lags["lag"].tolist()[2])
    assert (lags["order"] == -1).all()


def test_price_sync_latency_waits_for_a_write_that_carries_the_change() -> None:
    w = Writer()
    w(1000.0, "erp.list_price_changed", subject=4, value=10.0)
    w(2000.0, "erp.list_price_changed", subject=4, value=11.0)
    w(1000.0, "erp.list_price_changed", subject=5, value=3.0)
    # a write of an older price (value2 = 0) does not end the change's lag
    w(1500.0, "crm.price_updated", subject=4, value=9.0, value2=0.0)
    # one read after both changes carries both
    w(2600.0, "crm.price_updated", subject=4, value=11.0, value2=2000.0)
    lags = price_sync_lags(history_frame(w.history))["lag"].to_numpy()
    assert sorted(lags[~np.isnan(lags)].tolist()) == [600.0, 1600.0]
    assert int(np.isnan(lags).sum()) == 1  # product 5 never synced


def test_orders_held_by_sync_lag_are_counted_once_each() -> None:
    w = Writer()
    w(1.0, "erp.hold_placed", 10, status="pricing_mismatch")
    w(1.0, "integration.validated", 10, status="pricing_mismatch")
    w(2.0, "integration.validated", 11, status="pricing_mismatch")
    w(3.0, "erp.hold_placed", 12, status="credit_hold")
    w(4.0, "crm.quote_unlinked_account", 20, subject=1500)
    w(4.0, "crm.quote_unlinked_account", 21, subject=1500)
    w(5.0, "integration.exception_raised", 20, status="master_data_conflict")
    w(5.0, "integration.exception_raised", 22, status="master_data_conflict")
    counts = sync_lag_orders(history_frame(w.history))
    assert counts == {
        "pricing_mismatch_orders": 2,
        "unreplicated_account_orders": 1,
        "orders_of_unlinked_accounts": 2,
    }
