"""Output analysis: confidence intervals over replications and queueing-theory references.

Pure functions, numbers in and numbers out, used by experiments and by the validation suite:

- :func:`replication_interval` turns one summary number per independent replication (for
  example the mean queue wait of each run) into a Student-t :class:`ConfidenceInterval`.
- :func:`after_warmup` deletes the initial transient: it keeps only the observations whose
  arrival time falls in the measurement window, so a run that starts empty does not bias the
  estimate low.
- :func:`erlang_b`, :func:`erlang_c` and :func:`jackson_tandem_sojourn` give the exact
  steady-state answers for M/M/c stations and for M/M/c stations in tandem (Jackson's theorem,
  with Burke's output theorem making every stage see Poisson arrivals at the external rate).

Nothing here touches a simulation; the numbers may come from o2csim, from another simulator or
from a notebook.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

__all__ = [
    "ConfidenceInterval",
    "QueueMetrics",
    "TandemSojourn",
    "after_warmup",
    "erlang_b",
    "erlang_c",
    "jackson_tandem_sojourn",
    "replication_interval",
]


@dataclass(frozen=True, slots=True)
class ConfidenceInterval:
    """A two-sided confidence interval ``mean +- half_width`` built from ``n`` observations."""

    mean: float
    half_width: float
    low: float
    high: float
    n: int
    level: float

    def contains(self, x: float) -> bool:
        """True when ``x`` lies inside the closed interval ``[low, high]``."""
        return self.low <= x <= self.high

    def relative_error(self, x: float) -> float:
        """``|mean - x| / |x|``: how far the point estimate is from a reference value ``x``.

        Infinite when ``x`` is zero and the estimate is not.
        """
        if x == 0.0:
            return 0.0 if self.mean == 0.0 else math.inf
        return abs(self.mean - x) / abs(x)

    def agrees_with(self, x: float, rel_tol: float = 0.03) -> bool:
        """The validation pass rule: ``x`` is inside the interval or within ``rel_tol`` of it.

        The relative tolerance stops a very long (hence very narrow) interval from failing on a
        difference too small to matter; the interval stops a short, noisy run from failing on
        sampling error alone.
        """
        return self.contains(x) or self.relative_error(x) <= rel_tol

    def __str__(self) -> str:
        return (
            f"{self.mean:.6g} +- {self.half_width:.3g} "
            f"({100 * self.level:.4g}% CI [{self.low:.6g}, {self.high:.6g}], n={self.n})"
        )


def replication_interval(values: ArrayLike, level: float = 0.95) -> ConfidenceInterval:
    """Student-t confidence interval for the mean of independent replication summaries.

    ``values`` holds one number per replication (say, each run's mean queue wait). Runs with
    distinct seeds are independent, so the interval is
    ``mean +- t(1 - (1 - level) / 2, n - 1) * s / sqrt(n)`` with ``s`` the sample standard
    deviation (``ddof=1``). Individual observations *within* one run are autocorrelated and
    must not be passed here one by one: summarise each run first.

    Raises ``ValueError`` for fewer than two values, non-finite values, or a level outside
    (0, 1).
    """
    data = np.asarray(values, dtype=np.float64).ravel()
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level}")
    n = int(data.size)
    if n < 2:
        raise ValueError(f"need at least two replications for an interval, got {n}")
    if not np.all(np.isfinite(data)):
        raise ValueError("replication values must be finite")
    mean = float(data.mean())
    std_error = float(data.std(ddof=1)) / math.sqrt(n)
    multiplier = float(stats.t.ppf(0.5 + level / 2.0, n - 1))
    half = multiplier * std_error
    return ConfidenceInterval(
        mean=mean, half_width=half, low=mean - half, high=mean + half, n=n, level=level
    )


def after_warmup(
    arrivals: ArrayLike, values: ArrayLike, warmup: float, end: float = math.inf
) -> NDArray[np.float64]:
    """Warm-up deletion: the ``values`` whose arrival time lies in ``[warmup, end)``.

    ``arrivals[i]`` is the time observation ``i`` entered the system (for an endpoint call,
    completion time minus wait minus service time). Selecting by *arrival* rather than by
    completion keeps the measurement window free of the empty-start transient. To avoid a
    survivor bias at the other end, keep the run going until every arrival of the window has
    completed (endpoint rows are written at completion, so a call still in flight has none).
    """
    arr = np.asarray(arrivals, dtype=np.float64)
    vals = np.asarray(values, dtype=np.float64)
    if arr.shape != vals.shape:
        raise ValueError(f"arrivals {arr.shape} and values {vals.shape} differ in shape")
    if end < warmup:
        raise ValueError(f"window end {end} lies before the warm-up {warmup}")
    keep = (arr >= warmup) & (arr < end)
    return vals[keep]


class QueueMetrics(NamedTuple):
    """Steady-state means of one station.

    ``p_wait`` = P(an arrival waits), ``wq`` = mean wait in queue, ``lq`` = mean number
    waiting, ``w`` = mean sojourn (wait + service), ``l`` = mean number in the station.
    """

    p_wait: float
    wq: float
    lq: float
    w: float
    l: float  # noqa: E741 - L is the queueing-theory name


def erlang_b(c: int, offered_load: float) -> float:
    """Erlang B blocking probability for ``c`` servers and offered load ``a = lam / mu``.

    Uses the recursion ``B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1))``, which stays in [0, 1]
    at every step and so neither overflows nor cancels (unlike the textbook factorial sums).
    """
    if c < 1:
        raise ValueError(f"need at least one server, got {c}")
    if offered_load < 0:
        raise ValueError(f"offered load must be non-negative, got {offered_load}")
    b = 1.0
    for k in range(1, c + 1):
        b = offered_load * b / (k + offered_load * b)
    return b


def erlang_c(c: int, lam: float, mu: float) -> QueueMetrics:
    """Exact steady-state means of an M/M/c FIFO station (Erlang C).

    ``c`` servers, Poisson arrivals at rate ``lam``, exponential service at rate ``mu`` per
    server. With offered load ``a = lam / mu`` and utilisation ``rho = a / c < 1``::

        P(wait) = C = c B / (c - a (1 - B))     (B = Erlang B, computed stably)
        Wq = C / (c mu - lam)     Lq = lam Wq     W = Wq + 1 / mu     L = lam W

    Raises ``ValueError`` unless ``lam > 0``, ``mu > 0`` and ``rho < 1``.
    """
    if lam <= 0 or mu <= 0:
        raise ValueError(f"rates must be positive, got lam={lam}, mu={mu}")
    a = lam / mu
    if a >= c:
        raise ValueError(f"unstable station: utilisation lam / (c mu) = {a / c:.4g} >= 1")
    b = erlang_b(c, a)
    p_wait = c * b / (c - a * (1.0 - b))
    wq = p_wait / (c * mu - lam)
    w = wq + 1.0 / mu
    return QueueMetrics(p_wait=p_wait, wq=wq, lq=lam * wq, w=w, l=lam * w)


@dataclass(frozen=True, slots=True)
class TandemSojourn:
    """Product-form means of a tandem of M/M/c stages: per stage and end to end."""

    stages: tuple[QueueMetrics, ...]
    total: float
    """Mean end-to-end sojourn: the sum of the stage sojourns ``w``."""
    total_wait: float
    """Mean end-to-end time spent queueing: the sum of the stage waits ``wq``."""


def jackson_tandem_sojourn(lam: float, stages: Sequence[tuple[int, float]]) -> TandemSojourn:
    """Mean sojourn per stage and end to end for M/M/c stations in series.

    ``stages`` lists ``(servers, service_rate)`` per stage, in visiting order; every customer
    visits every stage once. By Burke's theorem the departures of a stable M/M/c station are
    Poisson at rate ``lam``, so (Jackson's theorem) each stage behaves in steady state as an
    independent M/M/c station fed at ``lam``; the end-to-end mean is the sum of stage means.
    """
    if not stages:
        raise ValueError("a tandem needs at least one stage")
    metrics = tuple(erlang_c(servers, lam, rate) for servers, rate in stages)
    return TandemSojourn(
        stages=metrics,
        total=math.fsum(m.w for m in metrics),
        total_wait=math.fsum(m.wq for m in metrics),
    )
