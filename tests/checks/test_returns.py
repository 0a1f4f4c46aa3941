"""The returns checker on hand-written histories: valid, and each broken variant caught."""

from __future__ import annotations

from sim.checks import causality, returns
from tests.checks.support import Row, row, without, write

DAY = 86400.0


def returned_order() -> list[Row]:
    """Order 7 delivered 5 units of material 501, returned 2 (1 sellable), credited 2."""
    return [
        row(0, "crm.quote_accepted", order=7, value=100.0, value2=5),
        row(1, "erp.stock_opening", subject=501, status="NJ01", value=10),
        row(10, "erp.goods_issue", order=7, subject=501, status="NJ01", value=5),
        row(4 * DAY, "crm.case_opened", order=7, status="damaged", value=2),
        row(4 * DAY + 5, "erp.return_authorized", order=7, subject=60_000_000, value=2),
        row(4 * DAY + 9, "crm.case_status", order=7, status="Authorized"),
        row(8 * DAY, "erp.return_received", order=7, subject=501, status="NJ01", value=2, value2=1),
        row(8 * DAY, "erp.stock_returned", order=7, subject=501, status="NJ01", value=1),
        row(8 * DAY, "erp.credit_memo_line", order=7, subject=501, value=2, value2=40.0),
        row(8 * DAY, "erp.credit_memo_posted", order=7, subject=60_000_000, value=40.0),
        row(8 * DAY + 60, "crm.case_status", order=7, status="Received"),
        row(8 * DAY + 60, "crm.case_status", order=7, status="Credited"),
        row(9 * DAY, "erp.stock_count", subject=501, status="NJ01", value=6, value2=0),
    ]


def test_a_return_within_what_was_delivered_and_received_is_valid() -> None:
    verdict = returns(write(returned_order()))
    assert verdict.valid, verdict.counts
    assert verdict.counts["cases"] == 1 and verdict.counts["credit_memos"] == 1
    assert causality(write(returned_order())).valid  # 10 - 5 + 1 returned = 6 counted


def test_stock_conservation_needs_the_returned_stock() -> None:
    verdict = causality(write(without(returned_order(), "erp.stock_returned")))
    assert not verdict.valid and verdict.counts["stock_not_conserved"] == 1


def test_a_second_rma_for_the_same_case_is_a_duplicate() -> None:
    rows = [*returned_order(), row(4 * DAY + 7, "erp.return_authorized", order=7, value=2)]
    verdict = returns(write(rows))
    assert not verdict.valid and verdict.counts["duplicate_return_orders"] == 1
    assert verdict.witness[0]["event"] == "erp.return_authorized"


def test_receiving_more_than_was_delivered_or_authorised_is_caught() -> None:
    rows = [
        *returned_order(),
        row(8 * DAY, "erp.return_received", order=7, subject=501, value=4, value2=0),
    ]
    verdict = returns(write(rows))
    assert not verdict.valid
    assert verdict.counts["received_beyond_delivered"] == 2  # 6 received of 5 delivered
    assert verdict.counts["received_beyond_authorized"] == 2  # 6 received of 2 authorised


def test_crediting_more_than_was_received_is_caught() -> None:
    rows = [
        *returned_order(),
        row(8 * DAY, "erp.credit_memo_line", order=7, subject=501, value=1, value2=20.0),
    ]
    verdict = returns(write(rows))
    assert not verdict.valid and verdict.counts["credited_beyond_received"] == 2


def test_a_credit_memo_without_a_receipt_is_caught() -> None:
    rows = without(without(returned_order(), "erp.return_received"), "crm.case_status")
    verdict = returns(write(rows))
    assert not verdict.valid and verdict.counts["credit_without_receipt"] == 1


def test_a_case_shown_credited_before_the_memo_is_caught() -> None:
    rows = [*returned_order(), row(5 * DAY, "crm.case_status", order=7, status="Credited")]
    verdict = returns(write(rows))
    assert not verdict.valid
    assert verdict.counts["crm_credited_early"] == 1
    assert verdict.counts["crm_received_early"] == 0
    assert any(
        w["event"] == "crm.case_status" and w["status"] == "Credited" for w in verdict.witness
    )


def test_a_history_without_returns_is_valid() -> None:
    verdict = returns(write(returned_order()[:3]))
    assert verdict.valid and verdict.counts["cases"] == 0
