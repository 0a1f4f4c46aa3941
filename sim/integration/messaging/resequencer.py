"""Apply-only-newer resequencing keyed by aggregate."""

from __future__ import annotations

from collections.abc import Hashable

__all__ = ["LatestWins", "SeenIds"]


class LatestWins:
    """Remembers the highest version applied per key; older or equal versions are stale.

    Used for per-order ``sequence`` numbers and per-shipment scan ``occurred_at`` so that
    a status never moves backwards, whatever order messages arrive in.
    """

    def __init__(self) -> None:
        self._latest: dict[Hashable, float] = {}

    def is_newer(self, key: Hashable, version: float) -> bool:
        """True if ``version`` is newer than anything accepted for ``key``."""
        return version > self._latest.get(key, float("-inf"))

    def accept(self, key: Hashable, version: float) -> bool:
        """Accept ``version`` if newer; returns whether it was accepted."""
        if self.is_newer(key, version):
            self._latest[key] = version
            return True
        return False


class SeenIds:
    """Deduplicates on an id (a carrier event id, a message id)."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def __contains__(self, identifier: str) -> bool:
        return identifier in self._seen

    def first_time(self, identifier: str) -> bool:
        """True the first time ``identifier`` is offered."""
        if identifier in self._seen:
            return False
        self._seen.add(identifier)
        return True
