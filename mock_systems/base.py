"""What every mock system shares: its run, its endpoints and its history rows."""

from __future__ import annotations

import math

from sim.engine import NONE, Endpoint, EndpointSpec, RunEnvironment

__all__ = ["MockSystem"]


class MockSystem:
    """Base of the mock systems: records rows under the system's own actor name."""

    def __init__(self, run: RunEnvironment, name: str) -> None:
        self.run = run
        self.name = name
        self.sim = run.sim
        self._history = run.history
        self._actor = run.history.actor_code(name)
        self._event_codes: dict[str, int] = {}
        self.endpoints: dict[str, Endpoint] = {}

    def endpoint(self, operation: str, spec: EndpointSpec) -> Endpoint:
        """Create (once) the endpoint for ``operation``, named ``<system>.<operation>``."""
        endpoint = Endpoint(self.run, f"{self.name}.{operation}", spec)
        self.endpoints[operation] = endpoint
        return endpoint

    def record(
        self,
        event: str,
        order: int = NONE,
        subject: int = NONE,
        status: str = "",
        value: float = math.nan,
        value2: float = math.nan,
    ) -> None:
        """One history row at the current simulated time, event named ``<system>.<event>``."""
        code = self._event_codes.get(event)
        if code is None:
            code = self._history.event_code(f"{self.name}.{event}")
            self._event_codes[event] = code
        self._history.record(
            self.sim.now,
            code,
            self._actor,
            order,
            subject,
            self._history.status_code(status) if status else 0,
            value,
            value2,
        )
