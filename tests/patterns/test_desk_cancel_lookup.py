"""The desk looks an order up in the ERP before cancelling it as "never created".

Found by the random fault timelines (tests/properties/test_fault_timelines.py) in CI: an
order rejected for a master-data conflict was resubmitted by a person; the create
committed but every answer was lost, so the item went back to the desk, which cancelled
it as never created and told only CRM. The ERP shipped it anyway, and its events moved
CRM from CANCELLED back to CREATED. Now the desk finds the order in the ERP and cancels
it there (here refused: it already has a delivery), so CRM never shows it cancelled.

The stored timeline was re-timed by hand when the demand model changed (orders now
arrive in the channels' opening hours, after the first windows had ended); the desk
without the look-up (``tests.mutants.patterns:DeskCancelsWithoutLookup*``) still breaks
the monotonic lifecycle on it, which shows that it still exercises the fault.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.checks import Check
from sim.engine import History
from sim.scenario import load_scenario
from tests.mutants.catalogue import harmed_orders, witness_orders
from tests.properties.oracle import judge

SCENARIO = (
    Path(__file__).parents[1]
    / "properties/counterexamples/cancelled_but_created_by_a_lost_resubmission.yaml"
)

# the counterexample was found when every channel entered as a CRM quote
AS_QUOTES = ["demand.entry.edi=crm_quote", "demand.entry.web_shop=crm_quote"]
WITHOUT_LOOKUP = {
    "event_bus": "tests.mutants.patterns:DeskCancelsWithoutLookupEventBus",
    "hybrid": "tests.mutants.patterns:DeskCancelsWithoutLookupHybrid",
}


def orders(history: History, event: str, **match: object) -> set[int]:
    rows = history.select(event)
    return {int(r["order"]) for r in rows if all(r[k] == v for k, v in match.items())}


@pytest.mark.parametrize("pattern", ["event_bus", "hybrid"])
def test_a_cancel_finds_the_order_a_lost_resubmission_created(pattern: str) -> None:
    judged = judge(load_scenario(SCENARIO, [f"integration.pattern={pattern}", *AS_QUOTES]))
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


@pytest.mark.parametrize("pattern", ["event_bus", "hybrid"])
def test_without_the_lookup_crm_moves_from_cancelled_back_to_created(pattern: str) -> None:
    overrides = [f"integration.pattern={WITHOUT_LOOKUP[pattern]}", *AS_QUOTES]
    judged = judge(load_scenario(SCENARIO, overrides))
    verdict = judged.verdicts[Check.MONOTONIC_LIFECYCLE]
    assert not verdict.valid
    history = judged.history
    assert witness_orders(verdict) <= harmed_orders(Check.MONOTONIC_LIFECYCLE, history)
    # every answer to the resubmission lost: it gave up, or its breaker opened meanwhile
    failed = orders(history, "integration.resolution_failed")
    cancelled_by_desk = orders(history, "desk.item_resolved", status="cancel")
    created = orders(history, "erp.order_created")
    shown_cancelled = orders(history, "crm.status_updated", status="CANCELLED")
    # an order the desk cancelled as never created after its resubmission failed, shown
    # cancelled in CRM although the ERP created it
    assert failed & cancelled_by_desk & created & shown_cancelled
    assert not orders(history, "integration.compensation_refused", status="master_data_conflict")
