"""LevelMonitor: the time integral of a count that goes up and down (a queue's length)."""

from __future__ import annotations

__all__ = ["LevelMonitor"]


class LevelMonitor:
    """Integrates a level over simulated time, for time averages such as L in L = lambda W."""

    __slots__ = ("area", "last", "level", "started")

    def __init__(self, start: float = 0.0) -> None:
        self.level = 0
        self.area = 0.0
        self.last = start
        self.started = start

    def change(self, now: float, delta: int) -> None:
        """The level moves by ``delta`` at ``now``."""
        self.area += self.level * (now - self.last)
        self.last = now
        self.level += delta

    def mean(self, now: float) -> float:
        """Time-average level from the start up to ``now``."""
        elapsed = now - self.started
        if elapsed <= 0:
            return 0.0
        return (self.area + self.level * (now - self.last)) / elapsed
