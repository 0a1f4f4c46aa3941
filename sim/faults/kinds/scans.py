"""Carrier feed faults: repeated, missing, out-of-order and late scans.

* ``scan_duplicate``: a share of scans arrives again ``delay_s`` later, same event id;
* ``scan_missing``: a share of scans never reaches the shipper;
* ``scan_reorder``: a share of scans is held back ``delay_s``, so a later milestone
  arrives first (``delivered`` before ``out_for_delivery``);
* ``scan_late``: a shipment's first scan arrives up to ``max_delay_h`` late (uniform).

Draws are keyed by the scan's business identity, its shipment (order and which of the
order's shipments) and place among the shipment's scans, or by the shipment alone for the
first scan's delay (see :class:`~sim.faults.feed.ScanFeed`); not by the carrier's event id,
which is numbered in the order shipments reach the carrier.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from sim.faults.feed import ScanFeed
from sim.faults.registry import FaultKind, register
from sim.faults.spec import FaultSpec
from sim.faults.timeline import FaultWindow

__all__ = ["ScanDuplicateFault", "ScanMissingFault", "ScanReorderFault", "ScanLateFault"]


class ScanDuplicateFault(FaultSpec):
    """A share of scans sent twice."""

    kind: Literal["scan_duplicate"] = "scan_duplicate"
    target: str = "carrier.feed"
    probability: float = Field(ge=0.0, le=1.0)
    delay_s: float = Field(default=600.0, ge=0.0)


class ScanMissingFault(FaultSpec):
    """A share of scans never sent."""

    kind: Literal["scan_missing"] = "scan_missing"
    target: str = "carrier.feed"
    probability: float = Field(ge=0.0, le=1.0)


class ScanReorderFault(FaultSpec):
    """A share of scans held back so a later milestone overtakes them."""

    kind: Literal["scan_reorder"] = "scan_reorder"
    target: str = "carrier.feed"
    probability: float = Field(ge=0.0, le=1.0)
    delay_s: float = Field(default=6 * 3600.0, gt=0.0)


class ScanLateFault(FaultSpec):
    """First scans up to ``max_delay_h`` late."""

    kind: Literal["scan_late"] = "scan_late"
    target: str = "carrier.feed"
    max_delay_h: float = Field(default=24.0, gt=0.0, le=72.0)


def _missing(seam: Any, active: list[FaultWindow], _state: dict[str, Any]) -> None:
    feed: ScanFeed = seam
    feed.missing_rate = float(active[-1].params["probability"]) if active else 0.0


def _late(seam: Any, active: list[FaultWindow], _state: dict[str, Any]) -> None:
    feed: ScanFeed = seam
    feed.late_first_max_s = float(active[-1].params["max_delay_h"]) * 3600.0 if active else 0.0


def _duplicate(seam: Any, active: list[FaultWindow], _state: dict[str, Any]) -> None:
    feed: ScanFeed = seam
    feed.duplicate_rate = float(active[-1].params["probability"]) if active else 0.0
    if active:
        feed.duplicate_delay_s = float(active[-1].params["delay_s"])


def _reorder(seam: Any, active: list[FaultWindow], _state: dict[str, Any]) -> None:
    feed: ScanFeed = seam
    feed.reorder_rate = float(active[-1].params["probability"]) if active else 0.0
    if active:
        feed.reorder_delay_s = float(active[-1].params["delay_s"])


register(FaultKind("scan_duplicate", ScanDuplicateFault, ("feed",), _duplicate))
register(FaultKind("scan_missing", ScanMissingFault, ("feed",), _missing))
register(FaultKind("scan_reorder", ScanReorderFault, ("feed",), _reorder))
register(FaultKind("scan_late", ScanLateFault, ("feed",), _late))
