"""OCEL mapping of the channels' points of entry: web-shop orders, EDI IDocs, CRM records."""

from __future__ import annotations

import pandas as pd

from sim.export import ocel_log
from sim.export.ocel import OcelLog
from sim.history_frame import history_frame
from tests.helpers import Writer

START = "2026-11-23T00:00:00Z"


def _log() -> OcelLog:
    w = Writer()
    w(10.0, "crm.order_placed", order=1, status="web_shop", value=120.0, value2=4)
    w(10.0, "crm.order_region", order=1, status="west")
    w(11.0, "erp.idoc_received", order=2, subject=1, status="edi", value=80.0, value2=8)
    w(11.0, "erp.idoc_region", order=2, status="south")
    w(12.0, "erp.idoc_received", order=3, subject=2, status="edi", value=30.0, value2=3)
    w(12.0, "erp.idoc_region", order=3, status="midwest")
    w(900.0, "erp.idoc_batch", value=2)
    w(901.0, "erp.idoc_posted", order=2, subject=1)
    w(901.0, "erp.order_created", order=2, subject=5, status="GA01", value=80.0)
    w(902.0, "erp.idoc_error", order=3, subject=2, status="pricing_mismatch")
    w(903.0, "integration.intake_polled", value=1)
    w(904.0, "crm.order_record_created", order=2, status="edi")
    w(904.0, "integration.erp_order_taken", order=2, status="edi")
    w(990.0, "erp.idoc_closed", order=3, subject=2, status="pricing_mismatch")
    return ocel_log(history_frame(w.history), START)


def test_every_entry_event_is_mapped_or_named_as_not_exported() -> None:
    assert _log().unmapped == {}


def test_orders_take_channel_value_and_region_from_where_they_entered() -> None:
    orders = next(t.base for t in _log().objects if t.name == "order").set_index("number")
    assert list(orders.loc[[1, 2, 3], "channel"].astype(str)) == ["web_shop", "edi", "edi"]
    assert list(orders.loc[[1, 2, 3], "region"].astype(str)) == ["west", "south", "midwest"]
    assert orders.loc[2, "quote_value"] == 80.0
    assert orders.loc[3, "units"] == 3


def test_idoc_and_crm_record_events_have_their_own_types() -> None:
    names = {t.name: t.frame for t in _log().events}
    for name in ("Web Order Placed", "IDoc Received", "IDoc Error", "CRM Order Created"):
        assert name in names
    error: pd.DataFrame = names["IDoc Error"]
    assert list(error["reason"].astype(str)) == ["pricing_mismatch"]
