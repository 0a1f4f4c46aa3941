"""The correctness oracle CI gates on: invariant checkers and SLA gates, one verdict.

:func:`check_scenario` runs a scenario (once or as replications) and checks it;
:func:`check_run_dir` checks a run made earlier. Both return a :class:`CheckReport` whose
``exit_code`` is what ``o2csim check`` exits with; :func:`write_junit` writes it as JUnit XML.
"""

from sim.oracle.check import RunDirError, check_run_dir, check_scenario, determinism_verdict
from sim.oracle.gates import replicated_gates, single_run_gates
from sim.oracle.junit import junit_xml, write_junit
from sim.oracle.outcome import (
    CheckReport,
    ExitCode,
    GateOutcome,
    InvariantOutcome,
    RunChecked,
    fold_invariants,
)

__all__ = [
    "CheckReport",
    "ExitCode",
    "GateOutcome",
    "InvariantOutcome",
    "RunChecked",
    "RunDirError",
    "check_run_dir",
    "check_scenario",
    "determinism_verdict",
    "fold_invariants",
    "junit_xml",
    "replicated_gates",
    "single_run_gates",
    "write_junit",
]
