"""What every mock system shares: its run, its endpoints and its history rows."""

from __future__ import annotations

from sim.engine import ActorRecorder, Endpoint, EndpointSpec, RunEnvironment

__all__ = ["MockSystem"]


class MockSystem:
    """Base of the mock systems: records rows under the system's own actor name."""

    def __init__(self, run: RunEnvironment, name: str) -> None:
        self.run = run
        self.name = name
        self.sim = run.sim
        self.endpoints: dict[str, Endpoint] = {}
        self.record = ActorRecorder(run, name, name).record
        """One history row ``<system>.<event>`` at the current simulated time."""

    def endpoint(self, operation: str, spec: EndpointSpec) -> Endpoint:
        """Create (once) the endpoint for ``operation``, named ``<system>.<operation>``."""
        endpoint = Endpoint(self.run, f"{self.name}.{operation}", spec)
        self.endpoints[operation] = endpoint
        return endpoint
