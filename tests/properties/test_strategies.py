"""The public Hypothesis strategies (``sim.strategies``) and the counterexample files.

* every member of ``AnyFault`` has a strategy, and the strategies produce each kind under
  both patterns (a new fault kind without a strategy fails here);
* targets are valid for the kind and the pattern (no window is "not applicable"), windows
  lie inside the demand window, and no two faults of a kind share a target;
* a drawn scenario written as a counterexample loads back equal, and a failing property
  names a file that ``o2csim run`` replays.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from sim.faults import AnyFault, fault_kind, known_targets
from sim.integration.patterns import pattern_class
from sim.scenario import Scenario, load_scenario
from sim.strategies import (
    KIND_PARAMETERS,
    fault_kind_names,
    fault_timelines,
    small_workloads,
    targets_for,
    write_counterexample,
)
from sim.world import build_world
from tests.cli.support import o2csim
from tests.properties.oracle import assert_invariants

PATTERNS = ("hybrid", "event_bus")
QUICK = settings(max_examples=300, phases=[Phase.generate], database=None, deadline=None)


def test_every_fault_kind_of_the_scenario_union_has_a_strategy() -> None:
    union = fault_kind_names()
    assert len(union) == len(set(union)) >= 20
    assert set(union) == set(KIND_PARAMETERS), "a fault kind of AnyFault has no strategy"
    assert AnyFault is not None


@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize("kind", fault_kind_names())
def test_the_timelines_produce_every_fault_kind(kind: str, pattern: str) -> None:
    found = find(
        fault_timelines(0.5, pattern),
        lambda faults: kind in {f.kind for f in faults},
        settings=QUICK,
    )
    assert any(fault.kind == kind for fault in found)


@pytest.mark.parametrize("pattern", PATTERNS)
def test_targets_are_the_kinds_own_and_the_patterns(pattern: str) -> None:
    cls = pattern_class(pattern)
    seams = {*cls.TOPICS, *(f"subscriber:{s}" for s in cls.SUBSCRIPTIONS), "bus"}
    for kind in KIND_PARAMETERS:
        targets = targets_for(kind, pattern)
        families = fault_kind(kind).families
        known = set().union(*(known_targets(family) for family in families))
        assert targets and set(targets) <= known, kind
        pattern_bound = [
            t for t in targets if t in known_targets("bus") | known_targets("subscriber")
        ]
        assert set(pattern_bound) <= seams, (kind, pattern_bound)
    assert targets_for("outage", pattern)[0] == "erp"  # whole systems first
    assert "bus" not in targets_for("poison", pattern)  # only outages take the broker down


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PATTERNS).flatmap(lambda p: small_workloads(patterns=(p,))))
def test_drawn_faults_apply_inside_the_demand_window(scenario: Scenario) -> None:
    demand_h = scenario.demand_days * 24
    pairs = [(fault.kind, fault.target) for fault in scenario.faults]
    assert 1 <= len(pairs) == len(set(pairs))
    for fault in scenario.faults:
        assert fault.windows and fault.weekly is None and fault.random is None
        for window in fault.windows:
            assert 0 <= window.start_h < window.end_h <= demand_h
    world = build_world(scenario)  # resolving the seams: nothing aimed at a missing one
    assert world.run.history.select("fault.not_applicable") == []


@settings(max_examples=40, deadline=None)
@given(small_workloads())
def test_a_counterexample_file_loads_back_to_an_equal_scenario(scenario: Scenario) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = write_counterexample(scenario, "round trip", "two\n\nlines", Path(folder))
        assert path.name == "round-trip.yaml"
        assert path.read_text().startswith("# two\n#\n# lines\n")
        assert load_scenario(path) == scenario


BROKEN = [
    "integration.pattern=event_bus",
    "integration.mechanisms.dead_letter_queue=false",
    "faults=[{kind: poison, target: erp.order-events, probability: 0.2}]",
]


def test_a_failing_property_names_a_file_that_o2csim_runs(tmp_path: Path) -> None:
    from tests.faults.support import SMALL

    scenario = load_scenario("scenarios/baseline.yaml", [*SMALL, *BROKEN])
    with pytest.raises(AssertionError) as failure:
        assert_invariants(scenario, "test_x", tmp_path)
    path = tmp_path / "test_x.yaml"
    assert f"o2csim run {path}" in str(failure.value)
    assert "message_conservation" in str(failure.value)
    text = path.read_text()
    assert text.startswith("# Counterexample of test_x:\n")
    assert "\n# message_conservation: " in text
    assert load_scenario(path) == scenario
    ran = o2csim("run", path, "--out", tmp_path / "out")
    # the replay reproduces the violation: run exits 4 and names the broken invariant
    assert ran.code == 4, ran.stderr
    assert "message_conservation" in ran.stderr
    assert (tmp_path / "out" / "history.parquet").exists()
