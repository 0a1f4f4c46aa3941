"""A scenario's gates (SLA targets and threshold lines) as :class:`GateOutcome` s.

On one run a gate is judged on that run's figure (``metrics["sla"]`` and
``metrics["thresholds"]``, basis "single run"); across replications by the confidence-bound
rule of :mod:`sim.verdicts`, with Bonferroni over all of the scenario's gates.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from sim.oracle.outcome import GateOutcome
from sim.scenario import Scenario
from sim.verdicts import gate_count, replicated_sla_verdicts, replicated_threshold_verdicts

__all__ = ["replicated_gates", "single_run_gates"]


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _seconds(value: float | None) -> str:
    return "no value" if value is None else f"{value:.6g} s"


def single_run_gates(metrics: Mapping[str, Any]) -> list[GateOutcome]:
    """Every SLA target and threshold line of one run, as the run judged them."""
    gates: list[GateOutcome] = []
    for metric, v in metrics.get("sla", {}).items():
        observed = v["observed_s"]
        target = f"p{float(v['percentile']):g} <= {float(v['max_s']):g} s"
        if observed is not None and float(observed) == math.inf:
            shown = "infinite (too much work unfinished at the end of the run)"
        elif _number(observed) is None:
            shown = "no value (unfinished work or no sample)"
        else:
            shown = _seconds(_number(observed))
        gates.append(
            GateOutcome(
                name=f"sla.{metric}",
                kind="sla",
                passed=bool(v["passed"]),
                basis="single run",
                target=target,
                observed=_number(observed),
                detail=(
                    f"{metric}: observed p{float(v['percentile']):g} {shown} against {target}; "
                    f"compliance {v['compliance']}, censored {v['censored']}"
                ),
            )
        )
    for line, v in metrics.get("thresholds", {}).items():
        gates.append(
            GateOutcome(
                name=line,
                kind="threshold",
                passed=bool(v["passed"]),
                basis="single run",
                target=line,
                observed=_number(v.get("observed")),
                detail=(
                    v["error"]
                    if "error" in v
                    else f"{v['figure']} = {v['observed']} ({v['op']} {v['limit']:g} required)"
                ),
                error=v.get("error"),
            )
        )
    return gates


def replicated_gates(metrics: Sequence[Mapping[str, Any]], scenario: Scenario) -> list[GateOutcome]:
    """Every gate judged across the replications' metrics (the rule of :mod:`sim.verdicts`)."""
    k = gate_count(scenario)
    n = len(metrics)
    gates: list[GateOutcome] = []
    for metric, v in replicated_sla_verdicts(metrics, scenario.slas, k).items():
        target = f"p{v.percentile:g} <= {v.max_s:g} s"
        gates.append(
            GateOutcome(
                name=f"sla.{metric}",
                kind="sla",
                passed=v.passed,
                basis=f"{n} replications",
                target=target,
                observed=_number(v.upper_bound),
                detail=(
                    f"{metric}: mean p{v.percentile:g} {v.mean:.6g} s ± {v.half_width:.3g}, "
                    f"one-sided {100 * v.level:.4g}% upper bound {v.upper_bound:.6g} s against "
                    f"{target} (Bonferroni k={k})"
                ),
            )
        )
    errors = {
        line: entry["error"]
        for m in metrics
        for line, entry in m.get("thresholds", {}).items()
        if "error" in entry
    }
    for line, t in replicated_threshold_verdicts(metrics, scenario.thresholds, k).items():
        side = (
            "value farthest from the limit"
            if t.op == "=="
            else ("upper bound" if t.op in ("<", "<=") else "lower bound")
        )
        gates.append(
            GateOutcome(
                name=line,
                kind="threshold",
                passed=t.passed,
                basis=f"{n} replications",
                target=line,
                observed=_number(t.bound),
                detail=errors.get(line)
                or (
                    f"{t.figure}: mean {t.mean:.6g} ± {t.half_width:.3g}, {side} {t.bound:.6g} "
                    f"({t.op} {t.limit:g} required; level {100 * t.level:.4g}%, k={k})"
                ),
                error=errors.get(line),
            )
        )
    return gates
