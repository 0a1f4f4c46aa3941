"""The CI oracle's property: run a small world to its end and judge every invariant.

Shared by the random-timeline property (tests/properties/test_fault_timelines.py) and the
mutant searches (tests/mutants), which run the same property against broken variants.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hypothesis import currently_in_test_context, note

from sim.checks import Verdict, run_all
from sim.engine import History
from sim.scenario import Scenario
from sim.strategies import write_counterexample
from sim.world import build_world


@dataclass(frozen=True)
class Judged:
    """One world run to its horizon: its history and every checker's verdict."""

    scenario: Scenario
    history: History
    verdicts: dict[str, Verdict]

    @property
    def broken(self) -> dict[str, Verdict]:
        """The verdicts that are not valid, by checker."""
        return {name: verdict for name, verdict in self.verdicts.items() if not verdict.valid}


def judge(scenario: Scenario) -> Judged:
    """Build the world, run it to its horizon, record its end and run every checker."""
    world = build_world(scenario)
    world.run.sim.run(until=world.horizon_s)
    world.record_end()
    history = world.run.history
    return Judged(scenario, history, run_all(history))


def describe(broken: dict[str, Verdict]) -> str:
    """One line per broken invariant: its counts and the orders its witness names."""
    lines = []
    for name, verdict in broken.items():
        counts = {k: v for k, v in verdict.counts.items() if v and "/" not in k}
        orders = sorted(
            {str(row["correlation_id"]) for row in verdict.witness if "correlation_id" in row}
        )
        lines.append(f"{name}: {counts}; witness orders {orders}")
    return "\n".join(lines)


def assert_invariants(scenario: Scenario, name: str, directory: Path | None = None) -> Judged:
    """Fail with a runnable counterexample file when any invariant is broken.

    The file ``<directory>/<name>.yaml`` (``.hypothesis/counterexamples`` by default) is
    rewritten on every failing example, so after shrinking it holds the minimal one:
    Hypothesis replays that one last.
    """
    judged = judge(scenario)
    if judged.broken:
        what = describe(judged.broken)
        path = write_counterexample(
            scenario,
            name,
            f"Counterexample of {name}:\n{what}\nReplay: o2csim run <this file>",
            directory,
        )
        if currently_in_test_context():  # under @given: shown with the falsifying example
            note(f"counterexample written to {path}")
        raise AssertionError(f"invariants broken:\n{what}\nreplay it: o2csim run {path}")
    return judged
