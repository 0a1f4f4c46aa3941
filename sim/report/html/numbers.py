"""Numbers as a review board reads them: durations, shares, counts, hours; ``-`` if missing.

JSON has no NaN or infinity (:func:`sim.report.files.json_ready` writes ``null``), so a
figure read back from a folder may be ``None``; every formatter here shows it as ``-``.
"""

from __future__ import annotations

import math

from sim.report.console import format_duration

__all__ = ["count", "decimal", "duration", "hours", "number", "share"]


def _finite(value: object) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def duration(seconds: object) -> str:
    """``0.84 s``, ``7.5 min``, ``3.2 h``, ``2.40 d`` or ``-``."""
    value = _finite(seconds)
    return "-" if value is None else format_duration(value)


def hours(seconds: object) -> str:
    """Simulated seconds as hours since the start, ``12.50 h``."""
    value = _finite(seconds)
    return "-" if value is None else f"{value / 3600:.2f} h"


def share(value: object) -> str:
    """A share as a percentage; small ones keep three decimals."""
    number = _finite(value)
    if number is None:
        return "-"
    return f"{100 * number:.1f}%" if abs(number) >= 0.01 or number == 0 else f"{100 * number:.3f}%"


def count(value: object) -> str:
    """A whole number with thousands separators."""
    number = _finite(value)
    return "-" if number is None else f"{round(number):,}"


def decimal(value: object, digits: int = 1) -> str:
    """A number with ``digits`` decimals and thousands separators."""
    number = _finite(value)
    return "-" if number is None else f"{number:,.{digits}f}"


def number(value: object) -> str:
    """Up to four significant digits, for figures of any size."""
    value_ = _finite(value)
    return "-" if value_ is None else f"{value_:.4g}"
