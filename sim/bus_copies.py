"""The copies a bus owes its subscriptions, read from the history on integer keys.

Shared by the message-conservation checker (every owed copy is delivered and accounted
for), the consumer lag (how long an owed copy waits for a consumer) and the outage
recovery (the copies owed are a term of the integration backlog). Rows read:
``bus.subscribed`` (actor ``subscriber:<name>``, status the topic), ``bus.subscription_filter``
(status a message type the subscription takes) and ``bus.published`` (actor
``topic:<topic>``, subject the message number, status its type).

A copy is one (subscription, message) pair; :func:`copy_keys` makes it one int64 from the
subscription's actor code and the message number, so the millions of bus rows of a long
run are matched with sorts and searches, not with groupbys over names.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.history_frame import name_values, rows
from sim.history_table import Rows
from sim.sorted_keys import group_starts, lookup, pair_keys

__all__ = [
    "OwedCopies",
    "TOPIC_PREFIX",
    "copies_in_turn",
    "copy_keys",
    "first_times",
    "owed_copies",
]

TOPIC_PREFIX = "topic:"
"""The actor prefix of a topic's ``bus.published`` rows."""


@dataclass(frozen=True)
class OwedCopies:
    """The (subscription, message) pairs a bus owes a copy, one entry per copy, as arrays.

    In publication order (a message's subscriptions in declaration order); each pair once.
    ``names`` are the subscriptions' actor names (``subscriber:<name>``), sorted;
    ``subscription`` indexes them per copy; ``message`` is the message number, ``row`` the
    publication's row and ``time`` its time. Integer arrays, not an index of names: the
    copies of a long run are millions.
    """

    names: pd.Index
    subscription: np.ndarray
    message: np.ndarray
    row: np.ndarray
    time: np.ndarray

    def __len__(self) -> int:
        return int(self.message.size)

    def keys(self, actors: pd.Index) -> np.ndarray:
        """Each copy's :func:`copy_keys`, subscriptions coded by their place in ``actors``."""
        return copy_keys(actors.get_indexer(self.names)[self.subscription], self.message)

    def subscriptions(self) -> pd.Categorical:
        """Each copy's subscription name, categorical (one small code per copy)."""
        return pd.Categorical.from_codes(self.subscription, categories=self.names)


def owed_copies(frame: Rows) -> tuple[OwedCopies, np.ndarray]:
    """The copies the broker owes (:class:`OwedCopies`), and the declared subscriptions.

    Each subscription takes the messages of its topic that pass its filter, picked on
    category codes: the publications of a long run are millions, the subscriptions a
    handful.
    """
    subscribed = rows(frame, "bus.subscribed")
    subs = pd.DataFrame(
        {
            "subscription": name_values(subscribed["actor"]),
            "topic": name_values(subscribed["status"]),
        }
    ).drop_duplicates()
    filtered = rows(frame, "bus.subscription_filter")
    filters = pd.DataFrame(
        {
            "subscription": name_values(filtered["actor"]),
            "type": name_values(filtered["status"]),
        }
    ).drop_duplicates()
    published = rows(frame, "bus.published", columns=("time", "actor", "subject", "status"))
    topics, types = published["actor"].cat, published["status"].cat
    topic_codes, type_codes = topics.codes.to_numpy(), types.codes.to_numpy()
    picked: list[np.ndarray] = []
    ranks: list[np.ndarray] = []
    for rank, (subscription, topic) in enumerate(
        zip(subs["subscription"], subs["topic"], strict=True)
    ):
        takes = (
            topic_codes == topics.categories.get_indexer(pd.Index([TOPIC_PREFIX + str(topic)]))[0]
        )
        wanted = filters.loc[filters["subscription"] == subscription, "type"]
        if len(wanted):
            takes &= np.isin(type_codes, types.categories.get_indexer(pd.Index(wanted)))
        picked.append(np.flatnonzero(takes))
        ranks.append(np.full(picked[-1].size, rank, dtype=np.int64))
    at = np.concatenate(picked) if picked else np.empty(0, dtype=np.int64)
    rank_of = np.concatenate(ranks) if ranks else np.empty(0, dtype=np.int64)
    order = np.lexsort((rank_of, at))
    at, rank_of = at[order], rank_of[order]
    declared = subs["subscription"].to_numpy(dtype=object)
    names = pd.Index(sorted(set(declared.tolist())), dtype=object)
    subscription = names.get_indexer(declared)[rank_of].astype(np.int16)
    message = published["subject"].to_numpy()[at]
    keep = _first_of_each(subscription, message, published["subject"].to_numpy())
    owed = OwedCopies(
        names=names,
        subscription=subscription[keep],
        message=message[keep],
        row=published.index.to_numpy()[at[keep]],
        time=published["time"].to_numpy(dtype=float)[at[keep]],
    )
    return owed, subs["subscription"].unique()


def _first_of_each(
    subscription: np.ndarray, message: np.ndarray, numbers: np.ndarray
) -> np.ndarray | slice:
    """Which owed pairs to keep: each (subscription, message) once, the first.

    A pair repeats only where a message number was published twice (a broken bus). The bus
    numbers its messages in order, so rising publication numbers prove there is none,
    without sorting millions of keys.
    """
    if numbers.size < 2 or bool(np.all(numbers[1:] > numbers[:-1])):
        return slice(None)
    first = np.unique(copy_keys(subscription, message), return_index=True)[1]
    return np.sort(first) if first.size < message.size else slice(None)


def first_times(frame: Rows, owed: OwedCopies, *events: str) -> np.ndarray:
    """Per (subscription, message) of ``owed``: the time of its first row of ``events``.

    NaN where the copy has none. Works on integer keys (the subscription's actor code and
    the message number), not on a frame of names: the bus rows of a long run are millions.
    """
    found = rows(frame, *events, columns=("time", "actor", "subject"))
    actors = found["actor"].cat.categories
    keys, times, turn = copies_in_turn(found)
    del found
    first = turn == 0
    del turn
    keys = keys[first]
    times = times[first]
    wanted = owed.keys(actors)
    out = np.full(len(wanted), np.nan)
    if keys.size:
        at, hit = lookup(keys, wanted)  # a subscription with no row has no key among them
        out[hit] = times[at[hit]]
    return out


def copies_in_turn(copies: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(copy key, time, turn) of each bus row, sorted by copy then time.

    ``copies`` has ``actor`` (categorical), ``subject`` and ``time``; a row's turn is 0 for
    its copy's first row, 1 for the second, and so on (ties in time keep row order).
    """
    keys = copy_keys(copies["actor"].cat.codes.to_numpy(), copies["subject"].to_numpy())
    times = copies["time"].to_numpy(dtype=float)
    order = np.lexsort((times, keys))
    keys, times = keys[order], times[order]
    starts = np.r_[True, keys[1:] != keys[:-1]] if keys.size else np.zeros(0, dtype=bool)
    return keys, times, np.arange(keys.size) - group_starts(starts)


def copy_keys(subscriptions: np.ndarray, messages: np.ndarray) -> np.ndarray:
    """One int64 per (subscription code, message number)."""
    return pair_keys(subscriptions, messages)
