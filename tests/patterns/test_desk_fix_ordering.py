"""A person's fix for an event-bus dead letter takes its turn on the order's partition.

Found by the random fault timelines (tests/properties/test_fault_timelines.py): with the
ERP on an event contract the consumers cannot map yet, dead letters go to the desk, and
the desk's fix (read the order back, write its status to CRM) was written straight to
CRM. During a CRM outage that write was parked, and when CRM came back it landed after
the newer status the replayed events had written: CRM moved backwards. The fix now goes
through the order's partition and passes the same resequencing as the events.
"""

from __future__ import annotations

from pathlib import Path

from sim.checks import Check
from sim.scenario import load_scenario
from tests.faults.support import count
from tests.mutants.catalogue import harmed_orders, witness_orders
from tests.properties.oracle import judge

SCENARIO = (
    Path(__file__).parents[1] / "properties/counterexamples/desk_fix_overtaken_by_events.yaml"
)
STRAIGHT_TO_CRM = "tests.mutants.patterns:DeskFixStraightToCrmEventBus"


def test_desk_fixes_during_a_crm_outage_no_longer_move_crm_backwards() -> None:
    judged = judge(load_scenario(SCENARIO))
    assert not judged.broken, {name: v.counts for name, v in judged.broken.items()}
    history = judged.history
    assert count(history, "bus.dead_lettered", status="unknown_schema") > 10
    assert count(history, "desk.item_resolved") > 5
    fixes = count(
        history, "bus.published", actor="topic:erp.order-events", status="StatusReconciled"
    )
    assert fixes > 5  # the fixes took their turn on the orders' partitions
    assert count(history, "integration.stale_discarded") > fixes  # and were resequenced


def test_written_straight_to_crm_the_fixes_moved_crm_backwards() -> None:
    scenario = load_scenario(SCENARIO, [f"integration.pattern={STRAIGHT_TO_CRM}"])
    judged = judge(scenario)
    verdict = judged.verdicts[Check.MONOTONIC_LIFECYCLE]
    assert not verdict.valid
    assert witness_orders(verdict) <= harmed_orders(Check.MONOTONIC_LIFECYCLE, judged.history)
    assert count(judged.history, "integration.parked", status="crm_status") > 0
