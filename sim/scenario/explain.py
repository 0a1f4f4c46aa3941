"""Explaining an invalid scenario: one line per problem, naming the dotted field path.

Pydantic's errors are turned into messages a user can act on: the field, what was found,
what was expected (with a close match for a misspelt key or tag), and which ``--set`` put
a bad value there.
"""

from __future__ import annotations

import difflib
import math
import types
from datetime import datetime
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from sim.scenario.model import Scenario
from sim.scenario.yaml_reader import shown

__all__ = ["explain", "non_finite", "set_by"]

_NO_TYPE: Any = object()  # the error's location could not be followed through the model


def _unwrap(tp: Any) -> Any:
    """Strip ``Annotated`` and ``Optional`` so the interesting type remains."""
    while True:
        if get_origin(tp) is Annotated:
            tp = get_args(tp)[0]
            continue
        members = _union_members(tp)
        if members is not None and len(members) == 1:
            tp = members[0]
            continue
        return tp


def _union_members(tp: Any) -> list[Any] | None:
    if get_origin(tp) in (Union, types.UnionType):
        return [m for m in get_args(tp) if m is not type(None)]
    return None


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _tags(members: list[Any]) -> dict[str, Any]:
    """Tag value to member for a tagged union of models (a single-value ``Literal`` field)."""
    tagged: dict[str, Any] = {}
    for member in members:
        if not _is_model(member):
            continue
        for info in member.model_fields.values():
            if get_origin(info.annotation) is Literal and len(get_args(info.annotation)) == 1:
                tagged[str(get_args(info.annotation)[0])] = member
                break
    return tagged


def _child(tp: Any, item: int | str) -> Any:
    """The type found one step below ``tp`` at key or index ``item``."""
    tp = _unwrap(tp)
    if _is_model(tp):
        info = tp.model_fields.get(item) if isinstance(item, str) else None
        return info.annotation if info is not None else _NO_TYPE
    origin, args = get_origin(tp), get_args(tp)
    if origin is dict and len(args) == 2:
        return args[1]
    if origin in (list, set, frozenset) and args:
        return args[0]
    if origin is tuple and args:
        if len(args) == 2 and args[1] is Ellipsis:
            return args[0]
        if isinstance(item, int) and 0 <= item < len(args):
            return args[item]
    return _NO_TYPE


def _is_sequence(tp: Any) -> bool:
    """True for list and tuple types, and for an unknown type (integers index a list there)."""
    return tp is _NO_TYPE or get_origin(_unwrap(tp)) in (list, tuple, set, frozenset)


def _follow(loc: tuple[int | str, ...]) -> tuple[str, Any]:
    """The dotted path (``demand.peaks[0].window``) of a location and the type found there.

    Pydantic puts the tag of a tagged union (``lognormal``) into the location; it is not a
    key of the file, so it is left out of the path.
    """
    parts: list[str] = []
    tp: Any = Scenario
    for item in loc:
        members = _union_members(_unwrap(tp)) if tp is not _NO_TYPE else None
        if members is not None and isinstance(item, str) and item in _tags(members):
            tp = _tags(members)[item]
            continue
        if isinstance(item, int) and _is_sequence(tp):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
        tp = _child(tp, item) if tp is not _NO_TYPE else _NO_TYPE
    return "".join(parts) or "(top level)", tp


def _location(loc: tuple[int | str, ...]) -> str:
    """The dotted path of a pydantic error location, e.g. ``demand.peaks[0].window``."""
    return _follow(loc)[0]


def _expected(tp: Any) -> str | None:
    """What a value of type ``tp`` looks like, in words; ``None`` when unknown."""
    if tp is _NO_TYPE:
        return None
    tp = _unwrap(tp)
    simple = {
        bool: "true or false",
        int: "an integer",
        float: "a number",
        str: "a string",
        datetime: "a date-time such as 2026-11-23T00:00:00Z",
    }
    if tp in simple:
        return simple[tp]
    if _is_model(tp):
        required = [name for name, info in tp.model_fields.items() if info.is_required()]
        return f"a mapping with keys {', '.join(required)}" if required else "a mapping"
    members = _union_members(tp)
    if members is not None:
        tags = _tags(members)
        if tags and len(tags) == len(members):
            return f"a mapping with kind: one of {', '.join(tags)}"
        return None
    origin, args = get_origin(tp), get_args(tp)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    if origin is dict:
        return "a mapping"
    if origin is tuple and args and not (len(args) == 2 and args[1] is Ellipsis):
        return f"a list of {len(args)} values"
    if origin in (tuple, list, set, frozenset):
        return "a list"
    return None


_EXPECTED_BY_TYPE = {
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "a whole number",
    "int_parsing_size": "an integer of reasonable size",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "a string",
    "invalid_key": "a text key",
    "dict_type": "a mapping (key: value)",
    "model_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
    "tuple_type": "a list",
    "list_type": "a list",
    "iterable_type": "a list",
    "datetime_type": "a date-time such as 2026-11-23T00:00:00Z",
    "datetime_parsing": "a date-time such as 2026-11-23T00:00:00Z",
    "datetime_from_date_parsing": "a date-time such as 2026-11-23T00:00:00Z",
}

_BOUNDS = {
    "greater_than": ("gt", ">"),
    "greater_than_equal": ("ge", ">="),
    "less_than": ("lt", "<"),
    "less_than_equal": ("le", "<="),
}

# Checks across sections (``Scenario._consistent``) fail at the top level; name the field the
# user has to change, recognised by how the check's message begins.
_MODEL_CHECK_FIELDS = (
    ("regions served by more than one site", "sites"),
    ("regions with no site serving them", "sites"),
    ("regions with no ERP tax rate", "systems.erp.tax_rates"),
    ("regions with no time zone", "calendar.zones"),
    ("calendar.holidays.subdivisions names", "calendar.holidays.subdivisions"),
    ("calendar.order_desk names", "calendar.order_desk"),
    ("unknown SLA metric", "slas"),
    ("a peak window starts after demand ends", "demand.peaks"),
)


def _problem(item: Any) -> tuple[str, str]:
    """The field path and a one-line explanation of one pydantic error."""
    loc = tuple(item["loc"])
    kind: str = item["type"]
    ctx: dict[str, Any] = item.get("ctx") or {}
    value = item.get("input")
    field, tp = _follow(loc)
    if kind in {"value_error", "assertion_error"}:
        message = str(ctx.get("error") or item["msg"].split(", ", 1)[-1])
        if field == "(top level)":
            field = next(
                (f for start, f in _MODEL_CHECK_FIELDS if message.startswith(start)), field
            )
        return field, message
    if kind == "extra_forbidden":
        parent = _unwrap(_follow(loc[:-1])[1])
        known = list(parent.model_fields) if _is_model(parent) else []
        close = difflib.get_close_matches(str(loc[-1]), known, n=1)
        if close:
            return field, f"unknown key; did you mean {close[0]!r}?"
        if known:
            return field, f"unknown key; expected one of {', '.join(known)}"
        return field, "unknown key (not a scenario field; check the spelling)"
    if kind == "missing":
        expected = _expected(tp)
        return field, "required field is missing" + (f"; expected {expected}" if expected else "")
    if kind == "union_tag_invalid":
        tag_field = str(ctx.get("discriminator", "kind")).strip("'")
        tags = str(ctx.get("expected_tags", "")).replace("'", "")
        return field, f"unknown {tag_field} {ctx.get('tag')!r}; expected one of {tags}"
    if kind == "union_tag_not_found":
        tag_field = str(ctx.get("discriminator", "kind")).strip("'")
        members = _union_members(_unwrap(tp)) if tp is not _NO_TYPE else None
        tags = ", ".join(_tags(members)) if members else "a known value"
        if not isinstance(value, dict):
            return field, f"expected a mapping with {tag_field}: one of {tags}, got {shown(value)}"
        return field, f"{tag_field} is missing; expected {tag_field}: one of {tags}"
    if kind == "literal_error":
        return (
            field,
            f"expected {ctx.get('expected', 'one of the allowed values')}, got {shown(value)}",
        )
    if kind in _BOUNDS:
        key, symbol = _BOUNDS[kind]
        return field, f"expected a number {symbol} {shown(ctx.get(key))}, got {shown(value)}"
    if kind in {"too_short", "too_long"} and str(_expected(tp)).startswith("a list of "):
        return field, f"expected {_expected(tp)}, got {ctx.get('actual_length')} values"
    if kind in {"too_short", "too_long"}:
        bound = "at least" if kind == "too_short" else "at most"
        limit = ctx.get("min_length" if kind == "too_short" else "max_length")
        things = "characters" if ctx.get("field_type") == "Value" else "items"
        if ctx.get("field_type") == "Value" and limit == 1 and kind == "too_short":
            return field, f"expected a non-empty string, got {shown(value)}"
        return field, f"expected {bound} {limit} {things}, got {ctx.get('actual_length')}"
    if kind == "string_too_short":
        return field, f"expected a non-empty string, got {shown(value)}"
    if kind in _EXPECTED_BY_TYPE:
        expected = _EXPECTED_BY_TYPE[kind]
        if expected.startswith("a mapping") and _expected(tp):
            expected = str(_expected(tp))
        return field, f"expected {expected}, got {shown(value)}"
    message = str(item["msg"])
    if message.startswith("Input should be "):
        message = "expected " + message.removeprefix("Input should be ")
    return field, message


def _problems(error: ValidationError) -> list[tuple[str, str]]:
    """One ``(field, explanation)`` per problem; a too-short fixed-length list counts once."""
    found: list[tuple[str, str]] = []
    short_lists: set[tuple[int | str, ...]] = set()
    for item in error.errors(include_url=False):
        loc = tuple(item["loc"])
        if item["type"] == "missing" and loc and isinstance(loc[-1], int):
            if loc[:-1] in short_lists:
                continue
            short_lists.add(loc[:-1])
            field, tp = _follow(loc[:-1])
            value = item.get("input")
            got = f"{len(value)} values" if isinstance(value, list | tuple) else shown(value)
            found.append((field, f"expected {_expected(tp) or 'more values'}, got {got}"))
            continue
        found.append(_problem(item))
    return found


def non_finite(data: Any, path: str = "") -> list[tuple[str, str]]:
    """Fields holding NaN or an infinity (``.nan``, ``.inf``, ``1e999``): never meaningful."""
    if isinstance(data, float) and not math.isfinite(data):
        return [(path or "(top level)", f"expected a finite number, got {data}")]
    found: list[tuple[str, str]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            found += non_finite(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += non_finite(value, f"{path}[{index}]")
    return found


def explain(
    source: str,
    error: ValidationError | None,
    extra: list[tuple[str, str]] | None = None,
    overrides: list[str] | None = None,
) -> str:
    """The user-facing message for an invalid scenario: the file, then one line per problem.

    Each line names the dotted field path and says what was expected; a problem in a field
    set on the command line says which ``--set`` put it there.
    """
    problems = _problems(error) if error is not None else []
    reported = {field for field, _ in problems}
    problems += [p for p in extra or [] if p[0] not in reported]
    count = len(problems)
    lines = [f"{source}: invalid scenario ({count} problem{'s' if count != 1 else ''})"]
    limit = 20
    for field, message in problems[:limit]:
        lines.append(f"  {field}: {message}{set_by(field, overrides)}")
    if count > limit:
        lines.append(f"  ... and {count - limit} more")
    return "\n".join(lines)


def set_by(field: str, overrides: list[str] | None) -> str:
    """`` (from --set KEY=...)`` when a ``--set`` put ``field`` there, else ``""``."""
    origin = next(
        (
            key
            for key in (item.partition("=")[0] for item in reversed(overrides or []))
            if field == key or field.startswith((key + ".", key + "["))
        ),
        None,
    )
    return f" (from --set {origin}=...)" if origin else ""
