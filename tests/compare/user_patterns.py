"""User-defined patterns for the tests, found by import path (``tests.compare.user_patterns:...``).

They live outside ``sim`` on purpose: a worker process knows them only from their path.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from sim.integration.patterns import HybridPattern, IntegrationPattern, PatternContext


class UnreconciledHybrid(HybridPattern):
    """The hybrid pattern with reconciliation switched off: no status extracts, no polls."""

    name: ClassVar[str] = "hybrid_unreconciled"

    def __init__(self, context: PatternContext) -> None:
        settings = context.settings
        mechanisms = settings.mechanisms.model_copy(update={"reconciliation": False})
        tuned = settings.model_copy(update={"mechanisms": mechanisms})
        super().__init__(dataclasses.replace(context, settings=tuned))


class SameNameAsHybrid(HybridPattern):
    """A subclass that forgot to give itself a name of its own."""


class NotAPattern:
    """A class that is no IntegrationPattern."""

    name = "not_a_pattern"


NOT_A_CLASS = 42


class AbstractPattern(IntegrationPattern):
    """Named, but without ``start``: abstract."""

    name: ClassVar[str] = "abstract_pattern"


class NamelessPattern(IntegrationPattern):
    """Concrete, but without a name of its own."""

    def start(self) -> None:
        """Nothing to start."""
