"""Hypothesis strategies for o2csim: small worlds and the faults thrown at them.

For property tests of the integration core (and of a user's own pattern)::

    from hypothesis import given
    from sim.strategies import small_workloads

    @given(small_workloads(patterns=["hybrid"]))
    def test_invariants(scenario): ...

:func:`fault_timelines` draws a scenario's ``faults:`` (every shipped fault kind, valid
targets, windows inside the demand window); :func:`small_workloads` draws whole small
scenarios, optionally with faults; :func:`write_counterexample` writes a failing scenario
as a YAML file that ``o2csim run FILE`` replays. They need Hypothesis (the ``dev`` extra).
"""

from sim.strategies.counterexamples import COUNTEREXAMPLES, scenario_yaml, write_counterexample
from sim.strategies.faults import (
    KIND_PARAMETERS,
    fault_kind_names,
    fault_specs,
    fault_timelines,
    fault_windows,
    targets_for,
)
from sim.strategies.workloads import DRAIN_DAYS, MONDAY_MORNING, small_workloads

__all__ = [
    "COUNTEREXAMPLES",
    "DRAIN_DAYS",
    "KIND_PARAMETERS",
    "MONDAY_MORNING",
    "fault_kind_names",
    "fault_specs",
    "fault_timelines",
    "fault_windows",
    "scenario_yaml",
    "small_workloads",
    "targets_for",
    "write_counterexample",
]
