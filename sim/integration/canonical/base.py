"""Common configuration of every canonical business object."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import TypeVar

from pydantic import BaseModel, ConfigDict

__all__ = ["CanonicalModel", "member_parser"]

E = TypeVar("E", bound=StrEnum)


class CanonicalModel(BaseModel):
    """Base of the canonical objects: strict about unknown fields, immutable once built."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def member_parser(kind: type[E]) -> Callable[[str], E]:
    """``kind(value)`` as one dictionary look-up: the hot paths parse many statuses.

    An unknown value still raises ``kind``'s own ``ValueError``.
    """
    members: dict[str, E] = {member.value: member for member in kind}

    def parse(value: str) -> E:
        member = members.get(value)
        return kind(value) if member is None else member

    return parse
