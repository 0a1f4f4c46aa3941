"""How much work a scenario asks for, estimated before a run, and the ceiling on it.

Two guards stand between a scenario file and a simulation that would never finish or would
exhaust the machine:

* :func:`~sim.scenario.limits.limit_problems` (called by
  :func:`~sim.scenario.load_scenario`) refuses numbers that overflow or loop before any
  budget applies.
* :func:`estimate_work` estimates orders, order lines, history rows and peak process
  memory from the scenario alone, and :func:`check_work` refuses a scenario whose estimate
  is above a memory ceiling (:data:`DEFAULT_MAX_MEMORY_GIB`, or the
  ``O2CSIM_MAX_MEMORY_GIB`` environment variable, or ``--max-memory-gib``).

The constants below were measured on 2026-11-27 at commit cbeea9c on the 2-core, 24 GiB
development machine (peak RSS from ``resource.getrusage``, over ``sim.run.execute`` plus
writing the outputs). They are estimates for refusing the absurd, not a promise: a run
within the ceiling may still use somewhat more or less.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.engine.calendar import DAY, HOUR, WEEK
from sim.scenario.ceiling import DEFAULT_MAX_MEMORY_GIB, MAX_MEMORY_ENV
from sim.scenario.explain import explain, set_by
from sim.scenario.limits import MAX_HORIZON_DAYS, limit_problems, number_text
from sim.scenario.loading import ScenarioError
from sim.scenario.model import Scenario

__all__ = [
    "BYTES_PER_HISTORY_ROW",
    "DEFAULT_MAX_MEMORY_GIB",
    "MAX_MEMORY_ENV",
    "ROWS_PER_ORDER",
    "ScenarioTooLargeError",
    "WorkEstimate",
    "check_work",
    "estimate_work",
]

GIB = 1024**3

ROWS_PER_ORDER = 94.0
"""History rows per order, all steps from quote to invoice. Measured 2026-11-27:
baseline.yaml (11,070 orders) 919,595 rows before every bus copy became a row (83.1 per
order with idle rows, 81.8 without), 1,024,836 after (92.6 per order with idle rows);
one demand day and six drain days 80.3 before, without idle rows; 88 to 100 with 1 to 20
lines per order before. Rounded up to 94. Faults add rows (retries, refusals, copies)."""

IDLE_ROWS_PER_DAY = 756.0
"""History rows per simulated day with no orders at all (ATP extracts, allocation runs,
polls): 4,712 rows over 2 days and 13,768 over 14 days with zero orders, less stock rows."""

BYTES_PER_HISTORY_ROW = 320.0
"""Peak process memory per history row: the columnar history (38 bytes) plus the live
objects of orders in flight, the metrics frame and the Parquet writer. Measured 284 bytes
per row on baseline.yaml (404 MiB peak against 159 MiB with no orders) and 313 on a
one-demand-day run; 320 per the benchmark notes in README.md."""

BYTES_PER_ORDER_LINE = 200.0
"""Peak memory per order line beyond the rows: ~170 bytes measured (plan arrays, quote and
ERP line objects) with 1,198 orders of ~175 lines each."""

BYTES_PER_CUSTOMER = 1200.0
"""Per customer: Faker name, CRM account, ERP customer (+112 MiB for 100,000)."""

BYTES_PER_PRODUCT = 1000.0
"""Per product, besides its stock rows: material, CRM price, popularity (+95 MiB for
100,000 products beyond their 400,000 stock rows)."""

BYTES_PER_CONTRACT_PRICE = 250.0
"""Per contract price, held by both CRM and ERP (+28 MiB for 120,000)."""

BYTES_PER_PICKER = 1000.0
"""Per warehouse picker, a SimPy process (+94 MiB for 100,000)."""

BYTES_PER_WORKER = 2500.0
"""Per integration partition or scan worker: a mailbox and consumer process (+243 MiB for
100,000)."""

BASE_BYTES = 160.0 * 1024**2
"""The process itself with an empty world: 150 to 159 MiB peak with zero orders."""


class ScenarioTooLargeError(ScenarioError):
    """A valid scenario whose estimated work is above the memory ceiling."""


@dataclass(frozen=True)
class WorkEstimate:
    """What a run of a scenario is expected to cost, before it starts.

    ``orders`` and ``order_lines`` follow the arrival process of :mod:`sim.workload`
    (expected values, not a draw); ``history_rows`` uses :data:`ROWS_PER_ORDER` and
    :data:`IDLE_ROWS_PER_DAY`; ``memory_bytes`` is the expected peak process memory.
    ``parts`` says what drives the memory: ``(fields, what, bytes)`` with the scenario
    fields of each part, what they amount to in words, and the bytes, largest first.
    Values may be ``inf`` for absurd scenarios.
    """

    orders: float
    order_lines: float
    history_rows: float
    memory_bytes: float
    horizon_days: float
    business_days: float
    parts: tuple[tuple[str, str, float], ...]

    @property
    def memory_gib(self) -> float:
        """``memory_bytes`` in GiB."""
        return self.memory_bytes / GIB


# --- limits on single numbers -------------------------------------------------------------


# --- the estimate ---------------------------------------------------------------------------


def _expected_lines(mean: float, cap: float) -> float:
    """E[min(G, cap)] for the geometric line count G with mean ``mean`` (support 1, 2, ...)."""
    p = 1.0 / mean
    if p >= 1.0:
        return 1.0
    # sum_{k=0}^{cap-1} (1 - p)^k
    return -math.expm1(cap * math.log1p(-p)) / p


def _weights(scenario: Scenario) -> np.ndarray:
    """Each hour's share of a day's orders."""
    weights = np.asarray(scenario.demand.hourly_weights, dtype=float)
    shares: np.ndarray = weights / weights.sum()
    return shares


def _business_days(scenario: Scenario) -> tuple[float, float]:
    """(demand in business days without peaks, with peaks), as :mod:`sim.workload` draws it.

    One business day is ``orders_per_business_day`` orders. The arrival rate is the daily
    volume times the weekday factor times the hour's share, constant on each hour and
    multiplied inside peak windows (at the midpoint of each piece), as in
    ``Workload._segments``.
    """
    demand = scenario.demand
    end = scenario.demand_days * DAY
    factors = np.asarray(demand.weekday_factors, dtype=float)
    if not math.isfinite(end) or scenario.demand_days > MAX_HORIZON_DAYS + 7:
        # absurd lengths (refused anyway): the weekly average, peaks added on top
        base = scenario.demand_days * float(factors.sum()) / 7
        daily = float(factors.mean())
        extra = sum(
            daily
            * max(0.0, min(p.window.end_h, scenario.demand_days * 24) - p.window.start_h)
            / 24
            * (p.multiplier - 1)
            for p in demand.peaks
        )
        return base, base + extra
    with np.errstate(all="ignore"):  # absurd factors and peaks give inf, never a warning
        return _hourly_business_days(scenario, end, factors)


def _hourly_business_days(
    scenario: Scenario, end: float, factors: np.ndarray
) -> tuple[float, float]:
    """:func:`_business_days` piece by piece: hours, cut at the edges of peak windows."""
    demand = scenario.demand
    start = scenario.start
    midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
    offset = (start - midnight).total_seconds() + start.weekday() * DAY
    hours = math.ceil(end / HOUR)
    t = np.arange(hours, dtype=float) * HOUR
    week_s = (t + offset) % WEEK
    weekday = (week_s // DAY).astype(int)
    hour_of_day = ((week_s % DAY) / HOUR).astype(int)
    per_hour = factors[weekday] * _weights(scenario)[hour_of_day]  # business days per hour
    edges = [t[t < end], np.array([0.0, end])]
    for peak in demand.peaks:
        edges.append(np.minimum(end, np.array([peak.window.start_h, peak.window.end_h]) * HOUR))
    cuts = np.unique(np.concatenate(edges))
    a, b = cuts[:-1], cuts[1:]
    rate = per_hour[np.minimum((a // HOUR).astype(int), hours - 1)] / HOUR
    mid_h = (a + b) / 2 / HOUR
    log_mult = np.zeros(len(a) + 1)  # log of the peak multiplier, as a difference array
    for peak in demand.peaks:
        lo = np.searchsorted(mid_h, peak.window.start_h, side="left")
        hi = np.searchsorted(mid_h, peak.window.end_h, side="left")
        log_mult[lo] += math.log(peak.multiplier)
        log_mult[hi] -= math.log(peak.multiplier)
    multiplier = np.exp(np.cumsum(log_mult)[:-1])
    return float(np.sum(rate * (b - a))), float(np.sum(rate * (b - a) * multiplier))


def _float(value: float) -> float:
    """``float(value)``, or ``inf`` for an integer too large for a float."""
    try:
        return float(value)
    except OverflowError:
        return math.inf


def _times(count: float, amount: float) -> float:
    """``count * amount`` that is 0 when either is 0 and never NaN."""
    if count == 0 or amount == 0:
        return 0.0
    product = count * amount
    return math.inf if math.isnan(product) else product


def estimate_work(scenario: Scenario) -> WorkEstimate:
    """Expected orders, order lines, history rows and peak memory of a run of ``scenario``.

    Quick (no world is built) and never raises for a validated scenario: values too large
    to represent come out as ``inf``. See the module constants for what each term counts
    and when it was measured.
    """
    demand, master = scenario.demand, scenario.master_data
    horizon_days = scenario.demand_days + scenario.drain_days
    base_days, peaked_days = _business_days(scenario)
    orders = _times(demand.orders_per_business_day, peaked_days)
    per_order = _expected_lines(demand.lines_per_order_mean, _float(demand.max_lines_per_order))
    lines = _times(orders, per_order)
    products, customers = _float(master.products), _float(master.customers)
    stock_rows = products * len(scenario.sites)
    idle_rows = IDLE_ROWS_PER_DAY * horizon_days
    order_rows = _times(orders, ROWS_PER_ORDER)
    rows = order_rows + idle_rows + stock_rows
    contract_prices = _times(
        customers * master.contract_customer_share,
        min(_float(master.contract_products), products),
    )
    pickers = {name: _float(site.staffing.pickers) for name, site in scenario.sites.items()}
    workers = {
        name: _float(getattr(scenario.integration, name, 0))
        for name in ("status_sync_partitions", "fulfilment_partitions", "scan_workers")
    }
    drivers = ["demand.orders_per_business_day", "demand_days"]
    if peaked_days > base_days * 1.01:
        drivers.append("demand.peaks")
    if max(demand.weekday_factors) > 2:
        drivers.append("demand.weekday_factors")
    total_pickers = sum(pickers.values())
    busiest_site = max(pickers, key=lambda name: pickers[name]) if pickers else ""
    total_workers = sum(workers.values())
    busiest_worker = max(workers, key=lambda name: workers[name])
    peaks = ", with peaks" if "demand.peaks" in drivers else ""
    parts = [
        (
            ", ".join(drivers),
            f"{_about(orders)} orders ({number_text(demand.orders_per_business_day)} per "
            f"business day over {_amount(base_days)} business days in "
            f"{number_text(scenario.demand_days)} demand days{peaks}) and "
            f"{_about(order_rows)} history rows at {ROWS_PER_ORDER:g} per order",
            _times(order_rows, BYTES_PER_HISTORY_ROW),
        ),
        (
            "demand.lines_per_order_mean, demand.max_lines_per_order",
            f"{_about(lines)} order lines ({_amount(per_order)} per order)",
            _times(lines, BYTES_PER_ORDER_LINE),
        ),
        (
            "demand_days, drain_days",
            f"{_amount(horizon_days)} simulated days of background activity "
            f"({_about(idle_rows)} history rows)",
            idle_rows * BYTES_PER_HISTORY_ROW,
        ),
        (
            "master_data.products",
            f"{_amount(products)} products stocked at {len(scenario.sites)} sites",
            products * BYTES_PER_PRODUCT + stock_rows * BYTES_PER_HISTORY_ROW,
        ),
        (
            "master_data.customers",
            f"{_amount(customers)} customers",
            customers * BYTES_PER_CUSTOMER,
        ),
        (
            "master_data.contract_products, master_data.contract_customer_share",
            f"{_about(contract_prices)} contract prices",
            contract_prices * BYTES_PER_CONTRACT_PRICE,
        ),
        (
            f"sites.{busiest_site}.staffing.pickers",
            f"{_amount(total_pickers)} pickers over {len(pickers)} sites",
            total_pickers * BYTES_PER_PICKER,
        ),
        (
            f"integration.{busiest_worker}",
            f"{_amount(total_workers)} partitions and scan workers",
            total_workers * BYTES_PER_WORKER,
        ),
    ]
    parts.sort(key=lambda part: part[2], reverse=True)
    return WorkEstimate(
        orders=orders,
        order_lines=lines,
        history_rows=rows,
        memory_bytes=BASE_BYTES + sum(size for _, _, size in parts),
        horizon_days=horizon_days,
        business_days=base_days,
        parts=tuple(parts),
    )


def _amount(value: float) -> str:
    """A count for a message: ``11,100``, ``5.5e+09``, ``4.5`` or ``more than 1e308``."""
    if not math.isfinite(value):
        return "more than 1e308"
    if value < 100 and not float(value).is_integer():
        return f"{value:.3g}"
    return f"{value:,.0f}" if value < 1e7 else f"{value:.2g}"


def _about(value: float) -> str:
    """``about 11,100``, or ``more than 1e308`` for an overflow."""
    return f"about {_amount(value)}" if math.isfinite(value) else _amount(value)


def _gib(value: float) -> str:
    """Bytes in GiB for a message: ``0.4 GiB``, ``1,267 GiB``, ``1.3e+05 GiB``."""
    if not math.isfinite(value):
        return "more than 1e308 GiB"
    gib = value / GIB
    if gib < 100:
        return f"{gib:.1f} GiB"
    return f"{gib:,.0f} GiB" if gib < 1e6 else f"{gib:.2g} GiB"


def describe(estimate: WorkEstimate) -> str:
    """One line for ``validate``: orders, rows and memory."""
    return (
        f"about {_amount(estimate.orders)} orders, {_amount(estimate.history_rows)} history "
        f"rows and {_gib(estimate.memory_bytes)} of memory estimated"
    )


def check_work(
    scenario: Scenario,
    max_memory_gib: float = DEFAULT_MAX_MEMORY_GIB,
    source: str = "scenario",
    overrides: list[str] | None = None,
) -> WorkEstimate:
    """Estimate the work of ``scenario`` and refuse it when it is out of bounds.

    Raises :class:`ScenarioError` for a number beyond :func:`limit_problems`, and
    :class:`ScenarioTooLargeError` when the estimated memory exceeds ``max_memory_gib``;
    messages start with ``source`` (the file) and name the fields to change. Returns the
    estimate otherwise.
    """
    beyond = limit_problems(scenario)
    if beyond:
        raise ScenarioError(explain(source, None, beyond, overrides))
    estimate = estimate_work(scenario)
    if math.isfinite(estimate.memory_bytes) and estimate.memory_bytes <= max_memory_gib * GIB:
        return estimate
    lines = [
        f"{source}: too large to run: {_about(estimate.memory_bytes / GIB)} GiB of memory "
        f"estimated, above the ceiling of {max_memory_gib:g} GiB"
    ]
    total = estimate.memory_bytes
    shown = [p for p in estimate.parts if p[2] >= 0.1 * total or not math.isfinite(p[2])][:3]
    for fields, what, size in shown or estimate.parts[:1]:
        origin = next((o for o in (set_by(f, overrides) for f in fields.split(", ")) if o), "")
        lines.append(f"  {fields}: {what}: {_gib(size)}{origin}")
    lines.append(
        f"  lower these values, or raise the ceiling with --max-memory-gib or {MAX_MEMORY_ENV} "
        f"(default {DEFAULT_MAX_MEMORY_GIB:g} GiB)"
    )
    raise ScenarioTooLargeError("\n".join(lines))
