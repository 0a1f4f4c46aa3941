from __future__ import annotations

import pandas as pd

from sim.checks import compare_histories
from sim.history_frame import history_frame
from tests.checks.support import Writer, order_world, row, write


def test_the_same_rows_are_equal() -> None:
    verdict = compare_histories(write(order_world()), write(order_world()))
    assert verdict.valid
    assert verdict.name == "determinism"
    assert verdict.counts["first_difference"] == -1
    assert verdict.counts["rows_a"] == verdict.counts["rows_b"] == len(order_world())
    assert verdict.witness == []


def test_names_are_compared_decoded_not_by_code() -> None:
    a = Writer()
    a(1, "erp.order_created", 1, status="NJ01")
    a(2, "crm.status_updated", 1, status="CREATED")
    b = Writer()
    b.history.event_code("crm.status_updated")  # other codes for the same names
    b.history.status_code("CREATED")
    b(1, "erp.order_created", 1, status="NJ01")
    b(2, "crm.status_updated", 1, status="CREATED")
    assert compare_histories(a.history, b.history).valid
    assert a.history.content_hash() != b.history.content_hash()


def test_the_first_difference_is_witnessed_from_both_sides() -> None:
    changed = order_world()
    changed[7] = {**changed[7], "value": 99.0}
    changed[9] = {**changed[9], "status": "other"}
    verdict = compare_histories(write(order_world()), write(changed))
    assert not verdict.valid
    assert verdict.counts["first_difference"] == 7
    assert verdict.counts["differing_rows"] == 2
    assert [(w["history"], w["row"], w["value"]) for w in verdict.witness] == [
        ("a", 7, 50.0),
        ("b", 7, 99.0),
    ]


def test_a_longer_history_differs_where_the_shorter_ends() -> None:
    longer = [*order_world(), row(2000, "erp.order_status", 1, status="DELIVERED")]
    verdict = compare_histories(write(order_world()), write(longer))
    assert not verdict.valid
    assert verdict.counts["first_difference"] == len(order_world())
    assert verdict.counts["differing_rows"] == 0
    assert [w["history"] for w in verdict.witness] == ["b"]
    assert verdict.witness[0]["time"] == 2000.0


def test_a_history_equals_its_frame_with_plain_string_columns() -> None:
    history = write(order_world())
    frame = history_frame(history)
    plain = frame.astype({"event": str, "actor": str, "status": str})
    plain.index = pd.RangeIndex(100, 100 + len(plain))
    assert compare_histories(history, plain).valid
