"""Returns adapter: CRM cases, ERP return orders and WMS receiving <-> the canonical Return.

Canonical in, canonical out, for the three systems' returns parts:

* CRM: each opened case reaches the integration as a :class:`Return`
  (:meth:`ReturnsAdapter.deliver_cases`); a :class:`ReturnNews` is written to the case as
  its ``Status`` and the ERP's references (:meth:`ReturnsAdapter.update_case`);
* ERP: a return is authorised as a return order with the case number as idempotency key
  (:meth:`ReturnsAdapter.authorise`, answering with the news for the case); each event of
  the ERP's returns outbox becomes an :class:`Envelope` whose payload holds the
  :class:`ReturnNews` and, for ``ReturnAuthorized``, the items to expect
  (:meth:`ReturnsAdapter.deliver_events`); a receipt is posted
  (:meth:`ReturnsAdapter.post_receipt`); return statuses are read per RMA or as a bulk
  extract, as news;
* WMS: an authorised return becomes a return advice (:meth:`ReturnsAdapter.advise`); each
  inspected return reaches the integration as a :class:`ReturnReceived`
  (:meth:`ReturnsAdapter.deliver_receipts`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import Any

from mock_systems.crm_cases import CaseOpened, CaseStatus, CrmCases
from mock_systems.erp import Erp
from mock_systems.erp.return_records import (
    ReturnItem,
    ReturnNotification,
    ReturnOrderRequest,
    ReturnOrderResult,
    ReturnReceiptItem,
    ReturnStatusLine,
)
from mock_systems.wms_receiving import ReturnAdvice, ReturnReceipt, ReturnsReceiving
from sim.engine import CallResult
from sim.integration.canonical import (
    Envelope,
    Return,
    ReturnLine,
    ReturnNews,
    ReturnReceived,
    ReturnStatus,
)

__all__ = ["ReturnsAdapter", "return_key"]

_CASE_STATUS = {
    ReturnStatus.REQUESTED: CaseStatus.NEW,
    ReturnStatus.AUTHORIZED: CaseStatus.AUTHORIZED,
    ReturnStatus.REFUSED: CaseStatus.REFUSED,
    ReturnStatus.RECEIVED: CaseStatus.RECEIVED,
    ReturnStatus.CREDITED: CaseStatus.CREDITED,
}


def return_key(ret: Return) -> str:
    """The idempotency key of a return's authorisation: its case."""
    return f"case-{ret.return_ref}"


def _news(line: ReturnStatusLine) -> ReturnNews:
    return ReturnNews(
        return_ref=line.case_number,
        order_ref=line.customer_reference,
        status=ReturnStatus(line.status),
        sequence=line.version,
        occurred_at=line.changed_at,
        rma=line.rma,
        site=line.plant,
        credit_memo=line.credit_memo,
    )


class ReturnsAdapter:
    """Maps between the canonical returns and the systems' dialects."""

    def __init__(self, cases: CrmCases, erp: Erp, receiving: ReturnsReceiving) -> None:
        self.cases = cases
        self.erp = erp
        self.receiving = receiving
        self._messages = 0

    # ------------------------------------------------------------ CRM
    def deliver_cases(self, consumer: Callable[[Return], None]) -> None:
        """Hand each opened case to ``consumer`` as a canonical return, at that instant."""

        def relay(message: CaseOpened) -> None:
            consumer(
                Return(
                    return_ref=message.CaseNumber,
                    correlation_id=f"O{message.QuoteNumber:08d}",
                    order_ref=message.QuoteNumber,
                    reason=message.Reason,
                    lines=tuple(
                        ReturnLine(line_no=c.LineNumber, sku=c.ProductCode, quantity=c.Quantity)
                        for c in message.Lines
                    ),
                    requested_at=message.CreatedDate,
                )
            )

        self.cases.outbound.deliver_to(relay)

    def update_case(
        self, news: ReturnNews, timeout: float = math.inf
    ) -> Generator[Any, Any, CallResult]:
        """Write what the case should show of its return."""
        fields = {"Status": _CASE_STATUS[news.status].value}
        if news.rma:
            fields["RMA_Number__c"] = news.rma
        if news.site:
            fields["Return_Site__c"] = news.site
        if news.reason:
            fields["Refusal_Reason__c"] = news.reason
        if news.credit_memo:
            fields["Credit_Memo__c"] = news.credit_memo
        return self.cases.update_case(news.return_ref, fields, news.occurred_at, timeout)

    # ------------------------------------------------------------ ERP
    def authorise(
        self, ret: Return, idempotency_key: str | None, timeout: float = math.inf
    ) -> Generator[Any, Any, ReturnNews | CallResult]:
        """Create the return order; the news for the case (authorised or refused)."""
        request = ReturnOrderRequest(
            ret.return_ref,
            ret.order_ref,
            ret.reason,
            tuple(ReturnItem(line.line_no, line.sku, line.quantity) for line in ret.lines),
        )
        answer = yield from self.erp.create_return_order(request, idempotency_key, timeout)
        if isinstance(answer, CallResult):
            return answer
        now = self.erp.sim.now
        if not isinstance(answer, ReturnOrderResult):
            raise TypeError(f"the ERP answered a return order with {answer!r}")
        if not answer.authorized:
            return ReturnNews(
                return_ref=ret.return_ref,
                order_ref=ret.order_ref,
                status=ReturnStatus.REFUSED,
                sequence=0,
                occurred_at=now,
                reason=answer.reason,
            )
        return ReturnNews(
            return_ref=ret.return_ref,
            order_ref=ret.order_ref,
            status=ReturnStatus.AUTHORIZED,
            sequence=1,
            occurred_at=now,
            rma=answer.rma,
            site=answer.plant,
        )

    def deliver_events(self, consumer: Callable[[Envelope], None]) -> None:
        """Hand each returns event the ERP commits to ``consumer`` as an envelope."""
        sim = self.erp.sim

        def relay(note: ReturnNotification) -> None:
            consumer(self.envelope(note, sim.now))

        self.erp.return_outbox.deliver_to(relay)

    def envelope(self, note: ReturnNotification, now: float) -> Envelope:
        """Wrap a returns event: the news for the case, and the items of an authorisation."""
        self._messages += 1
        ret = self.erp.return_orders[note.rma]
        news = ReturnNews(
            return_ref=note.case_number,
            order_ref=note.customer_reference,
            status=ReturnStatus(note.status),
            sequence=note.sequence,
            occurred_at=note.occurred_at,
            rma=note.rma,
            site=ret.plant,
            credit_memo=str(note.detail.get("credit_memo", "")),
        )
        payload: dict[str, Any] = {"order_ref": note.customer_reference, "news": news}
        if note.event == "ReturnAuthorized":
            payload["reason"] = ret.reason
            payload["lines"] = tuple((i.item_no, i.material, i.quantity) for i in ret.items)
        return Envelope(
            message_id=f"erp-returns-{self._messages:09d}",
            type=note.event,
            correlation_id=f"O{note.customer_reference:08d}",
            source="erp",
            occurred_at=note.occurred_at,
            sent_at=now,
            sequence=note.sequence,
            payload=payload,
        )

    def post_receipt(
        self, receipt: ReturnReceived, timeout: float = math.inf
    ) -> Generator[Any, Any, bool | CallResult]:
        """Book the warehouse's receipt (and so the credit memo) in the ERP."""
        items = tuple(ReturnReceiptItem(n, m, q, s) for n, m, q, s in receipt.lines)
        return self.erp.post_return_receipt(receipt.rma, items, timeout)

    def read_return(
        self, rma: str, timeout: float = math.inf
    ) -> Generator[Any, Any, ReturnNews | CallResult | None]:
        """One return order's status, as news for the case."""
        answer = yield from self.erp.return_status(rma, timeout)
        if answer is None or isinstance(answer, CallResult):
            return answer
        return _news(answer)

    def return_changes(
        self, since: float, timeout: float = math.inf
    ) -> Generator[Any, Any, tuple[float, tuple[ReturnNews, ...]] | CallResult]:
        """Every return order changed since ``since``, as news, with the extract's time."""
        answer = yield from self.erp.return_changes(since, timeout)
        if isinstance(answer, CallResult):
            return answer
        at, lines = answer
        return at, tuple(_news(line) for line in lines)

    def unsynced(self, since: float) -> int:
        """Return orders changed since ``since`` (not yet synced by a bulk extract)."""
        return self.erp.unsynced_returns(since)

    # ------------------------------------------------------------ WMS
    def advise(
        self, authorized: Envelope, timeout: float = math.inf
    ) -> Generator[Any, Any, bool | CallResult]:
        """Tell the warehouse to expect the return a ``ReturnAuthorized`` event authorised."""
        payload = authorized.payload
        news: ReturnNews = payload["news"]
        advice = ReturnAdvice(
            news.rma,
            news.order_ref,
            news.site,
            str(payload["reason"]),
            tuple((int(n), str(m), int(q)) for n, m, q in payload["lines"]),
        )
        return self.receiving.advise(advice, timeout)

    def deliver_receipts(self, consumer: Callable[[ReturnReceived], None]) -> None:
        """Hand each inspected return to ``consumer`` as a canonical receipt."""

        def relay(receipt: ReturnReceipt) -> None:
            consumer(
                ReturnReceived(
                    rma=receipt.rma,
                    order_ref=receipt.order_ref,
                    site=receipt.site,
                    lines=receipt.items,
                    inspected_at=receipt.inspected_at,
                )
            )

        self.receiving.receipts.deliver_to(relay)
