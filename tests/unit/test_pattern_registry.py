"""User-defined patterns: by registered name, by import path, by entry point; clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from sim.integration.patterns import HybridPattern
from sim.integration.patterns.registry import (
    ENTRY_POINT_GROUP,
    UnknownPatternError,
    builtin_pattern_names,
    pattern_class,
    pattern_names,
)
from sim.scenario import Scenario
from tests.cli.support import TINY
from tests.compare.support import write_plugin
from tests.compare.user_patterns import UnreconciledHybrid

PATH = "tests.compare.user_patterns:UnreconciledHybrid"


def test_an_import_path_gives_the_class_and_registers_its_name() -> None:
    cls = pattern_class(PATH)
    assert cls is UnreconciledHybrid
    assert pattern_class("hybrid_unreconciled") is UnreconciledHybrid
    assert "hybrid_unreconciled" in pattern_names()
    assert "hybrid_unreconciled" not in builtin_pattern_names()
    assert "hybrid" in builtin_pattern_names()


def test_a_builtin_by_its_path_is_the_builtin() -> None:
    assert pattern_class("sim.integration.patterns.hybrid:HybridPattern") is HybridPattern


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("no_such_package.module:Pattern", "cannot import module 'no_such_package.module'"),
        ("tests.compare.user_patterns:Missing", "has no attribute 'Missing'"),
        ("tests.compare.user_patterns:NOT_A_CLASS", "is 42, not a subclass of"),
        ("tests.compare.user_patterns:NotAPattern", "not a subclass of"),
        ("tests.compare.user_patterns:AbstractPattern", "is abstract: it does not implement start"),
        ("tests.compare.user_patterns:NamelessPattern", "has no name"),
        (
            "tests.compare.user_patterns:SameNameAsHybrid",
            "a pattern named 'hybrid' is already registered",
        ),
        ("tests.compare.broken_module:Pattern", "raised RuntimeError: this module is broken"),
        ("tests.compare.user_patterns:", "expected an import path package.module:Class"),
        (":Pattern", "expected an import path package.module:Class"),
        ("a:b:c", "expected an import path package.module:Class"),
        ("carrier_pigeon", f"or an entry point of group {ENTRY_POINT_GROUP}"),
    ],
)
def test_what_is_not_a_usable_pattern_says_why(spec: str, expected: str) -> None:
    with pytest.raises(UnknownPatternError) as caught:
        pattern_class(spec)
    message = caught.value.args[0]
    assert expected in message
    assert repr(spec) in message


def test_a_bad_path_in_a_scenario_names_the_field() -> None:
    data = {**TINY, "integration": {"pattern": "no_such_package.module:Pattern"}}
    with pytest.raises(ValidationError) as caught:
        Scenario.model_validate(data)
    assert "integration.pattern: pattern 'no_such_package.module:Pattern': cannot import" in str(
        caught.value
    )
    good = Scenario.model_validate({**TINY, "integration": {"pattern": PATH}})
    assert good.integration.pattern == PATH


def test_an_entry_point_gives_the_class(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_plugin(tmp_path, f"unreconciled = {PATH}\nbroken = tests.compare.broken_module:X")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert pattern_class("unreconciled") is UnreconciledHybrid
    with pytest.raises(UnknownPatternError, match="failed to load: RuntimeError"):
        pattern_class("broken")
