"""What a call to an endpoint can end as: its history event, statuses and result type.

Every call is one ``endpoint.call`` history row (:data:`CALL_EVENT`) whose status is one of
:data:`CALL_OUTCOMES`. A caller gets the callee's answer when the call was served and
answered, else a :class:`CallResult` saying why not; :data:`OK`, :data:`UNAVAILABLE`,
:data:`TIMED_OUT` and :data:`ERROR` are the shared results that carry no ``Retry-After``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "CALL_EVENT",
    "CALL_OUTCOMES",
    "ERROR",
    "LOCKED",
    "OK",
    "TIMED_OUT",
    "UNAVAILABLE",
    "CallResult",
    "OutageMode",
]

CALL_EVENT = "endpoint.call"
"""History event of every call; ``value`` is the queue wait, ``value2`` the service time."""

CALL_OUTCOMES = (
    "ok",
    "throttled",
    "unavailable",
    "timeout",
    "late",
    "lost_response",
    "error",
    "interrupted",
    "locked",
)
"""Statuses of ``endpoint.call`` rows: served and answered; refused with 429; connection
error; no answer before the caller's timeout (nothing processed); processed and committed
after the caller gave up; committed but the response was lost; served with a 5xx and nothing
committed; the caller's process was interrupted; the records it had to lock stayed locked
by others beyond its patience (Salesforce ``UNABLE_TO_LOCK_ROW``), nothing committed."""

OutageMode = Literal["refused", "timeout"]
"""How a down endpoint looks to callers: a quick connection error, or silence."""


@dataclass(frozen=True, slots=True)
class CallResult:
    """A refusal or failure as the caller sees it; ``ok`` only for a bare served call."""

    status: str
    retry_after: float = 0.0

    @property
    def ok(self) -> bool:
        """True when the operation was served."""
        return self.status == "ok"


OK = CallResult("ok")
"""A served call with no answer of its own (no commit)."""
UNAVAILABLE = CallResult("unavailable")
"""A connection error from a down endpoint."""
TIMED_OUT = CallResult("timeout")
"""No answer before the caller's timeout."""
ERROR = CallResult("error")
"""A 5xx after service; nothing was committed."""
LOCKED = CallResult("locked")
"""A record lock was not granted in time (Salesforce ``UNABLE_TO_LOCK_ROW``); nothing was
committed, and the caller may retry."""
