"""Per-order latency samples from the history (DOMAIN.md, "What is measured").

Each latency is per order (or per milestone / invoice), in seconds. An order's acceptance
is where its channel enters (:data:`sim.history_frame.ACCEPTANCE_EVENTS`): a quote accepted
in CRM (field sales), an order placed by the web shop, an IDoc received by the ERP (EDI).

* order creation latency: accepted -> ERP order created (for EDI: IDoc received -> order
  created, the wait for the inbound batch included)
* validation latency: quote accepted -> validation result visible to the rep in CRM; only
  orders that are quotes have a rep waiting for it (web-shop and EDI orders have none)
* allocation delay: ERP order created -> ERP order wholly ALLOCATED (or further)
* shipment propagation lag: carrier scan ``occurred_at`` of each new milestone -> that
  milestone (or a later one) visible on the shipment in CRM
* invoice sync latency: per invoice, ERP invoice posted -> that invoice shown in CRM
* partner sync latency / price sync latency: master data, not orders (their samples have
  order -1; :mod:`sim.master_data_metrics`)
* the returns latencies, per return case (:mod:`sim.returns_metrics`)
* order cycle time: accepted -> the carrier's last ``delivered`` scan ``occurred_at``
* billing delay: per invoice, delivery due for billing (goods issue or delivery, by the
  ERP's ``invoice_on``) -> ERP invoice posted: the wait in the billing due list for the
  next billing run; 0 where invoices post at the billing event (no ``billing_due`` row)

A sample that started but never ended by the end of the run is censored (NaN). Cancelled
orders are not waited for after creation. :mod:`sim.metrics` summarises the samples.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.engine import History
from sim.history_frame import (
    QUOTE_ACCEPTANCE,
    accepted_rows,
    first_time,
    history_table,
    name_values,
    region_rows,
    rows,
)
from sim.history_table import Rows
from sim.integration.canonical import STATUS_RANK
from sim.master_data_metrics import partner_sync_lags, price_sync_lags
from sim.returns_metrics import return_latency_frames
from sim.sorted_keys import pair_keys

__all__ = ["allocation_window", "latency_frames", "latency_samples", "order_attributes"]

_RANK = {status.value: rank for status, rank in STATUS_RANK.items()}
_SCAN_RANK = {
    "picked_up": _RANK["IN_TRANSIT"],
    "in_transit": _RANK["IN_TRANSIT"],
    "out_for_delivery": _RANK["OUT_FOR_DELIVERY"],
    "delivered": _RANK["DELIVERED"],
}


def order_attributes(frame: Rows) -> pd.DataFrame:
    """One row per accepted order (index ``order``): accepted_at, channel, value, units, region.

    ``quoted`` tells the orders that entered as a CRM quote (a rep waits for validation).
    """
    accepted = accepted_rows(frame)
    attributes = pd.DataFrame(
        {
            "accepted_at": accepted["time"].to_numpy(),
            "quoted": (accepted["event"] == QUOTE_ACCEPTANCE).to_numpy(dtype=bool),
            "channel": name_values(accepted["status"]),
            "net_value": accepted["value"].to_numpy(),
            "units": accepted["value2"].to_numpy(),
        },
        index=accepted["order"].to_numpy(),
    )
    regions = region_rows(frame)
    attributes["region"] = pd.Series(
        name_values(regions["status"]), index=regions["order"].to_numpy()
    )
    return attributes


def _shipment_lags(frame: Rows) -> pd.DataFrame:
    """Per milestone: lag from the scan's ``occurred_at`` to CRM showing it on the shipment.

    Only scans that move a shipment to a new lifecycle milestone are sampled: ``picked_up``
    and ``in_transit`` are both IN_TRANSIT, so the later of the two is not a new milestone.
    A milestone CRM never showed is censored (NaN). CRM shows a milestone at its first
    update on the shipment whose rank, or an earlier update's, reaches it.

    Whole-column arithmetic: each shipment's rows are put together by one stable sort, and
    a running maximum of rank per shipment is made sortable by adding the shipment's
    number times a stride above every rank, so one ``searchsorted`` finds each sample's
    first CRM update.
    """
    crm = rows(frame, "crm.shipment_updated", columns=_SHIPMENT_COLUMNS)
    scans = rows(frame, "carrier.scan", columns=(*_SHIPMENT_COLUMNS, "value2"))
    # a shipment is one (order, delivery number) pair, numbered through one int64 key
    orders = np.concatenate([scans["order"].to_numpy(), crm["order"].to_numpy()])
    numbers = np.concatenate([scans["subject"].to_numpy(), crm["subject"].to_numpy()])
    pair = pair_keys(orders, numbers)
    del orders, numbers
    shipment = np.unique(pair, return_inverse=True)[1]
    del pair
    stride = max(_RANK.values()) + 2  # ranks run from -1 (none) to below stride - 1
    scanned_shipment, shown_shipment = shipment[: len(scans)], shipment[len(scans) :]
    # the scans: a sample where the scan's milestone is above every earlier one's
    needed = _ranks(scans["status"], _SCAN_RANK)
    by_scan = np.argsort(scanned_shipment, kind="stable")
    reached = np.maximum.accumulate(scanned_shipment[by_scan] * stride + needed[by_scan] + 1)
    before = np.full(len(by_scan), -1)
    follows = scanned_shipment[by_scan][1:] == scanned_shipment[by_scan][:-1]
    before[1:][follows] = (reached[:-1] - scanned_shipment[by_scan][:-1] * stride - 1)[follows]
    sampled = np.zeros(len(scans), dtype=bool)
    sampled[by_scan] = needed[by_scan] > before
    # CRM: the first update per shipment whose running best rank reaches the milestone
    by_update = np.argsort(shown_shipment, kind="stable")
    best = np.maximum.accumulate(
        shown_shipment[by_update] * stride + _ranks(crm["status"], _RANK)[by_update] + 1
    )
    wanted = scanned_shipment[sampled] * stride + needed[sampled] + 1
    found = np.searchsorted(best, wanted, side="left")
    seen = found < len(best)
    seen[seen] = best[found[seen]] // stride == scanned_shipment[sampled][seen]
    occurred_at = scans["value2"].to_numpy(dtype=float)[sampled]
    lags = np.full(len(occurred_at), np.nan)
    shown_at = crm["time"].to_numpy(dtype=float)[by_update]
    lags[seen] = np.fmax(0.0, shown_at[found[seen]] - occurred_at[seen])
    return pd.DataFrame(
        {"order": scans["order"].to_numpy()[sampled], "lag": lags, "end": occurred_at + lags}
    )


_SHIPMENT_COLUMNS = ("order", "subject", "time", "status")


def _ranks(status: pd.Series, rank_of: dict[str, int]) -> np.ndarray:
    """Each row's rank of its status in ``rank_of`` (-1 where it has none)."""
    categorical = pd.Categorical(status)
    ranks = np.asarray([rank_of.get(str(name), -1) for name in categorical.categories] + [-1])
    picked: np.ndarray = ranks[categorical.codes]
    return picked


_KEYED = ("order", "subject", "time")
"""The columns of a per-(order, subject) first time."""

_ALLOCATED_OR_LATER = (
    "ALLOCATED",
    "PICK_RELEASED",
    "SHIPPED",
    "IN_TRANSIT",
    "OUT_FOR_DELIVERY",
    "DELIVERED",
)


def _since(start: pd.Series, end: pd.Series, exclude: pd.Index | None = None) -> pd.DataFrame:
    """Per order that started: end - start, NaN (censored) where it never ended."""
    if exclude is not None:
        start = start[~start.index.isin(exclude)]
    ended = end.reindex(start.index)
    lag = ended - start
    return pd.DataFrame(
        {
            "order": start.index.to_numpy(),
            "lag": lag.to_numpy(dtype=float),
            "end": ended.to_numpy(dtype=float),
        }
    )


def _invoice_lags(frame: Rows) -> pd.DataFrame:
    """Per invoice (one per delivery): posted in ERP -> that invoice shown in CRM."""
    posted = (
        rows(frame, "erp.invoice_posted", columns=_KEYED)
        .groupby(["order", "subject"])["time"]
        .min()
    )
    seen = (
        rows(frame, "crm.invoice_status_updated", columns=_KEYED)
        .groupby(["order", "subject"])["time"]
        .min()
    )
    lag = seen.reindex(posted.index) - posted
    return pd.DataFrame(
        {
            "order": posted.index.get_level_values("order").to_numpy(),
            "lag": lag.to_numpy(dtype=float),
            "end": seen.reindex(posted.index).to_numpy(dtype=float),
        }
    )


def allocation_window(frame: Rows) -> tuple[pd.Series, pd.Series]:
    """Per order: when the ERP created it, and when it was first wholly allocated (or further)."""
    statuses = rows(frame, "erp.order_status", columns=("order", "time", "status"))
    allocated = (
        statuses[statuses["status"].isin(list(_ALLOCATED_OR_LATER))].groupby("order")["time"].min()
    )
    return first_time(frame, "erp.order_created"), allocated


def _billing_delays(frame: Rows) -> pd.DataFrame:
    """Per delivery due for billing: due -> its invoice posted (NaN while still due).

    An invoice with no ``erp.billing_due`` row was posted at its billing event: delay 0.
    """
    posted = (
        rows(frame, "erp.invoice_posted", columns=_KEYED)
        .groupby(["order", "subject"])["time"]
        .min()
    )
    due = rows(frame, "erp.billing_due", columns=_KEYED).groupby(["order", "subject"])["time"].min()
    start = due.combine_first(posted)
    end = posted.reindex(start.index)
    return pd.DataFrame(
        {
            "order": start.index.get_level_values("order").to_numpy(),
            "lag": (end - start).to_numpy(dtype=float),
            "end": end.to_numpy(dtype=float),
        }
    )


def latency_frames(frame: Rows, attrs: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Samples of every latency metric; cancelled orders are not waited for after creation."""
    accepted = attrs["accepted_at"]
    created, allocated = allocation_window(frame)
    shown = first_time(frame, "crm.validation_shown")
    statuses = rows(frame, "erp.order_status", columns=("order", "status"))
    cancelled = pd.Index(statuses[statuses["status"] == "CANCELLED"]["order"].unique())
    delivered_orders = statuses[statuses["status"] == "DELIVERED"]["order"].unique()
    scans = rows(frame, "carrier.scan", columns=("order", "status", "value2"))
    last_delivered_scan = (
        scans[(scans["status"] == "delivered") & scans["order"].isin(delivered_orders)]
        .groupby("order")["value2"]
        .max()
    )
    return {
        "order_creation_latency": _since(accepted, created),
        "validation_latency": _since(accepted[attrs["quoted"].to_numpy(dtype=bool)], shown),
        "allocation_delay": _since(created, allocated, exclude=cancelled),
        "shipment_propagation_lag": _shipment_lags(frame),
        "invoice_sync_latency": _invoice_lags(frame),
        "billing_delay": _billing_delays(frame),
        "order_cycle_time": _since(accepted, last_delivered_scan, exclude=cancelled),
        "partner_sync_latency": partner_sync_lags(frame),
        "price_sync_latency": price_sync_lags(frame),
        **return_latency_frames(frame),
    }


def latency_samples(history: History | pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Every latency metric's samples, as :func:`compute_metrics` summarises them.

    ``{metric: DataFrame(order, lag, end)}`` for each of :data:`LATENCY_METRICS`, one row
    per sample (order, milestone or invoice); ``lag`` is in seconds and NaN for a censored
    sample, ``end`` the simulated time the sample finished (NaN when censored).
    :func:`summarize` of a metric's ``lag`` is its ``latency_s`` entry.
    """
    frame = history_table(history)
    return latency_frames(frame, order_attributes(frame))
