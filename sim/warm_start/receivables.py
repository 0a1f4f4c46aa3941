"""Opening receivables: the open invoices a customer owes at time zero, and when each is paid.

A customer is billed at its expected rate: its order share times the orders of a calendar
day (the weekday factors' mean), one invoice per order, each of a lognormal net value
around the mean order value. An invoice posted ``a`` days before time zero and paid after
``D`` days of payment terms is still open at time zero when ``D > a``, and is paid at
``D - a``. Drawing the posting instants uniformly over a window longer than any term and
keeping the open ones is exactly the stationary state of that process (an M/G/infinity
system of open invoices), so the exposure neither ramps nor drains during the run.

Open orders (accepted before time zero, not shipped yet) are the same process shifted:
they are invoiced during the first ``open_order_days`` and paid after their terms, and
their value is in the exposure from time zero.

``D`` is the payment terms' draw ``k`` of the customer in the keyed stream
``erp.payment.opening`` (entity = the customer's position in the master data): the same
under every pattern. Posting instants and values come from ``workload.receivables``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine import Distribution
from sim.engine.calendar import DAY
from sim.engine.streams import keyed_units, stream_key
from sim.scenario.warm_start import WarmStart

__all__ = ["OpeningReceivables", "opening_receivables"]

_WINDOW_QUANTILE = 0.9999
"""Posting instants reach back to this quantile of the payment terms (older ones are paid)."""


@dataclass(frozen=True)
class OpeningReceivables:
    """Open items at time zero, one per invoice, and each customer's credit figures."""

    customer: np.ndarray
    """Position of the customer in the master data, per open item."""
    amount: np.ndarray
    """Net value of each open item."""
    paid_at: np.ndarray
    """Seconds after time zero at which the customer pays the item (sorted ascending)."""
    exposure: np.ndarray
    """Opening exposure per customer: the sum of its open items."""
    expected_exposure: np.ndarray
    """Per customer: billing rate x mean value x (mean terms + open-order days)."""


def opening_receivables(
    order_shares: np.ndarray,
    orders_per_day: float,
    mean_order_value: float,
    terms: Distribution,
    warm: WarmStart,
    rng: np.random.Generator,
    seed: int,
) -> OpeningReceivables:
    """Open items of every customer at time zero (:class:`OpeningReceivables`).

    ``order_shares`` are the customers' shares of orders (in master-data order),
    ``orders_per_day`` the expected orders of a calendar day, ``terms`` the ERP's payment
    terms in seconds.
    """
    shares = np.asarray(order_shares, dtype=float)
    rate = shares * orders_per_day  # invoices per calendar day and customer
    quantile = terms.quantile_function()
    window = float(quantile(_WINDOW_QUANTILE)) / DAY
    if not np.isfinite(window):
        raise ValueError("payment terms without a finite 99.99th percentile")
    ahead = warm.open_order_days if warm.warm_open_orders else 0.0
    counts = rng.poisson(rate * (window + ahead))
    total = int(counts.sum())
    customer = np.repeat(np.arange(len(shares)), counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    k = np.arange(total) - first + 1
    age = rng.uniform(-ahead, window, total) * DAY
    sigma2 = np.log1p(warm.invoice_value_cv**2)
    amount = np.round(
        rng.lognormal(np.log(mean_order_value) - sigma2 / 2, np.sqrt(sigma2), total), 2
    )
    units = keyed_units(stream_key(seed, "erp.payment.opening"), customer, k)
    delay = np.fromiter((quantile(float(u)) for u in units), dtype=float, count=total)
    open_ = delay > age
    paid_at = delay[open_] - age[open_]
    order = np.argsort(paid_at, kind="stable")
    customer, amount, paid_at = customer[open_][order], amount[open_][order], paid_at[order]
    exposure = np.bincount(customer, weights=amount, minlength=len(shares))
    expected = rate * mean_order_value * (terms.mean_value / DAY + ahead)
    return OpeningReceivables(customer, amount, paid_at, np.round(exposure, 2), expected)
