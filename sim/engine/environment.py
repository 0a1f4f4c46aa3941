"""The run environment: one SimPy environment, the seeded streams and the history."""

from __future__ import annotations

import simpy

from sim.engine.event_loop import SimEnvironment
from sim.engine.history import History
from sim.engine.streams import RandomStreams

__all__ = ["RunEnvironment"]


class RunEnvironment:
    """Everything a component needs to take part in a run.

    ``sim`` is the SimPy environment (simulated seconds), ``streams`` hands out named random
    streams, ``history`` records every step. Components receive this object in their
    constructor; nothing in a run reads wall-clock time or global randomness.
    """

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.sim: simpy.Environment = SimEnvironment()
        self.streams = RandomStreams(seed)
        self.history = History()

    @property
    def now(self) -> float:
        """Current simulated time in seconds."""
        return float(self.sim.now)
