"""Reading scenario YAML safely: size and depth limits, no alias bombs, clear messages.

A scenario file is user input. The strict loader refuses what safe YAML still allows but a
scenario never needs (aliases, unknown tags), and stops documents that are absurd in size
before they cost memory or time.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_YAML_DEPTH",
    "MAX_YAML_NODES",
    "YamlTooLarge",
    "parse_yaml",
    "shown",
    "yaml_problem",
]


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


class YamlTooLarge(yaml.YAMLError):
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
                raise YamlTooLarge(
                    f"YAML alias *{event.anchor} at line {event.start_mark.line + 1} is used "
                    f"inside its own anchor &{event.anchor} (a structure that contains "
                    "itself); repeat the values instead"
                )
            self._aliases += 1
            return super().compose_node(parent, index)
        if self._depth >= MAX_YAML_DEPTH:
            line = self._upcoming().start_mark.line + 1
            raise YamlTooLarge(
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
                raise YamlTooLarge(
                    f"YAML aliases expand to more than {MAX_YAML_NODES:,} nodes (in the value "
                    f"starting at line {line}); a scenario has a few hundred, so anchors "
                    "(&name) and aliases (*name) here nest copies of copies. Use them only "
                    "for small repeated sections"
                )
            raise YamlTooLarge(
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
                f"cannot read {shown(node.value)} as {what} ({reason})",
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


def parse_yaml(text: str) -> Any:
    """The data of one YAML document, read by the strict loader."""
    # _StrictLoader is a SafeLoader: no arbitrary Python objects are built
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except RecursionError:
        raise YamlTooLarge(
            f"YAML nested too deeply; a scenario nests about six levels (at most {MAX_YAML_DEPTH})"
        ) from None
    except (ValueError, OverflowError) as exc:  # the constructor's own checks, unplaced
        raise yaml.constructor.ConstructorError(
            None, None, f"cannot read a value ({exc})"
        ) from None


def yaml_problem(exc: yaml.YAMLError) -> str:
    """One line for a YAML error: where, what, and a hint for the common tab mistake."""
    if isinstance(exc, YamlTooLarge):
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


def shown(value: Any) -> str:
    """A short rendering of an input value, in YAML spelling where it differs."""
    if value is None:
        return "null (an empty value)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return f"{value:g}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
