"""On a 5x day the integration path saturates, not only the pickers, and the run reports it.

A scaled-down baseline: one business day of 300 orders on one ERP dialog work process
(the baseline's two serve 2,200 orders a day), against the same world with five times the
orders. Batch jobs take no dialog work processes here, so the pool's load is the orders'
alone. The run's ``resources`` section reports the pool.
"""

from __future__ import annotations

from typing import Any

from sim.run import execute
from sim.scenario import Scenario


def _day(orders: int, shared: bool = True) -> dict[str, Any]:
    scenario = Scenario.model_validate(
        {
            "name": "capacity",
            "demand_days": 1,
            "drain_days": 0.5,
            # every channel through synchronous creation: EDI orders would wait for their
            # 15-minute IDoc inbound run whatever the load
            "demand": {
                "orders_per_business_day": orders,
                "entry": {"edi": "crm_quote", "web_shop": "crm_quote"},
            },
            "master_data": {"customers": 150, "products": 80},
            "systems": {
                "erp": {"work_processes": {"dialog": 1, "batch_packets": 0, "shared": shared}}
            },
        }
    )
    metrics: dict[str, Any] = execute(scenario, seed=3).metrics
    return metrics


def test_a_5x_day_drives_the_erp_work_processes_towards_saturation() -> None:
    normal, peak = _day(300), _day(1500)
    quiet, busy = normal["resources"]["erp.dialog"], peak["resources"]["erp.dialog"]
    # periodic extracts and polls load the pool whatever the volume, so it is not 5x
    assert busy["mean_utilisation"] > 2 * quiet["mean_utilisation"]
    assert busy["peak_hour_utilisation"] > 3 * quiet["peak_hour_utilisation"]
    assert busy["mean_queue"] > 4 * quiet["mean_queue"]
    creation = "order_creation_latency"
    assert peak["latency_s"][creation]["p95"] > 1.3 * normal["latency_s"][creation]["p95"]


def test_without_the_shared_pool_no_erp_work_process_pool_is_reported() -> None:
    resources = _day(300, shared=False)["resources"]
    assert "erp.dialog" not in resources
    assert "erp.create_order" in resources  # each API reports its own servers
