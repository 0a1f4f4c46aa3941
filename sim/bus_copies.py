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

import numpy as np
import pandas as pd

from sim.history_frame import name_values, rows
from sim.history_table import Rows

__all__ = [
    "TOPIC_PREFIX",
    "copies_in_turn",
    "copy_keys",
    "copy_parts",
    "first_times",
    "owed_copies",
    "subscription_of",
]

TOPIC_PREFIX = "topic:"
"""The actor prefix of a topic's ``bus.published`` rows."""


def owed_copies(frame: Rows) -> tuple[pd.DataFrame, np.ndarray]:
    """(subscription, message) pairs the broker owes a copy, and the declared subscriptions.

    The pairs are indexed by (subscription, message) with the publication's ``row`` and
    ``time``, in publication order (a message's subscriptions in declaration order). Each
    subscription takes the messages of its topic that pass its filter, picked on category
    codes: the publications of a long run are millions, the subscriptions a handful.
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
    names = subs["subscription"].to_numpy(dtype=object)
    index = pd.MultiIndex.from_arrays(
        [names[rank_of], published["subject"].to_numpy()[at]], names=["subscription", "message"]
    )
    owed = pd.DataFrame(
        {
            "row": published.index.to_numpy()[at],
            "time": published["time"].to_numpy(dtype=float)[at],
        },
        index=index,
    )
    return owed[~owed.index.duplicated()], subs["subscription"].unique()


def first_times(frame: Rows, owed: pd.Index, *events: str) -> np.ndarray:
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
    subscriptions, messages = copy_parts(owed, actors)
    wanted = copy_keys(subscriptions, messages)
    out = np.full(len(wanted), np.nan)
    if keys.size:
        at = np.minimum(np.searchsorted(keys, wanted), keys.size - 1)
        hit = (subscriptions >= 0) & (keys[at] == wanted)
        out[hit] = times[at[hit]]
    return out


def copy_parts(owed: pd.Index, actors: pd.Index) -> tuple[np.ndarray, np.ndarray]:
    """(actor code in ``actors``, message number) of each pair of ``owed``, as integer arrays.

    Read from the index's level codes: taking the subscription level's values would make a
    string object per copy (about 80 bytes each on a pandas string level).
    """
    index: pd.MultiIndex = owed  # type: ignore[assignment]
    subscription_codes = actors.get_indexer(index.levels[0])[index.codes[0]]
    messages = index.levels[1].to_numpy()[index.codes[1]]
    return subscription_codes, messages


def subscription_of(owed: pd.Index) -> pd.Categorical:
    """The subscription of each pair of ``owed``, categorical (one code per copy)."""
    index: pd.MultiIndex = owed  # type: ignore[assignment]
    return pd.Categorical.from_codes(index.codes[0], categories=index.levels[0])


def copies_in_turn(copies: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(copy key, time, turn) of each bus row, sorted by copy then time.

    ``copies`` has ``actor`` (categorical), ``subject`` and ``time``; a row's turn is 0 for
    its copy's first row, 1 for the second, and so on (ties in time keep row order).
    """
    keys = copy_keys(copies["actor"].cat.codes.to_numpy(), copies["subject"].to_numpy())
    times = copies["time"].to_numpy(dtype=float)
    order = np.lexsort((times, keys))
    keys, times = keys[order], times[order]
    position = np.arange(keys.size)
    starts = np.r_[True, keys[1:] != keys[:-1]] if keys.size else np.zeros(0, dtype=bool)
    return keys, times, position - np.maximum.accumulate(np.where(starts, position, 0))


def copy_keys(subscriptions: np.ndarray, messages: np.ndarray) -> np.ndarray:
    """One int64 per (subscription code, message number)."""
    keys: np.ndarray = (subscriptions.astype(np.int64) << 32) | (
        messages.astype(np.int64) & 0xFFFFFFFF
    )
    return keys
