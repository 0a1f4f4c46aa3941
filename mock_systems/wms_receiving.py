"""Returns receiving of the mock WMS: return advices, parcels at the dock, inspection.

The integration sends the warehouse a **return advice** for each authorised return order
(RMA), through the WMS's ``return_advice`` endpoint; a repeated advice is acknowledged, not
stored twice. The customer's parcel arrives at the site after the carrier's return transit
and waits at the dock for the **receiving team**: ``receivers`` people per site, working the
site's shifts (a parcel arriving off shift waits for the next one). A receiver matches the
parcel to its advice by RMA number (a parcel whose advice has not arrived yet waits until it
does), inspects it and books what came back: every unit received, and the sellable ones
(goods returned as damaged are not sellable). Each inspected return becomes a
:class:`ReturnReceipt` on ``receipts``.

Inspection time belongs to the return: it is draw 1 of the order in the keyed stream
``wms.return_inspection``, the same under every pattern.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from dataclasses import dataclass
from functools import partial
from typing import Any

import simpy
from pydantic import BaseModel, ConfigDict, Field

from mock_systems.wms import Wms
from sim.engine import CallResult, Distribution, EndpointSpec, LogNormal, Mailbox, Triangular

__all__ = [
    "NOT_SELLABLE_REASONS",
    "RETURN_ADVICE",
    "Parcel",
    "ReceivingConfig",
    "ReturnAdvice",
    "ReturnReceipt",
    "ReturnsReceiving",
]

RETURN_ADVICE: tuple[str, ...] = ("return_advice",)
"""The WMS's returns API (endpoint ``wms.return_advice``, a fault target once returns are on)."""

NOT_SELLABLE_REASONS = frozenset({"damaged"})
"""Return reasons whose goods the inspection finds unfit for sale."""


class ReceivingConfig(BaseModel):
    """The WMS's returns receiving: advice API, team size and inspection time."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    receivers: int = Field(
        default=2,
        gt=0,
        description="assumption: people per site receiving and inspecting returns, on the "
        "site's shifts",
    )
    inspection_time: Distribution = Field(
        default=Triangular(low=300.0, mode=900.0, high=2700.0),
        description="assumption: seconds to unpack, inspect and book one return parcel",
    )
    return_advice: EndpointSpec = Field(
        default=EndpointSpec(service_time=LogNormal(mean=0.5, cv=0.5), concurrency=8),
        description="assumption: the WMS inbound-advice API, as fast as its pick release",
    )


@dataclass(frozen=True, slots=True)
class ReturnAdvice:
    """An expected return: RMA, order, site and the items and quantities authorised."""

    rma: str
    order_ref: int
    site: str
    reason: str
    items: tuple[tuple[int, str, int], ...]


@dataclass(frozen=True, slots=True)
class Parcel:
    """A customer's return parcel arriving at a site with the RMA number on it."""

    rma: str
    order_ref: int
    site: str
    arrived_at: float


@dataclass(frozen=True, slots=True)
class ReturnReceipt:
    """An inspected return: per item (item, material, received, sellable)."""

    rma: str
    order_ref: int
    site: str
    items: tuple[tuple[int, str, int, int], ...]
    inspected_at: float


class ReturnsReceiving:
    """Return advices and the receiving team of each WMS site."""

    def __init__(self, wms: Wms, config: ReceivingConfig) -> None:
        self.wms = wms
        self.sim = wms.sim
        self.record = wms.record
        self.config = config
        self.advices: dict[str, ReturnAdvice] = {}
        self.receipts: Mailbox[ReturnReceipt] = Mailbox(wms.sim)
        self._advised: dict[str, simpy.Event] = {}
        self._dock: dict[str, Mailbox[Parcel]] = {site: Mailbox(wms.sim) for site in wms.sites}
        self._advice = wms.endpoint(RETURN_ADVICE[0], config.return_advice)
        self._inspection: Callable[[int, int], float] = config.inspection_time.keyed_sampler(
            wms.run.streams.seed, "wms.return_inspection"
        )
        for site in sorted(wms.sites):
            for receiver in range(config.receivers):
                wms.sim.process(self._receiver(site, receiver))

    def advise(
        self, advice: ReturnAdvice, timeout: float = math.inf
    ) -> Generator[Any, Any, CallResult | bool]:
        """Tell the site to expect a return; a repeated advice is acknowledged."""
        return self._advice.call(advice.order_ref, partial(self._take_advice, advice), timeout)

    def _take_advice(self, advice: ReturnAdvice) -> bool:
        if advice.site not in self._dock:
            raise KeyError(f"WMS has no site {advice.site!r}")
        if advice.rma in self.advices:
            self.record("duplicate_suppressed", order=advice.order_ref, status="return_advice")
            return True
        self.advices[advice.rma] = advice
        self.record(
            "return_advised",
            order=advice.order_ref,
            status=advice.site,
            value=float(sum(q for _, _, q in advice.items)),
        )
        self._advice_event(advice.rma).succeed()
        return True

    def _advice_event(self, rma: str) -> simpy.Event:
        event = self._advised.get(rma)
        if event is None:
            event = self._advised[rma] = self.sim.event()
        return event

    def parcel_arrives(self, parcel: Parcel) -> None:
        """The carrier drops a return parcel at the site's dock."""
        self.record("return_arrived", order=parcel.order_ref, status=parcel.site)
        self._dock[parcel.site].put(parcel)

    def _receiver(self, site: str, receiver: int) -> Generator[Any, Any, None]:
        sim, calendar = self.sim, self.wms.calendar
        shifts = self.wms.sites[site].shifts
        dock = self._dock[site]
        while True:
            parcel = yield from dock.take()
            opening = calendar.next_open(sim.now, shifts)
            if opening > sim.now:
                yield sim.timeout(opening - sim.now)
            advised = self._advice_event(parcel.rma)
            if not advised.triggered:
                yield advised  # no advice yet: the parcel waits for it
            advice = self.advices[parcel.rma]
            yield sim.timeout(self._inspection(parcel.order_ref, 1))
            sellable = advice.reason not in NOT_SELLABLE_REASONS
            items = tuple((n, m, q, q if sellable else 0) for n, m, q in advice.items)
            self.record(
                "return_inspected",
                order=parcel.order_ref,
                status=site,
                value=float(sum(q for _, _, q, _ in items)),
                value2=float(sum(s for _, _, _, s in items)),
            )
            self.receipts.put(ReturnReceipt(advice.rma, advice.order_ref, site, items, sim.now))
