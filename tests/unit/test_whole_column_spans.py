"""CRM staleness spans and shipment lags, computed on whole columns, equal a row-at-a-time walk.

The two metrics once walked their rows in a Python loop; on a simulated year that is tens
of millions of iterations, so they now work on whole columns. The row-at-a-time walks stay
here as the reference: Hypothesis writes small histories full of ties, repeats, updates out
of order and milestones CRM never shows, and the two must agree exactly.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.history_frame import history_frame, history_table
from sim.latencies import _RANK, _SCAN_RANK, _shipment_lags
from sim.staleness import TERMINAL_STATUSES, crm_staleness, crm_staleness_spans
from tests.helpers import Writer

_STATUSES = ("CREATED", "ALLOCATED", "SHIPPED", "DELIVERED", "CANCELLED")
_SCANS = ("picked_up", "in_transit", "out_for_delivery", "delivered", "exception")
_SHOWN = ("IN_TRANSIT", "OUT_FOR_DELIVERY", "DELIVERED", "EXCEPTION")


def reference_spans(frame: pd.DataFrame, end: float) -> pd.DataFrame:
    """The open-order spans by walking the merged status rows one at a time."""
    erp = frame[frame["event"] == "erp.order_status"]
    crm = frame[frame["event"] == "crm.status_updated"]
    merged = pd.DataFrame(
        {
            "order": np.concatenate([erp["order"].to_numpy(), crm["order"].to_numpy()]),
            "time": np.concatenate([erp["time"].to_numpy(), crm["time"].to_numpy()]),
            "side": np.concatenate([np.zeros(len(erp), np.int8), np.ones(len(crm), np.int8)]),
            "status": np.concatenate(
                [erp["status"].astype(str).to_numpy(), crm["status"].astype(str).to_numpy()]
            ),
        }
    ).sort_values(["order", "time", "side"], kind="stable")
    spans: list[tuple[int, float, float, bool]] = []
    last_order = None
    since = 0.0
    state = ["", ""]
    closed = False
    for order, time, side, status in merged.itertuples(index=False):
        if order != last_order:
            if last_order is not None and not closed and state[0]:
                spans.append((int(last_order), since, end, state[0] != state[1]))
            last_order, state, closed, since = order, ["", ""], False, float(time)
        if closed:
            continue
        if state[0]:
            spans.append((int(order), since, float(time), state[0] != state[1]))
        since = float(time)
        state[int(side)] = str(status)
        closed = state[0] == state[1] and state[0] in TERMINAL_STATUSES
    if last_order is not None and not closed and state[0]:
        spans.append((int(last_order), since, end, state[0] != state[1]))
    columns = ["order", "start_s", "end_s", "stale"]
    found = pd.DataFrame(spans, columns=columns)
    return found.astype({"order": np.int64, "start_s": float, "end_s": float, "stale": bool})


def reference_lags(frame: pd.DataFrame) -> pd.DataFrame:
    """Shipment propagation lags by walking the scans and CRM's updates one at a time."""
    updates: dict[tuple[int, int], list[tuple[float, int]]] = defaultdict(list)
    crm = frame[frame["event"] == "crm.shipment_updated"]
    for order, subject, time, status in zip(
        crm["order"], crm["subject"], crm["time"], crm["status"].astype(str), strict=True
    ):
        updates[(int(order), int(subject))].append((float(time), _RANK.get(status, -1)))
    scans = frame[frame["event"] == "carrier.scan"]
    lags = np.full(len(scans), np.nan)
    sampled = np.zeros(len(scans), dtype=bool)
    reached: dict[tuple[int, int], int] = {}
    for i, (order, subject, occurred, code) in enumerate(
        zip(
            scans["order"],
            scans["subject"],
            scans["value2"],
            scans["status"].astype(str),
            strict=True,
        )
    ):
        needed = _SCAN_RANK.get(code)
        key = (int(order), int(subject))
        if needed is None or needed <= reached.get(key, -1):
            continue
        reached[key] = needed
        sampled[i] = True
        best = -1
        for time, rank in updates.get(key, ()):
            best = max(best, rank)
            if best >= needed:
                lags[i] = max(0.0, time - occurred)
                break
    occurred_at = scans["value2"].to_numpy(dtype=float)[sampled]
    return pd.DataFrame(
        {
            "order": scans["order"].to_numpy()[sampled],
            "lag": lags[sampled],
            "end": occurred_at + lags[sampled],
        }
    )


_status_rows = st.lists(
    st.tuples(
        st.integers(0, 12),  # time: few values, so ties are common
        st.sampled_from(("erp.order_status", "crm.status_updated")),
        st.integers(0, 3),  # order
        st.sampled_from(_STATUSES),
    ),
    max_size=40,
)
_shipment_rows = st.lists(
    st.one_of(
        *(
            # (event, time, order, shipment, status): few values of each, so keys repeat
            st.tuples(
                st.just(event),
                st.integers(0, 12),
                st.integers(0, 2),
                st.integers(0, 2),
                st.sampled_from(statuses),
            )
            for event, statuses in (("carrier.scan", _SCANS), ("crm.shipment_updated", _SHOWN))
        )
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(_status_rows, st.integers(12, 20))
def test_staleness_spans_equal_the_row_at_a_time_walk(
    written: list[tuple[int, str, int, str]], end: int
) -> None:
    w = Writer()
    for time, event, order, status in written:
        w(float(time), event, order, status=status)
    frame = history_frame(w.history)
    expected = reference_spans(frame, float(end))
    for source in (frame, history_table(w.history)):
        found = crm_staleness_spans(source, float(end))
        pd.testing.assert_frame_equal(found, expected, check_exact=True)
    length = (expected["end_s"] - expected["start_s"]).tolist()
    total = sum(length, 0.0)
    stale = sum((s for s, flag in zip(length, expected["stale"], strict=True) if flag), 0.0)
    share = crm_staleness(frame, float(end))
    assert share["open_order_hours"] == total / 3600
    assert share["stale_share"] == (stale / total if total else 0.0)


@settings(max_examples=150, deadline=None)
@given(_shipment_rows)
def test_shipment_lags_equal_the_row_at_a_time_walk(
    written: list[tuple[str, int, int, int, str]],
) -> None:
    w = Writer()
    for event, time, order, shipment, status in written:
        # a scan's occurred_at is up to a few seconds before it reached the ERP
        occurred = float(time) - (shipment + order) % 3 if event == "carrier.scan" else np.nan
        w(float(time), event, order, subject=shipment, status=status, value2=occurred)
    frame = history_frame(w.history)
    expected = reference_lags(frame)
    for source in (frame, history_table(w.history)):
        pd.testing.assert_frame_equal(_shipment_lags(source), expected, check_exact=True)
