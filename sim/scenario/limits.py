"""Limits on a scenario's numbers: refuse what would overflow or loop before a run starts.

:func:`limit_problems` (called by :func:`~sim.scenario.load_scenario`) walks every value of
a validated scenario and refuses numbers that no budget could catch in time: a horizon
beyond ten simulated years, whole numbers beyond 32 bits, distributions that cannot be
sampled, cadences that repeat more than ten million times in a run, retry delays whose
growth overflows a float. Each problem is a (dotted field, what was expected) pair.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
from pydantic import BaseModel

from sim.engine.calendar import DAY
from sim.engine.distributions import Constant, Exponential, Gamma, LogNormal, Triangular, Uniform
from sim.scenario.model import Scenario

__all__ = [
    "MAX_CADENCE_REPEATS",
    "MAX_COVER_DAYS",
    "MAX_CV",
    "MAX_HORIZON_DAYS",
    "MAX_UNITS_PER_LINE",
    "MAX_WHOLE_NUMBER",
    "limit_problems",
    "number_text",
]

MAX_HORIZON_DAYS = 3650.0
"""Longest run: demand_days + drain_days of at most ten simulated years."""

MAX_WHOLE_NUMBER = 2**31 - 1
"""Largest whole-number setting (counts, limits; not the seed): history stores entity
numbers as 32-bit integers and numpy draws sizes as C longs."""

MAX_CV = 1000.0
"""Largest coefficient of variation: beyond it squaring overflows or draws degenerate."""

MAX_UNITS_PER_LINE = 1e9
"""Largest mean units per order line; lognormal tails of larger means overflow int64."""

MAX_COVER_DAYS = 36_500.0
"""Largest stock cover in days (100 years); larger covers overflow opening stock."""

MAX_CADENCE_REPEATS = 10_000_000
"""Most repetitions of one periodic activity (an ``*interval*`` or ``*_refresh_s``
setting) over a run; a tiny interval otherwise stalls the clock without an error."""


def _walk(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every value of a scenario with its dotted path, depth first, containers included."""
    yield path, value
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _walk(getattr(value, name), f"{path}.{name}" if path else name)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")


def _leaf(path: str) -> str:
    """The last field name of a path: ``review_interval_s`` of ``systems.erp....``."""
    return path.rsplit(".", 1)[-1].split("[", 1)[0]


def number_text(value: float) -> str:
    """A number as a user would write it: ``7``, ``0.25``, ``1e+308``."""
    if isinstance(value, int) and abs(value) >= 10**15:
        return f"{float(value):.3g}" if value < 10**308 else f"a {len(str(value))}-digit number"
    return f"{value:g}" if isinstance(value, float) else str(value)


_DISTRIBUTIONS = (Constant, Exponential, Gamma, LogNormal, Triangular, Uniform)


def _is_distribution(value: Any) -> bool:
    return isinstance(value, _DISTRIBUTIONS)


def _sampling_problem(dist: Any) -> str | None:
    """Why a duration distribution cannot be sampled, or ``None`` when it can."""
    try:
        draw = dist.sampler(np.random.default_rng(0))
        with np.errstate(all="ignore"):
            values = [float(draw()) for _ in range(16)]
    except (ArithmeticError, ValueError) as exc:
        return f"cannot be sampled with these parameters ({exc}); use a smaller cv or mean"
    if not all(math.isfinite(v) and v >= 0 for v in values):
        return "draws overflow to infinity or NaN with these parameters; use a smaller cv or mean"
    return None


def _cadence_mean(value: Any) -> float | None:
    """Mean seconds between repetitions of a cadence setting (a number or a distribution)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if _is_distribution(value):
        try:
            return float(value.mean_value)
        except (ArithmeticError, ValueError):
            return 0.0
    return None


def _horizon_problems(scenario: Scenario) -> list[tuple[str, str]]:
    problems = []
    for name in ("demand_days", "drain_days"):
        days = float(getattr(scenario, name))
        if not math.isfinite(days * DAY) or days > MAX_HORIZON_DAYS:
            problems.append(
                (
                    name,
                    f"expected at most {MAX_HORIZON_DAYS:g} days (10 simulated years), "
                    f"got {number_text(days)}",
                )
            )
    total = scenario.demand_days + scenario.drain_days
    if not problems and total > MAX_HORIZON_DAYS:
        problems.append(
            (
                "drain_days",
                f"demand_days + drain_days is {number_text(total)} days; a run lasts at most "
                f"{MAX_HORIZON_DAYS:g} days (10 simulated years)",
            )
        )
    return problems


def limit_problems(scenario: Scenario) -> list[tuple[str, str]]:
    """``(field, explanation)`` for every number too large (or small) to simulate.

    These are refused whatever the memory ceiling: a horizon beyond ten years (or not
    finite in seconds), whole numbers beyond 32 bits, coefficients of variation above
    1,000, distributions whose draws are not finite, cadences repeating more than ten
    million times, retry back-offs overflowing a float, covers and units that overflow
    stock arithmetic. Pure and quick (no simulation).
    """
    problems = _horizon_problems(scenario)
    horizon_s = (scenario.demand_days + scenario.drain_days) * DAY if not problems else None
    for path, value in _walk(scenario):
        problems += _value_problems(path, value, horizon_s)
    demand, master = scenario.demand, scenario.master_data
    if demand.units_per_line_mean > MAX_UNITS_PER_LINE:
        problems.append(
            (
                "demand.units_per_line_mean",
                f"expected at most {MAX_UNITS_PER_LINE:g} units, "
                f"got {number_text(demand.units_per_line_mean)}",
            )
        )
    covers = (
        ("master_data.opening_cover_days", max(master.opening_cover_days)),
        ("master_data.reorder_cover_days", master.reorder_cover_days),
        ("master_data.order_up_to_cover_days", master.order_up_to_cover_days),
    )
    for path, days in covers:
        if days > MAX_COVER_DAYS:
            problems.append(
                (
                    path,
                    f"expected at most {MAX_COVER_DAYS:,.0f} days of stock cover (100 years), "
                    f"got {number_text(days)}",
                )
            )
    return problems


def _value_problems(path: str, value: Any, horizon_s: float | None) -> list[tuple[str, str]]:
    """Problems of one value of the scenario tree (``horizon_s`` is None when not finite)."""
    leaf = _leaf(path)
    if isinstance(value, bool):
        return []
    if isinstance(value, int) and leaf != "seed" and abs(value) > MAX_WHOLE_NUMBER:
        return [(path, f"expected an integer <= {MAX_WHOLE_NUMBER:,}, got {number_text(value)}")]
    if isinstance(value, float) and (leaf == "cv" or leaf.endswith("_cv")) and value > MAX_CV:
        return [
            (path, f"expected a coefficient of variation <= {MAX_CV:g}, got {number_text(value)}")
        ]
    cv = getattr(value, "cv", None)
    if _is_distribution(value) and not (isinstance(cv, float) and cv > MAX_CV):
        reason = _sampling_problem(value)
        if reason:
            return [(path, reason)]
    mean = _cadence_mean(value) if "interval" in leaf or leaf.endswith("_refresh_s") else None
    if mean is not None and horizon_s is not None:
        repeats = horizon_s / mean if mean > 0 else math.inf
        if repeats > MAX_CADENCE_REPEATS:
            return [
                (
                    path,
                    f"{number_text(mean)} s between repetitions repeats about {repeats:.3g} times "
                    f"in the {horizon_s / DAY:g}-day run; expected at least "
                    f"{horizon_s / MAX_CADENCE_REPEATS:.3g} s "
                    f"(at most {MAX_CADENCE_REPEATS:,} repetitions)",
                )
            ]
    return _retry_problems(path, value)


def _retry_problems(path: str, value: Any) -> list[tuple[str, str]]:
    """A retry policy whose ``multiplier ** (max_attempts - 1)`` overflows a float."""
    if not isinstance(value, BaseModel):
        return []
    multiplier = getattr(value, "multiplier", None)
    attempts = getattr(value, "max_attempts", None)
    if not isinstance(multiplier, float | int) or not isinstance(attempts, int):
        return []
    if multiplier <= 1 or attempts <= 1 or attempts > MAX_WHOLE_NUMBER:
        return []
    if (attempts - 1) * math.log(multiplier) < math.log(1e300):
        return []
    most = int(math.log(1e300) / math.log(multiplier)) + 1
    return [
        (
            f"{path}.max_attempts",
            f"with multiplier {number_text(multiplier)} the back-off of attempt {attempts:,} "
            f"overflows; expected at most {most:,} attempts (delays stop growing at "
            "max_delay_s anyway)",
        )
    ]
