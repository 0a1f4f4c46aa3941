"""The Envelope carried around every message that crosses the integration core."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from sim.integration.canonical.base import CanonicalModel

__all__ = ["Envelope"]


class Envelope(CanonicalModel):
    """Transport metadata plus one canonical payload.

    ``correlation_id`` is one per order end to end; ``causation_id`` is the message that
    caused this one; ``sequence`` is the per-aggregate version used for resequencing;
    ``attempt`` counts deliveries of the same ``message_id``.
    """

    message_id: str = Field(min_length=1)
    type: str = Field(min_length=1, description="business event or command, e.g. OrderAccepted")
    schema_version: str = "1.0"
    correlation_id: str
    causation_id: str | None = None
    source: str
    occurred_at: float = Field(ge=0, description="when it happened at the source")
    sent_at: float = Field(ge=0)
    sequence: int = Field(ge=0)
    attempt: int = Field(default=1, ge=1)
    payload: dict[str, Any] = Field(default_factory=dict)
