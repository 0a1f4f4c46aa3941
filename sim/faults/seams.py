"""The named seams where faults are applied, and the targets a scenario may name.

Faults never enter the mock systems' business logic. They act on:

* an **Endpoint** (``erp.create_order``, or a whole system: ``erp``): availability,
  latency, errors, limits, lost responses;
* the **bus** (``bus`` for the broker, a topic such as ``erp.order-events``, or a
  subscription's consumers ``subscriber:crm-status-sync``);
* the integration's own **workers** (``workers:ipaas.flows``): a pattern's worker pool;
* a **feed** (``carrier.feed``: the carrier's scans on their way to the shipper);
* **deliveries** (``carrier.delivery``): the carrier's delivery attempts, through its
  operational seam, the way a closed dock, a bad address or a damaged parcel would fail
  one (the failed attempt, the new attempt and the return are the carrier's own logic);
* **master data** (``master_data``), through the systems' administrative seams, the way a
  data steward's change (or its absence) would land;
* an **event contract** (``erp``): the version of the schema a system emits;
* the **order desk** (``desk``): how many people work it.

:class:`FaultSeams` holds one run's seams. :func:`known_targets` lists every name a
scenario may aim at, from the systems' declared operations and every registered pattern's
topics and subscriptions; a fault aimed at a seam the running pattern lacks is recorded as
not applicable, not treated as an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from mock_systems.carrier import Carrier
from mock_systems.crm import Crm
from mock_systems.erp import Erp
from mock_systems.wms import Wms
from mock_systems.wms_receiving import RETURN_ADVICE
from sim.engine import Endpoint
from sim.integration.messaging import MessageBus
from sim.integration.patterns import pattern_class, pattern_names

__all__ = [
    "BROKER",
    "DELIVERY_TARGETS",
    "FEED_TARGETS",
    "MASTER_DATA",
    "FaultSeams",
    "MasterDataSeam",
    "SeamFamily",
    "known_targets",
]

SeamFamily = Literal[
    "endpoint",
    "bus",
    "subscriber",
    "workers",
    "feed",
    "delivery",
    "master_data",
    "contract",
    "desk",
]
"""Which kind of seam a fault kind acts on."""

BROKER = "bus"
"""The target naming the message broker itself."""

FEED_TARGETS = ("carrier.feed",)
"""Feeds a fault can act on."""

DELIVERY_TARGETS = ("carrier.delivery",)
"""Carriers whose delivery attempts a fault can fail."""

MASTER_DATA = "master_data"
"""The target naming the systems' master data (changed through their admin seams)."""

_SYSTEMS: dict[str, tuple[str, ...]] = {
    "crm": Crm.OPERATIONS,
    "erp": Erp.OPERATIONS + Erp.RETURN_OPERATIONS,
    "wms": (*Wms.OPERATIONS, *RETURN_ADVICE),
    "carrier": Carrier.OPERATIONS,
}


def known_targets(family: SeamFamily) -> set[str]:
    """Every target name of ``family`` that some system or registered pattern has."""
    if family == "endpoint":
        names = set(_SYSTEMS)
        names.update(f"{system}.{op}" for system, ops in _SYSTEMS.items() for op in ops)
        return names
    if family == "feed":
        return set(FEED_TARGETS)
    if family == "delivery":
        return set(DELIVERY_TARGETS)
    if family == "master_data":
        return {MASTER_DATA}
    if family == "contract":
        return {"erp"}
    if family == "desk":
        return {"desk"}
    patterns = [pattern_class(name) for name in pattern_names()]
    if family == "workers":
        return {f"workers:{w}" for p in patterns for w in p.WORKERS}
    if family == "bus":
        return {BROKER} | {topic for p in patterns for topic in p.TOPICS}
    return {f"subscriber:{s}" for p in patterns for s in p.SUBSCRIPTIONS}


@dataclass(frozen=True)
class MasterDataSeam:
    """The administrative seams a data steward uses: ERP and CRM master data."""

    erp: Erp
    crm: Crm


@dataclass
class FaultSeams:
    """One run's seams, by target name."""

    endpoints: dict[str, Endpoint]
    bus: MessageBus | None = None
    feeds: dict[str, Any] = field(default_factory=dict)
    master_data: Any = None
    """The systems' administrative seams (a :class:`MasterDataSeam`)."""
    contracts: dict[str, Any] = field(default_factory=dict)
    """Systems whose event contract version can change (``erp``)."""
    desk: Any = None
    """The order desk (its staffing)."""
    workers: dict[str, Any] = field(default_factory=dict)
    """The integration's own worker pools, by target (``workers:ipaas.flows``)."""
    deliveries: dict[str, Any] = field(default_factory=dict)
    """Carriers whose delivery attempts can fail, by target (``carrier.delivery``)."""

    def endpoints_for(self, target: str) -> list[Endpoint]:
        """The endpoint named ``target``, or every endpoint of the system ``target``."""
        if target in self.endpoints:
            return [self.endpoints[target]]
        prefix = f"{target}."
        return [e for name, e in sorted(self.endpoints.items()) if name.startswith(prefix)]
