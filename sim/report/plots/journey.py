"""One order's journey as a swim-lane timeline: CRM, integration, ERP, WMS, carrier, desk.

Every history row of the order (found by its correlation id, ``O00000042``, or its
number) is one marker in the lane of the system that wrote it: ``crm.*`` in CRM,
``integration.*`` and the broker's ``bus.*`` in integration, ``erp.*`` in ERP, ``wms.*``
in WMS, ``carrier.*`` in carrier and ``desk.*`` at the order desk. An ``endpoint.call``
row is a call the integration made to a system: it sits in the called system's lane, with
a segment from the call's arrival to its end (wait plus service). Rows of any other
source go to an ``other`` lane. Milestones are labelled with their event and status
(those close together in time share one text); calls and broker rows are left
unlabelled, as plumbing.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes

from sim.checks.base import correlation_id
from sim.engine.endpoint import CALL_EVENT
from sim.history_frame import history_frame
from sim.report.plots.base import HOUR, RunLike, new_axes

__all__ = ["LANES", "lane_of", "order_journey", "order_number", "plot_order_journey"]

LANES: tuple[str, ...] = ("CRM", "integration", "ERP", "WMS", "carrier", "order desk")
"""The swim lanes, top to bottom."""

OTHER = "other"
"""The lane of rows from any other source."""

_BY_SOURCE = {
    "crm": "CRM",
    "integration": "integration",
    "bus": "integration",
    "erp": "ERP",
    "wms": "WMS",
    "carrier": "carrier",
    "desk": "order desk",
}
_UNLABELLED = (CALL_EVENT, "bus.")


def order_number(order: int | str) -> int:
    """The order number of a correlation id (``"O00000042"``), a number string or an int."""
    if isinstance(order, int):
        return order
    text = order.strip()
    digits = text[1:] if text[:1] in ("O", "o") else text
    if not digits.isdigit():
        raise ValueError(f"not an order number or correlation id: {order!r}")
    return int(digits)


def lane_of(event: str, actor: str) -> str:
    """The lane of a row: by its event's source, or the called system's for a call."""
    if event == CALL_EVENT:
        source = actor.removeprefix("endpoint:").split(".")[0]
    else:
        source = event.split(".")[0]
    return _BY_SOURCE.get(source, OTHER)


def _label(event: str, status: str) -> str:
    if event.startswith(_UNLABELLED):
        return ""
    name = event.split(".", 1)[-1].replace("_", " ")
    return f"{name} {status}" if status else name


def _clusters(rows: pd.DataFrame, gap_h: float, most: int = 5) -> list[tuple[float, str]]:
    """A lane's labels grouped: rows closer than ``gap_h`` to the group's first share a text.

    Each group is (time of its first labelled row, its distinct labels one per line, at
    most ``most`` of them and a count of the rest).
    """
    groups: list[tuple[float, list[str]]] = []
    for time_h, label in zip(rows["time_h"], rows["label"], strict=True):
        if not label:
            continue
        if groups and time_h - groups[-1][0] < gap_h:
            if label not in groups[-1][1]:
                groups[-1][1].append(label)
        else:
            groups.append((float(time_h), [label]))
    texts = []
    for time_h, labels in groups:
        shown = labels[:most] + ([f"+{len(labels) - most} more"] if len(labels) > most else [])
        texts.append((time_h, "\n".join(shown)))
    return texts


def order_journey(result: RunLike, order: int | str) -> pd.DataFrame:
    """The order's rows in history order, with ``lane``, ``time_h``, ``start_h`` and ``label``.

    ``start_h`` is a call's arrival (its end less wait and service) and the row's time for
    any other row. Raises ``ValueError`` when the run has no row of the order.
    """
    number = order_number(order)
    frame = history_frame(result.history)
    mine = frame[frame["order"] == number]
    if mine.empty:
        raise ValueError(f"no history rows for order {correlation_id(number)}")
    events = mine["event"].astype(str).to_numpy()
    actors = mine["actor"].astype(str).to_numpy()
    statuses = mine["status"].astype(str).to_numpy()
    time_s = mine["time"].to_numpy(dtype=float)
    call = events == CALL_EVENT
    took = mine["value"].fillna(0.0).to_numpy() + mine["value2"].fillna(0.0).to_numpy()
    return pd.DataFrame(
        {
            "time_s": time_s,
            "time_h": time_s / HOUR,
            "start_h": (time_s - took * call) / HOUR,
            "lane": [lane_of(e, a) for e, a in zip(events, actors, strict=True)],
            "event": events,
            "actor": actors,
            "status": statuses,
            "label": [_label(e, s) for e, s in zip(events, statuses, strict=True)],
        },
        index=mine.index,
    )


def plot_order_journey(
    result: RunLike,
    order: int | str,
    ax: Axes | None = None,
    window_h: tuple[float, float] | None = None,
) -> Axes:
    """The order's rows as markers on swim lanes, calls as segments, milestones labelled.

    ``window_h`` (start, end in simulated hours) draws only the rows in it, and a call that
    overlaps it, on an axis over just that window: the minutes of a retry or a duplicate are
    lost on an axis that spans the order's days. Each lane's markers are one collection with
    ``gid`` ``lane:<lane>``; its calls' segments one collection with ``gid`` ``calls:<lane>``.
    Raises ``ValueError`` when the order has no row in the window.
    """
    journey = order_journey(result, order)
    if window_h is not None:
        start, end = window_h
        if not start < end:
            raise ValueError(f"window_h must run forwards, got {window_h}")
        journey = journey[(journey["time_h"] >= start) & (journey["start_h"] <= end)]
        if journey.empty:
            raise ValueError(
                f"order {correlation_id(order_number(order))} has no rows between "
                f"{start:g} h and {end:g} h"
            )
    lanes = list(LANES) + ([OTHER] if (journey["lane"] == OTHER).any() else [])
    ax = new_axes(ax, figsize=(11.0, 6.0))
    first, last = journey["start_h"].min(), journey["time_h"].max()
    if window_h is not None:
        first, last = window_h
    span = last - first
    gap_h = (span if window_h is not None else max(span, 1.0)) * 0.04
    for y, lane in enumerate(lanes):
        here = journey[journey["lane"] == lane]
        if here.empty:
            continue
        ax.scatter(here["time_h"], [y] * len(here), s=16, zorder=3, gid=f"lane:{lane}")
        calls = here[here["event"] == CALL_EVENT]
        if not calls.empty:
            ax.hlines(
                [y] * len(calls),
                calls["start_h"],
                calls["time_h"],
                linewidth=4,
                alpha=0.35,
                gid=f"calls:{lane}",
            )
        for time_h, text in _clusters(here, gap_h):
            ax.annotate(
                text,
                (time_h, y),
                xytext=(3, 4),
                textcoords="offset points",
                va="bottom",
                fontsize=6,
                linespacing=1.0,
            )
    ax.set_yticks(range(len(lanes)), lanes)
    ax.set_ylim(len(lanes) - 0.5, -0.9)
    if window_h is None:
        margin = max((last - first) * 0.03, 0.05)
        ax.set_xlim(first - margin, last + margin * 4)
    else:
        ax.set_xlim(first, last)
    ax.set_xlabel("simulated hours since start")
    ax.grid(True, axis="x", alpha=0.3)
    ax.set_title(f"order {correlation_id(order_number(order))}: {result.scenario.name}")
    return ax
