"""Small worlds for the oracle's tests: one that passes its gates, one that breaks an invariant."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GATE = REPO / "scenarios" / "release_gate.yaml"

SMALL = [
    "demand.orders_per_business_day=240",
    "demand_days=0.5",
    "drain_days=8",
    "demand.local_time=false",
    "demand.channel_profiles={}",
]
"""About sixty orders on a Monday morning (UTC), and time for them all to finish.

The demand hours are read in UTC with one profile for every channel: in the regions' local
time a UTC morning is the night, with no rep creating quotes (no validation samples)."""

DUPLICATING = [
    "integration.mechanisms.idempotency_keys=false",
    "faults=[{kind: lost_response, target: erp.create_order, probability: 0.4}]",
]
"""No idempotency key while 40% of create-order responses are lost: duplicate ERP orders."""


def sets(overrides: list[str]) -> list[str]:
    """``--set`` options for the command line."""
    return [word for override in overrides for word in ("--set", override)]
