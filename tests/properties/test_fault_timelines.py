"""The CI oracle: random fault timelines thrown at the event-bus and hybrid patterns.

Each example is a small world (a few hours to a day of demand, dozens of orders, a week's
drain) under one of the two patterns, with one to eight faults of any kind inside the
demand window (``sim.strategies``). Every history-only invariant must hold. A failure
writes the shrunk scenario to ``.hypothesis/counterexamples/<test>.yaml`` and names it in
the failure message: ``o2csim run`` replays it.

Every scenario file in ``tests/properties/counterexamples`` (a failure found before, with
what it was) runs first, as an explicit example. The number of generated examples comes
from the Hypothesis profile (tests/conftest.py): 100 in CI.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import example, given, settings

from sim.scenario import Scenario, load_scenario
from sim.strategies import small_workloads
from tests.properties.oracle import assert_invariants

PATTERNS = ("hybrid", "event_bus")
FOUND_BEFORE = Path(__file__).parent / "counterexamples"


def found_before(test: Callable[..., Any]) -> Callable[..., Any]:
    """Each counterexample file as an explicit example of ``test``."""
    for path in sorted(FOUND_BEFORE.glob("*.yaml"), reverse=True):
        test = example(load_scenario(path))(test)
    return test


@found_before
@settings(deadline=None)
@given(small_workloads(patterns=PATTERNS))
def test_random_fault_timelines_keep_every_invariant(scenario: Scenario) -> None:
    assert_invariants(scenario, "test_random_fault_timelines_keep_every_invariant")
