"""A sweep's grid: dotted scenario keys, each with a list of values, and their product.

``--grid demand.orders_per_business_day=60,120 --grid systems.erp.work_processes.dialog=1,2``
gives four points, in the order the keys and values were written (the first key varies
slowest). Each point's values are set on the resolved scenario the way ``--set`` sets them
(a section the path passes through starts as its default, so one field of a default can be
changed and the rest kept), and the result is validated whole: a bad key or value is a
:class:`GridError` naming the key, raised before anything runs.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import yaml
from pydantic import ValidationError

from sim.scenario import Scenario
from sim.scenario.explain import explain, non_finite
from sim.scenario.limits import limit_problems
from sim.scenario.override_defaults import fill_defaults
from sim.scenario.yaml_reader import YamlTooLarge, parse_yaml, yaml_problem

__all__ = [
    "FIXED_COLUMNS",
    "GridError",
    "grid_points",
    "parse_grid",
    "split_values",
    "with_settings",
]

FIXED_COLUMNS = ("replication", "seed", "kpi", "value")
"""Columns of a sweep's tidy table besides one per grid key; no grid key may take them."""


class GridError(ValueError):
    """A grid that cannot run; ``key`` is the dotted key at fault (empty when none)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def split_values(text: str) -> list[str]:
    """``v1,v2,...`` split at the commas outside brackets, braces and quotes."""
    values: list[str] = []
    depth, quote, start = 0, "", 0
    for position, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        elif char == "," and depth == 0:
            values.append(text[start:position].strip())
            start = position + 1
    values.append(text[start:].strip())
    return values


def parse_grid(specs: Sequence[str]) -> dict[str, list[Any]]:
    """``["key=v1,v2", ...]`` as ``{key: [v1, v2]}``, each value parsed as YAML (as ``--set``)."""
    grid: dict[str, list[Any]] = {}
    for spec in specs:
        key, sep, raw = spec.partition("=")
        key = key.strip()
        parts = key.split(".")
        if not sep or not key or not all(part.strip() for part in parts):
            raise GridError(
                key,
                f"--grid {spec!r}: expected dotted.key=v1,v2,..., "
                "e.g. demand.lines_per_order_mean=2,4",
            )
        if key in grid:
            raise GridError(key, f"--grid {key}: given twice; list all its values in one --grid")
        texts = split_values(raw)
        if any(not text for text in texts):
            raise GridError(key, f"--grid {spec!r}: an empty value; expected v1,v2,...")
        values = []
        for text in texts:
            try:
                values.append(parse_yaml(text))
            except YamlTooLarge as exc:
                raise GridError(key, f"--grid {key}: {exc}") from None
            except yaml.YAMLError as exc:
                raise GridError(
                    key, f"--grid {key}: value {text!r} is not valid YAML ({yaml_problem(exc)})"
                ) from None
        grid[key] = values
    return grid


def _set(data: dict[str, Any], key: str, value: Any) -> None:
    """Set ``key`` (dotted) on raw scenario data, sections starting as their defaults."""
    parts = key.split(".")
    fill_defaults(data, Scenario, parts)
    node = data
    for depth, part in enumerate(parts[:-1]):
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            section = ".".join(parts[: depth + 1])
            raise GridError(key, f"--grid {key}: {section} is not a section with fields")
        node = child
    node[parts[-1]] = value


def with_settings(scenario: Scenario, settings: Mapping[str, Any]) -> Scenario:
    """``scenario`` with each dotted key set to its value, validated as a scenario file is.

    Raises :class:`GridError` naming the key, with the scenario loader's explanation.
    """
    data = scenario.model_dump(mode="json")
    for key, value in settings.items():
        _set(data, key, value)
    origin = [f"{key}={value}" for key, value in settings.items()]
    source = "--grid " + ", ".join(f"{key}={value!r}" for key, value in settings.items())
    infinite = non_finite(data)
    try:
        changed = Scenario.model_validate(data)
    except ValidationError as exc:
        message = explain(source, exc, infinite, origin).replace("(from --set ", "(from --grid ")
        raise GridError(_culprit(exc, settings), message) from None
    problems = infinite or limit_problems(changed)
    if problems:
        message = explain(source, None, problems, origin).replace("(from --set ", "(from --grid ")
        raise GridError(problems[0][0], message)
    return changed


def _culprit(exc: ValidationError, settings: Mapping[str, Any]) -> str:
    """The grid key under the first field the validation names (the first key if none)."""
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"])
        for key in settings:
            if field == key or field.startswith(key + ".") or key.startswith(field + "."):
                return key
    return next(iter(settings), "")


def grid_points(
    scenario: Scenario, grid: Mapping[str, Sequence[Any]]
) -> list[tuple[dict[str, Any], Scenario]]:
    """Every point of the grid's product: its ``{key: value}`` and its scenario.

    Raises :class:`GridError` for an empty grid, a key without values, a key that takes a
    column of the tidy table, or a point whose scenario is invalid.
    """
    if not grid:
        raise GridError("", "expected at least one --grid dotted.key=v1,v2,...")
    for key, values in grid.items():
        if key in FIXED_COLUMNS:
            raise GridError(
                key,
                f"--grid {key}: the tidy table has a column {key!r} of its own; "
                "a study's seed is --seed",
            )
        if not values:
            raise GridError(key, f"--grid {key}: expected at least one value")
    keys = list(grid)
    points = []
    for combination in itertools.product(*(grid[key] for key in keys)):
        settings = dict(zip(keys, combination, strict=True))
        points.append((settings, with_settings(scenario, settings)))
    return points
