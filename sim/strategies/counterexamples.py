"""Counterexamples as scenario files: a failing world that ``o2csim run FILE`` replays.

When a property over :func:`~sim.strategies.small_workloads` fails, the (shrunk) scenario
is written as YAML, with a comment saying what broke, so that a person can run it, look
at its history and fix the bug; the file loads back to an equal
:class:`~sim.scenario.Scenario`. Only the fields the strategy set are written: the rest
are the scenario defaults.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from sim.scenario import Scenario

__all__ = ["COUNTEREXAMPLES", "scenario_yaml", "write_counterexample"]

COUNTEREXAMPLES = Path(".hypothesis") / "counterexamples"
"""Where counterexamples go by default (beside Hypothesis's own database, not committed)."""


def scenario_yaml(scenario: Scenario, comment: str = "") -> str:
    """The scenario as a YAML document (fields set on it only), after ``comment`` lines."""
    data = scenario.model_dump(mode="json", exclude_unset=True)
    data.setdefault("name", scenario.name)
    if "faults" in data:  # what and where first, then when
        first = ("kind", "target")
        data["faults"] = [{**{k: f[k] for k in first if k in f}, **f} for f in data["faults"]]
    header = "".join(f"# {line}\n".replace("# \n", "#\n") for line in comment.splitlines())
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def write_counterexample(
    scenario: Scenario, name: str, comment: str = "", directory: Path | None = None
) -> Path:
    """Write ``scenario`` to ``<directory>/<name>.yaml`` (replacing it) and return the path.

    ``name`` is made safe for a file name; ``directory`` defaults to
    :data:`COUNTEREXAMPLES` (created when missing).
    """
    folder = COUNTEREXAMPLES if directory is None else directory
    folder.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.") or "counterexample"
    path = folder / f"{safe}.yaml"
    path.write_text(scenario_yaml(scenario, comment), encoding="utf-8")
    return path
