"""Heterogeneous customers and the calibration of the mean order value.

* **Order shares**: a few large accounts place a large share of the orders. Shares are
  lognormal (``master_data.order_share_sigma``; 0 gives every customer the same share).
* **Credit limits sized to volume**: a customer's limit scales with its share, at the same
  mean, so a large account is not held for credit simply for being large.
* **Larger orders from larger accounts**: a customer's mean lines per order grows with its
  share (``demand.lines_per_order_elasticity``), normalised so that the order-weighted
  mean stays ``demand.lines_per_order_mean``.
* **Mean order value**: list prices are scaled so the expected order value at list price
  is ``demand.mean_order_value`` (unless ``master_data.list_price_mean`` is set).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtr

from sim.scenario import Demand, MasterData

__all__ = [
    "customer_line_means",
    "expected_lines",
    "expected_order_value",
    "expected_units_per_line",
    "order_shares",
    "scale_to_share",
    "unit_price_target",
]


def order_shares(spec: MasterData, rng: np.random.Generator) -> np.ndarray:
    """Each customer's share of orders (lognormal weights, normalised to add up to 1)."""
    n = spec.customers
    if spec.order_share_sigma <= 0:
        return np.full(n, 1.0 / n)
    weights = rng.lognormal(0.0, spec.order_share_sigma, n)
    shares: np.ndarray = weights / weights.sum()
    return shares


def scale_to_share(values: np.ndarray, shares: np.ndarray, elasticity: float) -> np.ndarray:
    """``values`` times (share / mean share) ** elasticity, rescaled to the same mean."""
    if elasticity == 0:
        return values
    relative = (shares * len(shares)) ** elasticity
    scaled = values * relative
    result: np.ndarray = scaled * values.sum() / scaled.sum()
    return result


def expected_lines(means: np.ndarray, cap: int) -> np.ndarray:
    """E[min(G, cap)] for geometric line counts G with ``means`` (support 1, 2, ...)."""
    p = 1.0 / means
    result: np.ndarray = -np.expm1(cap * np.log1p(-np.minimum(p, 1 - 1e-12))) / p
    return np.where(p >= 1, 1.0, result)


def customer_line_means(demand: Demand, shares: np.ndarray) -> np.ndarray:
    """Each customer's mean lines per order (at least 1), order-weighted mean as configured."""
    mean = demand.lines_per_order_mean
    elasticity = demand.lines_per_order_elasticity
    if elasticity == 0:
        return np.full(len(shares), mean)
    relative = (shares * len(shares)) ** elasticity
    means: np.ndarray = np.maximum(1.0, mean * relative / float(shares @ relative))
    return means


def expected_units_per_line(mean: float, cv: float) -> float:
    """E[max(1, rint(X))] for the lognormal units per line X with ``mean`` and ``cv``."""
    sigma = math.sqrt(math.log1p(cv * cv))
    mu = math.log(mean) - sigma * sigma / 2
    k = np.arange(1, 200_000, dtype=float)
    tail = 1.0 - ndtr((np.log(k + 0.5) - mu) / sigma)  # P(rint(X) > k)
    return 1.0 + float(tail.sum())


def expected_order_value(demand: Demand, shares: np.ndarray, unit_price: float) -> float:
    """Expected order value at list price when a unit costs ``unit_price`` on average."""
    lines = float(
        shares @ expected_lines(customer_line_means(demand, shares), demand.max_lines_per_order)
    )
    return (
        lines
        * expected_units_per_line(demand.units_per_line_mean, demand.units_per_line_cv)
        * unit_price
    )


def unit_price_target(demand: Demand, shares: np.ndarray) -> float:
    """The popularity-weighted mean list price that gives ``demand.mean_order_value``."""
    return demand.mean_order_value / expected_order_value(demand, shares, 1.0)
