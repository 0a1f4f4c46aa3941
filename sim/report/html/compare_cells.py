"""Cells of the comparison report: figures read from ``summary.json`` and written as text.

``summary.json`` writes NaN and infinity as ``null``; :func:`as_float` reads them back as
NaN, and :func:`interval` writes a cell (mean ± half-width) the way the console's tables
do (:func:`sim.report.compare.format_interval`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from sim.report.compare import format_interval

__all__ = ["NAN", "as_float", "currency_of", "interval", "several_patterns"]

NAN = math.nan
"""No value: what ``null`` in ``summary.json`` reads as."""


def as_float(value: object) -> float:
    """A figure from JSON: ``None`` (NaN or infinity when written) reads as NaN."""
    if value is None or isinstance(value, bool):
        return NAN
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return NAN


def interval(cell: Mapping[str, Any] | None, unit: str, currency: str, signed: bool = False) -> str:
    """A ``summary.json`` cell (``mean``, ``half_width``) as the console writes it."""
    cell = cell or {}
    return format_interval(
        as_float(cell.get("mean")), as_float(cell.get("half_width")), unit, signed, currency
    )


def currency_of(summary: Mapping[str, Any]) -> str:
    """The currency of the comparison's costs (USD unless its costs say otherwise)."""
    return str((summary.get("costs") or {}).get("currency", "USD"))


def several_patterns(summary: Mapping[str, Any]) -> bool:
    """Whether the comparison has more than one pattern, so differences to show."""
    return len(summary.get("patterns") or []) > 1
