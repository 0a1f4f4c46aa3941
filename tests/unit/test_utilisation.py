"""Resource utilisation and queues from a hand-written history with known answers."""

from __future__ import annotations

import pytest

from sim.history_frame import history_frame
from sim.utilisation import resource_utilisation
from tests.helpers import Writer

HOUR = 3600.0


def _history() -> Writer:
    w = Writer()
    w(0.0, "pool.declared", value=2.0, actor="pool:erp.dialog")
    w(0.0, "pool.member", status="erp.dialog", value=16.0, actor="endpoint:erp.create_order")
    w(0.0, "pool.member", status="erp.dialog", value=16.0, actor="endpoint:erp.simulate_order")
    w(0.0, "pool.declared", value=4.0, actor="pool:crm.api")
    w(0.0, "pool.member", status="crm.api", value=4.0, actor="endpoint:crm.api")
    # erp.dialog: one create holds a process over [0, 1800] after no wait; a validation
    # waits [1800, 2400] and holds [2400, 4200]; a batch packet holds [3600, 5400]
    w(
        1800.0,
        "endpoint.call",
        status="ok",
        value=0.0,
        value2=1800.0,
        actor="endpoint:erp.create_order",
    )
    w(
        4200.0,
        "endpoint.call",
        status="ok",
        value=600.0,
        value2=1800.0,
        actor="endpoint:erp.simulate_order",
    )
    w(
        5400.0,
        "pool.work",
        status="allocation_run",
        value=0.0,
        value2=1800.0,
        actor="pool:erp.dialog",
    )
    # a refusal never held a server
    w(
        100.0,
        "endpoint.call",
        status="unavailable",
        value=0.5,
        value2=0.0,
        actor="endpoint:erp.create_order",
    )
    w(7200.0, "endpoint.call", status="ok", value=0.0, value2=0.0, actor="endpoint:crm.api")
    # a subscription of two consumers: message 5 delivered twice (held 300 s, then 60 s)
    w(0.0, "bus.subscribed", status="erp.events", value=2.0, actor="subscriber:crm")
    # message 5 waits on its partition over [40, 100]; message 6 is never taken: it waits
    # from 6000 to the end of the run
    w(40.0, "bus.published", subject=5, status="OrderAccepted", actor="topic:erp.events")
    w(6000.0, "bus.published", subject=6, status="OrderAccepted", actor="topic:erp.events")
    w(100.0, "bus.delivered", subject=5, actor="subscriber:crm")
    w(400.0, "bus.dropped", subject=5, actor="subscriber:crm")
    w(1000.0, "bus.delivered", subject=5, actor="subscriber:crm")
    w(1060.0, "bus.applied", subject=5, actor="subscriber:crm")
    return w


def test_busy_time_and_queue_per_resource_over_the_run() -> None:
    report = resource_utilisation(history_frame(_history().history), 2 * HOUR)
    dialog = report["erp.dialog"]
    assert dialog["servers"] == 2
    # busy: 1800 + 1800 + 1800 = 5400 s of 2 x 7200 s
    assert dialog["mean_utilisation"] == pytest.approx(5400 / (2 * 7200))
    # first hour: [0,1800] + [2400,3600] = 3000 s of 7200; second: [3600,4200]+[3600,5400]
    assert dialog["peak_hour_utilisation"] == pytest.approx(3000 / 7200)
    assert dialog["peak_hour_start_h"] == 0.0
    assert dialog["mean_queue"] == pytest.approx(600 / 7200)
    assert dialog["peak_hour_queue"] == pytest.approx(600 / 3600)
    assert report["crm.api"]["mean_utilisation"] == 0.0
    consumers = report["subscriber:crm"]
    assert consumers["servers"] == 2
    assert consumers["mean_utilisation"] == pytest.approx(360 / (2 * 7200))
    # its consumer lag: 60 s in the first hour, 1200 s in the second, request-seconds
    assert consumers["mean_queue"] == pytest.approx((60 + 1200) / 7200)
    assert consumers["peak_hour_queue"] == pytest.approx(1200 / 3600)


def test_a_history_without_declared_resources_reports_none() -> None:
    w = Writer()
    w(10.0, "endpoint.call", status="ok", value=0.0, value2=1.0, actor="endpoint:x")
    assert resource_utilisation(history_frame(w.history), 100.0) == {}
