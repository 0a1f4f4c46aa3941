"""ActorRecorder: history rows for one actor, named by event, stamped with the current time."""

from __future__ import annotations

import math

from sim.engine.environment import RunEnvironment
from sim.engine.history import NONE

__all__ = ["ActorRecorder"]


class ActorRecorder:
    """Writes rows for one actor; event names get a prefix (``erp`` + ``order_created``).

    Event codes are resolved once per name and cached, so a call costs two dictionary
    look-ups and one row append.
    """

    def __init__(self, run: RunEnvironment, actor: str, prefix: str) -> None:
        self._sim = run.sim
        self._history = run.history
        self._actor = run.history.actor_code(actor)
        self._prefix = prefix
        self._codes: dict[str, int] = {}
        self._statuses: dict[str, int] = {"": 0}

    def record(
        self,
        event: str,
        order: int = NONE,
        subject: int = NONE,
        status: str = "",
        value: float = math.nan,
        value2: float = math.nan,
    ) -> None:
        """One row ``<prefix>.<event>`` at the current simulated time."""
        code = self._codes.get(event)
        if code is None:
            code = self._history.event_code(f"{self._prefix}.{event}")
            self._codes[event] = code
        status_code = self._statuses.get(status)
        if status_code is None:
            status_code = self._statuses[status] = self._history.status_code(status)
        self._history.record(
            self._sim.now, code, self._actor, order, subject, status_code, value, value2
        )
