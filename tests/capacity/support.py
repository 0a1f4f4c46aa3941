"""Small worlds for the capacity tests: a shrunk peak day with slow systems, so that a few
hundred orders saturate them, and a surge world for metastability."""

from __future__ import annotations

from pathlib import Path

from sim.scenario import Scenario, load_scenario

PEAK_DAY = Path(__file__).resolve().parents[2] / "scenarios" / "peak_day.yaml"

SHRUNK_PEAK_DAY = [
    "demand_days=1",
    "drain_days=0.5",
    "master_data.customers=150",
    "master_data.products=80",
    "demand.orders_per_business_day=40",
    # each order creation holds an ERP dialog work process for minutes, each pick release
    # the WMS's one release server: a few hundred orders a day saturate them
    "systems.erp.endpoints.create_order.service_time={kind: lognormal, mean: 400, cv: 0.5}",
    "systems.wms.release={service_time: {kind: lognormal, mean: 100, cv: 0.5}, concurrency: 1}",
    # callers wait as long as it takes: no timeouts, so no retries feed the queues
    "integration.timeouts.erp_create_s=36000",
    "integration.timeouts.wms_release_s=36000",
    "slas={order_creation_latency: {percentile: 95, max_s: 3600}}",
]
"""``--set`` overrides that shrink ``scenarios/peak_day.yaml`` (3x demand all day) to about
100 orders at multiplier 1."""

SURGE = [
    "demand_days=1",
    "drain_days=0",
    "master_data.customers=150",
    "master_data.products=80",
    "demand.orders_per_business_day=150",
    # a three-hour surge at ten times the rate, then the normal load of the day
    "demand.peaks=[{multiplier: 10.0, window: {start_h: 13, end_h: 16}}]",
    "systems.erp.endpoints.create_order.service_time={kind: lognormal, mean: 60, cv: 0.3}",
    "slas={order_creation_latency: {percentile: 95, max_s: 1800}}",
]
"""A surge that saturates the ERP's two dialog work processes for a few hours, then falls
back to a load they serve at about a tenth of their capacity."""

PATIENT = [
    "integration.timeouts.erp_create_s=3600",
    "integration.retry={max_attempts: 50, base_delay_s: 1, multiplier: 1, max_delay_s: 1, "
    "jitter: none, budget_ratio: null}",
    "integration.mechanisms.circuit_breaker=false",
]
"""The same callers as :data:`STORM`, waiting up to an hour: the surge's queue drains."""

STORM = [
    # callers give up after 150 s, well above a creation's 60 s at normal load, and retry
    # at once, without backoff, jitter, budget or breaker: during the surge the queue makes
    # every call time out, and each abandoned request is still served (wasted work)
    "integration.timeouts.erp_create_s=150",
    "integration.retry={max_attempts: 50, base_delay_s: 1, multiplier: 1, max_delay_s: 1, "
    "jitter: none, budget_ratio: null}",
    "integration.mechanisms.circuit_breaker=false",
]
"""What turns the surge world into a metastable one."""


def scenario(*overrides: str) -> Scenario:
    """``scenarios/peak_day.yaml`` with ``overrides``."""
    return load_scenario(PEAK_DAY, list(overrides))
