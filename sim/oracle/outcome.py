"""What ``o2csim check`` decides: invariant and gate outcomes, and the exit code they give.

An :class:`InvariantOutcome` folds one checker's verdicts over every run checked (one run, or
each replication): it holds when it held in every run, and its witness comes from the first
run where it did not, each row tagged with that run's replication and seed. A
:class:`GateOutcome` is one SLA target or threshold line, judged on a single run or across
replications by the rule of :mod:`sim.verdicts`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from enum import IntEnum
from typing import Any

from sim.checks import Verdict

__all__ = [
    "CheckReport",
    "ExitCode",
    "GateOutcome",
    "InvariantOutcome",
    "RunChecked",
    "fold_invariants",
]


class ExitCode(IntEnum):
    """The exit codes CI acts on. An invariant violation wins over everything else."""

    OK = 0
    INTERNAL_ERROR = 1
    BAD_INPUT = 2
    SLA_BREACH = 3
    INVARIANT_VIOLATION = 4


@dataclass(frozen=True)
class RunChecked:
    """One run's checker verdicts: which replication (``None`` for a single run), its seed."""

    replication: int | None
    seed: int
    verdicts: Mapping[str, Verdict]


@dataclass(frozen=True)
class InvariantOutcome:
    """One invariant over every run checked."""

    name: str
    valid: bool
    runs: int
    failed_runs: list[int | None]
    counts: dict[str, int]
    witness: list[dict[str, object]]
    seed: int | None = None
    replication: int | None = None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


def fold_invariants(runs: Sequence[RunChecked]) -> list[InvariantOutcome]:
    """Each invariant over ``runs``: counts summed, the witness of the first failing run."""
    names = list(dict.fromkeys(name for run in runs for name in run.verdicts))
    outcomes: list[InvariantOutcome] = []
    for name in names:
        present = [run for run in runs if name in run.verdicts]
        failed = [run for run in present if not run.verdicts[name].valid]
        counts: dict[str, int] = {}
        for run in present:
            for key, value in run.verdicts[name].counts.items():
                counts[key] = counts.get(key, 0) + int(value)
        first = failed[0] if failed else None
        witness = (
            [
                {"replication": first.replication, "seed": first.seed, **row}
                for row in first.verdicts[name].witness
            ]
            if first
            else []
        )
        outcomes.append(
            InvariantOutcome(
                name=name,
                valid=not failed,
                runs=len(present),
                failed_runs=[run.replication for run in failed],
                counts=counts,
                witness=witness,
                seed=first.seed if first else None,
                replication=first.replication if first else None,
                note=first.verdicts[name].note if first else "",
            )
        )
    return outcomes


@dataclass(frozen=True)
class GateOutcome:
    """One SLA target (``kind`` "sla") or threshold line (``kind`` "threshold").

    ``observed`` is the run's figure (single run) or the bound the rule compared
    (replications); ``error`` says why a gate could not be judged (an unknown figure).
    """

    name: str
    kind: str
    passed: bool
    basis: str
    target: str
    observed: float | None
    detail: str
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


@dataclass
class CheckReport:
    """Everything ``o2csim check`` found, and the command that reproduces it."""

    source: str
    scenario: str
    pattern: str
    seeds: list[int]
    replications: int
    invariants: list[InvariantOutcome]
    gates: list[GateOutcome]
    study_seed: int | None = None
    reproduce: str = ""
    provenance: dict[str, object] = field(default_factory=dict)

    @property
    def violations(self) -> list[InvariantOutcome]:
        """Invariants that did not hold."""
        return [outcome for outcome in self.invariants if not outcome.valid]

    @property
    def breaches(self) -> list[GateOutcome]:
        """Gates that failed (an unknown figure counts as bad input, not a breach)."""
        return [gate for gate in self.gates if not gate.passed and gate.error is None]

    @property
    def bad_gates(self) -> list[GateOutcome]:
        """Gates whose figure the metrics do not have."""
        return [gate for gate in self.gates if gate.error is not None]

    @property
    def exit_code(self) -> ExitCode:
        """4 on a violation, else 2 on a gate that cannot be judged, 3 on a breach, else 0."""
        if self.violations:
            return ExitCode.INVARIANT_VIOLATION
        if self.bad_gates:
            return ExitCode.BAD_INPUT
        if self.breaches:
            return ExitCode.SLA_BREACH
        return ExitCode.OK

    def explain(self) -> str:
        """Why the check failed: each violation with its witness orders, each failed gate."""
        lines: list[str] = []
        for outcome in self.violations:
            orders = sorted(
                {str(row["correlation_id"]) for row in outcome.witness if "correlation_id" in row}
            )
            lines.append(
                f"invariant {outcome.name} violated in {len(outcome.failed_runs)}/{outcome.runs} "
                f"run(s) (first: seed {outcome.seed}); counts {outcome.counts}; witness orders "
                f"{', '.join(orders[:5]) or '-'}"
            )
            lines += [f"    {row}" for row in outcome.witness[:5]]
        for gate in [*self.breaches, *self.bad_gates]:
            lines.append(f"gate {gate.name} failed ({gate.basis}): {gate.detail}")
        lines.append(f"reproduce: {self.reproduce}")
        return "\n".join(lines)

    def assert_ok(self) -> None:
        """Raise ``AssertionError`` with :meth:`explain` unless every invariant and gate passed."""
        if self.exit_code is not ExitCode.OK:
            raise AssertionError(
                f"o2csim check failed (exit {int(self.exit_code)}, "
                f"{self.exit_code.name.lower()}):\n{self.explain()}"
            )

    def to_dict(self) -> dict[str, Any]:
        """The ``summary.json`` document."""
        return {
            "source": self.source,
            "scenario": self.scenario,
            "pattern": self.pattern,
            "study_seed": self.study_seed,
            "seeds": list(self.seeds),
            "replications": self.replications,
            "exit_code": int(self.exit_code),
            "verdict": self.exit_code.name.lower(),
            "invariants_hold": not self.violations,
            "gates_pass": not self.breaches and not self.bad_gates,
            "reproduce": self.reproduce,
            "invariants": [outcome.to_dict() for outcome in self.invariants],
            "gates": [gate.to_dict() for gate in self.gates],
            "provenance": dict(self.provenance),
        }
