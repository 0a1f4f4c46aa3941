"""Bad input gets one clear message naming file, field and expectation; exit 2, no traceback.

Every case runs through the real command line in a subprocess. Scenario and ``--set``
problems are checked with ``validate``; ``run`` must answer them identically.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.cli.support import TINY, Result, o2csim, tiny_with, write_yaml

EXIT_BAD_INPUT = 2

DISTRIBUTION_KINDS = "constant, exponential, lognormal, uniform, triangular, gamma"


def _text(body: str) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        path = tmp / "scenario.yaml"
        path.write_text(body, encoding="utf-8")
        return path

    return make


def _data(data: Any) -> Callable[[Path], Path]:
    return lambda tmp: write_yaml(tmp / "scenario.yaml", data)


@dataclass(frozen=True)
class Case:
    make: Callable[[Path], Path]
    expected: tuple[str, ...]  # phrases the message must contain (field path, expectation)
    options: tuple[str, ...] = ()
    names_file: bool = True
    max_lines: int = 2  # a header naming the file, then the one problem


TINY_TEXT = (
    "name: tiny\nseed: 7\ndemand_days: 1\ndrain_days: 3\n"
    "demand:\n  orders_per_business_day: 60\n"
    "master_data:\n  customers: 40\n  products: 30\n"
)

FILE_CASES: dict[str, Case] = {
    "missing file": Case(lambda tmp: tmp / "no_such.yaml", ("no such scenario file",), max_lines=1),
    "directory instead of a file": Case(
        lambda tmp: tmp, ("is a directory", "expected a YAML scenario file"), max_lines=1
    ),
    "empty file": Case(_text(""), ("file is empty", "expected a mapping"), max_lines=1),
    "unclosed bracket": Case(
        _text("name: tiny\ndemand: {orders_per_business_day: [60, 70\n"),
        ("malformed YAML at line", "expected ',' or ']'"),
        max_lines=1,
    ),
    "tab indentation": Case(
        _text("name: tiny\ndemand:\n\torders_per_business_day: 60\n"),
        ("malformed YAML at line 3", "indent with spaces, not tabs"),
        max_lines=1,
    ),
    "duplicate key": Case(
        _text(TINY_TEXT + "demand:\n  orders_per_business_day: 5\n"),
        ("duplicate key 'demand'", "line 10"),
        max_lines=1,
    ),
    "top-level list": Case(
        _text("- name: tiny\n- demand: {}\n"),
        ("expected a mapping of scenario fields", "got a list"),
        max_lines=1,
    ),
    "unknown top-level key": Case(
        _data({**TINY, "demnd": {"orders_per_business_day": 60}}),
        ("demnd: unknown key", "did you mean 'demand'?"),
    ),
    "unknown nested key": Case(
        _data(tiny_with(demand={"orders_per_day": 60})),
        ("demand.orders_per_day: unknown key", "did you mean 'orders_per_business_day'?"),
    ),
    "missing required field": Case(
        _data({k: v for k, v in TINY.items() if k != "name"}),
        ("name: required field is missing", "expected a string"),
    ),
    "wrong type": Case(
        _data(tiny_with(demand={"orders_per_business_day": "lots"})),
        ("demand.orders_per_business_day: expected a number, got 'lots'",),
    ),
    "wrong type for a section": Case(
        _data(tiny_with(master_data=12)), ("master_data: expected a mapping", "got 12")
    ),
    "negative rate": Case(
        _data(tiny_with(demand={"orders_per_business_day": -5})),
        ("demand.orders_per_business_day: expected a number >= 0, got -5",),
    ),
    "infinite duration": Case(
        _text(TINY_TEXT.replace("demand_days: 1", "demand_days: .inf")),
        ("demand_days: expected a finite number, got inf",),
    ),
    "peak without a window": Case(
        _data(tiny_with(demand={"peaks": [{"multiplier": 3}]})),
        (
            "demand.peaks[0].window: required field is missing",
            "expected a mapping with keys start_h, end_h",
        ),
    ),
    "peak window ends before it starts": Case(
        _data(
            tiny_with(demand={"peaks": [{"multiplier": 3, "window": {"start_h": 8, "end_h": 2}}]})
        ),
        ("demand.peaks[0].window: end_h (2.0) must be after start_h (8.0)",),
    ),
    "peak after demand ends": Case(
        _data(
            tiny_with(demand={"peaks": [{"multiplier": 3, "window": {"start_h": 30, "end_h": 40}}]})
        ),
        ("demand.peaks: a peak window starts after demand ends",),
    ),
    "channel shares not adding up to 1": Case(
        _data(tiny_with(demand={"channels": {"field_sales": 0.5, "web_shop": 0.3}})),
        ("demand.channels: channel shares must be non-negative and add up to 1",),
    ),
    "region with no site": Case(
        _data(
            tiny_with(
                master_data={
                    "regions": {"northeast": 0.3, "south": 0.3, "midwest": 0.2, "mars": 0.2}
                }
            )
        ),
        ("sites: regions with no site serving them: ['mars']",),
    ),
    "weekday factors of the wrong length": Case(
        _data(tiny_with(demand={"weekday_factors": [1, 1, 1]})),
        ("demand.weekday_factors: expected a list of 7 values, got 3 values",),
    ),
    "distribution of unknown kind": Case(
        _data(
            tiny_with(
                systems={
                    "erp": {
                        "endpoints": {
                            "create_order": {"service_time": {"kind": "weibull", "mean": 1}}
                        }
                    }
                }
            )
        ),
        (
            "systems.erp.endpoints.create_order.service_time: unknown kind 'weibull'; "
            f"expected one of {DISTRIBUTION_KINDS}",
        ),
    ),
    "distribution missing a parameter": Case(
        _data(tiny_with(systems={"crm": {"api": {"service_time": {"kind": "exponential"}}}})),
        ("systems.crm.api.service_time.mean: required field is missing", "expected a number"),
    ),
    "unknown integration pattern": Case(
        _data(tiny_with(integration={"pattern": "carrier_pigeon"})),
        ("integration.pattern: unknown pattern 'carrier_pigeon'", "expected one of hybrid"),
    ),
    "bad --set syntax": Case(
        _data(TINY),
        ("--set 'demand'", "expected dotted.key=value"),
        ("--set", "demand"),
        names_file=False,
        max_lines=1,
    ),
    "--set giving a wrong type": Case(
        _data(TINY),
        (
            "demand.orders_per_business_day: expected a number, got 'lots'",
            "(from --set demand.orders_per_business_day=...)",
        ),
        ("--set", "demand.orders_per_business_day=lots"),
    ),
    "--set of an unknown key": Case(
        _data(TINY),
        ("demand.orders_per_dy: unknown key", "did you mean 'orders_per_business_day'?"),
        ("--set", "demand.orders_per_dy=30"),
    ),
    "--set below a plain value": Case(
        _data(TINY),
        ("--set 'name.first=x'", "name is 'tiny', not a section"),
        ("--set", "name.first=x"),
        names_file=False,
        max_lines=1,
    ),
}


def _check(result: Result, case: Case, path: Path) -> None:
    assert result.code == EXIT_BAD_INPUT, result
    assert "Traceback" not in result.stdout + result.stderr
    message = result.stderr.strip()
    assert message.startswith("error: ")
    if case.names_file:
        assert str(path) in message
    for phrase in case.expected:
        assert phrase in message
    assert len(message.splitlines()) <= case.max_lines, message


# ``run`` shares its loading with ``validate``; one case per way of failing keeps this quick.
RUN_TWINS = {
    "missing file",
    "tab indentation",
    "top-level list",
    "unknown nested key",
    "peak without a window",
    "distribution of unknown kind",
    "infinite duration",
    "unknown integration pattern",
    "bad --set syntax",
    "--set giving a wrong type",
}


@pytest.mark.parametrize("name", FILE_CASES)
def test_bad_scenario_is_rejected_with_one_clear_message(name: str, tmp_path: Path) -> None:
    case = FILE_CASES[name]
    path = case.make(tmp_path)
    checked = o2csim("validate", path, *case.options)
    _check(checked, case, path)
    if name in RUN_TWINS:
        out = tmp_path / "out"
        ran = o2csim("run", path, "--quiet", "--out", out, *case.options)
        assert (ran.code, ran.stderr) == (checked.code, checked.stderr)
        assert ran.stdout == ""
        assert not out.exists()  # bad input leaves no output behind


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_negative_seed(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "tiny.yaml", TINY)
    result = o2csim("run", path, "--seed", "-3", "--quiet", "--out", tmp_path / "out")
    _check(
        result,
        Case(
            _data(TINY),
            ("--seed -3: expected a non-negative integer",),
            names_file=False,
            max_lines=1,
        ),
        path,
    )
    assert not (tmp_path / "out").exists()


def test_out_is_an_existing_file_which_is_kept(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "tiny.yaml", TINY)
    out = tmp_path / "results"
    out.write_text("precious\n")
    result = o2csim("run", path, "--quiet", "--out", out)
    _check(
        result,
        Case(
            _data(TINY),
            (f"--out {out}: exists and is not a folder",),
            names_file=False,
            max_lines=1,
        ),
        path,
    )
    assert out.read_text() == "precious\n"


def test_out_below_a_file_creates_nothing(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "tiny.yaml", TINY)
    blocker = tmp_path / "results"
    blocker.write_text("precious\n")
    before = _digest(tmp_path)
    result = o2csim("run", path, "--quiet", "--out", blocker / "deeper" / "run1")
    _check(
        result,
        Case(
            _data(TINY),
            ("--out", f"{blocker} is a file, expected a folder"),
            names_file=False,
            max_lines=1,
        ),
        path,
    )
    assert _digest(tmp_path) == before


def test_out_holding_a_folder_named_like_an_output_loses_nothing(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "tiny.yaml", TINY)
    out = tmp_path / "results"
    (out / "metrics.json").mkdir(parents=True)
    (out / "metrics.json" / "keep.txt").write_text("keep\n")
    (out / "notes.txt").write_text("mine\n")
    before = _digest(tmp_path)
    result = o2csim("run", path, "--quiet", "--out", out)
    _check(
        result,
        Case(_data(TINY), ("metrics.json is a folder",), names_file=False, max_lines=1),
        path,
    )
    assert _digest(tmp_path) == before


def test_bad_input_with_a_valid_out_keeps_earlier_outputs(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "bad.yaml", tiny_with(demand={"orders_per_business_day": -1}))
    out = tmp_path / "results"
    out.mkdir()
    (out / "metrics.json").write_text("{}\n")
    before = _digest(tmp_path)
    result = o2csim("run", path, "--quiet", "--out", out)
    assert result.code == EXIT_BAD_INPUT
    assert _digest(tmp_path) == before


def test_several_problems_are_listed_together(tmp_path: Path) -> None:
    path = write_yaml(
        tmp_path / "bad.yaml",
        tiny_with(demand={"orders_per_business_day": -5, "peaks": [{"multiplier": 0}]}, seed="x"),
    )
    result = o2csim("validate", path)
    assert result.code == EXIT_BAD_INPUT
    lines = result.stderr.strip().splitlines()
    assert lines[0] == f"error: {path}: invalid scenario (4 problems)"
    assert sorted(line.split(":")[0].strip() for line in lines[1:]) == [
        "demand.orders_per_business_day",
        "demand.peaks[0].multiplier",
        "demand.peaks[0].window",
        "seed",
    ]


@pytest.mark.parametrize(
    "args",
    [("run",), ("run", "--seed", "abc", "x.yaml"), ("nope",)],
    ids=["missing argument", "non-integer seed", "unknown command"],
)
def test_usage_errors_exit_2_without_traceback(args: tuple[str, ...]) -> None:
    result = o2csim(*args)
    assert result.code == EXIT_BAD_INPUT
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr.strip()
