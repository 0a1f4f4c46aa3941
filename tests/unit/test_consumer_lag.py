"""A bus subscription's queue is its consumer lag: copies owed and not yet taken, per hour.

A hand-written history with a known answer, a bus whose subscriber is down or slow for an
hour, and a small world whose CRM status sync is down for two hours.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import Any

import numpy as np
import pytest

from sim.consumer_lag import lag_spans
from sim.engine import Constant, RunEnvironment
from sim.faults import FaultRunner, FaultSeams, FaultTimeline, FaultWindow, fault_kind
from sim.history_frame import history_frame, history_table
from sim.integration.canonical import Envelope
from sim.integration.messaging import BusSettings, MessageBus, Outcome
from sim.utilisation import hourly_resources
from tests.faults.support import run_small
from tests.helpers import Writer

HOUR = 3600.0
TOPIC = "erp.order-events"
LATENCY = 0.5


def _written() -> Writer:
    w = Writer()
    w(0.0, "bus.subscribed", status=TOPIC, value=1.0, actor="subscriber:crm")
    w(0.0, "bus.subscribed", status=TOPIC, value=1.0, actor="subscriber:router")
    # the router takes only OrderAccepted messages
    w(0.0, "bus.subscription_filter", status="OrderAccepted", actor="subscriber:router")
    w(1000.0, "bus.published", subject=1, status="OrderAccepted", actor=f"topic:{TOPIC}")
    w(2000.0, "bus.published", subject=2, status="OrderHeld", actor=f"topic:{TOPIC}")
    w(6000.0, "bus.published", subject=3, status="OrderAccepted", actor=f"topic:{TOPIC}")
    # crm: 1 waits [1000, 4600] (across the hour), is redelivered later (not a wait on the
    # partition); 2 waits [2000, 2100]; 3 is never taken: it waits until the end, 7200
    w(4600.0, "bus.delivered", subject=1, value=1.0, actor="subscriber:crm")
    w(4700.0, "bus.redelivered", subject=1, actor="subscriber:crm")
    w(5000.0, "bus.delivered", subject=1, value=2.0, actor="subscriber:crm")
    w(2100.0, "bus.delivered", subject=2, value=1.0, actor="subscriber:crm")
    # router: 1 waits [1000, 1010]; 3 waits [6000, 6600]; 2 was never owed
    w(1010.0, "bus.delivered", subject=1, value=1.0, actor="subscriber:router")
    w(6600.0, "bus.delivered", subject=3, value=1.0, actor="subscriber:router")
    return w


def test_each_owed_copy_waits_from_publication_to_its_first_delivery_or_the_end() -> None:
    history = _written().history
    for frame in (history_frame(history), history_table(history)):
        spans = lag_spans(frame).sort_values(["subscription", "published"])
        assert list(spans["subscription"]) == ["subscriber:crm"] * 3 + ["subscriber:router"] * 2
        assert list(spans["published"]) == [1000.0, 2000.0, 6000.0, 1000.0, 6000.0]
        taken = spans["taken"].to_numpy()
        assert taken[[0, 1, 3, 4]] == pytest.approx([4600.0, 2100.0, 1010.0, 6600.0])
        assert np.isnan(taken[2])  # never delivered
        hourly = hourly_resources(frame, 2 * HOUR)
        # crm, hour 0: [1000, 3600] + [2000, 2100]; hour 1: [3600, 4600] + [6000, 7200]
        assert hourly.queue["subscriber:crm"] == pytest.approx([2700.0, 2200.0])
        assert hourly.mean_queue("subscriber:crm") == pytest.approx([0.75, 2200 / HOUR])
        assert hourly.queue["subscriber:router"] == pytest.approx([10.0, 600.0])


def _window(kind: str, target: str, start_s: float, end_s: float, **params: Any) -> FaultWindow:
    spec = fault_kind(kind).spec.model_validate({"kind": kind, "target": target, **params})
    return FaultWindow(kind=kind, target=target, start_s=start_s, end_s=end_s, params=spec.params())


def _bus_lag(windows: Sequence[FaultWindow], hours: int = 4) -> dict[str, np.ndarray]:
    """Each subscription's mean number of copies waiting per hour: a message a minute, one
    partition each, consumers that take a tenth of a second a copy."""
    run = RunEnvironment(1)
    bus = MessageBus(run, BusSettings(delivery_latency=Constant(value=LATENCY)))

    def handle(envelope: Envelope) -> Generator[Any, Any, Outcome]:
        yield run.sim.timeout(0.1)
        return Outcome.APPLIED

    for name in ("crm-status-sync", "fulfilment-router"):
        bus.subscribe(TOPIC, name, handle)

    def producer() -> Generator[Any, Any, None]:
        for sequence in range(1, 60 * hours + 1):
            yield run.sim.timeout(60.0)
            payload = {"order_ref": 1, "status": "CONFIRMED"}
            envelope = Envelope(
                message_id=f"m-{sequence}",
                type="OrderStatusChanged",
                correlation_id="O1",
                source="erp",
                occurred_at=run.now,
                sent_at=run.now,
                sequence=sequence,
                payload=payload,
            )
            bus.publish(TOPIC, envelope, 1)

    run.sim.process(producer())
    FaultRunner(run, FaultTimeline(windows=tuple(windows)), FaultSeams({}, bus)).start()
    run.sim.run(until=hours * HOUR)
    hourly = hourly_resources(history_table(run.history), hours * HOUR)
    return {name: hourly.mean_queue(name) for name in hourly.servers}


def test_a_subscriber_outage_builds_its_lag_only_while_it_lasts() -> None:
    down = "subscriber:crm-status-sync"
    lag = _bus_lag([_window("outage", down, HOUR, 2 * HOUR)])
    # a copy a minute piles up for the hour: about 30 copies waiting on average
    assert 25 < lag[down][1] < 35
    # outside the hour only the broker's half-second latency: 60 copies x 0.5 s per hour
    assert lag[down][[0, 3]] == pytest.approx([60 * LATENCY / HOUR] * 2, rel=0.05)
    assert lag[down][2] < 0.1  # the pile drains in six seconds
    assert lag["subscriber:fulfilment-router"].max() < 0.05  # the other subscription is unaffected


def test_a_slow_consumer_lets_copies_queue_behind_it() -> None:
    slow = "subscriber:crm-status-sync"
    lag = _bus_lag([_window("slow_consumer", slow, HOUR, 2 * HOUR, extra_s=119.9)])
    # 120 s a copy against a copy a minute: the queue grows by half a copy a minute
    assert lag[slow][1] > 5
    assert lag[slow][0] < 0.05
    assert lag[slow][1] > 10 * lag["subscriber:fulfilment-router"][1]


def test_a_small_world_reports_the_lag_of_a_subscription_that_is_down() -> None:
    down = "subscriber:crm-status-sync"
    result = run_small(
        f"faults=[{{kind: outage, target: '{down}', windows: [{{start_h: 8, end_h: 10}}]}}]"
    )
    queue = result.metrics["resource_hourly"]["queue"]
    lag = np.asarray(queue[down])
    # the morning's status changes wait on the partition: a dozen copies and more
    assert lag[[8, 9]].min() > 10
    # outside the outage and its drain, copies wait for the broker's latency and for a
    # burst of status changes ahead of them: seconds, a tenth of a copy at most
    outside = np.r_[lag[:8], lag[11:]]
    assert outside.max() < 0.1 and outside.mean() < 0.01
    assert np.asarray(queue["subscriber:fulfilment-router"])[[8, 9]].max() < 0.05
    resources = result.metrics["resources"][down]
    assert resources["peak_hour_queue"] == pytest.approx(lag.max(), rel=1e-3)
