"""Invariant 2, no phantoms: nothing in the ERP or at the carrier without an order behind it.

Rows read (matched by event name, any actor):

- the acceptance rows of every channel (:func:`sim.history_frame.accepted_rows`: a quote
  accepted, a web-shop order placed, an IDoc received) and ``erp.order_created`` (order).
- ``erp.shipment_dispatched`` and ``erp.invoice_posted`` (order, subject = delivery number).
- ``carrier.tendered`` (order, subject = delivery number).
- ``crm.order_record_created`` (order): the CRM order record of an order that began in the
  ERP, created by the integration.

Violations: an ERP order with no accepted order; a dispatch, invoice or carrier tender for an
order the ERP never created; an invoice for a delivery that was never dispatched; and a CRM
order record created for an order the ERP never created.
``phantoms`` counts distinct offending rows (a row can break two rules).
"""

from __future__ import annotations

import pandas as pd

from sim.checks.base import Check, HistoryLike, Verdict, as_table, rows, witness
from sim.history_frame import accepted_rows

__all__ = ["no_phantoms"]


def _pairs(frame: pd.DataFrame) -> pd.MultiIndex:
    return pd.MultiIndex.from_frame(frame[["order", "subject"]])


def no_phantoms(history: HistoryLike) -> Verdict:
    """Every ERP order, shipment, invoice and tender traces back to an accepted order."""
    frame = as_table(history)
    accepted = accepted_rows(frame)["order"]
    created = rows(frame, "erp.order_created")
    dispatched = rows(frame, "erp.shipment_dispatched")
    invoiced = rows(frame, "erp.invoice_posted")
    tendered = rows(frame, "carrier.tendered")
    recorded = rows(frame, "crm.order_record_created")
    created_orders = created["order"]
    phantoms = {
        "created_without_acceptance": created[~created_orders.isin(accepted)],
        "dispatched_without_order": dispatched[~dispatched["order"].isin(created_orders)],
        "invoiced_without_order": invoiced[~invoiced["order"].isin(created_orders)],
        "tendered_without_order": tendered[~tendered["order"].isin(created_orders)],
        "invoiced_without_dispatch": invoiced[~_pairs(invoiced).isin(_pairs(dispatched))],
        "crm_record_without_order": recorded[~recorded["order"].isin(created_orders)],
    }
    labels = [label for found in phantoms.values() for label in found.index]
    total = len(set(labels))
    counts = {
        "orders_created": int(created_orders.nunique()),
        **{name: len(found) for name, found in phantoms.items()},
        "phantoms": total,
    }
    return Verdict(
        name=Check.NO_PHANTOMS,
        valid=total == 0,
        counts=counts,
        witness=witness(frame, labels),
    )
