"""The history -> OCEL 2.0 mapping on a hand-written history: ids, relations, attributes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.checks.base import correlation_id
from sim.export import ocel_log, write_ocel_json
from sim.export.ocel import MAPPINGS, NOT_EXPORTED, OcelLog, iso_times, parse_start, type_map_name
from sim.history_frame import history_frame
from tests.helpers import Writer

START = "2026-11-23T00:00:00Z"


def _history() -> pd.DataFrame:
    w = Writer()
    w(10.0, "crm.quote_accepted", order=42, status="web_shop", value=250.5, value2=7)
    w(10.0, "crm.quote_region", order=42, status="south")
    w(12.0, "erp.order_created", order=42, subject=17, status="GA01", value=240.0)
    w(12.0, "erp.order_status", order=42, status="CREATED")
    w(
        12.5,
        "bus.published",
        order=42,
        subject=5,
        status="OrderAccepted",
        value=1,
        actor="topic:erp.order-events",
    )
    w(
        13.0,
        "bus.delivered",
        order=42,
        subject=5,
        status="OrderAccepted",
        value=1,
        actor="subscriber:crm-status-sync",
    )
    w(20.0, "erp.inventory_allocated", order=42, subject=3, status="GA01", value=7)
    w(20.0, "erp.order_status", order=42, status="ALLOCATED")
    w(30.0, "erp.goods_issue", order=42, subject=99, status="GA01", value=7)
    w(30.0, "erp.shipment_dispatched", order=42, subject=3, status="GA01", value=7)
    w(30.0, "erp.invoice_posted", order=42, subject=3, value=240.0, value2=16.8)
    w(60.0, "carrier.scan", order=42, subject=3, status="picked_up", value2=55.0)
    w(61.0, "erp.delivery_status", order=42, subject=3, status="IN_TRANSIT", value2=55.0)
    w(70.0, "desk.item_raised", order=42, subject=2, status="manual_rekey")
    w(
        80.0,
        "endpoint.call",
        order=42,
        status="ok",
        value=0.0,
        value2=0.2,
        actor="endpoint:erp.create_order",
    )
    w(81.0, "endpoint.call", status="ok", value=0.0, value2=0.1, actor="endpoint:erp.atp_extract")
    w(85.0, "fault.started", subject=0, status="erp", value=1.0, actor="fault:outage")
    w(88.0, "erp.brand_new_event", order=42)
    w(90.5, "erp.payment_received", order=42, subject=3, value=240.0)
    return history_frame(w.history)


@pytest.fixture(scope="module")
def log() -> OcelLog:
    return ocel_log(_history(), START)


def _events(log: OcelLog, name: str) -> pd.DataFrame:
    return next(t.frame for t in log.events if t.name == name)


def _objects(log: OcelLog, name: str) -> pd.DataFrame:
    return next(t.base for t in log.objects if t.name == name)


def test_objects_are_named_by_type_and_history_number(log: OcelLog) -> None:
    ids = {t.name: log.object_ids(t.name, t.base["number"]).to_pylist() for t in log.objects}
    assert ids == {
        "order": [correlation_id(42)],
        "customer": ["C000017"],
        "product": ["P000099"],
        "shipment": ["S00000003"],
        "invoice": ["I00000003"],
        "message": ["M00000005"],
        "work item": ["W00000002"],
    }


def test_events_relate_their_objects_with_qualifiers(log: OcelLog) -> None:
    relations = log.relations()
    by_event = relations.groupby("event")[["object", "qualifier"]].apply(
        lambda f: list(zip(f["object"], f["qualifier"], strict=True))
    )
    posted = log.event_ids(_events(log, "Invoice Posted")["row"]).to_pylist()[0]
    assert posted == "e10"  # the row's position in the history (19 rows: two digits)
    assert by_event[posted] == [
        ("I00000003", "invoice"),
        ("O00000042", "order"),
        ("S00000003", "shipment"),
    ]
    created = log.event_ids(_events(log, "ERP Order Created")["row"]).to_pylist()[0]
    assert by_event[created] == [("C000017", "customer"), ("O00000042", "order")]
    delivered = log.event_ids(_events(log, "Message Delivered")["row"]).to_pylist()[0]
    assert by_event[delivered] == [("M00000005", "message"), ("O00000042", "order")]


def test_object_to_object_relations(log: OcelLog) -> None:
    pairs = list(log.object_relations().itertuples(index=False, name=None))
    assert pairs == [  # ordered by source id, target id
        ("I00000003", "O00000042", "bills"),
        ("I00000003", "S00000003", "bills"),
        ("M00000005", "O00000042", "concerns"),
        ("O00000042", "C000017", "placed by"),
        ("O00000042", "P000099", "contains"),
        ("S00000003", "O00000042", "ships"),
        ("W00000002", "O00000042", "concerns"),
    ]


def test_times_are_iso_8601_from_the_scenario_start(log: OcelLog) -> None:
    paid = _events(log, "Payment Received")
    assert log.times(paid["t"]).to_pylist() == ["2026-11-23T00:01:30.500000Z"]
    scan = _events(log, "Carrier Scan")
    assert log.times(scan["occurred_at"]).to_pylist() == ["2026-11-23T00:00:55.000000Z"]
    start = parse_start("2026-11-23T01:00:00+01:00")
    assert iso_times(start, np.array([0.0, np.nan])).to_pylist() == [
        "2026-11-23T00:00:00.000000Z",
        None,
    ]


def test_event_and_object_attributes(log: OcelLog) -> None:
    accepted = _events(log, "Quote Accepted").iloc[0]
    assert (accepted["channel"], accepted["value"], accepted["units"]) == ("web_shop", 250.5, 7)
    published = _events(log, "Message Published").iloc[0]
    assert (published["kind"], published["topic"], published["sequence"]) == (
        "OrderAccepted",
        "erp.order-events",
        1,
    )
    order = _objects(log, "order").iloc[0]
    assert (order["channel"], order["region"], order["plant"], order["units"]) == (
        "web_shop",
        "south",
        "GA01",
        7,
    )
    assert _objects(log, "customer").iloc[0]["region"] == "south"
    invoice = next(t for t in log.objects if t.name == "invoice")
    assert invoice.base.iloc[0][["net", "tax"]].tolist() == [240.0, 16.8]
    assert invoice.changes[["field", "value"]].values.tolist() == [
        ["status", "POSTED"],
        ["status", "PAID"],
    ]
    shipment = next(t for t in log.objects if t.name == "shipment")
    assert shipment.changes["value"].tolist() == ["ALLOCATED", "SHIPPED", "IN_TRANSIT"]
    order_changes = next(t for t in log.objects if t.name == "order").changes
    assert order_changes["value"].tolist() == ["CREATED", "ALLOCATED"]


def test_bookkeeping_only_on_request_and_unknown_events_reported(log: OcelLog) -> None:
    names = {t.name for t in log.events}
    assert "API Call" not in names
    assert log.left_out == {"endpoint.call": 2}
    assert log.unmapped == {"erp.brand_new_event": 1}  # fault.* is known to name no object
    full = ocel_log(_history(), START, bookkeeping=True)
    calls = next(t.frame for t in full.events if t.name == "API Call")
    assert calls["endpoint"].tolist() == ["erp.create_order"]  # only the call made for an order
    assert full.left_out == {}


def test_the_mapping_table_is_consistent() -> None:
    histories = [m.history for m in MAPPINGS]
    assert len(histories) == len(set(histories))
    names = [m.name for m in MAPPINGS]
    assert len(names) == len(set(names))
    assert len({type_map_name(n).casefold() for n in names}) == len(names)
    assert not set(histories) & NOT_EXPORTED
    for mapping in MAPPINGS:
        attributes = [a.name for a in mapping.attributes]
        assert len(attributes) == len(set(attributes)), mapping.history
        assert not {"ocel_id", "ocel_time"} & set(attributes)


def test_json_is_one_document_with_the_standard_keys(log: OcelLog, tmp_path: Path) -> None:
    document = json.loads(write_ocel_json(log, tmp_path / "log.json").read_text())
    assert list(document) == ["objectTypes", "eventTypes", "objects", "events"]
    assert [e["id"] for e in document["events"]] == sorted(
        (e["id"] for e in document["events"]), key=lambda i: int(i[1:])
    )
    posted = next(e for e in document["events"] if e["type"] == "Invoice Posted")
    assert posted["attributes"] == [{"name": "net", "value": 240.0}, {"name": "tax", "value": 16.8}]
    invoice = next(o for o in document["objects"] if o["type"] == "invoice")
    assert [a["value"] for a in invoice["attributes"] if a["name"] == "status"] == [
        "POSTED",
        "PAID",
    ]
