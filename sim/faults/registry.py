"""The registry of fault kinds: a new kind is one module plus a :func:`register` call.

A kind names its spec model (the ``faults:`` entry), the seam family it acts on, and an
``apply`` function. ``apply(seam, active, state)`` is called whenever the set of windows of
that kind in force on that seam changes; it sets the seam's fault state from all
``active`` windows (so overlapping windows combine), keeping anything it must undo in
``state`` (a dict of its own per seam).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sim.faults.seams import SeamFamily
from sim.faults.spec import FaultSpec
from sim.faults.timeline import FaultWindow

__all__ = ["FaultKind", "Apply", "register", "fault_kind", "fault_kinds"]

Apply = Callable[[Any, list[FaultWindow], dict[str, Any]], None]
"""Set one seam's state from the windows of one kind now in force on it."""


@dataclass(frozen=True)
class FaultKind:
    """A kind of fault: its spec, the seams it acts on, and how it is applied."""

    name: str
    spec: type[FaultSpec]
    families: tuple[SeamFamily, ...]
    apply: Apply


_KINDS: dict[str, FaultKind] = {}


def register(kind: FaultKind) -> FaultKind:
    """Make a fault kind available to scenarios under ``kind.name``."""
    if kind.name in _KINDS and _KINDS[kind.name] is not kind:
        raise ValueError(f"a fault kind named {kind.name!r} is already registered")
    _KINDS[kind.name] = kind
    return kind


def fault_kind(name: str) -> FaultKind:
    """The registered kind ``name``."""
    return _KINDS[name]


def fault_kinds() -> list[FaultKind]:
    """Every registered kind, by name."""
    return [_KINDS[name] for name in sorted(_KINDS)]
