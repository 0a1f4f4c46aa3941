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

from sim.bus_copies import OwedCopies, copy_keys, owed_copies
from sim.checks.base import Check, HistoryLike, RunEnd, Verdict, as_table, rows, run_end, witness
from sim.history_frame import event_counts
from sim.history_table import Rows
from sim.sorted_keys import lookup, pair_keys

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


class _Copies:
    """Every (subscription, message) delivered or owed, with its counts and flags.

    One entry per copy, on integer keys (:func:`~sim.bus_copies.copy_keys` of the
    subscription's actor code and the message number), sorted by key; ``columns`` holds
    one int32 array per count of :data:`KINDS`, :data:`_PER_SUBSCRIPTION` and
    :data:`_FLAGS`. The per-copy rows of a long run are tens of millions: no frame of
    names is built for them.
    """

    def __init__(self, frame: Rows, owed: OwedCopies, declared: np.ndarray) -> None:
        copies = rows(frame, *KINDS, columns=("event", "actor", "subject"))
        self.actors = copies["actor"].cat.categories
        events = copies["event"].cat.categories
        kinds = list(KINDS.values())
        column_of = np.array(
            [kinds.index(KINDS[str(e)]) if str(e) in KINDS else 0 for e in events], dtype=np.int8
        )
        kind = column_of[copies["event"].cat.codes.to_numpy()]
        keys = copy_keys(copies["actor"].cat.codes.to_numpy(), copies["subject"].to_numpy())
        del copies
        self.owed_keys = owed.keys(self.actors)
        self.keys = _with_unowed(np.sort(self.owed_keys), keys)
        which = np.searchsorted(self.keys, keys)
        del keys
        # one count per kind, each int32 (a copy's counts are small): a long run's copies
        # are millions, and a (copy x kind) table of int64 would be the largest thing here
        self.columns: dict[str, np.ndarray] = {
            name: np.bincount(which[kind == n], minlength=self.keys.size).astype(np.int32)
            for n, name in enumerate(kinds)
        }
        del which, kind
        # every owed key is among the sorted keys: mark them by search, not by np.isin
        # (which sorts both arrays together)
        self.owed_here = np.zeros(self.keys.size, dtype=bool)
        self.owed_here[np.searchsorted(self.keys, self.owed_keys)] = True
        self._judge(declared)

    def _judge(self, declared: np.ndarray) -> None:
        c = self.columns
        unsettled = c["delivered"] - c["applied"] - c["discarded"]
        unsettled -= c["dead_lettered"] + c["dropped"]
        c["in_flight"] = np.maximum(unsettled, 0)
        c["dlq_depth_at_end"] = np.maximum(c["dead_lettered"] - c["replayed"], 0)
        c["applied_twice"] = (c["applied"] > 1).astype(np.int32)
        c["undelivered"] = (self.owed_here & (c["delivered"] == 0)).astype(np.int32)
        c["negative_in_flight"] = (unsettled < 0).astype(np.int32)
        c["over_replayed"] = (c["replayed"] > c["dead_lettered"]).astype(np.int32)
        declared_codes = self.actors.get_indexer(pd.Index(declared))
        c["unexpected"] = (
            np.isin(self.subscription_codes(), declared_codes) & ~self.owed_here
        ).astype(np.int32)

    def subscription_codes(self) -> np.ndarray:
        """Each copy's subscription, as its actor code."""
        codes: np.ndarray = self.keys >> 32
        return codes

    def first_offenders(self, bad: np.ndarray, count: int) -> np.ndarray:
        """Positions of the first ``count`` bad copies by (subscription name, message)."""
        positions = np.flatnonzero(bad)
        name_rank = np.empty(len(self.actors), dtype=np.int64)
        name_rank[np.argsort(np.asarray(self.actors.astype(str), dtype=object))] = np.arange(
            len(self.actors)
        )
        by_name = pair_keys(name_rank[self.keys[positions] >> 32], self.keys[positions])
        first: np.ndarray = positions[np.argsort(by_name, kind="stable")[:count]]
        return first


def _with_unowed(owed: np.ndarray, delivered: np.ndarray) -> np.ndarray:
    """The sorted keys of ``owed`` and of every copy in ``delivered`` not among them.

    Copies nobody owes are rare (a fault, or a broken bus): they are found by a search in
    the sorted owed keys, not by a sort of every delivered row's key.
    """
    if not owed.size:
        return np.unique(delivered)
    unowed = np.unique(delivered[~lookup(owed, delivered)[1]])
    return np.union1d(owed, unowed) if unowed.size else owed


def _summary(copies: _Copies, declared: np.ndarray, end: RunEnd) -> dict[str, int]:
    """Overall and per-subscription counts (``<name>/<count>``)."""
    code = copies.subscription_codes()
    present = np.unique(code)
    names = pd.Index(np.asarray(copies.actors[present].astype(str), dtype=object)).union(
        pd.Index(declared)
    )
    counts = {
        "subscriptions": len(names),
        **{name: int(copies.columns[name].sum()) for name in (*_PER_SUBSCRIPTION, *_FLAGS)},
        "run_end_in_flight": end.in_flight,
        "run_end_pending": end.pending,
    }
    sums = {
        key: np.bincount(code, weights=copies.columns[key], minlength=len(copies.actors))
        for key in _PER_SUBSCRIPTION
    }
    codes = copies.actors.get_indexer(names)
    for subscription, at in zip(names, codes.tolist(), strict=True):
        name = str(subscription).removeprefix(_SUBSCRIBER)
        counts.update(
            {f"{name}/{key}": int(sums[key][at]) if at >= 0 else 0 for key in _PER_SUBSCRIPTION}
        )
    return counts


def message_conservation(history: HistoryLike) -> Verdict:
    """Per subscription: delivered = applied + discarded + dead-lettered + dropped + in flight."""
    frame = as_table(history)
    end = run_end(frame)
    present = event_counts(frame)
    if not present.get("bus.subscribed") and not present.get("bus.delivered"):
        counts = {
            "published": present.get("bus.published", 0),
            "run_end_in_flight": end.in_flight,
            "run_end_pending": end.pending,
        }
        return Verdict(Check.MESSAGE_CONSERVATION, True, counts, [], NOT_JUDGED)
    owed, declared = owed_copies(frame)
    copies = _Copies(frame, owed, declared)
    counts = {"published": present.get("bus.published", 0), **_summary(copies, declared, end)}
    columns = copies.columns
    bad = (columns["dropped"] > 0) | (columns["applied_twice"] > 0)
    for flag in _FLAGS:
        bad |= columns[flag] > 0
    if end.quiescent:
        bad |= (columns["in_flight"] > 0) | (columns["undelivered"] > 0)
    valid = not bad.any()
    offenders = copies.first_offenders(bad, 5)
    offender_keys = copies.keys[offenders]
    never = offender_keys[columns["undelivered"][offenders].astype(bool)]
    owed_rows = owed.row[np.isin(copies.owed_keys, never)]
    del copies, columns, bad, owed  # the witness rows are read with only these left
    found = rows(frame, *KINDS, columns=("actor", "subject"))
    found_keys = copy_keys(found["actor"].cat.codes.to_numpy(), found["subject"].to_numpy())
    labels = found.index.to_numpy()[np.isin(found_keys, offender_keys)].tolist()
    return Verdict(
        name=Check.MESSAGE_CONSERVATION,
        valid=valid,
        counts=counts,
        witness=witness(frame, sorted([*labels, *owed_rows.tolist()])),
    )
