"""The Envelope carried around every message that crosses the integration core."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

__all__ = ["Envelope", "NO_PAYLOAD"]

NO_PAYLOAD: Mapping[str, Any] = MappingProxyType({})
"""The payload of an envelope built without one (read-only, so it can be shared)."""


class Envelope(NamedTuple):
    """Transport metadata plus one canonical payload.

    ``correlation_id`` is one per order end to end; ``causation_id`` is the message that
    caused this one; ``sequence`` is the per-aggregate version used for resequencing;
    ``attempt`` counts deliveries of the same ``message_id``.

    A named tuple, not a validated model: only the adapters and patterns build one, from
    values the mock systems already enforce, and every order makes several on the hot path,
    where a pydantic model costs five times a tuple. It is just as immutable;
    :meth:`_replace` makes a changed copy. The payload mapping is the adapter's own and is
    read, never changed, downstream.
    """

    message_id: str
    type: str
    """Business event or command, e.g. ``OrderAccepted``."""
    correlation_id: str
    source: str
    occurred_at: float
    """When it happened at the source."""
    sent_at: float
    sequence: int
    payload: Mapping[str, Any] = NO_PAYLOAD
    schema_version: str = "1.0"
    causation_id: str | None = None
    attempt: int = 1
