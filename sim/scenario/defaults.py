"""Every default of the scenario model, as the rows of ``docs/defaults.md``.

:func:`default_settings` walks :class:`~sim.scenario.model.Scenario` with every field at its
default: a sub-model is walked into (a dict of sub-models, such as ``sites``, by key), and
a distribution, a list of windows or rules, a mapping or a number is one setting, shown by
:func:`render`. ``docs/defaults.md`` holds one table row per setting with its source, or
the word "assumption" and why. A test walks the model and finds every setting in the file
with the same default, so the file cannot fall behind the code.

Run ``python -m sim.scenario.defaults [docs/defaults.md]`` after adding or changing a default:
it rewrites the table, keeps every source written so far and marks new settings ``TODO``
(with the field's description when it already names a source or an assumption) for a person
to complete.
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from sim.scenario.model import Scenario

__all__ = [
    "BEGIN",
    "END",
    "DefaultSetting",
    "default_settings",
    "problems",
    "read_table",
    "render",
    "write_table",
]

BEGIN = "<!-- defaults:begin -->"
END = "<!-- defaults:end -->"
_EXAMPLE_NAME = "defaults"


@dataclass(frozen=True)
class DefaultSetting:
    """One default: its dotted path, the default as text, and the field's description."""

    path: str
    default: str
    description: str


def _number(value: float) -> str:
    if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def render(value: Any) -> str:
    """A default as one short line of text (the table's ``default`` column)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, int):
        return str(value)
    if value is None:
        return "none"
    if isinstance(value, str):
        return value or "(empty)"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, BaseModel):
        fields = {name: getattr(value, name) for name in type(value).model_fields}
        kind = fields.pop("kind", None)
        inner = ", ".join(f"{name}={render(v)}" for name, v in fields.items())
        return f"{kind}({inner})" if kind is not None else f"({inner})"
    if isinstance(value, dict):
        return (
            "{" + ", ".join(f"{k}: {render(v)}" for k, v in value.items()) + "}" if value else "{}"
        )
    if isinstance(value, tuple | list):
        return "[" + ", ".join(render(v) for v in value) + "]"
    return str(value)


def _is_section(value: Any) -> bool:
    """A sub-model to walk into: a model that is not a distribution (which has a ``kind``)."""
    return isinstance(value, BaseModel) and "kind" not in type(value).model_fields


def _walk(model: BaseModel, prefix: str) -> list[DefaultSetting]:
    settings: list[DefaultSetting] = []
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        path = f"{prefix}{name}"
        if _is_section(value):
            settings += _walk(value, f"{path}.")
        elif isinstance(value, dict) and value and all(_is_section(v) for v in value.values()):
            for key, item in value.items():
                settings += _walk(item, f"{path}.{key}.")
        else:
            settings.append(DefaultSetting(path, render(value), field.description or ""))
    return settings


def default_settings() -> list[DefaultSetting]:
    """Every default of :class:`Scenario`, in the model's field order.

    ``name`` has no default; a scenario built with only a name shows everything else.
    """
    scenario = Scenario(name=_EXAMPLE_NAME)
    return [s for s in _walk(scenario, "") if s.path != "name"]


_ROW = re.compile(r"^\|\s*`(?P<path>[^`]+)`\s*\|\s*(?P<default>.*?)\s*\|\s*(?P<source>.*?)\s*\|$")


def _cell(text: str) -> str:
    return text.replace("|", "/").replace("\n", " ")


def read_table(text: str) -> dict[str, tuple[str, str]]:
    """``{path: (default, source)}`` of the table between :data:`BEGIN` and :data:`END`."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"no table between {BEGIN!r} and {END!r}")
    rows: dict[str, tuple[str, str]] = {}
    for line in text[start + len(BEGIN) : end].splitlines():
        match = _ROW.match(line.strip())
        if match:
            default = match["default"].strip().strip("`")
            rows[match["path"]] = (default, match["source"].strip())
    return rows


def _suggested_source(setting: DefaultSetting) -> str:
    description = setting.description.strip()
    if description.lower().startswith("assumption") or re.search(r"\b(19|20)\d\d\b", description):
        return description
    return f"TODO: source or 'assumption: why' ({description})" if description else "TODO"


def write_table(text: str, settings: list[DefaultSetting]) -> str:
    """``text`` with its table rewritten for ``settings``, keeping the sources written."""
    known = read_table(text)
    lines = ["| setting | default | source |", "|---|---|---|"]
    for setting in settings:
        source = known.get(setting.path, ("", ""))[1] or _suggested_source(setting)
        lines.append(f"| `{setting.path}` | `{_cell(setting.default)}` | {_cell(source)} |")
    start, end = text.find(BEGIN), text.find(END)
    return text[: start + len(BEGIN)] + "\n" + "\n".join(lines) + "\n" + text[end:]


def problems(text: str, settings: list[DefaultSetting] | None = None) -> list[str]:
    """What the table in ``text`` gets wrong about the defaults (empty when nothing).

    A setting without a row, a row whose default differs from the model's, a row without a
    source (empty or ``TODO``), and a row for a setting the model no longer has.
    """
    settings = default_settings() if settings is None else settings
    table = read_table(text)
    found: list[str] = []
    for setting in settings:
        row = table.get(setting.path)
        if row is None:
            found.append(f"{setting.path}: no row (default {setting.default})")
            continue
        default, source = row
        if default != _cell(setting.default):
            found.append(f"{setting.path}: the table says {default}, the model {setting.default}")
        if not source or source.upper().startswith("TODO"):
            found.append(f"{setting.path}: no source, and not labelled an assumption")
    paths = {setting.path for setting in settings}
    found += [f"{path}: no such setting in the model" for path in table if path not in paths]
    return found


def main(argv: list[str] | None = None) -> int:
    """Rewrite the defaults table of the file given (``docs/defaults.md``)."""
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0] if args else "docs/defaults.md")
    text = path.read_text(encoding="utf-8") if path.exists() else f"{BEGIN}\n{END}\n"
    updated = write_table(text, default_settings())
    path.write_text(updated, encoding="utf-8")
    todo = sum(1 for _, source in read_table(updated).values() if source.startswith("TODO"))
    print(f"{path}: {len(read_table(updated))} defaults, {todo} without a source yet")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
