"""Outage: an endpoint, a system, the broker, a subscription's consumers or a worker pool.

To callers of a down endpoint an outage looks like what real clients see (``mode``): a
connection error after the endpoint's ``refusal_s`` (``refused``), or silence until their
own timeout (``timeout``). A down broker holds publications in the producers' outboxes and
delivers nothing; down consumers stop taking copies, which wait on their partitions; a
down worker pool (``workers:ipaas.flows``) starts no new work, which waits in its queue.
"""

from __future__ import annotations

from typing import Any, Literal

from sim.engine import Endpoint
from sim.faults.registry import FaultKind, register
from sim.faults.spec import FaultSpec
from sim.faults.timeline import FaultWindow
from sim.integration.blocks import WorkerPool
from sim.integration.messaging import MessageBus

__all__ = ["OutageFault", "OUTAGE"]


class OutageFault(FaultSpec):
    """A system, endpoint, the broker (``bus``) or consumers (``subscriber:<name>``) down."""

    kind: Literal["outage"] = "outage"
    mode: Literal["refused", "timeout"] = "refused"


def _apply(seam: Any, active: list[FaultWindow], _state: dict[str, Any]) -> None:
    if isinstance(seam, Endpoint):
        mode = active[-1].params.get("mode", "refused") if active else seam.outage_mode
        seam.set_available(not active, "timeout" if mode == "timeout" else "refused")
    elif isinstance(seam, MessageBus | WorkerPool):
        seam.set_available(not active)
    else:  # (bus, subscription name): the subscription's consumers
        bus, name = seam
        bus.set_paused(name, bool(active))


OUTAGE = register(
    FaultKind("outage", OutageFault, ("endpoint", "bus", "subscriber", "workers"), _apply)
)
