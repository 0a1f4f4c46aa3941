"""The desk looks an order up in the ERP before cancelling it as "never created".

Found by the random fault timelines (tests/properties/test_fault_timelines.py) in CI: an
order rejected for a master-data conflict was resubmitted by a person; the create
committed but every answer was lost, so the item went back to the desk, which cancelled
it as never created and told only CRM. The ERP shipped it anyway, and its events moved
CRM from CANCELLED back to CREATED. Now the desk finds the order in the ERP and cancels
it there (here refused: it already has a delivery), so CRM never shows it cancelled.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.engine import History
from sim.scenario import load_scenario
from tests.properties.oracle import judge

SCENARIO = (
    Path(__file__).parents[1]
    / "properties/counterexamples/cancelled_but_created_by_a_lost_resubmission.yaml"
)


def orders(history: History, event: str, **match: object) -> set[int]:
    rows = history.select(event)
    return {int(r["order"]) for r in rows if all(r[k] == v for k, v in match.items())}


@pytest.mark.parametrize("pattern", ["event_bus", "hybrid"])
def test_a_cancel_finds_the_order_a_lost_resubmission_created(pattern: str) -> None:
    # the counterexample was found when every channel entered as a CRM quote
    as_quotes = ["demand.entry.edi=crm_quote", "demand.entry.web_shop=crm_quote"]
    judged = judge(load_scenario(SCENARIO, [f"integration.pattern={pattern}", *as_quotes]))
    assert not judged.broken, {name: v.counts for name, v in judged.broken.items()}
    history = judged.history
    gave_up = orders(history, "integration.resolution_failed", status="gave_up")
    cancelled_by_desk = orders(history, "desk.item_resolved", status="cancel")
    created = orders(history, "erp.order_created")
    found = gave_up & cancelled_by_desk & created  # "never created", yet in the ERP
    assert found
    refused = orders(history, "integration.compensation_refused", status="master_data_conflict")
    assert found <= refused | orders(history, "integration.compensated")
    shown_cancelled = orders(history, "crm.status_updated", status="CANCELLED")
    assert not found & (shown_cancelled - orders(history, "integration.compensated"))
