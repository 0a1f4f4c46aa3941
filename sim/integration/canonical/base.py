"""Common configuration of every canonical business object."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["CanonicalModel"]


class CanonicalModel(BaseModel):
    """Base of the canonical objects: strict about unknown fields, immutable once built."""

    model_config = ConfigDict(extra="forbid", frozen=True)
