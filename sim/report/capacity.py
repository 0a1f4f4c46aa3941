"""The console summary of a capacity search: steps, answer, bottleneck, metastability."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from sim.capacity import CapacityResult, CapacityStep
from sim.report.console import format_duration

__all__ = ["print_capacity", "step_line"]

_TOP = 3
"""Resources shown per step, busiest hour first."""


def _multiplier(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}x"


def _busiest(step: CapacityStep) -> str:
    ranked = sorted(step.resources.items(), key=lambda item: -item[1]["peak_hour_utilisation"])[
        :_TOP
    ]
    return ", ".join(f"{name} {figures['peak_hour_utilisation']:.0%}" for name, figures in ranked)


def _failed(step: CapacityStep) -> str:
    """The gating gates that failed, then the others that failed (``not gating``)."""
    text = ", ".join(step.failed)
    if step.failed_not_gating:
        text += f"{'; ' if text else ''}not gating: {', '.join(step.failed_not_gating)}"
    return text


def _figure(step: CapacityStep, gate: str, value: float) -> str:
    """A gate's mean as its kind reads: a latency as a duration, a threshold as a number."""
    kind = str(step.gates[gate]["kind"])
    return format_duration(value) if kind.endswith("(s)") else f"{value:.3g}"


def step_line(step: CapacityStep) -> str:
    """One line on a judged step, for progress output."""
    verdict = "holds" if step.passed else f"fails {', '.join(step.failed)}"
    if step.failed_not_gating:
        verdict += f" (not gating: {', '.join(step.failed_not_gating)})"
    return (
        f"{_multiplier(step.multiplier)}: {step.orders_accepted:,.0f} orders, {verdict}; "
        f"busiest: {_busiest(step)}"
    )


def print_capacity(result: CapacityResult, console: Console) -> None:
    """Print the steps in ascending multiplier, then the answer and what was found."""
    table = Table(
        title=f"Capacity search: {result.scenario}, pattern {result.pattern}, "
        f"{result.settings.replications} replications per step"
    )
    for column in ("multiplier", "orders", "verdict", "failed", "busiest hour (top 3)"):
        table.add_column(column, justify="right" if column in ("multiplier", "orders") else "left")
    for step in result.ascending:
        table.add_row(
            _multiplier(step.multiplier),
            f"{step.orders_accepted:,.0f}",
            "pass" if step.passed else "FAIL",
            _failed(step) or "-",
            _busiest(step),
        )
    console.print(table)
    gates = result.settings.gates
    judged = f"every SLA of {', '.join(gates)}" if gates else "every SLA"
    answer = (
        f"capacity: between {_multiplier(result.passed)} ({judged} held with 95% "
        f"confidence) and {_multiplier(result.failed)} (one failed)"
    )
    if not result.bracketed:
        answer += f"; not bracketed: {result.stop_reason}"
    elif not result.converged:
        answer += f"; wider than the tolerance: {result.stop_reason}"
    console.print(answer, highlight=False, markup=False)
    _print_not_monotone(result, console)
    _print_failed_everywhere(result, console)
    b = result.bottleneck
    if b.resource is None:
        console.print("bottleneck: no resource reported", highlight=False, markup=False)
    elif b.saturated:
        console.print(
            f"bottleneck: {b.resource} (busiest hour at {b.threshold:.0%} of its servers from "
            f"about {b.crossing_multiplier:.3g}x, its backlog {b.backlog_growth:.3g} more "
            f"waiting per server than at the lowest load; {b.utilisation:.0%} at the first "
            "step past it)",
            highlight=False,
            markup=False,
        )
    else:
        console.print(
            f"bottleneck: none saturated (busiest hour at {b.threshold:.0%} with a growing "
            f"backlog); nearest: {b.resource} ({b.utilisation:.0%} in its busiest hour at the "
            "highest step)",
            highlight=False,
            markup=False,
        )
    if b.busy_without_backlog:
        busy = ", ".join(f"{name} from {m:.3g}x" for name, m in b.busy_without_backlog.items())
        console.print(
            f"busy without a growing backlog (not the bottleneck): {busy}",
            highlight=False,
            markup=False,
        )
    overload = result.overload
    if overload is not None:
        state = "METASTABLE" if overload.metastable else "recovers"
        if not overload.assessed:
            state = "not assessed"
        console.print(
            f"after the overload at {_multiplier(overload.multiplier)}: {state} "
            f"({overload.reason})",
            highlight=False,
            markup=False,
        )


def _print_failed_everywhere(result: CapacityResult, console: Console) -> None:
    """Gates that failed at every step, with their means from the lowest load to the highest.

    A gate that holds nowhere leaves the search without a bracket; whether its mean moves
    with the load tells a capacity limit from one set elsewhere (stock, a batch schedule).
    """
    steps = result.ascending
    for name, values in result.failed_at_every_step.items():
        means = ", ".join(f"{_figure(steps[0], name, mean)} at {m:.3g}x" for m, mean in values)
        gating = steps[0].gates[name]["gating"]
        console.print(
            f"{name} failed at every step{'' if gating else ' (not gating)'}; its mean: {means}",
            highlight=False,
            markup=False,
        )
    gating_everywhere = [
        name for name in result.failed_at_every_step if steps[0].gates[name]["gating"]
    ]
    if gating_everywhere and result.passed is None:
        others = [name for name in steps[0].gates if name not in gating_everywhere]
        hint = " ".join(f"--gate {name}" for name in others)
        console.print(
            "a gate that fails at every load and barely moves with it is not set by "
            "capacity: search on the others"
            + (f" ({hint})" if hint else "")
            + ", or change what sets it",
            highlight=False,
            markup=False,
        )


def _print_not_monotone(result: CapacityResult, console: Console) -> None:
    """Gates that held at a higher load than one they failed at: bisection's assumption."""
    steps = result.ascending
    for name, (failed_at, held_at) in result.not_monotone.items():
        gating = steps[0].gates[name]["gating"]
        line = (
            f"{name}{'' if gating else ' (not gating)'} is not monotone in the load: it "
            f"failed at {failed_at:.3g}x and held at {held_at:.3g}x"
        )
        if gating:
            line += (
                "; the search assumes a gate that fails at one load fails at every higher "
                "one, so the bracket may be in the wrong place"
            )
        console.print(line, highlight=False, markup=False)
