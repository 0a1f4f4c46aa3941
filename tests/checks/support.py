"""Hand-written histories for the checker tests."""

from __future__ import annotations

import math
from typing import Any

from sim.engine import History
from tests.helpers import Writer

Row = dict[str, Any]


def row(
    time: float,
    event: str,
    order: int = -1,
    subject: int = -1,
    status: str = "",
    value: float = math.nan,
    value2: float = math.nan,
    actor: str | None = None,
) -> Row:
    """One row to write later."""
    return {
        "time": time,
        "event": event,
        "order": order,
        "subject": subject,
        "status": status,
        "value": value,
        "value2": value2,
        "actor": actor,
    }


def write(rows: list[Row]) -> History:
    """A history holding ``rows`` in list order."""
    w = Writer()
    for r in rows:
        w(**r)
    return w.history


def without(
    rows: list[Row], event: str, order: int | None = None, subject: int | None = None
) -> list[Row]:
    """``rows`` less those of ``event`` (for one order / subject when given)."""
    return [
        r
        for r in rows
        if not (
            r["event"] == event
            and (order is None or r["order"] == order)
            and (subject is None or r["subject"] == subject)
        )
    ]


def run_ended(time: float, in_flight: float = 0, pending: float = 0) -> Row:
    """The run's final row."""
    return row(time, "run.ended", value=in_flight, value2=pending)


def _delivered(order: int, delivery: int, t: float) -> list[Row]:
    return [
        row(t, "crm.shipment_updated", order, delivery, "IN_TRANSIT"),
        row(t + 50, "crm.shipment_updated", order, delivery, "OUT_FOR_DELIVERY"),
        row(t + 60, "crm.shipment_updated", order, delivery, "DELIVERED"),
    ]


def _statuses(order: int, t: float, *statuses: str) -> list[Row]:
    """ERP then CRM rows for each status, one second apart."""
    out: list[Row] = []
    for i, status in enumerate(statuses):
        out.append(row(t + 10 * i, "erp.order_status", order, status=status))
        out.append(row(t + 10 * i + 1, "crm.status_updated", order, status=status))
    return out


def order_world(quiescent: bool = True) -> list[Row]:
    """Four orders that keep every order invariant.

    Order 1 ships whole (delivery 9001); order 2 ships in two parts after a backorder and a
    goods receipt (9002, 9003); order 3 never reaches the ERP but raised an exception; order
    4 is held for credit and cancelled. Stock: NJ01 material 501 and 502.
    """
    rows = [
        row(0, "erp.stock_opening", subject=501, status="NJ01", value=12),
        row(0, "erp.stock_opening", subject=502, status="NJ01", value=3),
        row(1, "crm.quote_accepted", 1, status="web_shop", value=100.0, value2=10),
        row(2, "crm.quote_accepted", 2, status="edi", value=50.0, value2=5),
        row(3, "crm.quote_accepted", 3, status="edi", value=20.0, value2=2),
        row(4, "crm.quote_accepted", 4, status="field_sales", value=70.0, value2=7),
        row(10, "erp.order_created", 1, 77, "NJ01", value=100.0),
        row(11, "erp.order_created", 2, 78, "NJ01", value=50.0),
        row(
            12,
            "integration.exception_raised",
            3,
            status="master_data_conflict",
            actor="integration:hybrid",
        ),
        row(13, "erp.order_created", 4, 79, "NJ01", value=70.0),
        *_statuses(4, 13, "HELD", "CANCELLED"),
        row(20, "erp.inventory_allocated", 1, 9001, "NJ01", value=10),
        row(21, "erp.inventory_allocated", 2, 9002, "NJ01", value=3),
        *_statuses(1, 10, "CREATED", "ALLOCATED", "PICK_RELEASED"),
        *_statuses(2, 11, "CREATED", "BACKORDERED"),
        row(30, "carrier.tendered", 1, 9001, "NJ01"),
        row(31, "erp.goods_issue", 1, 501, "NJ01", value=10),
        row(31, "erp.shipment_dispatched", 1, 9001, "NJ01", value=10),
        row(31, "erp.invoice_posted", 1, 9001, value=100.0, value2=7.0),
        row(40, "carrier.tendered", 2, 9002, "NJ01"),
        row(41, "erp.goods_issue", 2, 502, "NJ01", value=3),
        row(41, "erp.shipment_dispatched", 2, 9002, "NJ01", value=3),
        row(41, "erp.invoice_posted", 2, 9002, value=30.0, value2=2.1),
        row(50, "erp.goods_receipt", subject=502, status="NJ01", value=2),
        row(60, "erp.inventory_allocated", 2, 9003, "NJ01", value=2),
        *_statuses(1, 40, "SHIPPED", "IN_TRANSIT", "OUT_FOR_DELIVERY", "DELIVERED"),
        row(70, "carrier.tendered", 2, 9003, "NJ01"),
        row(71, "erp.goods_issue", 2, 502, "NJ01", value=2),
        row(71, "erp.shipment_dispatched", 2, 9003, "NJ01", value=2),
        row(71, "erp.invoice_posted", 2, 9003, value=20.0, value2=1.4),
        *_statuses(2, 72, "ALLOCATED", "PICK_RELEASED", "SHIPPED", "IN_TRANSIT"),
        *_delivered(1, 9001, 45),
        *_delivered(2, 9002, 55),
        row(80, "crm.shipment_updated", 2, 9003, "IN_TRANSIT"),
    ]
    if quiescent:
        rows.append(run_ended(1000))
    return rows


def bus_world(quiescent: bool = True) -> list[Row]:
    """Two subscriptions on topic ``orders`` that conserve every message.

    ``crm-sync`` takes every type: message 1 applied, message 2 applied and its broker
    duplicate discarded. ``router`` takes only PickReleased: message 2 is dead-lettered,
    replayed and applied. Message 3 goes to topic ``invoices``, which nobody subscribes to.
    """
    sync, router = "subscriber:crm-sync", "subscriber:router"
    rows = [
        row(0, "bus.subscribed", status="orders", actor=sync),
        row(0, "bus.subscribed", status="orders", actor=router),
        row(0, "bus.subscription_filter", status="PickReleased", actor=router),
        row(1, "bus.published", 1, 1, "OrderAccepted", value=1, actor="topic:orders"),
        row(2, "bus.published", 1, 2, "PickReleased", value=2, actor="topic:orders"),
        row(3, "bus.published", 1, 3, "InvoicePosted", value=3, actor="topic:invoices"),
        row(4, "bus.delivered", 1, 1, "OrderAccepted", value=1, actor=sync),
        row(5, "bus.applied", 1, 1, "OrderAccepted", actor=sync),
        row(6, "bus.delivered", 1, 2, "PickReleased", value=1, actor=sync),
        row(6, "bus.delivered", 1, 2, "PickReleased", value=1, actor=router),
        row(7, "bus.applied", 1, 2, "PickReleased", actor=sync),
        row(7, "bus.dead_lettered", 1, 2, "handler_failed", actor=router),
        row(8, "bus.delivered", 1, 2, "PickReleased", value=2, actor=sync),
        row(9, "bus.discarded", 1, 2, "duplicate", actor=sync),
        row(20, "bus.replayed", 1, 2, actor=router),
        row(21, "bus.delivered", 1, 2, "PickReleased", value=2, actor=router),
        row(22, "bus.applied", 1, 2, "PickReleased", actor=router),
    ]
    rows.append(run_ended(100, 0 if quiescent else 1, 0))
    return rows


def has_row(witness: list[dict[str, object]], event: str, **fields: object) -> bool:
    """True when the witness holds a row of ``event`` with these field values."""
    return any(w["event"] == event and all(w[k] == v for k, v in fields.items()) for w in witness)
