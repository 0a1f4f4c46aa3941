"""Invariant 3, no duplicates: one ERP order per order, one invoice per delivery, totals agree.

Rows read (matched by event name, any actor):

- ``erp.order_created`` (order, value = the order's net amount).
- ``erp.shipment_dispatched`` (order, subject = delivery number, value = units shipped).
- ``erp.invoice_posted`` (order, subject = delivery number, value = net amount).
- the acceptance rows of every channel (order, value2 = units ordered).
- ``crm.order_record_created`` (order): a CRM order record for an order that began in the ERP.
- ``erp.order_changed`` (order, value = the order's net amount after a customer's change,
  value2 = its units ordered after it): the last change, when there is one, replaces the
  net and the units ordered.

Violations: a second ``erp.order_created`` for an order; a second CRM order record for an
order; a second dispatch of a delivery
(keyed by subject alone: delivery numbers are unique); a second invoice for an (order,
delivery); invoiced net above the order's net by more than 0.01 per invoice; and, for an order
whose shipped units equal its ordered units and whose every dispatched delivery is invoiced,
invoiced net short of the order's net by more than 0.01 per invoice (``invoice_total_mismatch``;
an over-invoiced order counts only as ``over_invoiced``). The order's net is that of its first
``erp.order_created`` row, or of its last ``erp.order_changed`` row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.checks.base import Check, HistoryLike, Verdict, as_table, rows, witness
from sim.history_frame import accepted_rows

__all__ = ["CENT", "no_duplicates"]

CENT = 0.01
"""Rounding allowed per invoice when comparing invoiced totals with the order's net."""


def _per_order(
    created: pd.DataFrame, dispatched: pd.DataFrame, invoiced: pd.DataFrame, ordered: pd.Series
) -> pd.DataFrame:
    """One row per order: net, invoiced total and count, units, uninvoiced deliveries."""
    shipped_pairs = dispatched[["order", "subject"]].drop_duplicates()
    invoiced_pairs = pd.MultiIndex.from_frame(invoiced[["order", "subject"]])
    uninvoiced = ~pd.MultiIndex.from_frame(shipped_pairs).isin(invoiced_pairs)
    table = pd.concat(
        {
            "net": created.groupby("order")["value"].first(),
            "invoiced": invoiced.groupby("order")["value"].sum(),
            "invoices": invoiced.groupby("order")["value"].size(),
            "ordered": ordered,
            "shipped": dispatched.groupby("order")["value"].sum(),
            "uninvoiced": pd.Series(uninvoiced, index=shipped_pairs.index)
            .groupby(shipped_pairs["order"])
            .sum(),
        },
        axis=1,
    )
    return table.fillna({"invoiced": 0.0, "invoices": 0, "uninvoiced": 0})


def no_duplicates(history: HistoryLike) -> Verdict:
    """One create per order, one dispatch per delivery, one invoice each; totals agree."""
    frame = as_table(history)
    created = rows(frame, "erp.order_created")
    dispatched = rows(frame, "erp.shipment_dispatched")
    invoiced = rows(frame, "erp.invoice_posted")
    accepted = accepted_rows(frame)
    changed = rows(frame, "erp.order_changed")
    ordered = accepted.groupby("order")["value2"].first()
    if len(changed):
        last = changed.groupby("order")[["value", "value2"]].last()
        ordered = last["value2"].combine_first(ordered)
        net = last["value"].combine_first(created.groupby("order")["value"].first())
        created = created.assign(value=created["order"].map(net))

    twice_created = created[created.duplicated("order", keep=False)]
    twice_dispatched = dispatched[dispatched.duplicated("subject", keep=False)]
    twice_invoiced = invoiced[invoiced.duplicated(["order", "subject"], keep=False)]
    recorded = rows(frame, "crm.order_record_created")
    twice_recorded = recorded[recorded.duplicated("order", keep=False)]

    table = _per_order(created, dispatched, invoiced, ordered)
    tolerance = CENT * table["invoices"].clip(lower=1)
    over = (table["invoiced"] > table["net"] + tolerance).to_numpy(dtype=bool)
    complete = (
        (table["shipped"] == table["ordered"])
        & (table["uninvoiced"] == 0)
        & (table["invoices"] > 0)
    ).to_numpy(dtype=bool)
    close = ((table["invoiced"] - table["net"]).abs() <= tolerance).to_numpy(dtype=bool)
    mismatch = complete & ~over & ~close
    totals = rows(frame, "erp.order_created", "erp.invoice_posted")
    wrong_total = totals[totals["order"].isin(table.index[over | mismatch])]

    counts = {
        "orders_created": int(created["order"].nunique()),
        "duplicate_creates": len(twice_created) - int(twice_created["order"].nunique()),
        "dispatches": len(dispatched),
        "duplicate_dispatches": len(twice_dispatched) - int(twice_dispatched["subject"].nunique()),
        "invoices": len(invoiced),
        "duplicate_invoices": len(twice_invoiced)
        - len(twice_invoiced[["order", "subject"]].drop_duplicates()),
        "duplicate_crm_records": len(twice_recorded) - int(twice_recorded["order"].nunique()),
        "orders_fully_invoiced": int(complete.sum()),
        "over_invoiced": int(over.sum()),
        "invoice_total_mismatch": int(mismatch.sum()),
    }
    labels = np.concatenate(
        [
            frame_part.index.to_numpy()
            for frame_part in (
                twice_created,
                twice_dispatched,
                twice_invoiced,
                twice_recorded,
                wrong_total,
            )
        ]
    )
    violations = sum(
        counts[key]
        for key in (
            "duplicate_creates",
            "duplicate_dispatches",
            "duplicate_invoices",
            "duplicate_crm_records",
            "over_invoiced",
            "invoice_total_mismatch",
        )
    )
    return Verdict(
        name=Check.NO_DUPLICATES,
        valid=violations == 0,
        counts=counts,
        witness=witness(frame, labels),
    )
