"""What a capacity search leaves: the answer interval, its steps and what they show.

:meth:`CapacityResult.to_dict` is ``capacity.json``; :meth:`CapacityResult.series` the
tidy hourly series of every step (``utilisation.parquet``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.capacity.bottleneck import Bottleneck
from sim.capacity.metastability import Metastability
from sim.capacity.settings import CapacitySettings
from sim.capacity.steps import SERIES_COLUMNS, CapacityStep

__all__ = ["OUTPUT_NAMES", "CapacityResult", "write_capacity_outputs"]

OUTPUT_NAMES = ("capacity.json", "utilisation.parquet")
"""The files ``o2csim capacity`` writes into its output folder."""


@dataclass
class CapacityResult:
    """A capacity search's answer and evidence.

    The capacity lies in ``[passed, failed]``: ``passed`` is the highest multiplier whose
    gates all held, ``failed`` the lowest that failed one (None when the search found
    none). ``bracketed`` says both were found, ``converged`` that the bracket is within
    the tolerance. ``steps`` are in the order they ran; ``metastability`` holds one finding
    per step, in ascending multiplier.
    """

    scenario: str
    pattern: str
    study_seed: int
    settings: CapacitySettings
    passed: float | None
    failed: float | None
    bracketed: bool
    converged: bool
    stop_reason: str
    steps: list[CapacityStep]
    bottleneck: Bottleneck
    metastability: list[Metastability] = field(default_factory=list)

    @property
    def ascending(self) -> list[CapacityStep]:
        """The steps in ascending multiplier."""
        return sorted(self.steps, key=lambda step: step.multiplier)

    @property
    def overload(self) -> Metastability | None:
        """The metastability finding of the first overload (the lowest failing step).

        Without a failing step: the finding of the highest step.
        """
        if not self.metastability:
            return None
        failing = [f for f in self.metastability if f.multiplier == self.failed]
        return failing[0] if failing else self.metastability[-1]

    @property
    def failed_at_every_step(self) -> dict[str, list[tuple[float, float]]]:
        """Gates that failed at every judged step (two or more): (multiplier, mean) ascending.

        A gate the load does not move (an allocation delay set by stock, not by capacity)
        fails at the lowest multiplier as at the highest, and no search can bracket it:
        its means side by side show whether it moves with the load.
        """
        steps = self.ascending
        if len(steps) < 2:
            return {}
        names = [name for name in steps[0].gates if all(not s.gates[name]["passed"] for s in steps)]
        return {
            name: [(step.multiplier, float(step.gates[name]["mean"])) for step in steps]
            for name in names
        }

    @property
    def not_monotone(self) -> dict[str, tuple[float, float]]:
        """Gates that failed at one multiplier and held at a higher one: (failed at, held at).

        Bisection assumes a gate that fails at some load fails at every higher load. A
        gate that breaks the rule among the judged steps, lowest failure and the first
        higher step it held at, may have put the bracket in the wrong place when it gates;
        one that does not gate only says what the load does not set.
        """
        found: dict[str, tuple[float, float]] = {}
        steps = self.ascending
        for name in steps[0].gates if steps else ():
            failed_at: float | None = None
            for step in steps:
                if not step.gates[name]["passed"]:
                    failed_at = step.multiplier if failed_at is None else failed_at
                elif failed_at is not None:
                    found[name] = (failed_at, step.multiplier)
                    break
        return found

    def series(self) -> pd.DataFrame:
        """Every step's tidy hourly series, in ascending multiplier."""
        frames = [step.series for step in self.ascending]
        if not frames:
            return pd.DataFrame({column: [] for column in SERIES_COLUMNS})
        return pd.concat(frames, ignore_index=True)

    def to_dict(self) -> dict[str, Any]:
        """``capacity.json``: the answer, the bottleneck, metastability and the steps."""
        overload = self.overload
        return {
            "scenario": self.scenario,
            "pattern": self.pattern,
            "study_seed": self.study_seed,
            "replications": self.settings.replications,
            "answer": {
                "multiplier_passed": self.passed,
                "multiplier_failed": self.failed,
                "bracketed": self.bracketed,
                "converged": self.converged,
                "stop_reason": self.stop_reason,
                "gates": list(self.settings.gates) or "all",
                "not_monotone": {
                    name: {
                        "failed_at": failed_at,
                        "held_at": held_at,
                        "gating": bool(self.steps[0].gates[name]["gating"]),
                    }
                    for name, (failed_at, held_at) in self.not_monotone.items()
                },
                "failed_at_every_step": {
                    name: [{"multiplier": m, "mean": mean} for m, mean in values]
                    for name, values in self.failed_at_every_step.items()
                },
            },
            "bottleneck": self.bottleneck.to_dict(),
            "metastability": {
                "metastable": bool(overload and overload.metastable),
                "overload": overload.to_dict() if overload else None,
                "steps": [finding.to_dict() for finding in self.metastability],
            },
            "steps": [step.summary() for step in self.steps],
            "settings": self.settings.model_dump(mode="json"),
        }


def write_capacity_outputs(result: CapacityResult, out_dir: Path) -> dict[str, Path]:
    """Write ``capacity.json`` (NaN and infinities as nulls) and ``utilisation.parquet``."""
    from sim.report.files import json_ready

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"summary": out_dir / OUTPUT_NAMES[0], "series": out_dir / OUTPUT_NAMES[1]}
    paths["summary"].write_text(json.dumps(json_ready(result.to_dict()), indent=2) + "\n")
    result.series().to_parquet(paths["series"], index=False, compression="zstd")
    return paths
