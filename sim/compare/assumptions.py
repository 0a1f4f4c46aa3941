"""The assumptions a sensitivity sweep varies, and how one is scaled by a factor.

:func:`assumption_paths` lists the defaults labelled "assumption" in ``docs/defaults.md``
(the same list :mod:`sim.scenario.defaults` keeps in step with the model; without that file,
the settings whose description starts with "assumption"). :func:`scaled` gives a setting's
value in a scenario multiplied by a factor, or says why it cannot be scaled:

* a number is multiplied; an integer is rounded, and both are kept within the field's
  bounds (``ge``/``le``; a value beyond a strict bound is refused); a value that does not
  move (zero, or an integer rounding back) is refused;
* a distribution of durations is scaled as a whole: its ``value``, ``mean``, ``low``,
  ``mode`` and ``high`` are multiplied (its ``cv`` kept), so every draw is multiplied;
* anything else (a switch, a list, a mapping, a text, a schedule) is not scaled.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel

from sim.scenario import Scenario
from sim.scenario.defaults import default_settings, read_table

__all__ = ["DEFAULTS_DOC", "Scaled", "assumption_paths", "scaled", "setting_value"]

DEFAULTS_DOC = Path(__file__).resolve().parents[2] / "docs" / "defaults.md"
"""The table of defaults with their sources, next to the package in a source checkout."""

_DURATION_FIELDS = ("value", "mean", "low", "mode", "high")

Scaled = tuple[Any, str]
"""A scaled value (as ``--set`` would take it) and ``""``, or ``None`` and why not."""


def assumption_paths(prefixes: Sequence[str] = (), doc: Path | None = DEFAULTS_DOC) -> list[str]:
    """Dotted paths of the defaults labelled "assumption", in the model's order.

    ``prefixes`` keeps only the paths equal to one of them or under it (dotted).
    """
    settings = default_settings()
    if doc is not None and doc.is_file():
        table = read_table(doc.read_text(encoding="utf-8"))
        labelled = {path for path, (_, source) in table.items() if _is_assumption(source)}
    else:
        labelled = {s.path for s in settings if _is_assumption(s.description)}
    paths = [s.path for s in settings if s.path in labelled]
    if prefixes:
        paths = [p for p in paths if any(p == x or p.startswith(x + ".") for x in prefixes)]
    return paths


def _is_assumption(text: str) -> bool:
    return text.strip().lower().startswith("assumption")


def setting_value(scenario: Scenario, path: str) -> tuple[Any, Any]:
    """The value at ``path`` and the field info describing it (None when not a field).

    Raises ``KeyError`` when the scenario has nothing at ``path`` (a site it does not
    have, say).
    """
    node: Any = scenario
    info: Any = None
    for part in path.split("."):
        if isinstance(node, BaseModel) and part in type(node).model_fields:
            info = type(node).model_fields[part]
            node = getattr(node, part)
        elif isinstance(node, dict) and part in node:
            info, node = None, node[part]
        else:
            raise KeyError(path)
    return node, info


def _bounds(info: Any) -> tuple[float, float, float, float]:
    """``(ge, gt, le, lt)`` of a field, infinite where it has none."""
    ge, gt, le, lt = -math.inf, -math.inf, math.inf, math.inf
    for rule in getattr(info, "metadata", ()):
        if isinstance(rule, Ge):
            ge = float(rule.ge)  # type: ignore[arg-type]
        elif isinstance(rule, Gt):
            gt = float(rule.gt)  # type: ignore[arg-type]
        elif isinstance(rule, Le):
            le = float(rule.le)  # type: ignore[arg-type]
        elif isinstance(rule, Lt):
            lt = float(rule.lt)  # type: ignore[arg-type]
    return ge, gt, le, lt


def _number(value: float, factor: float, info: Any) -> Scaled:
    ge, gt, le, lt = _bounds(info)
    is_int = isinstance(value, int)
    new: float = value * factor
    if is_int:
        new = round(new)
        if gt > -math.inf:
            ge = max(ge, math.floor(gt) + 1)
        if lt < math.inf:
            le = min(le, math.ceil(lt) - 1)
    new = min(max(new, ge), le)
    if not gt < new < lt:
        return None, f"x{factor:g} leaves its bounds"
    if new == value:
        return None, f"x{factor:g} does not move it ({value})"
    return (int(new) if is_int else float(new)), ""


def scaled(scenario: Scenario, path: str, factor: float) -> Scaled:
    """``path``'s value in ``scenario`` times ``factor``, or None and the reason why not."""
    try:
        value, info = setting_value(scenario, path)
    except KeyError:
        return None, "not in this scenario"
    if isinstance(value, bool):
        return None, "a switch"
    if isinstance(value, int | float):
        return _number(value, factor, info)
    if isinstance(value, BaseModel) and "kind" in type(value).model_fields:
        data = value.model_dump(mode="json")
        moved = False
        for name in _DURATION_FIELDS:
            if isinstance(data.get(name), int | float) and data[name]:
                data[name] = data[name] * factor
                moved = True
        return (data, "") if moved else (None, "a distribution with nothing to scale")
    kind = "none" if value is None else type(value).__name__
    return None, f"not a number ({kind})"
