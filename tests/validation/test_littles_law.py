"""Little's law (L = lambda W) on ordinary scenario runs, within 1%.

For every endpoint, L is the time-average number of requests waiting and in service as the
endpoint's own monitor integrated it while the run went on; lambda and W come from the
history's ``endpoint.call`` rows (arrival = time - wait - service). The WMS pick queues are
checked the same way: L from the WMS's own backlog monitor (released and not yet started),
W from each task's release-to-start time in the history. The run drains (demand stops well
before the horizon), so the law holds over the whole horizon.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine import CALL_EVENT, History
from sim.scenario import Scenario
from sim.world import World, build_world

pytestmark = pytest.mark.validation

TOLERANCE = 0.01


def _drained_world(seed: int) -> World:
    scenario = Scenario.model_validate(
        {
            "name": "little",
            "demand_days": 2,
            "drain_days": 12,
            "demand": {"orders_per_business_day": 900},
            "master_data": {"customers": 300, "products": 150},
            # two servers on the ERP delivery API so carrier-scan batches make it queue
            "systems": {"erp": {"endpoints": {"delivery_update": {"concurrency": 2}}}},
        }
    )
    world = build_world(scenario, seed)
    world.run.sim.run(until=world.horizon_s)
    return world


@pytest.fixture(scope="module")
def world() -> World:
    return _drained_world(seed=17)


def _served_calls(history: History, endpoint: str) -> tuple[np.ndarray, np.ndarray]:
    cols = history.columns()
    event = history.events.find(CALL_EVENT)
    actor = history.actors.find(f"endpoint:{endpoint}")
    ok = history.statuses.find("ok")
    mask = (cols["event"] == event) & (cols["actor"] == actor) & (cols["status"] == ok)
    return cols["value"][mask], cols["value2"][mask]


def test_littles_law_holds_for_every_endpoint(world: World) -> None:
    horizon = world.horizon_s
    endpoints = [
        ep
        for system in (world.crm, world.erp, world.wms, world.carrier)
        for ep in system.endpoints.values()
    ]
    checked = queued = 0
    for endpoint in endpoints:
        waits, services = _served_calls(world.run.history, endpoint.name)
        if waits.size <= 100:  # maintenance and read-back APIs a fault-free run barely uses
            continue
        checked += 1
        waiting, in_service = endpoint.monitor.mean_counts(horizon)
        lam = waits.size / horizon
        queue_lambda_w = lam * waits.mean()
        system_lambda_w = lam * (waits + services).mean()
        assert waiting + in_service == pytest.approx(system_lambda_w, rel=TOLERANCE), endpoint.name
        if waits.mean() > 1e-3:
            assert waiting == pytest.approx(queue_lambda_w, rel=TOLERANCE), endpoint.name
            queued += 1
    assert checked >= 7  # every operation of the order flow
    assert queued >= 1  # at least one endpoint queued, so Lq = lambda Wq was tested


def _pick_waits(history: History, site: str) -> np.ndarray:
    """Release-to-start time of every pick task at a site, from the history."""
    cols = history.columns()
    site_code = history.statuses.find(site)
    released = (cols["event"] == history.events.find("wms.pick_released")) & (
        cols["status"] == site_code
    )
    started = (cols["event"] == history.events.find("wms.pick_started")) & (
        cols["status"] == site_code
    )
    release_at = dict(zip(cols["subject"][released], cols["time"][released], strict=True))
    start_at = dict(zip(cols["subject"][started], cols["time"][started], strict=True))
    assert release_at.keys() == start_at.keys()
    return np.array([start_at[k] - release_at[k] for k in release_at])


def test_littles_law_holds_for_the_pick_queues(world: World) -> None:
    """L from the WMS's own backlog monitor; lambda and W from the history rows."""
    horizon = world.horizon_s
    for site in sorted(world.scenario.sites):
        waits = _pick_waits(world.run.history, site)
        queue_length = world.wms.pick_backlog[site].mean(horizon)
        lambda_w = waits.size / horizon * waits.mean()
        assert queue_length > 0.1, site
        assert queue_length == pytest.approx(lambda_w, rel=TOLERANCE), site


def test_a_monitor_that_misses_queue_time_is_caught() -> None:
    """Broken variant: an L that counts only requests in service violates L = lambda W."""
    world = _drained_world(seed=18)
    endpoint = world.erp.endpoints["delivery_update"]
    waits, services = _served_calls(world.run.history, endpoint.name)
    assert waits.mean() > 1.0  # scan batches make this endpoint queue
    _, in_service_only = endpoint.monitor.mean_counts(world.horizon_s)
    lambda_w = waits.size / world.horizon_s * (waits + services).mean()
    assert abs(in_service_only - lambda_w) / lambda_w > TOLERANCE
