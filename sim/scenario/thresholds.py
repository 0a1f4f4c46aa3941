"""SLA thresholds over any figure of ``metrics.json``, written as one line each.

A scenario's ``thresholds:`` list holds lines in the spirit of k6's thresholds::

    order_creation_latency.p95 < 15min
    crm_staleness < 2%
    dead_letters == 0
    manual_touches per 100 orders <= 3

Grammar: ``FIGURE [per N orders] OP NUMBER[UNIT]``.

* ``FIGURE`` is a dotted name of a figure in ``metrics.json``: a full path
  (``delivery_health.retries``), an unambiguous tail of one (``dead_letters.count``), one of
  :data:`ALIASES` (``crm_staleness``), or ``METRIC.pQ`` for a latency metric of
  :data:`~sim.scenario.latency.LATENCY_METRICS`. ``METRIC.pQ`` is the censoring-aware percentile
  that ``slas:`` targets use (an order that never finished counts as infinitely late), not
  ``latency_s.METRIC.p95``, which covers finished orders only.
* ``per N orders`` divides the figure by the run's accepted orders and multiplies by N.
* ``OP`` is one of ``<``, ``<=``, ``>``, ``>=``, ``==``.
* ``UNIT``: ``ms``, ``s``, ``min``, ``h``, ``d`` (the figure is in seconds) or ``%`` (the
  figure is a share: ``2%`` is 0.02). No unit: the number as it is.

This module parses a line; :mod:`sim.thresholds` resolves its figure in a run's metrics
(which names exist depends on the run: endpoints, regions, channels) and evaluates it. A
figure that names nothing, or more than one figure, is bad input there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from sim.scenario.latency import LATENCY_METRICS

__all__ = [
    "ALIASES",
    "parse_quantity",
    "UNITS",
    "Comparison",
    "Threshold",
    "parse_threshold",
]

ALIASES: dict[str, str] = {
    "crm_staleness": "crm_staleness.stale_share",
    "dead_letters": "delivery_health.dead_letters.count",
    "manual_touches": "delivery_health.manual_touches.count",
    "exceptions_open": "delivery_health.exceptions.open_at_end",
    "retries": "delivery_health.retries",
}
"""Short names for the figures a release gate most often names."""

UNITS: dict[str, float] = {
    "": 1.0,
    "ms": 0.001,
    "s": 1.0,
    "min": 60.0,
    "h": 3600.0,
    "d": 86400.0,
    "%": 0.01,
}
"""What a number's unit multiplies it by (figures are in seconds, shares in 0..1)."""

_PERCENTILE = re.compile(r"p(?P<q>\d+(?:\.\d+)?)")
_LINE = re.compile(
    r"""^\s*(?P<figure>[A-Za-z_][\w.]*?)
    (?:\s+per\s+(?P<per>\d+(?:\.\d+)?)\s+orders?)?
    \s*(?P<op><=|>=|==|<|>)\s*
    (?P<number>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*
    (?P<unit>ms|min|s|h|d|%)?\s*$""",
    re.VERBOSE,
)


class Comparison(StrEnum):
    """How a figure is compared with its limit."""

    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    EQ = "=="

    def holds(self, value: float, limit: float) -> bool:
        """``value OP limit`` (False for NaN)."""
        if self is Comparison.LT:
            return value < limit
        if self is Comparison.LE:
            return value <= limit
        if self is Comparison.GT:
            return value > limit
        if self is Comparison.GE:
            return value >= limit
        return value == limit

    @property
    def bounded_above(self) -> bool:
        """True when the figure must stay below the limit (judged on an upper bound)."""
        return self in (Comparison.LT, Comparison.LE)


@dataclass(frozen=True)
class Threshold:
    """One parsed threshold line.

    ``percentile`` is set when ``figure`` is ``METRIC.pQ`` of a latency metric (then
    ``latency`` names the metric); ``limit`` is in the figure's own units (seconds or share).
    """

    text: str
    figure: str
    op: Comparison
    limit: float
    per_orders: float | None = None
    latency: str | None = None
    percentile: float | None = None


def parse_threshold(text: str) -> Threshold:
    """Parse one threshold line; ``ValueError`` says what is wrong with it."""
    match = _LINE.match(text)
    if match is None:
        raise ValueError(
            f"cannot read threshold {text!r}: expected 'FIGURE [per N orders] OP NUMBER[UNIT]' "
            "with OP one of < <= > >= == and UNIT one of ms s min h d %"
        )
    figure = match["figure"]
    parts = figure.split(".")
    if "" in parts:
        raise ValueError(f"threshold {text!r}: figure {figure!r} has an empty name part")
    head = parts[0]
    latency = percentile = None
    if head in LATENCY_METRICS and len(parts) == 2 and (q := _PERCENTILE.fullmatch(parts[1])):
        percentile = float(q["q"])
        if not 0.0 < percentile <= 100.0:
            raise ValueError(f"threshold {text!r}: percentile {percentile} outside (0, 100]")
        latency = head
    per = float(match["per"]) if match["per"] else None
    if per is not None and per <= 0:
        raise ValueError(f"threshold {text!r}: 'per N orders' needs N > 0")
    return Threshold(
        text=text.strip(),
        figure=figure,
        op=Comparison(match["op"]),
        limit=float(match["number"]) * UNITS[match["unit"] or ""],
        per_orders=per,
        latency=latency,
        percentile=percentile,
    )


_QUANTITY = re.compile(r"^\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*(ms|min|s|h|d|%)?\s*$")


def parse_quantity(value: float | int | str) -> float:
    """A number with an optional unit (``15min``, ``2h``, ``2%``) in seconds or as a share."""
    if isinstance(value, int | float):
        return float(value)
    match = _QUANTITY.match(value)
    if match is None:
        raise ValueError(
            f"cannot read {value!r}: expected a number with an optional unit (s, min, h, d, %)"
        )
    return float(match[1]) * UNITS[match[2] or ""]
