"""The pytest plugin, driven by pytester as a team's own test suite would use it."""

from __future__ import annotations

import pytest

from tests.oracle.support import DUPLICATING, GATE, SMALL

pytest_plugins = ["pytester"]

TESTS = f"""
import pytest

GATE = {str(GATE)!r}

@pytest.mark.o2csim(GATE, overrides={[*SMALL, "thresholds=[]"]!r}, thresholds=["dead_letters == 0"])
def test_gate_holds(o2csim_check):
    o2csim_check.assert_ok()
    assert [g.name for g in o2csim_check.gates if g.kind == "threshold"] == ["dead_letters == 0"]

@pytest.mark.o2csim(GATE, overrides={[*SMALL, *DUPLICATING]!r}, seed=3)
def test_duplicates_are_caught(o2csim_check):
    o2csim_check.assert_ok()

@pytest.mark.o2csim(GATE, overrides={SMALL!r})
def test_result_and_seed(o2csim_result, request):
    assert len(o2csim_result.history) > 0
    seed = request.config.getoption("--o2csim-seed")
    assert o2csim_result.seed == (seed if seed is not None else 20261127)

def test_run_factory(o2csim_run):
    result = o2csim_run(GATE, *{SMALL!r}, seed=5)
    assert result.seed == 5 and result.invariants_hold

def test_unmarked_check(o2csim_check):
    pass
"""


def test_the_plugin_checks_marked_scenarios_and_explains_failures(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_scenarios=TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--o2csim-seed", "3")
    result.assert_outcomes(passed=3, failed=1, errors=1)
    text = result.stdout.str()
    # the failure says which invariant broke, on which orders, and how to reproduce it
    assert "invariant no_duplicates violated" in text
    assert "witness orders O000" in text
    assert "reproduce: o2csim check" in text and "--seed 3" in text
    assert "needs @pytest.mark.o2csim" in text


def test_replications_come_from_the_option(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_study=f"""
import pytest

GATE = {str(GATE)!r}
OVERRIDES = {[*SMALL, "thresholds=[]"]!r}

@pytest.mark.o2csim(GATE, overrides=OVERRIDES, thresholds=["dead_letters == 0"])
def test_study(o2csim_check):
    assert o2csim_check.replications == 2 and len(o2csim_check.seeds) == 2
    assert not o2csim_check.violations
    assert all(gate.basis == "2 replications" for gate in o2csim_check.gates)
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--o2csim-replications", "2")
    result.assert_outcomes(passed=1)


def test_the_marker_is_declared_by_the_plugin(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--markers")
    result.stdout.fnmatch_lines(["*@pytest.mark.o2csim(scenario*"])
