"""The callers a pattern uses: retriers, circuit breakers and client-side token buckets.

Every pattern calls the same systems; what differs is which resilience mechanisms wrap
the calls. :class:`Callers` builds them once from ``integration:`` settings and its
switches, so two patterns differ only where their settings or mechanics differ:

* ``erp_orders`` / ``erp_deliveries``: ERP order APIs and delivery API, each with its own
  breaker, so a failing delivery API does not stop order intake;
* ``crm``, ``wms``, ``carrier``: the other systems;
* ``forward``: store and forward of orders, a steady retry that waits out the breaker;
* ``parked`` / ``parked_deliveries``: parked writes, retried steadily until they land;
* ``parked_reads``: parked ERP read-backs (orders API group), retried steadily until they
  land.

With ``retry`` off each caller makes one attempt; with ``circuit_breaker`` off there are
no breakers; with ``client_throttle`` off no token buckets.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.engine import RunEnvironment
from sim.integration.messaging import CircuitBreaker, Retrier, RetryPolicy, TokenBucket
from sim.integration.settings import IntegrationSettings

__all__ = ["Callers"]


@dataclass(frozen=True, slots=True)
class Callers:
    """One retrier per kind of call, sharing breakers and buckets where they must."""

    erp_orders: Retrier
    erp_deliveries: Retrier
    crm: Retrier
    wms: Retrier
    carrier: Retrier
    forward: Retrier
    parked: Retrier
    parked_deliveries: Retrier
    parked_reads: Retrier
    order_breaker: CircuitBreaker | None
    delivery_breaker: CircuitBreaker | None

    @classmethod
    def build(cls, run: RunEnvironment, settings: IntegrationSettings) -> Callers:
        """The callers for ``settings``, honouring its mechanism switches."""
        mechanisms = settings.mechanisms
        steady = RetryPolicy(
            max_attempts=1_000_000,
            base_delay_s=settings.forward_retry_interval_s,
            multiplier=1.0,
            max_delay_s=settings.forward_retry_interval_s,
            jitter="none",
            budget_ratio=None,
        )
        retry = (
            settings.retry
            if mechanisms.retry
            else settings.retry.model_copy(update={"max_attempts": 1})
        )
        buckets = {
            system: TokenBucket(run, system, limit)
            for system, limit in sorted(settings.client_limits.items())
            if mechanisms.client_throttle
        }

        def breaker(name: str) -> CircuitBreaker | None:
            if not mechanisms.circuit_breaker:
                return None
            return CircuitBreaker(run, name, settings.circuit_breaker)

        orders, deliveries = breaker("erp.orders"), breaker("erp.deliveries")
        erp_bucket = buckets.get("erp")
        return cls(
            erp_orders=Retrier(run, "erp.orders", retry, orders, bucket=erp_bucket),
            erp_deliveries=Retrier(run, "erp.deliveries", retry, deliveries, bucket=erp_bucket),
            crm=Retrier(run, "crm", retry, bucket=buckets.get("crm")),
            wms=Retrier(run, "wms", retry, bucket=buckets.get("wms")),
            carrier=Retrier(run, "carrier", retry, bucket=buckets.get("carrier")),
            forward=Retrier(
                run, "forward", steady, orders, wait_for_breaker=True, bucket=erp_bucket
            ),
            parked=Retrier(run, "parked", steady),
            parked_deliveries=Retrier(
                run,
                "parked.erp.deliveries",
                steady,
                deliveries,
                wait_for_breaker=True,
                bucket=erp_bucket,
            ),
            parked_reads=Retrier(
                run, "parked.erp.orders", steady, orders, wait_for_breaker=True, bucket=erp_bucket
            ),
            order_breaker=orders,
            delivery_breaker=deliveries,
        )
