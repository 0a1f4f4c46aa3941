"""The per-order latency metrics (DOMAIN.md, "What is measured"), by the names scenarios use.

SLA targets, threshold lines and alert rules name them; :mod:`sim.metrics` measures them.
"""

from __future__ import annotations

__all__ = ["LATENCY_METRICS"]

LATENCY_METRICS: tuple[str, ...] = (
    "order_creation_latency",
    "validation_latency",
    "allocation_delay",
    "shipment_propagation_lag",
    "invoice_sync_latency",
    "billing_delay",
    "order_cycle_time",
    "partner_sync_latency",
    "price_sync_latency",
    "return_cycle_time",
    "return_authorization_latency",
    "return_receipt_delay",
    "credit_memo_sync_latency",
)
"""The latency metrics (DOMAIN.md), the names an SLA target may use: per order, then the
master-data sync latencies (CRM account -> ERP business partner, ERP price change -> CRM
price book)."""
