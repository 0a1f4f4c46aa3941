"""The SLA verdict rule across replications: one function, used by every command.

docs/methodology.md, "SLA verdicts across replications", states the rule:

* each replication gives its statistic for each SLA target: the target's percentile of that
  run's samples, censored samples counted as infinite (:func:`sim.metrics.sla_verdicts`'s
  ``observed_s``);
* an SLA passes when the one-sided upper confidence bound of the mean of that statistic
  across the ``n`` replications, ``mean + t(1 - alpha / k, n - 1) * s / sqrt(n)``, is at
  most the target; ``alpha`` is 0.05 and ``k`` the number of gates of the scenario, its
  SLA targets plus its threshold lines (Bonferroni: all ``k`` bounds hold together with
  probability at least 95%);
* a threshold line (:mod:`sim.scenario.thresholds`) is judged the same way on its figure:
  ``<`` and ``<=`` on the upper bound, ``>`` and ``>=`` on the lower bound
  ``mean - t * s / sqrt(n)``; ``==`` passes only when every replication equals the limit.

A replication whose statistic is infinite (more than ``100 - percentile`` % of its samples
never finished) or NaN (no sample at all) makes the bound infinite: the SLA fails. The
verdict of one run (:func:`sim.metrics.sla_verdicts`) stays what it is, labelled a single
run wherever it is shown.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from sim.scenario import Scenario, SlaTarget
from sim.scenario.thresholds import Comparison, parse_threshold

__all__ = [
    "FAMILY_ALPHA",
    "SlaVerdict",
    "ThresholdVerdict",
    "gate_count",
    "gate_names",
    "lower_bound",
    "replicated_sla_verdicts",
    "replicated_threshold_verdicts",
    "sla_verdicts_across",
    "threshold_verdict_across",
    "upper_bound",
]

FAMILY_ALPHA = 0.05
"""Probability that any of a scenario's SLA bounds is wrong (family-wise, Bonferroni)."""


@dataclass(frozen=True)
class SlaVerdict:
    """The verdict on one SLA target from ``n`` replications.

    ``mean`` and ``half_width`` are the two-sided 95% interval of the statistic's mean (for
    display); ``upper_bound`` is the one-sided bound at ``level = 1 - alpha / k`` that the
    verdict compares with ``max_s``.
    """

    metric: str
    percentile: float
    max_s: float
    n: int
    k: int
    level: float
    mean: float
    half_width: float
    upper_bound: float
    passed: bool
    basis: str = "replications"

    def to_dict(self) -> dict[str, Any]:
        """A plain dict (NaN and infinity left as floats; the JSON writer maps them)."""
        return asdict(self)


def upper_bound(values: ArrayLike, level: float) -> float:
    """One-sided upper confidence bound of the mean: ``mean + t(level, n-1) * s / sqrt(n)``.

    Infinite when any value is infinite, NaN when any is NaN. Raises ``ValueError`` for
    fewer than two values or a level outside (0, 1).
    """
    data = np.asarray(values, dtype=np.float64).ravel()
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level}")
    n = int(data.size)
    if n < 2:
        raise ValueError(f"need at least two replications for a confidence bound, got {n}")
    if np.isnan(data).any():
        return math.nan
    if not np.isfinite(data).all():
        return math.inf if (data == math.inf).any() else float(data.mean())
    mean = float(data.mean())
    return mean + float(stats.t.ppf(level, n - 1)) * float(data.std(ddof=1)) / math.sqrt(n)


def _two_sided(data: np.ndarray) -> tuple[float, float]:
    """Mean and 95% t half-width; the half-width is NaN unless every value is finite."""
    if not np.isfinite(data).all():
        return (math.nan if np.isnan(data).any() else float(data.mean())), math.nan
    mean = float(data.mean())
    multiplier = float(stats.t.ppf(0.975, data.size - 1))
    return mean, multiplier * float(data.std(ddof=1)) / math.sqrt(data.size)


def _level(alpha: float, k: int) -> float:
    """The one-sided confidence level of each of ``k`` bounds (Bonferroni)."""
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must lie strictly between 0 and 1, got {alpha}")
    return 1.0 - alpha / k if k else 1.0 - alpha


def sla_verdicts_across(
    statistics: Mapping[str, ArrayLike],
    targets: Mapping[str, SlaTarget],
    alpha: float = FAMILY_ALPHA,
    k: int | None = None,
) -> dict[str, SlaVerdict]:
    """The verdict on every target from its per-replication statistics (the rule above).

    ``statistics[metric]`` holds one value per replication, in any order; ``k`` is the
    number of gates sharing the family-wise ``alpha`` (default: the number of ``targets``;
    :func:`gate_count` counts a scenario's targets and thresholds). Raises ``ValueError``
    when a target has no statistics, when the targets have different numbers of
    replications, or fewer than two.
    """
    k = len(targets) if k is None else k
    level = _level(alpha, k)
    verdicts: dict[str, SlaVerdict] = {}
    sizes = set()
    for metric, target in sorted(targets.items()):
        if metric not in statistics:
            raise ValueError(f"no per-replication statistic for SLA {metric!r}")
        data = np.asarray(statistics[metric], dtype=np.float64).ravel()
        sizes.add(data.size)
        bound = upper_bound(data, level)
        mean, half = _two_sided(data)
        verdicts[metric] = SlaVerdict(
            metric=metric,
            percentile=float(target.percentile),
            max_s=float(target.max_s),
            n=int(data.size),
            k=k,
            level=level,
            mean=mean,
            half_width=half,
            upper_bound=bound,
            passed=bool(bound <= target.max_s),  # NaN compares False: no samples fail
        )
    if len(sizes) > 1:
        raise ValueError(f"SLA statistics of different replication counts: {sorted(sizes)}")
    return verdicts


def replicated_sla_verdicts(
    metrics: Sequence[Mapping[str, Any]], targets: Mapping[str, SlaTarget], k: int | None = None
) -> dict[str, SlaVerdict]:
    """:func:`sla_verdicts_across` on the ``sla`` sections of each replication's metrics."""
    statistics = {
        metric: [
            math.nan if m["sla"][metric]["observed_s"] is None else m["sla"][metric]["observed_s"]
            for m in metrics
        ]
        for metric in targets
    }
    return sla_verdicts_across(statistics, targets, k=k)


@dataclass(frozen=True)
class ThresholdVerdict:
    """The verdict on one threshold line from ``n`` replications.

    ``bound`` is the one-sided bound the rule compares with ``limit``: the upper bound for
    ``<`` and ``<=``, the lower bound for ``>`` and ``>=``. ``==`` passes only when every
    replication gave exactly ``limit`` (an interval of width zero at the limit); ``bound``
    is then the value farthest from it.
    """

    threshold: str
    figure: str
    op: str
    limit: float
    n: int
    k: int
    level: float
    mean: float
    half_width: float
    bound: float
    passed: bool
    basis: str = "replications"

    def to_dict(self) -> dict[str, Any]:
        """A plain dict (NaN and infinity left as floats; the JSON writer maps them)."""
        return asdict(self)


def lower_bound(values: ArrayLike, level: float) -> float:
    """One-sided lower confidence bound of the mean (the mirror of :func:`upper_bound`)."""
    return -upper_bound(-np.asarray(values, dtype=np.float64), level)


def threshold_verdict_across(
    line: str, figure: str, values: ArrayLike, k: int, alpha: float = FAMILY_ALPHA
) -> ThresholdVerdict:
    """The verdict on one threshold from its per-replication values (the rule above)."""
    threshold = parse_threshold(line)
    data = np.asarray(values, dtype=np.float64).ravel()
    level = _level(alpha, k)
    mean, half = _two_sided(data)
    op = threshold.op
    if op is Comparison.EQ:
        gaps = np.abs(data - threshold.limit)
        bound = float(data[int(np.nanargmax(gaps))]) if not np.isnan(gaps).all() else math.nan
        passed = bool(data.size >= 2 and (data == threshold.limit).all())
    else:
        bound = upper_bound(data, level) if op.bounded_above else lower_bound(data, level)
        passed = op.holds(bound, threshold.limit)
    return ThresholdVerdict(
        threshold=threshold.text,
        figure=figure,
        op=op.value,
        limit=threshold.limit,
        n=int(data.size),
        k=k,
        level=level,
        mean=mean,
        half_width=half,
        bound=bound,
        passed=passed,
    )


def replicated_threshold_verdicts(
    metrics: Sequence[Mapping[str, Any]], lines: Sequence[str], k: int | None = None
) -> dict[str, ThresholdVerdict]:
    """The verdict on each threshold line from its ``thresholds`` entry in every replication.

    ``k`` as in :func:`sla_verdicts_across` (default: the number of lines). A replication
    whose figure was unknown gives NaN, which fails the threshold.
    """
    k = len(lines) if k is None else k
    verdicts: dict[str, ThresholdVerdict] = {}
    for line in lines:
        text = parse_threshold(line).text
        entries = [m["thresholds"][text] for m in metrics]
        values = [math.nan if e["observed"] is None else e["observed"] for e in entries]
        figure = next((e["figure"] for e in entries if e["figure"]), "") or ""
        verdicts[text] = threshold_verdict_across(text, figure, values, k)
    return verdicts


def gate_names(scenario: Scenario) -> tuple[str, ...]:
    """A scenario's gates by the names their verdicts carry: SLA targets, then thresholds.

    A threshold line is named by its parsed text, as :func:`replicated_threshold_verdicts`
    keys it.
    """
    return (*scenario.slas, *(parse_threshold(line).text for line in scenario.thresholds))


def gate_count(scenario: Scenario) -> int:
    """How many gates share the family-wise alpha: SLA targets plus threshold lines."""
    return len(gate_names(scenario))
