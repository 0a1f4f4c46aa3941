"""Loading a scenario file: YAML parsing, ``--set`` overrides and clear error messages.

:func:`load_scenario` turns every failure (missing file, malformed YAML, unknown key, wrong
type, impossible value) into a :class:`ScenarioError` whose message names the file and the
dotted field path and says what was expected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim.scenario.explain import explain, non_finite
from sim.scenario.model import Scenario
from sim.scenario.override_defaults import fill_defaults
from sim.scenario.yaml_reader import (
    MAX_FILE_BYTES,
    MAX_YAML_DEPTH,
    MAX_YAML_NODES,
    YamlTooLarge,
    parse_yaml,
    shown,
    yaml_problem,
)

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


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Set ``dotted.key=value`` overrides (values parsed as YAML) on raw scenario data.

    A section on the path that the data lacks starts as the model's default, so one field of
    a default can be overridden and the rest kept.
    """
    for item in overrides:
        key, sep, raw = item.partition("=")
        parts = key.strip().split(".")
        if not sep or not all(part.strip() for part in parts):
            raise ScenarioError(
                f"--set {item!r}: expected dotted.key=value, "
                "e.g. demand.orders_per_business_day=500"
            )
        try:
            value = parse_yaml(raw)
        except YamlTooLarge as exc:
            raise ScenarioError(f"--set {item!r}: {exc}") from None
        except yaml.YAMLError as exc:
            raise ScenarioError(
                f"--set {item!r}: value is not valid YAML ({yaml_problem(exc)})"
            ) from None
        fill_defaults(data, Scenario, [part.strip() for part in parts])
        node: dict[str, Any] = data
        for depth, part in enumerate(parts[:-1]):
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                section = ".".join(parts[: depth + 1])
                raise ScenarioError(
                    f"--set {item!r}: {section} is {shown(child)}, not a section with fields"
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
        data = parse_yaml(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: {yaml_problem(exc)}") from None
    if data is None:
        raise ScenarioError(f"{path}: the file is empty, expected a mapping of scenario fields")
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else shown(data)
        raise ScenarioError(
            f"{path}: expected a mapping of scenario fields (name: ..., demand: ...) "
            f"at the top level, got {kind}"
        )
    if overrides:
        data = apply_overrides(data, overrides)
    infinite = non_finite(data)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(explain(str(path), exc, infinite, overrides)) from None
    if infinite:
        raise ScenarioError(explain(str(path), None, infinite, overrides))
    from sim.scenario.limits import limit_problems  # limits imports the model, not this

    beyond = limit_problems(scenario)
    if beyond:
        raise ScenarioError(explain(str(path), None, beyond, overrides))
    return scenario
