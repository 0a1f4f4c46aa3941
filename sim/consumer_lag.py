"""Consumer lag: the copies a bus subscription owes, waiting on its partitions, from the history.

A subscription owes a copy of every message published on its topic that its filter lets
through (:func:`sim.bus_copies.owed_copies`). The copy *waits* from its
``bus.published`` row until a consumer takes it: the first ``bus.delivered`` row of that
(subscription, message). A copy not delivered by the end of the run waits until the end.
The wait includes the broker's delivery latency (a fraction of a second) and every hold the
consumers cannot help: a down broker, a paused subscription, a busy or slow consumer ahead
of it on its partition. Redeliveries and replays of a copy already taken are not waits on
the partition (the consumer's own retry), and are left out.

This is the subscription's queue in :mod:`sim.utilisation`: summed over the copies, the
waiting spans give request-seconds waiting per hour, the same unit as an endpoint's queue
(a Kafka consumer group's lag, in messages, is its time-average). The alert signal
``consumer_lag`` (:mod:`sim.alerts`) is another reading of the same backlog: the age of the
oldest copy not yet handled (until its first outcome), over every subscription.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.bus_copies import first_times, owed_copies
from sim.history_table import Rows

__all__ = ["DELIVERED_EVENT", "lag_spans", "waiting_until"]

DELIVERED_EVENT = "bus.delivered"
"""A consumer took a copy off its partition (actor ``subscriber:<name>``, subject: message)."""


def lag_spans(frame: Rows) -> pd.DataFrame:
    """Every owed copy's wait on its partition: ``subscription``, ``published``, ``taken``.

    ``subscription`` is the subscription's actor name (``subscriber:<name>``, the
    resource's name; categorical), ``published`` the time of the message's publication and
    ``taken`` the time of the copy's first delivery (NaN: not delivered by the end of the
    run).
    """
    owed = owed_copies(frame)[0]
    if not len(owed):
        return pd.DataFrame(
            {
                "subscription": pd.Categorical([]),
                "published": pd.Series([], dtype=float),
                "taken": pd.Series([], dtype=float),
            }
        )
    return pd.DataFrame(
        {
            "subscription": owed.subscriptions(),
            "published": owed.time,
            "taken": first_times(frame, owed, DELIVERED_EVENT),
        }
    )


def waiting_until(spans: pd.DataFrame, end: float) -> np.ndarray:
    """Each span's end: its ``taken`` time, or ``end`` for a copy never taken."""
    taken = spans["taken"].to_numpy(dtype=float)
    return np.where(np.isnan(taken), end, taken)
