"""Apply-only-newer resequencing keyed by aggregate, and deduplication on ids.

Both remember something per order (or per shipment of an order) for as long as a late copy
of a message about it may still arrive. Once the order is settled and archived
(:mod:`sim.order_archive`), nothing about it arrives any more, so each can forget it:
:meth:`LatestWins.forget` and :meth:`SeenIds.forget`. That keeps a long run's memory flat.
"""

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

    def __contains__(self, key: Hashable) -> bool:
        """True while a version is remembered for ``key``."""
        return key in self._latest

    def __len__(self) -> int:
        return len(self._latest)

    def is_newer(self, key: Hashable, version: float) -> bool:
        """True if ``version`` is newer than anything accepted for ``key``."""
        return version > self._latest.get(key, float("-inf"))

    def accept(self, key: Hashable, version: float) -> bool:
        """Accept ``version`` if newer; returns whether it was accepted."""
        if self.is_newer(key, version):
            self._latest[key] = version
            return True
        return False

    def forget(self, key: Hashable) -> None:
        """Forget ``key`` (its order was archived): nothing about it arrives any more."""
        self._latest.pop(key, None)


class SeenIds:
    """Deduplicates on an id (a carrier event id, a message id), remembered per order.

    The ids of one order (``order >= 0``) are kept together, a short list each, so
    :meth:`forget` drops them all at once when the order is archived; ids that belong to no
    order (``order < 0``: master data, a broadcast) are kept for the whole run.
    """

    __slots__ = ("_by_order", "_unowned")

    def __init__(self) -> None:
        self._by_order: dict[int, list[str]] = {}
        self._unowned: set[str] = set()

    def __len__(self) -> int:
        """Ids remembered now."""
        return len(self._unowned) + sum(len(ids) for ids in self._by_order.values())

    def holds(self, order: int) -> bool:
        """True while ids of ``order`` are remembered."""
        return order in self._by_order

    def seen(self, identifier: str, order: int = -1) -> bool:
        """True if ``identifier`` (of ``order``) was taken before."""
        if order >= 0:
            ids = self._by_order.get(order)
            return ids is not None and identifier in ids
        return identifier in self._unowned

    def add(self, identifier: str, order: int = -1) -> None:
        """Remember ``identifier`` as taken (for ``order``)."""
        if order >= 0:
            ids = self._by_order.get(order)
            if ids is None:
                self._by_order[order] = [identifier]
            elif identifier not in ids:
                ids.append(identifier)
        else:
            self._unowned.add(identifier)

    def first_time(self, identifier: str, order: int = -1) -> bool:
        """True the first time ``identifier`` (of ``order``) is offered; remembers it."""
        if order >= 0:
            ids = self._by_order.get(order)
            if ids is None:
                self._by_order[order] = [identifier]
                return True
            if identifier in ids:
                return False
            ids.append(identifier)
            return True
        if identifier in self._unowned:
            return False
        self._unowned.add(identifier)
        return True

    def forget(self, order: int) -> None:
        """Forget every id of ``order`` (archived): no copy of its messages arrives any more."""
        self._by_order.pop(order, None)
