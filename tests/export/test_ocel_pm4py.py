"""Both OCEL 2.0 files of a simulated run, read back by pm4py and checked against the history.

pm4py is a real consumer of the format (a test-only dependency). Counts are taken from the
history rows here, not from the exporter: events per type, objects per type by the event
that creates each kind of object, and every relation must name an object that exists.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sim.export import ocel_log, write_ocel_json, write_ocel_sqlite
from sim.export.ocel import MAPPINGS
from sim.history_frame import ACCEPTANCE_EVENTS
from sim.report import write_outputs
from sim.run import execute
from sim.run_dir import read_run
from sim.scenario import load_scenario
from tests.cli.support import REPO

pm4py = pytest.importorskip("pm4py")

# a small bad Monday: credit holds (few customers with tight limits: limits are sized to
# each customer's volume, so only tight ones bind in a day), desk work items, dead letters
# and replays besides the happy path; a long drain so that invoices are paid (30-day terms)
SCENARIO = REPO / "scenarios" / "bad_monday.yaml"
OVERRIDES = [
    "demand_days=1",
    "drain_days=45",
    "demand.orders_per_business_day=300",
    "master_data.customers=60",
    "master_data.credit_limit_mean=10000",
    # a cold start: opening exposure near the limits and never paid down, so customers run
    # into credit holds within the day (a warm world sizes limits from their volume)
    "warm_start.enabled=false",
]

# the kinds of object, each counted by the history events that name it
OBJECTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "order": ("order", ACCEPTANCE_EVENTS),
    "shipment": ("subject", ("erp.inventory_allocated",)),
    "invoice": ("subject", ("erp.invoice_posted",)),
    "message": ("subject", ("bus.published",)),
    "work item": ("subject", ("desk.item_raised",)),
    "customer": (
        "subject",
        (
            "erp.order_created",
            "erp.customer_pending",
            "erp.customer_created",
            "erp.receivable_opened",
            "erp.receivable_paid",
        ),
    ),
    "product": (
        "subject",
        (
            "erp.goods_issue",
            "erp.purchase_order",
            "erp.goods_receipt",
            "erp.list_price_changed",
            "erp.material_blocked",
            "erp.material_unblocked",
            "erp.purchase_order_open",
            "erp.opening_allocation",
            "erp.inventory_difference",
            "wms.stock_drift",
            "wms.cycle_count",
        ),
    ),
}

# a few event types whose history event is named here rather than taken from the mapping
KEY_EVENTS = {
    "Quote Accepted": "crm.quote_accepted",
    "ERP Order Created": "erp.order_created",
    "Inventory Allocated": "erp.inventory_allocated",
    "Shipment Dispatched": "erp.shipment_dispatched",
    "Carrier Scan": "carrier.scan",
    "Invoice Posted": "erp.invoice_posted",
    "Payment Received": "erp.payment_received",
    "CRM Status Updated": "crm.status_updated",
    "Message Published": "bus.published",
    "Message Dead-Lettered": "bus.dead_lettered",
    "Exception Raised": "integration.exception_raised",
    "Hold Placed": "erp.hold_placed",
}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    scenario = load_scenario(SCENARIO, OVERRIDES)
    folder = tmp_path_factory.mktemp("run")
    write_outputs(execute(scenario, scenario.seed), folder)
    return folder


@pytest.fixture(scope="module")
def history(run_dir: Path) -> pd.DataFrame:
    frame = pd.read_parquet(run_dir / "history.parquet")
    frame["event"] = frame["event"].astype(str)
    return frame


@pytest.fixture(scope="module")
def files(run_dir: Path) -> dict[str, Path]:
    facts, frame = read_run(run_dir)
    log = ocel_log(frame, facts["resolved_scenario"]["start"])
    assert log.unmapped == {}, "every event of the run is mapped or known to name no object"
    return {
        "json": write_ocel_json(log, run_dir / "ocel2.json"),
        "sqlite": write_ocel_sqlite(log, run_dir / "ocel2.sqlite"),
    }


@pytest.fixture(scope="module", params=["json", "sqlite"])
def read_back(request: pytest.FixtureRequest, files: dict[str, Path]) -> tuple[str, Any]:
    reader = pm4py.read_ocel2_json if request.param == "json" else pm4py.read_ocel2_sqlite
    return request.param, reader(str(files[request.param]))


def _exported_rows(history: pd.DataFrame) -> pd.DataFrame:
    chosen = {m.history for m in MAPPINGS if not m.bookkeeping}
    return history[history["event"].isin(chosen)]


def test_events_per_type_match_the_history(
    read_back: tuple[str, Any], history: pd.DataFrame
) -> None:
    _, ocel = read_back
    got = ocel.events["ocel:activity"].value_counts().to_dict()
    rows = history["event"].value_counts()
    for name, event in KEY_EVENTS.items():
        assert got.get(name, 0) == rows.get(event, 0), name
        assert rows.get(event, 0) > 0, f"the scenario should have {event}"
    expected = {
        m.name: int(rows[m.history])
        for m in MAPPINGS
        if not m.bookkeeping and rows.get(m.history, 0)
    }
    assert got == expected
    assert len(ocel.events) == len(_exported_rows(history))


def test_objects_per_type_match_the_history(
    read_back: tuple[str, Any], history: pd.DataFrame
) -> None:
    _, ocel = read_back
    got = ocel.objects["ocel:type"].value_counts().to_dict()
    expected = {}
    for object_type, (column, events) in OBJECTS.items():
        numbers = history.loc[history["event"].isin(events), column]
        if (count := numbers[numbers >= 0].nunique()) > 0:
            expected[object_type] = count
    assert got == expected
    # and no event names an order that was never accepted
    accepted = set(history.loc[history["event"].isin(ACCEPTANCE_EVENTS), "order"])
    named = set(_exported_rows(history)["order"]) - {-1}
    assert named <= accepted


def test_every_relation_names_an_existing_object(
    read_back: tuple[str, Any], files: dict[str, Path]
) -> None:
    form, ocel = read_back
    objects = set(ocel.objects["ocel:oid"])
    assert set(ocel.relations["ocel:oid"]) <= objects
    assert set(ocel.o2o["ocel:oid"]) <= objects
    assert set(ocel.o2o["ocel:oid_2"]) <= objects
    assert set(ocel.relations["ocel:eid"]) <= set(ocel.events["ocel:eid"])
    # nothing was dropped on reading: the files hold exactly the relations pm4py kept
    if form == "json":
        document = json.loads(files["json"].read_text())
        e2o = sum(len(e["relationships"]) for e in document["events"])
        o2o = sum(len(o["relationships"]) for o in document["objects"])
    else:
        with sqlite3.connect(files["sqlite"]) as con:
            e2o = con.execute("SELECT COUNT(*) FROM event_object").fetchone()[0]
            o2o = con.execute("SELECT COUNT(*) FROM object_object").fetchone()[0]
    assert (len(ocel.relations), len(ocel.o2o)) == (e2o, o2o)


def test_relations_are_qualified(read_back: tuple[str, Any]) -> None:
    _, ocel = read_back
    relations = ocel.relations
    assert set(relations["ocel:qualifier"]) == set(OBJECTS)
    # a relation's qualifier is the type of the object it names
    assert (relations["ocel:qualifier"] == relations["ocel:type"]).all()
    assert set(ocel.o2o["ocel:qualifier"]) == {
        "placed by",
        "contains",
        "ships",
        "bills",
        "concerns",
    }
    posted = relations[relations["ocel:activity"] == "Invoice Posted"]
    per_event = posted.groupby("ocel:eid")["ocel:qualifier"].apply(sorted)
    assert (per_event.apply(tuple) == ("invoice", "order", "shipment")).all()
    ships = ocel.o2o[ocel.o2o["ocel:qualifier"] == "ships"]
    shipments = ocel.objects[ocel.objects["ocel:type"] == "shipment"]["ocel:oid"]
    assert sorted(ships["ocel:oid"]) == sorted(shipments)  # each ships exactly one order


def test_times_are_the_scenario_start_plus_simulated_seconds(
    read_back: tuple[str, Any], history: pd.DataFrame, run_dir: Path
) -> None:
    _, ocel = read_back
    facts = json.loads((run_dir / "run.json").read_text())
    start = pd.Timestamp(facts["resolved_scenario"]["start"])
    seconds = _exported_rows(history)["time"]
    stamps = pd.to_datetime(ocel.events["ocel:timestamp"], utc=True)
    expected = start + pd.to_timedelta(np.array([seconds.min(), seconds.max()]), unit="s")
    assert abs(stamps.min() - expected[0]) < pd.Timedelta(microseconds=1)
    assert abs(stamps.max() - expected[1]) < pd.Timedelta(microseconds=1)


def test_sqlite_file_has_the_standard_schema_and_keys(files: dict[str, Path]) -> None:
    from pm4py.objects.ocel.validation import ocel20_rel_validation

    _, unsatisfied = ocel20_rel_validation.apply(str(files["sqlite"]))
    assert unsatisfied == []
    with sqlite3.connect(files["sqlite"]) as con:
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
