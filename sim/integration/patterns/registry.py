"""Registry of integration patterns, so users can plug in their own.

A pattern is named in a scenario (``integration.pattern``) or on the command line in one of
three ways, resolved by :func:`pattern_class` in this order:

1. a registered name: the built-in patterns register themselves with
   :func:`register_pattern` when :mod:`sim.integration.patterns` is imported;
2. an import path ``package.module:Class`` (``Class`` may be dotted, ``Outer.Inner``): the
   module is imported, the attribute checked to be a concrete :class:`IntegrationPattern`
   subclass with a ``name`` of its own, and the class registered under that name;
3. the name of an entry point in the group :data:`ENTRY_POINT_GROUP` (``o2csim.patterns``)
   of an installed distribution, loaded and checked the same way.

The string itself (a path or an entry-point name) is what a scenario keeps, so a worker
process that starts with an empty registry resolves the same pattern from it.
"""

from __future__ import annotations

import importlib
import inspect
from importlib.metadata import EntryPoint, entry_points

from sim.integration.patterns.base import IntegrationPattern, PatternContext

__all__ = [
    "BUILTIN_PACKAGE",
    "ENTRY_POINT_GROUP",
    "UnknownPatternError",
    "builtin_pattern_names",
    "create_pattern",
    "pattern_class",
    "pattern_names",
    "register_pattern",
]

ENTRY_POINT_GROUP = "o2csim.patterns"
"""Entry-point group in which installed distributions offer patterns by name."""

BUILTIN_PACKAGE = "sim.integration.patterns"
"""Patterns defined in modules of this package are the built-ins."""

_PATTERNS: dict[str, type[IntegrationPattern]] = {}
_RESOLVED: dict[str, type[IntegrationPattern]] = {}  # import path or entry point -> class


class UnknownPatternError(KeyError):
    """A pattern name, import path or entry point that does not give a usable pattern."""


def register_pattern(cls: type[IntegrationPattern]) -> type[IntegrationPattern]:
    """Class decorator: make ``cls`` available under ``cls.name``."""
    existing = _PATTERNS.get(cls.name)
    if existing is not None and existing is not cls:
        raise ValueError(
            f"a pattern named {cls.name!r} is already registered "
            f"({_qualified(existing)}); give {_qualified(cls)} a name of its own"
        )
    _PATTERNS[cls.name] = cls
    return cls


def pattern_names() -> list[str]:
    """Names of the registered patterns (built-in and resolved user patterns), sorted."""
    return sorted(_PATTERNS)


def builtin_pattern_names() -> list[str]:
    """Names of the registered patterns defined in :data:`BUILTIN_PACKAGE`, sorted."""
    return sorted(
        name
        for name, cls in _PATTERNS.items()
        if cls.__module__ == BUILTIN_PACKAGE or cls.__module__.startswith(BUILTIN_PACKAGE + ".")
    )


def _qualified(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _unknown(spec: str) -> UnknownPatternError:
    return UnknownPatternError(
        f"unknown pattern {spec!r}; expected one of {', '.join(pattern_names())}, "
        f"an import path package.module:Class, or an entry point of group {ENTRY_POINT_GROUP}"
    )


def _checked(spec: str, found: object) -> type[IntegrationPattern]:
    """``found`` as a pattern class, registered; or why it is not one."""
    if not isinstance(found, type) or not issubclass(found, IntegrationPattern):
        raise UnknownPatternError(
            f"pattern {spec!r} is {found!r}, not a subclass of "
            "sim.integration.patterns.IntegrationPattern"
        )
    if inspect.isabstract(found):
        missing = ", ".join(sorted(getattr(found, "__abstractmethods__", ())))
        raise UnknownPatternError(f"pattern {spec!r} is abstract: it does not implement {missing}")
    name = getattr(found, "name", None)
    if not isinstance(name, str) or not name:
        raise UnknownPatternError(
            f"pattern {spec!r} has no name: give the class a ClassVar name = '...'"
        )
    try:
        register_pattern(found)
    except ValueError as exc:
        raise UnknownPatternError(f"pattern {spec!r}: {exc}") from None
    _RESOLVED[spec] = found
    return found


def _from_path(spec: str) -> type[IntegrationPattern]:
    """Import ``package.module:Class`` and check what it names."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute or ":" in attribute:
        raise UnknownPatternError(f"pattern {spec!r}: expected an import path package.module:Class")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise UnknownPatternError(
            f"pattern {spec!r}: cannot import module {module_name!r} ({exc}); "
            "is it installed, or on PYTHONPATH?"
        ) from None
    except Exception as exc:  # the user's module failed while importing: report, not crash
        raise UnknownPatternError(
            f"pattern {spec!r}: importing module {module_name!r} raised {type(exc).__name__}: {exc}"
        ) from None
    found: object = module
    for part in attribute.split("."):
        if not hasattr(found, part):
            raise UnknownPatternError(
                f"pattern {spec!r}: module {module_name!r} has no attribute {attribute!r}"
            )
        found = getattr(found, part)
    return _checked(spec, found)


def _entry_point(name: str) -> EntryPoint | None:
    matches = entry_points(group=ENTRY_POINT_GROUP, name=name)
    return next(iter(matches), None)


def pattern_class(name: str) -> type[IntegrationPattern]:
    """The pattern class ``name`` names, resolving (and registering) it when needed.

    ``name`` is a registered name, an import path ``package.module:Class`` or an entry
    point of :data:`ENTRY_POINT_GROUP`.

    Raises :class:`UnknownPatternError` (a ``KeyError`` whose first argument is a message
    for the user) when it names nothing usable.
    """
    cls = _PATTERNS.get(name) or _RESOLVED.get(name)
    if cls is not None:
        return cls
    if ":" in name:
        return _from_path(name)
    point = _entry_point(name)
    if point is None:
        raise _unknown(name)
    try:
        found = point.load()
    except Exception as exc:  # an installed plug-in that fails to load: report, not crash
        raise UnknownPatternError(
            f"pattern {name!r}: entry point {point.value!r} of group {ENTRY_POINT_GROUP} "
            f"failed to load: {type(exc).__name__}: {exc}"
        ) from None
    return _checked(name, found)


def create_pattern(name: str, context: PatternContext) -> IntegrationPattern:
    """Instantiate the pattern ``name`` names (see :func:`pattern_class`)."""
    return pattern_class(name)(context)
