"""The history as a pandas DataFrame, and small selectors used by metrics and checks."""

from __future__ import annotations

import pandas as pd

from sim.engine import History

__all__ = ["history_frame", "first_time", "rows"]


def history_frame(history: History | pd.DataFrame) -> pd.DataFrame:
    """One row per history record, name columns as pandas categoricals (zero-copy codes).

    A frame is returned as it is: a history read back from ``history.parquet`` already has
    these columns and dtypes.
    """
    if isinstance(history, pd.DataFrame):
        return history
    cols = history.columns()
    frame = pd.DataFrame(
        {
            "time": cols["time"],
            "event": pd.Categorical.from_codes(
                cols["event"].astype("int32"), categories=pd.Index(history.events.names)
            ),
            "actor": pd.Categorical.from_codes(
                cols["actor"].astype("int32"), categories=pd.Index(history.actors.names)
            ),
            "order": cols["order"],
            "subject": cols["subject"],
            "status": pd.Categorical.from_codes(
                cols["status"].astype("int32"), categories=pd.Index(history.statuses.names)
            ),
            "value": cols["value"],
            "value2": cols["value2"],
        },
        copy=True,
    )
    return frame


def rows(frame: pd.DataFrame, event: str) -> pd.DataFrame:
    """The rows of one event type."""
    return frame[frame["event"] == event]


def first_time(frame: pd.DataFrame, event: str) -> pd.Series:
    """Per order, the time of the first row of ``event`` (index: order)."""
    selected = rows(frame, event)
    return selected.groupby("order")["time"].min()
