"""Master-data sync latencies and the orders held by sync lag, from the history alone.

* partner sync latency: per account sent for replication (``crm.account_created`` or
  ``crm.account_resent``, subject = account number) -> the ERP's business partner created
  for it (``erp.business_partner_created``, value = account number), first at or after;
* price sync latency: per ERP list price change (``erp.list_price_changed``, subject =
  material number) -> the first CRM price book write of that product
  (``crm.price_updated``, subject = product number, value2 = when the ERP price it carries
  changed) that carries this change or a later one.

A sample that never ended is censored (NaN). Product numbers are the order in which both
systems were loaded with the catalogue, so they name the same product on both sides.

:func:`sync_lag_orders` counts orders held or refused because the CRM's master data lagged
the ERP's: orders held for ``pricing_mismatch`` (the CRM quoted a price the ERP no longer
had), and orders of accounts not yet linked to an ERP business partner at acceptance
(``crm.quote_unlinked_account``) that met a ``master_data_conflict``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.history_frame import rows
from sim.history_table import Rows

__all__ = ["partner_sync_lags", "price_sync_lags", "sync_lag_orders"]


def _samples(start: pd.Series, end: pd.Series) -> pd.DataFrame:
    lag = (end - start).to_numpy(dtype=float)
    return pd.DataFrame({"order": np.full(len(lag), -1), "lag": lag, "end": end.to_numpy(float)})


def partner_sync_lags(frame: Rows) -> pd.DataFrame:
    """Per account sent for replication: sent -> business partner created in the ERP."""
    sent = pd.concat([rows(frame, "crm.account_created"), rows(frame, "crm.account_resent")])
    starts = pd.DataFrame(
        {"key": sent["subject"].to_numpy(dtype=np.int64), "time": sent["time"].to_numpy(float)}
    ).sort_values("time", kind="stable")
    created = rows(frame, "erp.business_partner_created")
    ends = pd.DataFrame(
        {
            "key": created["value"].to_numpy(dtype=float).astype(np.int64),
            "time": created["time"].to_numpy(float),
            "done": created["time"].to_numpy(float),
        }
    ).sort_values("time", kind="stable")
    if starts.empty:
        return _samples(pd.Series(dtype=float), pd.Series(dtype=float))
    joined = pd.merge_asof(starts, ends, on="time", by="key", direction="forward")
    return _samples(joined["time"], joined["done"])


def price_sync_lags(frame: Rows) -> pd.DataFrame:
    """Per ERP list price change: changed -> the CRM price book shows it (or a newer one)."""
    changed = rows(frame, "erp.list_price_changed")
    starts = pd.DataFrame(
        {"key": changed["subject"].to_numpy(dtype=np.int64), "at": changed["time"].to_numpy(float)}
    ).sort_values("at", kind="stable")
    if starts.empty:
        return _samples(pd.Series(dtype=float), pd.Series(dtype=float))
    written = rows(frame, "crm.price_updated")
    ends = pd.DataFrame(
        {
            "key": written["subject"].to_numpy(dtype=np.int64),
            "at": written["value2"].to_numpy(float),
            "done": written["time"].to_numpy(float),
        }
    ).sort_values(["key", "at"], kind="stable")
    # the earliest write carrying this change or a later one: a suffix minimum per product
    ends["done"] = ends.iloc[::-1].groupby("key")["done"].cummin().iloc[::-1]
    ends = ends.sort_values("at", kind="stable")
    joined = pd.merge_asof(starts, ends, on="at", by="key", direction="forward")
    return _samples(joined["at"], joined["done"])


def sync_lag_orders(frame: Rows) -> dict[str, int]:
    """Orders held or refused because master data had not reached the other side yet."""
    held = rows(frame, "erp.hold_placed")
    validated = rows(frame, "integration.validated")
    pricing = set(held.loc[held["status"] == "pricing_mismatch", "order"].to_numpy().tolist())
    pricing |= set(
        validated.loc[validated["status"] == "pricing_mismatch", "order"].to_numpy().tolist()
    )
    unlinked = rows(frame, "crm.quote_unlinked_account")["order"].unique()
    raised = rows(frame, "integration.exception_raised")
    rejected = rows(frame, "erp.order_rejected")
    conflicts = set(
        raised.loc[raised["status"] == "master_data_conflict", "order"].to_numpy().tolist()
    ) | set(rejected.loc[rejected["status"] == "master_data_conflict", "order"].to_numpy().tolist())
    unreplicated = len(conflicts & set(unlinked.tolist()))
    return {
        "pricing_mismatch_orders": len(pricing),
        "unreplicated_account_orders": unreplicated,
        "orders_of_unlinked_accounts": len(unlinked),
    }
