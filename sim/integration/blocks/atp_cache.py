"""The cached ATP: a provisional verdict when the ERP cannot validate an order.

The cache is kept by pulling the ERP's change-pointer delta (the materials whose stock
moved) for every plant at a fixed cadence; an extract that fails keeps the old figures
(``integration.atp_cache_stale``).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from functools import partial
from typing import Any

from sim.engine import CallResult, RunEnvironment
from sim.integration.adapters import ErpAdapter
from sim.integration.canonical import Order, ValidationResult
from sim.integration.messaging import Retrier

__all__ = ["AtpCache"]


class AtpCache:
    """Per plant, the last ATP extract, and the verdict it gives."""

    def __init__(
        self,
        run: RunEnvironment,
        record: Callable[..., None],
        erp: ErpAdapter,
        retrier: Retrier,
        refresh_s: float,
        timeout_s: float,
    ) -> None:
        self.run = run
        self.record = record
        self.erp = erp
        self.retrier = retrier
        self.refresh_s = refresh_s
        self.timeout_s = timeout_s
        self.atp: dict[str, dict[str, int]] = {}
        """Per plant, material -> available to promise at the last extract."""

    def verdict(self, order: Order) -> ValidationResult:
        """Provisional verdict: every line within the cached ATP of the serving plant."""
        cached = self.atp.get(self.erp.plant_for(order.region), {})
        short = any(cached.get(line.sku, 0) < line.quantity for line in order.lines)
        return ValidationResult(
            order_ref=order.order_ref,
            ok=not short,
            reasons=("inventory_shortfall",) if short else (),
            provisional=True,
        )

    def refresh(self) -> Generator[Any, Any, None]:
        """Pull the ATP delta per plant at a fixed cadence; keep the cache on failure."""
        erp = self.erp
        while True:
            for plant in erp.plants():
                changes = yield from self.retrier.run_call(
                    partial(erp.atp_changes, plant, self.timeout_s)
                )
                if isinstance(changes, CallResult):
                    self.record("atp_cache_stale", status=plant)
                else:
                    self.atp.setdefault(plant, {}).update(changes)
                    self.record("atp_cache_refreshed", status=plant, value=float(len(changes)))
            yield self.run.sim.timeout(self.refresh_s)
