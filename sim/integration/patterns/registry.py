"""Registry of integration patterns, so users can plug in their own by name."""

from __future__ import annotations

from collections.abc import Callable

from sim.integration.patterns.base import IntegrationPattern, PatternContext

__all__ = [
    "UnknownPatternError",
    "create_pattern",
    "pattern_class",
    "pattern_names",
    "register_pattern",
]

_PATTERNS: dict[str, type[IntegrationPattern]] = {}


class UnknownPatternError(KeyError):
    """No pattern is registered under the requested name."""


def register_pattern(cls: type[IntegrationPattern]) -> type[IntegrationPattern]:
    """Class decorator: make ``cls`` available under ``cls.name``."""
    existing = _PATTERNS.get(cls.name)
    if existing is not None and existing is not cls:
        raise ValueError(f"a pattern named {cls.name!r} is already registered")
    _PATTERNS[cls.name] = cls
    return cls


def pattern_names() -> list[str]:
    """Names of the registered patterns, sorted."""
    return sorted(_PATTERNS)


def pattern_class(name: str) -> type[IntegrationPattern]:
    """The class registered as ``name``."""
    cls = _PATTERNS.get(name)
    if cls is None:
        raise UnknownPatternError(f"unknown pattern {name!r}; expected one of {', '.join(pattern_names())}")
    return cls


def create_pattern(name: str, context: PatternContext) -> IntegrationPattern:
    """Instantiate the pattern registered as ``name``."""
    factory: Callable[[PatternContext], IntegrationPattern] | None = _PATTERNS.get(name)
    if factory is None:
        raise UnknownPatternError(f"unknown pattern {name!r}; expected one of {', '.join(pattern_names())}")
    return factory(context)
