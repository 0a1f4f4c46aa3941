"""A run's history as an OCEL 2.0 object-centric event log (tables; writers elsewhere).

:func:`ocel_log` maps the history rows to OCEL 2.0 events, objects and their relations,
column-wise with numpy and pandas; :mod:`sim.export.ocel_json` and
:mod:`sim.export.ocel_sqlite` write the result in the standard's JSON and SQLite formats.
Only the history is read (and the scenario's start, to turn simulated seconds into times).

Objects (type, id, attributes)::

    order      O00000042  the correlation id; channel, quote_value (its value at acceptance),
                          units, region (where it entered: CRM quote, web-shop order or
                          IDoc), plant, net_value (ERP order), erp_status (changes over time)
    customer   C000017    the ERP customer number; region (of the first order it placed)
    product    P000123    the ERP material number; list_price (changes, when re-priced)
    shipment   S00000007  the ERP delivery number; plant, quantity (allocated), status
                          (ALLOCATED, SHIPPED, then each carrier milestone the ERP applied)
    invoice    I00000007  one per delivery, named by its delivery number; net, tax, status
                          (POSTED, PAID)
    message    M00000311  a message published on the event bus; kind, topic, sequence
    work item  W00000005  an order-desk work item; reason
    return     R00000042  a return case, named by its order's number (one per order); reason,
                          status (AUTHORIZED or REFUSED, RECEIVED, CREDITED)

Event ids are ``e<row>``: the row's position in ``history.parquet``, zero-padded to the
history's width (``e0001234``), so ids sort in history order. Event times and attributes of
type ``time`` are ISO 8601 UTC, the scenario's start plus simulated seconds.

Events (history event -> OCEL event type: related objects by qualifier; attributes). Every
relation's qualifier is the object's type (``order``, ``shipment``, ...); a link is left
out when the row does not name that object (``order`` or ``subject`` of -1).

====================================  ===========================  =========================
history event                         OCEL event type              objects; attributes
====================================  ===========================  =========================
crm.quote_accepted                    Quote Accepted               order; channel, value,
                                                                   units
crm.order_placed                      Web Order Placed             order; channel, value,
                                                                   units
crm.order_record_created              CRM Order Created            order; channel
crm.order_record_refused              CRM Order Refused            order; reason
crm.validation_shown                  Validation Shown             order; result
crm.amendment_requested               Amendment Requested          order; kind, line,
                                                                   quantity
crm.amendment_refused                 Amendment Refused By CRM     order; kind
crm.status_updated                    CRM Status Updated           order; status, source_time
crm.shipment_updated                  CRM Shipment Updated         order, shipment; status,
                                                                   source_time
crm.invoice_status_updated            CRM Invoice Updated          order, invoice; status,
                                                                   source_time
integration.order_received            Order Received               order; channel
integration.erp_order_taken           ERP Order Taken Into CRM     order; channel
integration.no_crm_record             Status Without CRM Record    order; status
integration.intake_failed             ERP Order Intake Failed      order; reason
integration.intake_deferred           Status Deferred Until Intake order
integration.validated                 Order Validated              order; outcome
integration.order_submitted           Order Submitted              order; outcome
integration.stored_for_forwarding     Order Stored For Forwarding  order; reason
integration.forwarded                 Order Forwarded              order
integration.forwarding_failed         Forwarding Failed            order; reason
integration.message_dropped           Notification Dropped         order; reason
integration.parked / .unparked        Write Parked / Unparked      order; operation
integration.exception_raised          Exception Raised             order; reason
integration.resubmitted               Exception Resubmitted        order; reason
integration.resolution_failed         Resolution Failed            order; outcome
integration.exception_resolved        Exception Resolved           order; outcome
integration.compensated               Order Compensated            order; reason
integration.compensation_refused      Compensation Refused         order; reason
integration.order_cancelled           Order Cancelled              order; reason
integration.amendment_received        Amendment Received           order; kind
integration.amendment_applied         Amendment Applied            order; kind
integration.amendment_refused         Amendment Refused            order; kind
integration.amendment_failed          Amendment Failed             order; outcome
integration.reconciled                Order Reconciled             order; status
integration.scan_recovered            Scan Recovered               order; scan
integration.duplicate_suppressed      Duplicate Scan Suppressed    order; scan
integration.stale_discarded           Stale Update Discarded       order; scan, version
erp.order_created                     ERP Order Created            order, customer; plant,
                                                                   net_value
erp.order_rejected                    ERP Order Rejected           order; reason
erp.delivery_confirmed                Delivery Date Confirmed      order; availability,
                                                                   promised_by
erp.idoc_received                     IDoc Received                order; channel, value,
                                                                   units
erp.idoc_posted                       IDoc Posted                  order
erp.idoc_error                        IDoc Error                   order; reason
erp.idoc_closed                       IDoc Closed                  order; reason
erp.idoc_change_received / _posted    Order Change IDoc Received / order; action
                                      Posted
erp.idoc_change_error                 Order Change IDoc Error      order; reason
erp.duplicate_suppressed              ERP Duplicate Suppressed     order, shipment
erp.hold_placed                       Hold Placed                  order; reason, net_value
erp.hold_released                     Hold Released                order; reason
erp.order_cancelled                   ERP Order Cancelled          order; reason
erp.cancel_refused                    ERP Cancel Refused           order; reason
erp.order_changed                     ERP Order Changed            order; outcome, item,
                                                                   net_value, units
erp.change_refused                    ERP Change Refused           order; reason, item
erp.order_status                      ERP Status Changed           order; status
erp.inventory_allocated               Inventory Allocated          order, shipment; plant,
                                                                   quantity
erp.backorder_created                 Backorder Created            order; plant,
                                                                   open_quantity
erp.goods_issue                       Goods Issued                 order, product; plant,
                                                                   quantity
erp.shipment_dispatched               Shipment Dispatched          order, shipment; plant,
                                                                   quantity
erp.billing_due                       Billing Due                  order, shipment
erp.delivery_status                   Delivery Status Changed      order, shipment; status,
                                                                   occurred_at
erp.tracking_refused                  Tracking Refused             order, shipment; scan,
                                                                   occurred_at
erp.tracking_ignored                  Tracking Ignored             order, shipment; scan,
                                                                   occurred_at
erp.invoice_posted                    Invoice Posted               order, shipment, invoice;
                                                                   net, tax
erp.payment_received                  Payment Received             order, invoice; amount
erp.customer_pending / _created       Customer Pending / Created   customer
erp.list_price_changed                List Price Changed           product; price
erp.material_blocked / _unblocked     Material Blocked / Unblocked product
erp.purchase_order                    Purchase Order Placed        product; plant, quantity
erp.goods_receipt                     Goods Received               product; plant, quantity
wms.pick_released                     Pick Released                order, shipment; site,
                                                                   lines
wms.pick_started                      Pick Started                 order, shipment; site,
                                                                   picker
wms.packed                            Packed                       order, shipment; site,
                                                                   work_s
wms.duplicate_suppressed              WMS Duplicate Suppressed     order, shipment
carrier.tendered                      Shipment Tendered            order, shipment; site
carrier.scan                          Carrier Scan                 order, shipment; scan,
                                                                   occurred_at
carrier.delivery_exception            Delivery Exception           order, shipment; reason,
                                                                   attempts, occurred_at
carrier.duplicate_suppressed          Carrier Duplicate Suppressed order, shipment
crm.case_opened                       Return Requested             order, return; reason,
                                                                   units
crm.case_status                       CRM Case Updated             order, return; status,
                                                                   source_time
integration.return_requested          Return Request Received      order, return; reason
integration.return_failed             Return Step Failed           order, return; operation
erp.return_authorized                 Return Authorized            order, return; reason,
                                                                   units, rma
erp.return_refused                    Return Refused               order, return; reason,
                                                                   units
erp.return_replayed                   ERP Duplicate Return         order, return; rma
                                      Suppressed
erp.return_received                   Return Received              order, return, product;
                                                                   plant, quantity, sellable
erp.stock_returned                    Stock Returned               order, product; plant,
                                                                   quantity
erp.credit_memo_line                  Credit Memo Line             order, return, product;
                                                                   quantity, net
erp.credit_memo_posted                Credit Memo Posted           order, return; net, tax
wms.return_advised                    Return Advised               order, return; site, units
wms.return_arrived                    Return Parcel Arrived        order, return; site
wms.return_inspected                  Return Inspected             order, return; site,
                                                                   units, sellable
desk.item_raised                      Work Item Raised             order, work item; reason
desk.item_started                     Work Item Started            order, work item; reason,
                                                                   wait_s, worker
desk.item_resolved                    Work Item Resolved           order, work item; outcome,
                                                                   age_s, work_s
bus.published                         Message Published            message, order; kind,
                                                                   topic, sequence
bus.delivered                         Message Delivered            message, order; kind,
                                                                   subscriber, delivery
bus.applied                           Message Applied              message, order; kind,
                                                                   subscriber
bus.discarded                         Message Discarded            message, order; reason,
                                                                   subscriber
bus.dead_lettered                     Message Dead-Lettered        message, order; reason,
                                                                   subscriber
bus.dropped                           Message Dropped              message, order; reason,
                                                                   subscriber
bus.redelivered                       Message Redelivered          message, order; reason,
                                                                   subscriber
bus.replayed                          Message Replayed             message, order; reason,
                                                                   subscriber
bus.publish_held / _released          Publish Held / Released      order; topic
====================================  ===========================  =========================

Bookkeeping, only with ``bookkeeping=True`` (``o2csim export --include-bookkeeping``):
``endpoint.call`` (API Call: order; endpoint, outcome, wait_s, service_s; only calls made
for an order), ``integration.retry`` (Call Retried: order; caller, attempt, outcome,
wait_s), ``integration.retry_budget_exhausted``, ``integration.throttle_wait``,
``erp.no_change``, ``erp.stock_opening`` and ``erp.stock_count`` (product; plant, on_hand,
allocated).

Never exported, as they name no business object: ``run.ended``, ``fault.*``,
``endpoint.availability``, ``pool.declared``, ``pool.member``, ``pool.work`` and
``lock.wait`` (capacity bookkeeping), ``bus.subscribed``, ``bus.subscription_filter``,
``bus.availability``, ``integration.breaker``, ``integration.atp_cache_*``,
``integration.mapping_deployed``, ``integration.dead_letters_replayed``,
``integration.replay_not_applicable``, ``integration.reconciliation_run`` and ``_failed``,
``integration.poll_started``, ``integration.sync_extracted`` and ``_failed``,
``carrier.feed_polled``, the batch windows (``erp.batch_started`` and ``_finished``,
``wms.wave_released``, ``carrier.manifest_transmitted``), ``desk.headcount``,
``erp.contract_version``, ``erp.idoc_batch`` and ``_deferred``,
``integration.intake_polled``, ``_poll_failed`` and ``_poll_skipped``; ``crm.quote_region``,
``crm.order_region`` and ``erp.idoc_region`` become the order's ``region`` attribute; the
master-data flow's rows (:data:`MASTER_DATA_FLOW_EVENTS`) name accounts and price-book
entries, not the log's objects, and are left out too. A
history event in neither list (one added to the simulator after this table) is not exported
and is reported in :attr:`OcelLog.unmapped`.

Object-to-object relations come from events that name both objects: an order is
``placed by`` its customer (ERP Order Created), ``contains`` the products issued for it
(Goods Issued); a shipment ``ships`` its order; an invoice ``bills`` its shipment and its
order; a message and a work item each ``concerns`` its order; a return ``returns`` its
order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sim.history_frame import ACCEPTANCE_EVENTS, ORDER_REGION_EVENTS
from sim.sorted_keys import lookup

__all__ = [
    "BOOKKEEPING",
    "MAPPINGS",
    "MASTER_DATA_FLOW_EVENTS",
    "NOT_EXPORTED",
    "OBJECT_IDS",
    "O2O_RULES",
    "Attr",
    "EventMapping",
    "EventTable",
    "Link",
    "ObjectTable",
    "OcelLog",
    "iso_times",
    "ocel_log",
    "parse_start",
    "spell",
    "type_map_name",
]

Kind = Literal["string", "float", "integer", "time"]
"""OCEL 2.0 attribute types used here (the standard also has ``boolean``)."""

Column = Literal["status", "value", "value2", "actor", "subject"]

OBJECT_IDS: dict[str, tuple[str, int]] = {
    "order": ("O", 8),  # the correlation id, as sim.checks.base.correlation_id spells it
    "customer": ("C", 6),
    "product": ("P", 6),
    "shipment": ("S", 8),
    "invoice": ("I", 8),
    "message": ("M", 8),
    "work item": ("W", 8),
    "return": ("R", 8),  # one return case per order, named by the order's number
}
"""Object type -> id prefix and zero-padded width of the history number."""


@dataclass(frozen=True, slots=True)
class Attr:
    """An event attribute taken from one history column."""

    name: str
    column: Column
    kind: Kind


@dataclass(frozen=True, slots=True)
class Link:
    """An event-to-object relation: the object named by a history column."""

    object_type: str
    column: Literal["order", "subject"]

    @property
    def qualifier(self) -> str:
        """The relation's qualifier: the object's type."""
        return self.object_type


@dataclass(frozen=True, slots=True)
class EventMapping:
    """How the rows of one history event become events of one OCEL event type."""

    history: str
    name: str
    links: tuple[Link, ...]
    attributes: tuple[Attr, ...] = ()
    bookkeeping: bool = False
    needs_object: bool = False
    """Leave out rows that name none of the linked objects (e.g. calls made for no order)."""


_ORDER = Link("order", "order")
_SHIPMENT = Link("shipment", "subject")
_INVOICE = Link("invoice", "subject")
_CUSTOMER = Link("customer", "subject")
_PRODUCT = Link("product", "subject")
_MESSAGE = Link("message", "subject")
_WORK_ITEM = Link("work item", "subject")
_RETURN = Link("return", "order")


def _s(name: str, column: Column = "status") -> Attr:
    return Attr(name, column, "string")


def _f(name: str, column: Column = "value") -> Attr:
    return Attr(name, column, "float")


def _i(name: str, column: Column = "value") -> Attr:
    return Attr(name, column, "integer")


def _t(name: str, column: Column = "value2") -> Attr:
    return Attr(name, column, "time")


def _order(history: str, name: str, *attributes: Attr) -> EventMapping:
    return EventMapping(history, name, (_ORDER,), attributes)


def _delivery(history: str, name: str, *attributes: Attr) -> EventMapping:
    return EventMapping(history, name, (_ORDER, _SHIPMENT), attributes)


def _product(history: str, name: str, *attributes: Attr, bookkeeping: bool = False) -> EventMapping:
    return EventMapping(history, name, (_PRODUCT,), attributes, bookkeeping)


def _return(history: str, name: str, *attributes: Attr) -> EventMapping:
    return EventMapping(history, name, (_ORDER, _RETURN), attributes)


def _return_product(history: str, name: str, *attributes: Attr) -> EventMapping:
    return EventMapping(history, name, (_ORDER, _RETURN, _PRODUCT), attributes)


def _bus(history: str, name: str, *attributes: Attr) -> EventMapping:
    return EventMapping(history, name, (_MESSAGE, _ORDER), attributes)


_SUBSCRIBER = _s("subscriber", "actor")

MAPPINGS: tuple[EventMapping, ...] = (
    # CRM
    _order(
        "crm.quote_accepted", "Quote Accepted", _s("channel"), _f("value"), _i("units", "value2")
    ),
    _order(
        "crm.order_placed", "Web Order Placed", _s("channel"), _f("value"), _i("units", "value2")
    ),
    _order("crm.order_record_created", "CRM Order Created", _s("channel")),
    _order("crm.order_record_refused", "CRM Order Refused", _s("reason")),
    _order("crm.validation_shown", "Validation Shown", _s("result")),
    _order(
        "crm.amendment_requested",
        "Amendment Requested",
        _s("kind"),
        _i("line", "subject"),
        _i("quantity"),
    ),
    _order("crm.amendment_refused", "Amendment Refused By CRM", _s("kind")),
    _order("crm.status_updated", "CRM Status Updated", _s("status"), _t("source_time")),
    EventMapping(
        "crm.shipment_updated",
        "CRM Shipment Updated",
        (_ORDER, _SHIPMENT),
        (_s("status"), _t("source_time")),
    ),
    EventMapping(
        "crm.invoice_status_updated",
        "CRM Invoice Updated",
        (_ORDER, _INVOICE),
        (_s("status"), _t("source_time")),
    ),
    # integration core (whichever pattern)
    _order("integration.order_received", "Order Received", _s("channel")),
    _order("integration.erp_order_taken", "ERP Order Taken Into CRM", _s("channel")),
    _order("integration.no_crm_record", "Status Without CRM Record", _s("status")),
    _order("integration.intake_failed", "ERP Order Intake Failed", _s("reason")),
    _order("integration.intake_deferred", "Status Deferred Until Intake"),
    _order("integration.validated", "Order Validated", _s("outcome")),
    _order("integration.order_submitted", "Order Submitted", _s("outcome")),
    _order("integration.stored_for_forwarding", "Order Stored For Forwarding", _s("reason")),
    _order("integration.forwarded", "Order Forwarded"),
    _order("integration.forwarding_failed", "Forwarding Failed", _s("reason")),
    _order("integration.message_dropped", "Notification Dropped", _s("reason")),
    _order("integration.parked", "Write Parked", _s("operation")),
    _order("integration.unparked", "Write Unparked", _s("operation")),
    _order("integration.exception_raised", "Exception Raised", _s("reason")),
    _order("integration.resubmitted", "Exception Resubmitted", _s("reason")),
    _order("integration.resolution_failed", "Resolution Failed", _s("outcome")),
    _order("integration.exception_resolved", "Exception Resolved", _s("outcome")),
    _order("integration.compensated", "Order Compensated", _s("reason")),
    _order("integration.compensation_refused", "Compensation Refused", _s("reason")),
    _order("integration.order_cancelled", "Order Cancelled", _s("reason")),
    _order("integration.amendment_received", "Amendment Received", _s("kind")),
    _order("integration.amendment_applied", "Amendment Applied", _s("kind")),
    _order("integration.amendment_refused", "Amendment Refused", _s("kind")),
    _order("integration.amendment_failed", "Amendment Failed", _s("outcome")),
    _order("integration.reconciled", "Order Reconciled", _s("status")),
    _order("integration.scan_recovered", "Scan Recovered", _s("scan")),
    _order("integration.duplicate_suppressed", "Duplicate Scan Suppressed", _s("scan")),
    _order(
        "integration.stale_discarded",
        "Stale Update Discarded",
        _s("scan"),
        _i("version", "subject"),
    ),
    # ERP orders
    EventMapping(
        "erp.order_created",
        "ERP Order Created",
        (_ORDER, _CUSTOMER),
        (_s("plant"), _f("net_value")),
    ),
    _order("erp.order_rejected", "ERP Order Rejected", _s("reason")),
    _order(
        "erp.delivery_confirmed",
        "Delivery Date Confirmed",
        _s("availability"),
        _t("promised_by", "value"),
    ),
    _order("erp.idoc_received", "IDoc Received", _s("channel"), _f("value"), _i("units", "value2")),
    _order("erp.idoc_posted", "IDoc Posted"),
    _order("erp.idoc_error", "IDoc Error", _s("reason")),
    _order("erp.idoc_closed", "IDoc Closed", _s("reason")),
    _order("erp.idoc_change_received", "Order Change IDoc Received", _s("action")),
    _order("erp.idoc_change_posted", "Order Change IDoc Posted", _s("action")),
    _order("erp.idoc_change_error", "Order Change IDoc Error", _s("reason")),
    _delivery("erp.duplicate_suppressed", "ERP Duplicate Suppressed"),
    _order("erp.hold_placed", "Hold Placed", _s("reason"), _f("net_value")),
    _order("erp.hold_released", "Hold Released", _s("reason")),
    _order("erp.order_cancelled", "ERP Order Cancelled", _s("reason")),
    _order("erp.cancel_refused", "ERP Cancel Refused", _s("reason")),
    _order(
        "erp.order_changed",
        "ERP Order Changed",
        _s("outcome"),
        _i("item", "subject"),
        _f("net_value"),
        _i("units", "value2"),
    ),
    _order("erp.change_refused", "ERP Change Refused", _s("reason"), _i("item", "subject")),
    _order("erp.order_status", "ERP Status Changed", _s("status")),
    # ERP fulfilment and billing
    _delivery("erp.inventory_allocated", "Inventory Allocated", _s("plant"), _i("quantity")),
    _order("erp.backorder_created", "Backorder Created", _s("plant"), _i("open_quantity")),
    EventMapping(
        "erp.goods_issue", "Goods Issued", (_ORDER, _PRODUCT), (_s("plant"), _i("quantity"))
    ),
    _delivery("erp.shipment_dispatched", "Shipment Dispatched", _s("plant"), _i("quantity")),
    _delivery("erp.billing_due", "Billing Due"),
    _delivery("erp.delivery_status", "Delivery Status Changed", _s("status"), _t("occurred_at")),
    _delivery("erp.tracking_refused", "Tracking Refused", _s("scan"), _t("occurred_at")),
    _delivery("erp.tracking_ignored", "Tracking Ignored", _s("scan"), _t("occurred_at")),
    EventMapping(
        "erp.invoice_posted",
        "Invoice Posted",
        (_ORDER, _SHIPMENT, _INVOICE),
        (_f("net"), _f("tax", "value2")),
    ),
    EventMapping("erp.payment_received", "Payment Received", (_ORDER, _INVOICE), (_f("amount"),)),
    # ERP master data and stock
    EventMapping("erp.customer_pending", "Customer Pending", (_CUSTOMER,)),
    EventMapping("erp.customer_created", "Customer Created", (_CUSTOMER,)),
    _product("erp.list_price_changed", "List Price Changed", _f("price")),
    _product("erp.material_blocked", "Material Blocked"),
    _product("erp.material_unblocked", "Material Unblocked"),
    _product("erp.purchase_order", "Purchase Order Placed", _s("plant"), _i("quantity")),
    _product("erp.goods_receipt", "Goods Received", _s("plant"), _i("quantity")),
    _product(
        "erp.purchase_order_open",
        "Purchase Order Open",
        _s("plant"),
        _i("quantity"),
        _f("arrives_in_s", "value2"),
    ),
    _product(
        "erp.opening_allocation",
        "Opening Allocation",
        _s("plant"),
        _i("quantity"),
        _f("ships_in_s", "value2"),
    ),
    _product("erp.inventory_difference", "Inventory Difference Posted", _s("plant"), _i("units")),
    _product("wms.stock_drift", "Stock Drift", _s("site"), _i("units")),
    _product(
        "wms.cycle_count", "Cycle Counted", _s("site"), _i("counted"), _i("difference", "value2")
    ),
    _delivery("wms.short_pick", "Short Picked", _s("site"), _i("units_short")),
    _delivery("erp.shipped_short", "Shipped Short", _s("plant"), _i("units_short")),
    EventMapping(
        "erp.receivable_opened",
        "Receivable Opened",
        (_CUSTOMER,),
        (_f("amount"), _f("paid_in_s", "value2")),
    ),
    EventMapping("erp.receivable_paid", "Receivable Paid", (_CUSTOMER,), (_f("amount"),)),
    # WMS and carrier
    _delivery("wms.pick_released", "Pick Released", _s("site"), _i("lines")),
    _delivery("wms.pick_started", "Pick Started", _s("site"), _i("picker")),
    _delivery("wms.packed", "Packed", _s("site"), _f("work_s")),
    _delivery("wms.duplicate_suppressed", "WMS Duplicate Suppressed"),
    _delivery("carrier.tendered", "Shipment Tendered", _s("site")),
    _delivery("carrier.scan", "Carrier Scan", _s("scan"), _t("occurred_at")),
    _delivery(
        "carrier.delivery_exception",
        "Delivery Exception",
        _s("reason"),
        _i("attempts"),
        _t("occurred_at"),
    ),
    _delivery("carrier.duplicate_suppressed", "Carrier Duplicate Suppressed"),
    # returns
    _return("crm.case_opened", "Return Requested", _s("reason"), _i("units")),
    _return("crm.case_status", "CRM Case Updated", _s("status"), _t("source_time")),
    _return("integration.return_requested", "Return Request Received", _s("reason")),
    _return("integration.return_failed", "Return Step Failed", _s("operation")),
    _return(
        "erp.return_authorized",
        "Return Authorized",
        _s("reason"),
        _i("units"),
        _i("rma", "subject"),
    ),
    _return("erp.return_refused", "Return Refused", _s("reason"), _i("units")),
    _return("erp.return_replayed", "ERP Duplicate Return Suppressed", _s("rma")),
    _return_product(
        "erp.return_received",
        "Return Received",
        _s("plant"),
        _i("quantity"),
        _i("sellable", "value2"),
    ),
    EventMapping(
        "erp.stock_returned", "Stock Returned", (_ORDER, _PRODUCT), (_s("plant"), _i("quantity"))
    ),
    _return_product(
        "erp.credit_memo_line", "Credit Memo Line", _i("quantity"), _f("net", "value2")
    ),
    _return("erp.credit_memo_posted", "Credit Memo Posted", _f("net"), _f("tax", "value2")),
    _return("wms.return_advised", "Return Advised", _s("site"), _i("units")),
    _return("wms.return_arrived", "Return Parcel Arrived", _s("site")),
    _return(
        "wms.return_inspected",
        "Return Inspected",
        _s("site"),
        _i("units"),
        _i("sellable", "value2"),
    ),
    # order desk
    EventMapping("desk.item_raised", "Work Item Raised", (_ORDER, _WORK_ITEM), (_s("reason"),)),
    EventMapping(
        "desk.item_started",
        "Work Item Started",
        (_ORDER, _WORK_ITEM),
        (_s("reason"), _f("wait_s"), _i("worker", "value2")),
    ),
    EventMapping(
        "desk.item_resolved",
        "Work Item Resolved",
        (_ORDER, _WORK_ITEM),
        (_s("outcome"), _f("age_s"), _f("work_s", "value2")),
    ),
    # event bus
    _bus("bus.published", "Message Published", _s("kind"), _s("topic", "actor"), _i("sequence")),
    _bus("bus.delivered", "Message Delivered", _s("kind"), _SUBSCRIBER, _i("delivery")),
    _bus("bus.applied", "Message Applied", _s("kind"), _SUBSCRIBER),
    _bus("bus.discarded", "Message Discarded", _s("reason"), _SUBSCRIBER),
    _bus("bus.dead_lettered", "Message Dead-Lettered", _s("reason"), _SUBSCRIBER),
    _bus("bus.dropped", "Message Dropped", _s("reason"), _SUBSCRIBER),
    _bus("bus.redelivered", "Message Redelivered", _s("reason"), _SUBSCRIBER),
    _bus("bus.replayed", "Message Replayed", _s("reason"), _SUBSCRIBER),
    _order("bus.publish_held", "Publish Held", _s("topic")),
    _order("bus.publish_released", "Publish Released", _s("topic")),
    # bookkeeping: only on request
    EventMapping(
        "endpoint.call",
        "API Call",
        (_ORDER,),
        (_s("endpoint", "actor"), _s("outcome"), _f("wait_s"), _f("service_s", "value2")),
        bookkeeping=True,
        needs_object=True,
    ),
    EventMapping(
        "integration.retry",
        "Call Retried",
        (_ORDER,),
        (_s("caller", "actor"), _i("attempt", "subject"), _s("outcome"), _f("wait_s")),
        bookkeeping=True,
        needs_object=True,
    ),
    EventMapping(
        "integration.retry_budget_exhausted",
        "Retry Budget Exhausted",
        (_ORDER,),
        (_s("caller", "actor"), _i("attempt", "subject"), _s("outcome")),
        bookkeeping=True,
        needs_object=True,
    ),
    EventMapping(
        "integration.throttle_wait",
        "Throttle Wait",
        (_ORDER,),
        (_s("limit", "actor"), _f("wait_s")),
        bookkeeping=True,
        needs_object=True,
    ),
    EventMapping(
        "erp.no_change",
        "ERP No Change",
        (_ORDER, _SHIPMENT),
        (_s("status"), _t("occurred_at")),
        bookkeeping=True,
    ),
    _product("erp.stock_opening", "Stock Opening", _s("plant"), _i("on_hand"), bookkeeping=True),
    _product(
        "erp.stock_count",
        "Stock Counted",
        _s("plant"),
        _i("on_hand"),
        _i("allocated", "value2"),
        bookkeeping=True,
    ),
)
"""Every exported history event, in the order of the module's table."""

BOOKKEEPING = frozenset(m.history for m in MAPPINGS if m.bookkeeping)
"""History events exported only on request."""

MASTER_DATA_FLOW_EVENTS = frozenset(
    {
        "crm.account_created",
        "crm.account_resent",
        "crm.account_linked",
        "crm.price_updated",
        "erp.business_partner_created",
        "erp.business_partner_refused",
        "erp.business_partner_replayed",
        "integration.partner_replicated",
        "integration.partner_sync_failed",
        "integration.prices_synced",
        "integration.price_sync_failed",
    }
)
"""The master-data flow's rows: they name CRM accounts and price-book entries by the CRM's
numbers, not the log's customer and product objects, so they are left out of the log."""

NOT_EXPORTED = frozenset(
    {
        "run.ended",
        "endpoint.availability",
        "pool.declared",
        "pool.member",
        "pool.work",
        "lock.wait",
        "bus.subscribed",
        "bus.subscription_filter",
        "bus.availability",
        "integration.breaker",
        "integration.atp_cache_refreshed",
        "integration.atp_cache_stale",
        "integration.mapping_deployed",
        "integration.dead_letters_replayed",
        "integration.replay_not_applicable",
        "integration.reconciliation_run",
        "integration.reconciliation_failed",
        "integration.poll_started",
        "integration.sync_extracted",
        "integration.sync_failed",
        "carrier.feed_polled",
        "erp.batch_started",
        "erp.batch_finished",
        "wms.wave_released",
        "carrier.manifest_transmitted",
        "desk.headcount",
        "erp.contract_version",
        "erp.idoc_batch",
        "erp.idoc_batch_deferred",
        "integration.intake_polled",
        "integration.intake_poll_failed",
        "integration.intake_poll_skipped",
        *MASTER_DATA_FLOW_EVENTS,
        *ORDER_REGION_EVENTS,
    }
)
"""History events that name no business object (``fault.*`` too); never exported."""

O2O_RULES: tuple[tuple[str, str, str], ...] = (
    ("order", "customer", "placed by"),
    ("order", "product", "contains"),
    ("shipment", "order", "ships"),
    ("invoice", "shipment", "bills"),
    ("invoice", "order", "bills"),
    ("message", "order", "concerns"),
    ("work item", "order", "concerns"),
    ("return", "order", "returns"),
)
"""Source type, target type, qualifier: a relation for each pair one event names."""


@dataclass(frozen=True, slots=True)
class _ObjectAttr:
    """An object attribute taken from the rows of one history event."""

    object_type: str
    name: str
    kind: Kind
    history: str | tuple[str, ...]
    """The history event the attribute comes from (several: their rows together)."""
    key: Literal["order", "subject"]
    column: Column | None
    constant: str = ""
    changes: bool = False
    """A value that changes over time: every row is a timed value (else the first row's)."""


_OBJECT_ATTRS: tuple[_ObjectAttr, ...] = (
    _ObjectAttr("order", "channel", "string", ACCEPTANCE_EVENTS, "order", "status"),
    _ObjectAttr("order", "quote_value", "float", ACCEPTANCE_EVENTS, "order", "value"),
    _ObjectAttr("order", "units", "integer", ACCEPTANCE_EVENTS, "order", "value2"),
    _ObjectAttr("order", "region", "string", ORDER_REGION_EVENTS, "order", "status"),
    _ObjectAttr("order", "plant", "string", "erp.order_created", "order", "status"),
    _ObjectAttr("order", "net_value", "float", "erp.order_created", "order", "value"),
    _ObjectAttr("order", "erp_status", "string", "erp.order_status", "order", "status", "", True),
    _ObjectAttr("shipment", "plant", "string", "erp.inventory_allocated", "subject", "status"),
    _ObjectAttr("shipment", "quantity", "integer", "erp.inventory_allocated", "subject", "value"),
    _ObjectAttr(
        "shipment",
        "status",
        "string",
        "erp.inventory_allocated",
        "subject",
        None,
        "ALLOCATED",
        True,
    ),
    _ObjectAttr(
        "shipment", "status", "string", "erp.shipment_dispatched", "subject", None, "SHIPPED", True
    ),
    _ObjectAttr(
        "shipment", "status", "string", "erp.delivery_status", "subject", "status", "", True
    ),
    _ObjectAttr("invoice", "net", "float", "erp.invoice_posted", "subject", "value"),
    _ObjectAttr("invoice", "tax", "float", "erp.invoice_posted", "subject", "value2"),
    _ObjectAttr(
        "invoice", "status", "string", "erp.invoice_posted", "subject", None, "POSTED", True
    ),
    _ObjectAttr(
        "invoice", "status", "string", "erp.payment_received", "subject", None, "PAID", True
    ),
    _ObjectAttr(
        "product", "list_price", "float", "erp.list_price_changed", "subject", "value", "", True
    ),
    _ObjectAttr("message", "kind", "string", "bus.published", "subject", "status"),
    _ObjectAttr("message", "topic", "string", "bus.published", "subject", "actor"),
    _ObjectAttr("message", "sequence", "integer", "bus.published", "subject", "value"),
    _ObjectAttr("work item", "reason", "string", "desk.item_raised", "subject", "status"),
    _ObjectAttr("return", "reason", "string", "crm.case_opened", "order", "status"),
    _ObjectAttr(
        "return", "status", "string", "erp.return_authorized", "order", None, "AUTHORIZED", True
    ),
    _ObjectAttr("return", "status", "string", "erp.return_refused", "order", None, "REFUSED", True),
    _ObjectAttr(
        "return", "status", "string", "erp.return_received", "order", None, "RECEIVED", True
    ),
    _ObjectAttr(
        "return", "status", "string", "erp.credit_memo_posted", "order", None, "CREDITED", True
    ),
)
"""Object attributes; a customer's ``region`` is its first order's (see :func:`ocel_log`)."""


@dataclass(frozen=True)
class EventTable:
    """The events of one OCEL event type.

    ``frame`` has ``row`` (the history row, which names the event), ``t`` (simulated
    seconds), one column per attribute (missing: None, NaN or NA; ``time`` attributes in
    simulated seconds) and one ``@<qualifier>`` column per link with the object's history
    number (-1 where the row names no such object).
    """

    name: str
    attributes: tuple[Attr, ...]
    links: tuple[Link, ...]
    frame: pd.DataFrame


@dataclass(frozen=True)
class ObjectTable:
    """The objects of one OCEL object type.

    ``base`` has ``number`` (ascending), ``t`` (first seen) and one column per attribute
    that does not change; ``changes`` has ``number``, ``t``, ``field`` and ``value``: the
    timed values of the attributes that change, ordered by object then time.
    """

    name: str
    attributes: tuple[tuple[str, Kind], ...]
    base: pd.DataFrame
    changes: pd.DataFrame


@dataclass(frozen=True)
class OcelLog:
    """An OCEL 2.0 log as tables of history numbers, ready for a writer.

    Objects are named by type and history number until a writer spells their ids
    (:meth:`object_ids`); events by their history row (:meth:`event_ids`).
    """

    start: np.datetime64
    rows: int
    """Rows of the history (sets the width of event ids)."""
    events: tuple[EventTable, ...]
    objects: tuple[ObjectTable, ...]
    e2o: pd.DataFrame
    """``row``, ``type``, ``number``, ``qualifier``: event-to-object relations, ordered by
    event id, then object id."""
    o2o: pd.DataFrame
    """``source_type``, ``source``, ``target_type``, ``target``, ``qualifier``, ordered by
    source id, target id and qualifier."""
    unmapped: dict[str, int] = field(default_factory=dict)
    """Rows per history event that no mapping knows (not exported)."""
    left_out: dict[str, int] = field(default_factory=dict)
    """Rows per bookkeeping event not exported (ask for them with ``bookkeeping=True``)."""

    @property
    def event_count(self) -> int:
        """Number of events."""
        return sum(len(table.frame) for table in self.events)

    @property
    def object_count(self) -> int:
        """Number of objects."""
        return sum(len(table.base) for table in self.objects)

    def event_ids(self, rows: np.ndarray) -> pa.Array:
        """Event ids of history rows (``e0001234``: zero-padded, so ids sort in history order)."""
        return spell("e", len(str(max(self.rows - 1, 0))), rows)

    def object_ids(self, object_type: str | pd.Series, numbers: object) -> pa.Array:
        """Object ids (``O00000042``) of history numbers.

        ``object_type`` names the type of all of them, or is a categorical series with the
        type of each.
        """
        numbers = np.asarray(numbers, dtype="int64")
        if isinstance(object_type, str):
            return spell(*OBJECT_IDS[object_type], numbers)
        types = object_type.astype("category")
        codes = types.cat.codes.to_numpy()
        spelled = [
            spell(*OBJECT_IDS[str(name)], np.where(codes == code, numbers, -1))
            for code, name in enumerate(types.cat.categories)
            if (codes == code).any()
        ]
        if not spelled:
            return pa.nulls(len(numbers), pa.string())
        return pc.coalesce(*spelled) if len(spelled) > 1 else spelled[0]

    def times(self, seconds: np.ndarray) -> pa.Array:
        """ISO 8601 UTC times (microseconds) of simulated seconds; null where NaN."""
        return iso_times(self.start, seconds)

    def relations(self) -> pd.DataFrame:
        """``event``, ``object``, ``qualifier`` as ids: every event-to-object relation."""
        return pd.DataFrame(
            {
                "event": self.event_ids(self.e2o["row"].to_numpy()).to_pylist(),
                "object": self.object_ids(self.e2o["type"], self.e2o["number"]).to_pylist(),
                "qualifier": self.e2o["qualifier"].to_numpy(dtype=object),
            }
        )

    def object_relations(self) -> pd.DataFrame:
        """``source``, ``target``, ``qualifier`` as ids: every object-to-object relation."""
        o2o = self.o2o
        return pd.DataFrame(
            {
                "source": self.object_ids(o2o["source_type"], o2o["source"]).to_pylist(),
                "target": self.object_ids(o2o["target_type"], o2o["target"]).to_pylist(),
                "qualifier": o2o["qualifier"].to_numpy(dtype=object),
            }
        )


_RANK = {
    name: sorted(prefix for prefix, _ in OBJECT_IDS.values()).index(prefix)
    for name, (prefix, _) in OBJECT_IDS.items()
}
"""Object type -> rank of its id prefix: ids of several types sort by rank, then number."""


def spell(prefix: str, width: int, numbers: np.ndarray) -> pa.Array:
    """Ids ``<prefix><number, zero-padded to width>``; null for a negative number."""
    numbers = np.asarray(numbers, dtype="int64")
    digits = pa.array(numbers, mask=numbers < 0).cast(pa.string())
    return pc.binary_join_element_wise(prefix, pc.utf8_lpad(digits, width, padding="0"), "")


def parse_start(text: str) -> np.datetime64:
    """The scenario's start (ISO 8601; UTC when it names no zone) as UTC microseconds."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return np.datetime64(moment, "us")


def iso_times(start: np.datetime64, seconds: np.ndarray) -> pa.Array:
    """ISO 8601 UTC strings (microseconds) of ``start`` plus ``seconds``; null where NaN."""
    seconds = np.asarray(seconds, dtype="float64")
    missing = np.isnan(seconds)
    micros = np.rint(np.where(missing, 0.0, seconds) * 1e6).astype("int64")
    stamps = pa.array(start + micros.astype("timedelta64[us]"), mask=missing)
    text = pc.replace_substring(stamps.cast(pa.string()), " ", "T", max_replacements=1)
    return pc.binary_join_element_wise(text, "Z", "")


def type_map_name(name: str) -> str:
    """A type name as a SQLite table suffix (``Message Dead-Lettered``: ``MessageDeadLettered``)."""
    return "".join(word[:1].upper() + word[1:] for word in re.split(r"[^0-9A-Za-z]+", name))


class _History:
    """The history columns, with each event's rows found once (one stable sort)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.time = frame["time"].to_numpy(dtype="float64")
        self.order = frame["order"].to_numpy(dtype="int64")
        self.subject = frame["subject"].to_numpy(dtype="int64")
        self.value = frame["value"].to_numpy(dtype="float64")
        self.value2 = frame["value2"].to_numpy(dtype="float64")
        self.names: dict[str, tuple[np.ndarray, list[str | None]]] = {}
        """For status and actor: codes and the names behind them ("" and prefixes dropped)."""
        for column in ("status", "actor"):
            codes, categories = _codes(frame[column])
            self.names[column] = (codes, [_label(name, column) for name in categories])
        codes, events = _codes(frame["event"])
        counts = np.bincount(codes, minlength=len(events)) if len(codes) else np.zeros(0, int)
        ends = np.cumsum(counts)
        sorter = np.argsort(codes, kind="stable")
        self._rows = {
            name: sorter[end - count : end]
            for name, count, end in zip(events, counts, ends, strict=True)
            if count
        }

    @property
    def counts(self) -> dict[str, int]:
        """Rows per event name."""
        return {name: len(rows) for name, rows in self._rows.items()}

    def rows_of(self, events: str | tuple[str, ...]) -> np.ndarray:
        """Positions of the rows of one event, or of several in history order."""
        if isinstance(events, str):
            return self.rows(events)
        return np.sort(np.concatenate([self.rows(event) for event in events]))

    def rows(self, event: str) -> np.ndarray:
        """Positions of the rows of ``event``, in history order."""
        return self._rows.get(event, np.zeros(0, dtype="int64"))

    def numbers(self, column: str, rows: np.ndarray) -> np.ndarray:
        """The ``order`` or ``subject`` numbers of ``rows``."""
        numbers: np.ndarray = (self.order if column == "order" else self.subject)[rows]
        return numbers

    def values(self, column: Column, kind: Kind, rows: np.ndarray) -> object:
        """Values of ``rows``: categorical strings, floats, nullable ints or seconds (time)."""
        if column in ("status", "actor"):
            codes, labels = self.names[column]
            return _categorical(codes[rows], labels)
        if column == "subject":
            raw = self.subject[rows].astype("float64")
            raw[raw < 0] = np.nan
        else:
            raw = np.asarray((self.value if column == "value" else self.value2)[rows])
        if kind == "integer":
            return pd.array(np.rint(raw), dtype="Float64").astype("Int64")
        return raw


def _categorical(codes: np.ndarray, labels: list[str | None]) -> pd.Categorical[str]:
    """Codes into ``labels`` as a categorical; a None label is a missing value."""
    names = [name for name in labels if name is not None]
    index = {name: n for n, name in enumerate(dict.fromkeys(names))}
    remap = np.array([-1 if name is None else index[name] for name in labels], dtype="int64")
    mapped: np.ndarray = remap[codes] if len(remap) else np.asarray(codes, dtype="int64")
    return pd.Categorical.from_codes(mapped, categories=pd.Index(list(index)))


def _codes(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Integer codes and category names of a name column (categorical or plain strings)."""
    categorical = (
        column if isinstance(column.dtype, pd.CategoricalDtype) else column.astype("category")
    )
    return (
        categorical.cat.codes.to_numpy(dtype="int64"),
        [str(name) for name in categorical.cat.categories],
    )


def _label(name: str, column: str) -> str | None:
    """A status or actor as an attribute value: None for "", actors without their kind."""
    if not name:
        return None
    if column == "actor":
        return name.partition(":")[2] or name
    return name


def _event_table(history: _History, mapping: EventMapping) -> EventTable | None:
    rows = history.rows(mapping.history)
    links = {link: history.numbers(link.column, rows) for link in mapping.links}
    if mapping.needs_object and len(rows):
        named = np.zeros(len(rows), dtype=bool)
        for numbers in links.values():
            named |= numbers >= 0
        rows = rows[named]
        links = {link: numbers[named] for link, numbers in links.items()}
    if not len(rows):
        return None
    columns: dict[str, object] = {"row": rows, "t": history.time[rows]}
    for attr in mapping.attributes:
        columns[attr.name] = history.values(attr.column, attr.kind, rows)
    for link, numbers in links.items():
        columns[f"@{link.qualifier}"] = numbers
    return EventTable(mapping.name, mapping.attributes, mapping.links, pd.DataFrame(columns))


def _relations(tables: Iterable[EventTable]) -> pd.DataFrame:
    parts = [
        pd.DataFrame(
            {
                "row": table.frame["row"].to_numpy(),
                "t": table.frame["t"].to_numpy(),
                "type": link.object_type,
                "rank": _RANK[link.object_type],
                "number": table.frame[f"@{link.qualifier}"].to_numpy(),
                "qualifier": link.qualifier,
            }
        )
        for table in tables
        for link in table.links
    ]
    if not parts:
        return pd.DataFrame(
            {
                "row": np.zeros(0, "int64"),
                "t": np.zeros(0),
                "type": np.zeros(0, object),
                "number": np.zeros(0, "int64"),
                "qualifier": np.zeros(0, object),
            }
        )
    e2o = pd.concat(parts, ignore_index=True)
    e2o = e2o[e2o["number"].to_numpy() >= 0]
    order = np.lexsort((e2o["number"].to_numpy(), e2o["rank"].to_numpy(), e2o["row"].to_numpy()))
    e2o = e2o.iloc[order].reset_index(drop=True)
    for name in ("type", "qualifier"):
        e2o[name] = e2o[name].astype("category")
    return e2o


def _object_relations(tables: Iterable[EventTable]) -> pd.DataFrame:
    parts = []
    for table in tables:
        columns = {link.object_type: f"@{link.qualifier}" for link in table.links}
        for source, target, qualifier in O2O_RULES:
            if source in columns and target in columns:
                pair = pd.DataFrame(
                    {
                        "source": table.frame[columns[source]].to_numpy(),
                        "target": table.frame[columns[target]].to_numpy(),
                    }
                )
                pair = pair[(pair["source"] >= 0) & (pair["target"] >= 0)].drop_duplicates()
                parts.append(
                    pair.assign(
                        source_type=source,
                        target_type=target,
                        qualifier=qualifier,
                        source_rank=_RANK[source],
                        target_rank=_RANK[target],
                    )
                )
    names = ["source_type", "source", "target_type", "target", "qualifier"]
    if not parts:
        return pd.DataFrame({name: np.zeros(0, object) for name in names})
    o2o = pd.concat(parts, ignore_index=True).drop_duplicates(ignore_index=True)
    order = np.lexsort(
        (
            o2o["qualifier"].to_numpy(dtype=object).astype(str),
            o2o["target"].to_numpy(),
            o2o["target_rank"].to_numpy(),
            o2o["source"].to_numpy(),
            o2o["source_rank"].to_numpy(),
        )
    )
    return o2o.iloc[order][names].reset_index(drop=True)


def _first(numbers: np.ndarray, values: object, known: np.ndarray) -> pd.Series:
    """Per number of ``known``, the value of its first row (missing where it has none)."""
    series = pd.Series(values).reset_index(drop=True)
    if not len(series):
        return pd.Series([None] * len(known), dtype=object)
    unique, first = np.unique(numbers, return_index=True)
    at, found = lookup(unique, known)
    picked = series.iloc[first[at]].reset_index(drop=True)
    result: pd.Series = picked.where(pd.Series(found), None)
    return result


def _object_tables(
    history: _History, e2o: pd.DataFrame, o2o: pd.DataFrame
) -> tuple[ObjectTable, ...]:
    tables = []
    for object_type in OBJECT_IDS:
        mine = e2o[(e2o["type"] == object_type).to_numpy()]
        if mine.empty:
            continue
        first_seen = mine.groupby("number", sort=True)["t"].min()
        known = first_seen.index.to_numpy(dtype="int64")
        base = pd.DataFrame({"number": known, "t": first_seen.to_numpy()})
        statics: list[tuple[str, Kind]] = []
        changing: list[tuple[str, Kind]] = []
        changes = []
        for spec in (s for s in _OBJECT_ATTRS if s.object_type == object_type):
            rows = history.rows_of(spec.history)
            numbers = history.numbers(spec.key, rows)
            values: object
            if spec.column is None:
                values = pd.Categorical([spec.constant] * len(rows))
            else:
                values = history.values(spec.column, spec.kind, rows)
            if spec.changes:
                if (spec.name, spec.kind) not in changing:
                    changing.append((spec.name, spec.kind))
                timed = pd.DataFrame(
                    {"number": numbers, "t": history.time[rows], "value": pd.Series(values)}
                )
                changes.append(timed[np.isin(numbers, known)].assign(field=spec.name))
            else:
                statics.append((spec.name, spec.kind))
                base[spec.name] = _first(numbers, values, known)
        if object_type == "customer":
            statics.append(("region", "string"))
            base["region"] = _customer_regions(history, o2o, known)
        for name, kind in statics:
            base[name] = _typed(base[name], kind)
        if changes:
            timeline = pd.concat(changes, ignore_index=True)
            timeline["value"] = timeline["value"].astype(object)
            timeline = timeline.sort_values(["number", "t"], kind="stable", ignore_index=True)
        else:
            timeline = pd.DataFrame(
                {"number": np.zeros(0, "int64"), "t": np.zeros(0), "value": np.zeros(0, object)}
            ).assign(field=np.zeros(0, object))
        timeline = timeline[["number", "t", "field", "value"]]
        tables.append(ObjectTable(object_type, (*statics, *changing), base, timeline))
    return tuple(tables)


def _typed(values: object, kind: Kind) -> pd.Series:
    """A static attribute column with one dtype per kind (missing: None, NaN or NA)."""
    series = pd.Series(values)
    if kind == "integer":
        return series.astype("Float64").astype("Int64")
    if kind in ("float", "time"):
        return series.astype("float64")
    return series.astype("category")


def _customer_regions(history: _History, o2o: pd.DataFrame, customers: np.ndarray) -> pd.Series:
    """Per customer (ascending numbers), the CRM region of the first order it placed."""
    rows = history.rows_of(ORDER_REGION_EVENTS)
    codes, labels = history.names["status"]
    orders = history.order[rows]
    placed = o2o[(o2o["qualifier"] == "placed by").to_numpy()]
    placed = placed.sort_values(["target", "source"], kind="stable")
    region_of_order = _first(orders, _categorical(codes[rows], labels), placed["source"].to_numpy())
    return _first(placed["target"].to_numpy(dtype="int64"), region_of_order, customers)


def ocel_log(frame: pd.DataFrame, start: str | np.datetime64, bookkeeping: bool = False) -> OcelLog:
    """The history ``frame`` (eight columns, as ``history.parquet`` holds them) as OCEL 2.0.

    ``start`` is the scenario's start (ISO 8601); with ``bookkeeping`` the bookkeeping
    events of the module's table are exported too.
    """
    origin = parse_start(start) if isinstance(start, str) else start
    history = _History(frame)
    counts = history.counts
    chosen = [m for m in MAPPINGS if bookkeeping or not m.bookkeeping]
    tables = tuple(
        table for table in (_event_table(history, m) for m in chosen) if table is not None
    )
    e2o = _relations(tables)
    o2o = _object_relations(tables)
    objects = _object_tables(history, e2o, o2o)
    mapped = {m.history for m in MAPPINGS}
    unmapped = {
        name: count
        for name, count in sorted(counts.items())
        if name not in mapped and name not in NOT_EXPORTED and not name.startswith("fault.")
    }
    left_out = {
        name: counts[name] for name in sorted(BOOKKEEPING) if not bookkeeping and counts.get(name)
    }
    return OcelLog(
        origin,
        len(frame),
        tables,
        objects,
        e2o[["row", "type", "number", "qualifier"]],
        o2o,
        unmapped,
        left_out,
    )
