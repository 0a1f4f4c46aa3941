"""The canonical records the adapters build keep the canonical contract.

Orders, shipments, tracking scans and the ERP's answers are light named tuples on the hot
path, with no validation of their own: the mock systems enforce their rules where data
enters, and the adapters map from them. This test runs a small world with every entry
channel, catches every canonical record the adapters build, and checks the contract the
records' docstrings state. It is proven by feeding it a broken record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from sim.integration.adapters import CarrierAdapter, CrmAdapter, ErpAdapter, WmsAdapter
from sim.integration.adapters import erp as erp_adapter
from sim.integration.canonical import (
    Channel,
    Order,
    OrderLine,
    ScanCode,
    Shipment,
    ShipmentLine,
    SubmissionReceipt,
    TrackingScan,
    ValidationResult,
)
from sim.integration.patterns import event_driven
from sim.scenario import Scenario
from sim.world import build_world


def breaches(record: object) -> list[str]:
    """What in ``record`` breaks the canonical contract (nothing: an empty list)."""
    found: list[str] = []

    def need(ok: bool, what: str) -> None:
        if not ok:
            found.append(f"{type(record).__name__}: {what}")

    if isinstance(record, Order):
        need(bool(record.correlation_id) and bool(record.customer_id), "empty identity")
        need(record.order_ref >= 0 and record.accepted_at >= 0, "negative ref or time")
        need(isinstance(record.channel, Channel), "channel is not a Channel")
        need(len(record.lines) >= 1, "no lines")
        need(record.correlation_id == f"O{record.order_ref:08d}", "correlation id")
        for line in record.lines:
            need(isinstance(line, OrderLine), "a line is not an OrderLine")
            need(line.line_no >= 1 and bool(line.sku), "line number or sku")
            need(line.quantity > 0 and line.unit_price >= 0, "quantity or price")
    elif isinstance(record, Shipment):
        need(bool(record.shipment_id) and record.shipment_number >= 0, "shipment identity")
        need(record.order_ref >= 0 and record.shipped_at >= 0, "negative ref or time")
        need(len(record.lines) >= 1, "no lines")
        for item in record.lines:
            need(isinstance(item, ShipmentLine), "a line is not a ShipmentLine")
            need(item.line_no >= 1 and item.quantity > 0, "line number or quantity")
    elif isinstance(record, TrackingScan):
        need(bool(record.carrier_event_id), "empty carrier event id")
        need(record.order_ref >= 0 and record.occurred_at >= 0, "negative ref or time")
        need(isinstance(record.code, ScanCode), "code is not a ScanCode")
    elif isinstance(record, ValidationResult):
        need(record.ok == (not record.reasons), "ok and reasons disagree")
    elif isinstance(record, SubmissionReceipt):
        need(not record.accepted or bool(record.erp_order_number), "accepted without number")
    return found


def _catching(built: list[object], make: Callable[..., Any]) -> Callable[..., Any]:
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        record = make(*args, **kwargs)
        built.append(record)
        return record

    return wrapped


def _catching_answers(built: list[object], call: Callable[..., Any]) -> Callable[..., Any]:
    def wrapped(*args: Any, **kwargs: Any) -> Iterator[Any]:
        answer = yield from call(*args, **kwargs)
        built.append(answer)
        return answer

    return wrapped


@pytest.fixture(scope="module")
def built_records() -> list[object]:
    built: list[object] = []
    patch = pytest.MonkeyPatch()
    patch.setattr(CrmAdapter, "order_from", _catching(built, CrmAdapter.order_from))
    patch.setattr(
        WmsAdapter, "shipment_from", staticmethod(_catching(built, WmsAdapter.shipment_from))
    )
    patch.setattr(
        CarrierAdapter, "scan_from", staticmethod(_catching(built, CarrierAdapter.scan_from))
    )
    created = _catching(built, erp_adapter.created_order)
    patch.setattr(event_driven, "created_order", created)
    patch.setattr(ErpAdapter, "validate", _catching_answers(built, ErpAdapter.validate))
    patch.setattr(ErpAdapter, "submit", _catching_answers(built, ErpAdapter.submit))
    try:
        scenario = Scenario(
            name="contract",
            seed=5,
            demand_days=1,
            drain_days=6,
            demand={"orders_per_business_day": 120},
        )
        world = build_world(scenario)
        world.run.sim.run(until=world.horizon_s)
    finally:
        patch.undo()
    return built


def test_every_canonical_record_the_adapters_build_keeps_the_contract(
    built_records: list[object],
) -> None:
    kinds = {type(record) for record in built_records}
    # the world made every kind: orders from the CRM and from EDI, shipments, scans, answers
    assert {Order, Shipment, TrackingScan, ValidationResult, SubmissionReceipt} <= kinds
    channels = {record.channel for record in built_records if isinstance(record, Order)}
    assert Channel.EDI in channels and len(channels) == 3
    assert [problem for record in built_records for problem in breaches(record)] == []


def test_the_contract_check_catches_a_broken_record() -> None:
    line = OrderLine(line_no=1, sku="M1", quantity=2, unit_price=3.0)
    good = Order(
        correlation_id="O00000007",
        order_ref=7,
        customer_id="C1",
        channel=Channel.EDI,
        region="west",
        accepted_at=1.0,
        lines=(line,),
    )
    assert breaches(good) == []
    assert breaches(good._replace(lines=())) == ["Order: no lines"]
    assert breaches(good._replace(lines=(line._replace(quantity=0),))) == [
        "Order: quantity or price"
    ]
    assert breaches(good._replace(channel="edi")) == ["Order: channel is not a Channel"]
