"""Loading a scenario file: YAML parsing, ``--set`` overrides and clear error messages.

:func:`load_scenario` turns every failure (missing file, malformed YAML, unknown key, wrong
type, impossible value) into a :class:`ScenarioError` whose message names the file and the
dotted field path and says what was expected.
"""

from __future__ import annotations

import difflib
import math
import types
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from sim.scenario.model import Scenario

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_YAML_DEPTH",
    "MAX_YAML_NODES",
    "ScenarioError",
    "load_scenario",
    "apply_overrides",
]


class ScenarioError(Exception):
    """A scenario file that cannot be used; the message is meant for the user as is."""


# --- reading YAML -------------------------------------------------------------------------

MAX_FILE_BYTES = 1024 * 1024
"""Largest scenario file read. Shipped scenarios are about 1 KB; the pure-Python YAML
parser needs about 3 s per MB, so a larger file is refused before it is parsed."""

MAX_YAML_NODES = 1_000_000
"""Most YAML nodes a document may expand to, counting every alias as a copy of its anchor.
A file within :data:`MAX_FILE_BYTES` holds fewer plain nodes than this, so only aliases
can reach it (nested anchors, the "billion laughs" bomb)."""

MAX_YAML_DEPTH = 100
"""Deepest nesting of YAML lists and mappings (a scenario nests about six levels)."""

_TAG_WORDS = {
    "tag:yaml.org,2002:int": "an integer",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:timestamp": "a date-time",
}


class _YamlTooLarge(yaml.YAMLError):
    """A YAML document refused for its size or shape before Python objects are built."""


class _StrictLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that rejects duplicate keys instead of keeping the last one.

    It also measures the node graph while composing it, before any Python object is
    built: every node's size counts an alias as a full copy of its anchor (memoised, so
    the cost stays linear in the file), and a document that would expand past
    :data:`MAX_YAML_NODES` nodes, nests deeper than :data:`MAX_YAML_DEPTH` levels or holds
    an alias inside its own anchor is refused. A value the constructor cannot convert
    (``2026-13-45``, an integer of 5,000 digits) becomes a YAML error with its position.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._sizes: dict[int, int] = {}  # id(node) -> expanded node count
        self._depth = 0
        self._aliases = 0

    def _upcoming(self) -> Any:
        """The next parse event, not consumed."""
        return self.peek_event()  # type: ignore[no-untyped-call]

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self._upcoming()
            target = self.anchors.get(event.anchor)
            if target is not None and id(target) not in self._sizes:
                raise _YamlTooLarge(
                    f"YAML alias *{event.anchor} at line {event.start_mark.line + 1} is used "
                    f"inside its own anchor &{event.anchor} (a structure that contains "
                    "itself); repeat the values instead"
                )
            self._aliases += 1
            return super().compose_node(parent, index)
        if self._depth >= MAX_YAML_DEPTH:
            line = self._upcoming().start_mark.line + 1
            raise _YamlTooLarge(
                f"YAML nested more than {MAX_YAML_DEPTH} levels deep at line {line}; "
                "a scenario nests about six levels"
            )
        self._depth += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if node is None:
            return None
        if isinstance(node, yaml.SequenceNode):
            size = 1 + sum(self._sizes[id(child)] for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            size = 1 + sum(self._sizes[id(k)] + self._sizes[id(v)] for k, v in node.value)
        else:
            size = 1
        self._sizes[id(node)] = size
        if size > MAX_YAML_NODES:
            line = node.start_mark.line + 1
            if self._aliases:
                raise _YamlTooLarge(
                    f"YAML aliases expand to more than {MAX_YAML_NODES:,} nodes (in the value "
                    f"starting at line {line}); a scenario has a few hundred, so anchors "
                    "(&name) and aliases (*name) here nest copies of copies. Use them only "
                    "for small repeated sections"
                )
            raise _YamlTooLarge(
                f"the YAML holds more than {MAX_YAML_NODES:,} values (at line {line}); "
                "a scenario has a few hundred"
            )
        return node

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError) as exc:
            what = _TAG_WORDS.get(node.tag, "a value")
            reason = str(exc).split(";")[0].split(": value has")[0]
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"cannot read {_shown(node.value)} as {what} ({reason})",
                node.start_mark,
            ) from None

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # ``<<: *anchor`` merges may legitimately be overridden
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:
                continue  # unhashable key: the base class reports it
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"duplicate key {key!r} (a second value would silently replace the first)",
                    key_node.start_mark,
                )
        return super().construct_mapping(node, deep=deep)


def _parse_yaml(text: str) -> Any:
    # _StrictLoader is a SafeLoader: no arbitrary Python objects are built
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except RecursionError:
        raise _YamlTooLarge(
            f"YAML nested too deeply; a scenario nests about six levels (at most {MAX_YAML_DEPTH})"
        ) from None
    except (ValueError, OverflowError) as exc:  # the constructor's own checks, unplaced
        raise yaml.constructor.ConstructorError(
            None, None, f"cannot read a value ({exc})"
        ) from None


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """One line for a YAML error: where, what, and a hint for the common tab mistake."""
    if isinstance(exc, _YamlTooLarge):
        return str(exc)
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    context_mark = getattr(exc, "context_mark", None)
    if context and context_mark is not None and context_mark is not mark:
        problem += f" ({context} started at line {context_mark.line + 1})"
    if "'\\t'" in problem:
        problem += "; indent with spaces, not tabs"
    return f"malformed YAML{where}: {problem}"


# --- explaining validation errors -----------------------------------------------------------


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


def _shown(value: Any) -> str:
    """A short rendering of an input value, in YAML spelling where it differs."""
    if value is None:
        return "null (an empty value)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return f"{value:g}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


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
            return field, f"expected a mapping with {tag_field}: one of {tags}, got {_shown(value)}"
        return field, f"{tag_field} is missing; expected {tag_field}: one of {tags}"
    if kind == "literal_error":
        return (
            field,
            f"expected {ctx.get('expected', 'one of the allowed values')}, got {_shown(value)}",
        )
    if kind in _BOUNDS:
        key, symbol = _BOUNDS[kind]
        return field, f"expected a number {symbol} {_shown(ctx.get(key))}, got {_shown(value)}"
    if kind in {"too_short", "too_long"} and str(_expected(tp)).startswith("a list of "):
        return field, f"expected {_expected(tp)}, got {ctx.get('actual_length')} values"
    if kind in {"too_short", "too_long"}:
        bound = "at least" if kind == "too_short" else "at most"
        limit = ctx.get("min_length" if kind == "too_short" else "max_length")
        things = "characters" if ctx.get("field_type") == "Value" else "items"
        if ctx.get("field_type") == "Value" and limit == 1 and kind == "too_short":
            return field, f"expected a non-empty string, got {_shown(value)}"
        return field, f"expected {bound} {limit} {things}, got {ctx.get('actual_length')}"
    if kind == "string_too_short":
        return field, f"expected a non-empty string, got {_shown(value)}"
    if kind in _EXPECTED_BY_TYPE:
        expected = _EXPECTED_BY_TYPE[kind]
        if expected.startswith("a mapping") and _expected(tp):
            expected = str(_expected(tp))
        return field, f"expected {expected}, got {_shown(value)}"
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
            got = f"{len(value)} values" if isinstance(value, list | tuple) else _shown(value)
            found.append((field, f"expected {_expected(tp) or 'more values'}, got {got}"))
            continue
        found.append(_problem(item))
    return found


def _non_finite(data: Any, path: str = "") -> list[tuple[str, str]]:
    """Fields holding NaN or an infinity (``.nan``, ``.inf``, ``1e999``): never meaningful."""
    if isinstance(data, float) and not math.isfinite(data):
        return [(path or "(top level)", f"expected a finite number, got {data}")]
    found: list[tuple[str, str]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            found += _non_finite(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _non_finite(value, f"{path}[{index}]")
    return found


def _explain(
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
        lines.append(f"  {field}: {message}{_set_by(field, overrides)}")
    if count > limit:
        lines.append(f"  ... and {count - limit} more")
    return "\n".join(lines)


def _set_by(field: str, overrides: list[str] | None) -> str:
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


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Set ``dotted.key=value`` overrides (values parsed as YAML) on raw scenario data."""
    for item in overrides:
        key, sep, raw = item.partition("=")
        parts = key.strip().split(".")
        if not sep or not all(part.strip() for part in parts):
            raise ScenarioError(
                f"--set {item!r}: expected dotted.key=value, "
                "e.g. demand.orders_per_business_day=500"
            )
        try:
            value = _parse_yaml(raw)
        except _YamlTooLarge as exc:
            raise ScenarioError(f"--set {item!r}: {exc}") from None
        except yaml.YAMLError as exc:
            raise ScenarioError(
                f"--set {item!r}: value is not valid YAML ({_yaml_problem(exc)})"
            ) from None
        node: dict[str, Any] = data
        for depth, part in enumerate(parts[:-1]):
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                section = ".".join(parts[: depth + 1])
                raise ScenarioError(
                    f"--set {item!r}: {section} is {_shown(child)}, not a section with fields"
                )
            node = child
        node[parts[-1]] = value
    return data


def load_scenario(path: str | Path, overrides: list[str] | None = None) -> Scenario:
    """Read, override and validate a scenario file; raises :class:`ScenarioError`."""
    path = Path(path)
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)  # never more, whatever the file holds
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such scenario file") from None
    except IsADirectoryError:
        raise ScenarioError(f"{path}: is a directory, expected a YAML scenario file") from None
    except UnicodeDecodeError:
        if len(raw) <= MAX_FILE_BYTES:
            raise ScenarioError(f"{path}: not a text file, expected UTF-8 YAML") from None
        text = ""  # too large as well; that is the clearer message
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(
            f"{path}: the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB; "
            "a scenario file is a few KB (is this the right file?)"
        )
    try:
        data = _parse_yaml(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: {_yaml_problem(exc)}") from None
    if data is None:
        raise ScenarioError(f"{path}: the file is empty, expected a mapping of scenario fields")
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else _shown(data)
        raise ScenarioError(
            f"{path}: expected a mapping of scenario fields (name: ..., demand: ...) "
            f"at the top level, got {kind}"
        )
    if overrides:
        data = apply_overrides(data, overrides)
    non_finite = _non_finite(data)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_explain(str(path), exc, non_finite, overrides)) from None
    if non_finite:
        raise ScenarioError(_explain(str(path), None, non_finite, overrides))
    from sim.scenario.limits import limit_problems  # limits imports the model, not this

    beyond = limit_problems(scenario)
    if beyond:
        raise ScenarioError(_explain(str(path), None, beyond, overrides))
    return scenario
