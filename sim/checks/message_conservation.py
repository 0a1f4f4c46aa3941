"""Invariant 7, message conservation: per subscription, every delivered copy is accounted for.

Rows read (written by the message bus):

- ``bus.subscribed``: actor = ``subscriber:<name>``, status = topic; one per subscription.
- ``bus.subscription_filter``: actor = ``subscriber:<name>``, status = a message type it
  takes (a subscription with no filter rows takes every type).
- ``bus.published``: actor = ``topic:<topic>``, subject = message number (unique per bus),
  status = message type.
- ``bus.delivered``: actor = ``subscriber:<name>``, subject = message number; one per copy.
- one outcome per delivered copy, same actor and subject: ``bus.applied``,
  ``bus.discarded`` (duplicate or stale), ``bus.dead_lettered`` (status = reason) or
  ``bus.dropped`` (status = reason; a loss, never acceptable).
- ``bus.replayed``: actor = ``subscriber:<name>``, subject = message number: a dead letter
  put back (a new ``bus.delivered`` follows).
- ``run.ended`` (see :func:`sim.checks.base.run_end`) tells whether the end is quiescent.

Per (subscription, message): in_flight = delivered - applied - discarded - dead_lettered -
dropped must be >= 0 (0 at a quiescent end); dropped must be 0; applied at most 1; replays at
most the dead letters; a declared subscription receives only messages of its topic that pass
its filter; and every such message is delivered at least once (at a non-quiescent end the
undelivered ones are reported, not judged). A history with neither ``bus.subscribed`` nor
``bus.delivered`` rows predates the bus contract and is not judged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.bus_copies import copy_keys, owed_copies
from sim.checks.base import Check, HistoryLike, RunEnd, Verdict, as_table, rows, run_end, witness
from sim.history_frame import event_counts, name_values
from sim.history_table import Rows

__all__ = ["KINDS", "NOT_JUDGED", "message_conservation"]

KINDS: dict[str, str] = {
    "bus.delivered": "delivered",
    "bus.applied": "applied",
    "bus.discarded": "discarded",
    "bus.dead_lettered": "dead_lettered",
    "bus.dropped": "dropped",
    "bus.replayed": "replayed",
}
"""The per-copy rows, by the count each feeds."""

NOT_JUDGED = "no bus.subscribed or bus.delivered rows: message conservation not judged"
"""The note of a verdict on a history written before the bus recorded deliveries."""

_SUBSCRIBER = "subscriber:"
_PER_SUBSCRIPTION = (
    *KINDS.values(),
    "in_flight",
    "dlq_depth_at_end",
    "applied_twice",
    "undelivered",
)
_FLAGS = ("negative_in_flight", "over_replayed", "unexpected")


def _tally(frame: Rows) -> pd.DataFrame:
    """Counts of each per-copy row, one row per (subscription, message).

    Counted on integer keys (the subscription's actor code and the message number) with
    one ``np.unique``: the per-copy rows of a long run are tens of millions.
    """
    copies = rows(frame, *KINDS, columns=("event", "actor", "subject"))
    actors, events = copies["actor"].cat.categories, copies["event"].cat.categories
    kinds = list(KINDS.values())
    column_of = np.array([kinds.index(KINDS[str(e)]) if str(e) in KINDS else 0 for e in events])
    kind = column_of[copies["event"].cat.codes.to_numpy()]
    keys = copy_keys(copies["actor"].cat.codes.to_numpy(), copies["subject"].to_numpy())
    del copies
    unique, which = np.unique(keys, return_inverse=True)
    counts = np.bincount(which * len(kinds) + kind, minlength=unique.size * len(kinds))
    index = pd.MultiIndex.from_arrays(
        [
            np.asarray(actors.astype(str), dtype=object)[unique >> 32],
            (unique & 0xFFFFFFFF).astype(np.uint32).astype(np.int32),
        ],
        names=["subscription", "message"],
    )
    return pd.DataFrame(counts.reshape(unique.size, len(kinds)), index=index, columns=kinds)


def _judge(tally: pd.DataFrame, owed: pd.DataFrame, declared: np.ndarray) -> pd.DataFrame:
    """Every (subscription, message) delivered or owed, with its counts and flags."""
    table = tally.reindex(tally.index.union(owed.index), fill_value=0)
    outcomes = table[["applied", "discarded", "dead_lettered", "dropped"]].sum(axis=1)
    unsettled = table["delivered"] - outcomes
    owed_here = table.index.isin(owed.index)
    table["in_flight"] = unsettled.clip(lower=0)
    table["dlq_depth_at_end"] = (table["dead_lettered"] - table["replayed"]).clip(lower=0)
    table["applied_twice"] = (table["applied"] > 1).astype(int)
    table["undelivered"] = (owed_here & (table["delivered"] == 0)).astype(int)
    table["negative_in_flight"] = (unsettled < 0).astype(int)
    table["over_replayed"] = (table["replayed"] > table["dead_lettered"]).astype(int)
    subscriptions = table.index.get_level_values("subscription")
    table["unexpected"] = (subscriptions.isin(declared) & ~owed_here).astype(int)
    return table


def _summary(table: pd.DataFrame, declared: np.ndarray, end: RunEnd) -> dict[str, int]:
    """Overall and per-subscription counts (``<name>/<count>``)."""
    names = table.index.get_level_values("subscription").unique().union(pd.Index(declared))
    counts = {
        "subscriptions": len(names),
        **{name: int(table[name].sum()) for name in (*_PER_SUBSCRIPTION, *_FLAGS)},
        "run_end_in_flight": end.in_flight,
        "run_end_pending": end.pending,
    }
    per = table.groupby(level="subscription")[list(_PER_SUBSCRIPTION)].sum()
    per = per.reindex(names, fill_value=0)
    for subscription, numbers in per.iterrows():  # one pass per subscription, not per row
        name = str(subscription).removeprefix(_SUBSCRIBER)
        counts.update({f"{name}/{key}": int(value) for key, value in numbers.items()})
    return counts


def message_conservation(history: HistoryLike) -> Verdict:
    """Per subscription: delivered = applied + discarded + dead-lettered + dropped + in flight."""
    frame = as_table(history)
    end = run_end(frame)
    present = event_counts(frame)
    if not present.get("bus.subscribed") and not present.get("bus.delivered"):
        counts = {
            "published": len(rows(frame, "bus.published")),
            "run_end_in_flight": end.in_flight,
            "run_end_pending": end.pending,
        }
        return Verdict(Check.MESSAGE_CONSERVATION, True, counts, [], NOT_JUDGED)
    owed, declared = owed_copies(frame)
    table = _judge(_tally(frame), owed, declared)
    counts = {"published": len(rows(frame, "bus.published")), **_summary(table, declared, end)}
    bad = (table["dropped"] > 0) | (table["applied_twice"] > 0)
    for flag in _FLAGS:
        bad |= table[flag] > 0
    if end.quiescent:
        bad |= (table["in_flight"] > 0) | (table["undelivered"] > 0)
    offenders = table.index[bad.to_numpy(dtype=bool)][:5]
    copies = rows(frame, *KINDS, columns=("actor", "subject"))
    keys = pd.MultiIndex.from_arrays([name_values(copies["actor"]), copies["subject"].to_numpy()])
    labels = [*copies.index[keys.isin(offenders)]]
    never = offenders[table.loc[offenders, "undelivered"].to_numpy(dtype=bool)]
    owed_rows = owed["row"].reindex(never).dropna().astype(int)
    return Verdict(
        name=Check.MESSAGE_CONSERVATION,
        valid=not bad.any(),
        counts=counts,
        witness=witness(frame, sorted([*labels, *owed_rows.to_numpy()])),
    )
