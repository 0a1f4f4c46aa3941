"""Customer amendments: planned at their shares, taken through the integration to the ERP.

A change sets a line's quantity (only the open quantity can change); a cancellation stops
the order unless a delivery exists. The history shows what the customer asked, what the
ERP did, and what shipped.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from sim.checks import run_all
from sim.demand.amendments import plan_amendments
from sim.history_frame import accepted_rows, history_frame
from sim.run import execute
from sim.scenario import Scenario
from sim.scenario.demand_model import Amendments

AMENDING = {"change_share": 0.3, "cancel_share": 0.2, "delay_mean_h": 0.1}


def test_amendments_are_planned_at_their_configured_shares() -> None:
    n = 20_000
    spec = Amendments(change_share=0.04, cancel_share=0.015)
    lines = np.full(n, 3)
    plan = plan_amendments(spec, 7, np.arange(n, dtype=float), lines, np.full(3 * n, 5))
    cancels, changes = int(plan.cancel.sum()), int((~plan.cancel).sum())
    assert cancels == pytest.approx(0.015 * n, abs=4 * np.sqrt(0.015 * n))
    assert changes == pytest.approx(0.04 * n, abs=4 * np.sqrt(0.04 * n))
    assert np.all(np.diff(plan.times) >= 0)
    assert np.all(plan.times > np.asarray(plan.orders, dtype=float))  # after acceptance
    changed = ~plan.cancel
    assert np.all((plan.item_no[changed] >= 1) & (plan.item_no[changed] <= 3))
    assert np.all(plan.quantity[changed] != 5)


def test_an_orders_amendment_does_not_depend_on_other_orders() -> None:
    spec = Amendments(change_share=0.3, cancel_share=0.2)
    short = plan_amendments(spec, 7, np.arange(50.0), np.full(50, 2), np.full(100, 4))
    long = plan_amendments(spec, 7, np.arange(500.0), np.full(500, 2), np.full(1000, 4))
    mine = np.isin(long.orders, np.arange(50))
    assert long.orders[mine].tolist() == short.orders.tolist()
    assert long.quantity[mine].tolist() == short.quantity.tolist()


def _frame(amendments: dict[str, Any], pattern: str = "hybrid") -> pd.DataFrame:
    scenario = Scenario.model_validate(
        {
            "name": "amendments",
            "demand_days": 0.5,
            "drain_days": 6,
            "demand": {
                "orders_per_business_day": 300,
                "amendments": amendments,
                # every channel through CRM quotes: the CRM's amendment path, for each order
                "entry": {"edi": "crm_quote", "web_shop": "crm_quote"},
            },
            "master_data": {"customers": 60, "products": 40},
            "integration": {"pattern": pattern},
        }
    )
    result = execute(scenario)
    verdicts = run_all(result.history)
    assert all(v.valid for v in verdicts.values()), {
        k: v.counts for k, v in verdicts.items() if not v.valid
    }
    return history_frame(result.history)


def _rows(frame: pd.DataFrame, event: str) -> pd.DataFrame:
    return frame[frame["event"] == event]


@pytest.fixture(scope="module")
def amended() -> pd.DataFrame:
    return _frame(AMENDING)


def test_customers_amend_orders_through_the_integration(amended: pd.DataFrame) -> None:
    accepted = _rows(amended, "crm.quote_accepted")["order"].nunique()
    requested = _rows(amended, "crm.amendment_requested")
    assert len(requested) == pytest.approx(0.5 * accepted, abs=4 * np.sqrt(0.25 * accepted))
    kinds = requested["status"].value_counts()
    assert kinds["cancel"] > 0 and kinds["change"] > kinds["cancel"]
    received = _rows(amended, "integration.amendment_received")
    assert len(received) == len(requested)
    assert len(_rows(amended, "erp.order_changed")) > 0
    cancelled = _rows(amended, "erp.order_cancelled")
    assert (cancelled["status"] == "customer_cancelled").sum() > 0


def test_a_cancelled_order_never_ships_after_the_cancellation(amended: pd.DataFrame) -> None:
    cancelled = _rows(amended, "erp.order_cancelled")
    cancelled = cancelled[cancelled["status"] == "customer_cancelled"]
    at = cancelled.groupby("order")["time"].min()
    dispatched = _rows(amended, "erp.shipment_dispatched")
    late = dispatched[dispatched["order"].map(at).lt(dispatched["time"])]
    assert len(at) > 0 and late.empty
    allocated = _rows(amended, "erp.inventory_allocated")
    assert allocated[allocated["order"].map(at).lt(allocated["time"])].empty


def test_the_changed_quantity_is_what_ships(amended: pd.DataFrame) -> None:
    changed = _rows(amended, "erp.order_changed").groupby("order")["value2"].last()
    accepted = _rows(amended, "crm.quote_accepted").groupby("order")["value2"].first()
    shipped = _rows(amended, "erp.shipment_dispatched").groupby("order")["value"].sum()
    delivered = changed.index.intersection(shipped.index)
    assert len(delivered) > 5
    assert (shipped[delivered] == changed[delivered]).all()
    assert (accepted[delivered] != changed[delivered]).any()


def test_without_amendments_no_customer_changes_anything() -> None:
    frame = _frame({"change_share": 0.0, "cancel_share": 0.0}, pattern="direct")
    assert _rows(frame, "crm.amendment_requested").empty
    assert _rows(frame, "erp.order_changed").empty
    assert not (_rows(frame, "erp.order_cancelled")["status"] == "customer_cancelled").any()


def test_edi_cancellations_arrive_as_ordchg_idocs_and_other_amendments_through_the_crm() -> None:
    """With EDI entering as IDocs, an EDI cancellation is the partner's 860 (an ORDCHG IDoc
    into the ERP), never a CRM request; EDI quantity changes and every web-shop amendment are
    recorded in the CRM and carried by the pattern."""
    scenario = Scenario.model_validate(
        {
            "name": "edi-amendments",
            "demand_days": 1,
            "drain_days": 6,
            "demand": {"orders_per_business_day": 400, "amendments": AMENDING},
            "master_data": {"customers": 60, "products": 40},
        }
    )
    result = execute(scenario)
    verdicts = run_all(result.history)
    assert all(v.valid for v in verdicts.values())
    frame = history_frame(result.history)
    channel = accepted_rows(frame).set_index("order")["status"].astype(str)
    requested = _rows(frame, "crm.amendment_requested")
    idoc_changes = _rows(frame, "erp.idoc_change_received")
    assert len(idoc_changes) > 0 and set(idoc_changes["status"].astype(str)) == {"cancel"}
    assert (channel.reindex(idoc_changes["order"]) == "edi").all()
    edi_requests = requested[channel.reindex(requested["order"]).to_numpy() == "edi"]
    assert len(edi_requests) > 0 and set(edi_requests["status"].astype(str)) == {"change"}
    web = requested[channel.reindex(requested["order"]).to_numpy() == "web_shop"]
    assert len(web) > 0
    posted = _rows(frame, "erp.idoc_change_posted")
    cancelled = _rows(frame, "erp.order_cancelled")
    assert set(posted["order"]) <= set(cancelled["order"])
