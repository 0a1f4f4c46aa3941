"""Small worlds for the oracle's tests: one that passes its gates, one that breaks an invariant."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GATE = REPO / "scenarios" / "release_gate.yaml"

SMALL = ["demand.orders_per_business_day=240", "demand_days=0.5", "drain_days=6"]
"""About sixty orders on a Monday morning, and time for them all to finish."""

DUPLICATING = [
    "integration.mechanisms.idempotency_keys=false",
    "faults=[{kind: lost_response, target: erp.create_order, probability: 0.4}]",
]
"""No idempotency key while 40% of create-order responses are lost: duplicate ERP orders."""


def sets(overrides: list[str]) -> list[str]:
    """``--set`` options for the command line."""
    return [word for override in overrides for word in ("--set", override)]
