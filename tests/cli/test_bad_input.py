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


def _alias_bomb(levels: int = 10) -> str:
    """Eleven short lines ("billion laughs"): each level repeats the one before ten times,
    so the document expands to 10**levels strings."""
    lines = ["name: tiny", "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, levels):
        copies = ", ".join([f"*l{level - 1}"] * 10)
        lines.append(f"l{level}: &l{level} [{copies}]")
    return "\n".join(lines) + "\n"


def _padded(size: int) -> Callable[[Path], Path]:
    """A valid scenario padded with comments to ``size`` bytes."""

    def make(tmp: Path) -> Path:
        path = tmp / "scenario.yaml"
        comment = "# " + "x" * 77 + "\n"
        path.write_text(TINY_TEXT + comment * (size // len(comment) + 1), encoding="utf-8")
        return path

    return make


TOO_MUCH_WORK = (
    "too large to run",
    "above the ceiling of 8 GiB",
    "raise the ceiling with --max-memory-gib or O2CSIM_MAX_MEMORY_GIB (default 8 GiB)",
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
    "region with no time zone": Case(
        _data(tiny_with(calendar={"zones": {"northeast": "America/New_York"}})),
        ("calendar.zones: regions with no time zone (calendar.zones): ['midwest', 'south',",),
    ),
    "time zone that does not exist": Case(
        _data(tiny_with(calendar={"zones": {"west": "America/Nowhere"}})),
        ("calendar.zones: west: 'America/Nowhere' is not an IANA time zone",),
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
        (
            "integration.pattern: unknown pattern 'carrier_pigeon'",
            "direct, event_bus, hybrid, ipaas",
        ),
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
    # absurd sizes: refused quickly, before any simulation time is spent
    "YAML alias bomb": Case(
        _text(_alias_bomb()),
        ("YAML aliases expand to more than 1,000,000 nodes", "line 7"),
        max_lines=1,
    ),
    "YAML alias inside its own anchor": Case(
        _text(TINY_TEXT + "description: &loop [*loop]\n"),
        ("YAML alias *loop at line 10 is used inside its own anchor &loop",),
        max_lines=1,
    ),
    "YAML nested too deeply": Case(
        _text(TINY_TEXT + "description: " + "[" * 5000 + "]" * 5000 + "\n"),
        ("YAML nested more than 100 levels deep at line 10",),
        max_lines=1,
    ),
    "file over the size cap": Case(
        _padded(1024 * 1024 + 1),
        ("the file is larger than 1 MiB", "a scenario file is a few KB"),
        max_lines=1,
    ),
    "date that does not exist": Case(
        _text(TINY_TEXT + "start: 2026-13-45\n"),
        ("line 10", "cannot read '2026-13-45' as a date-time (month must be in 1..12)"),
        max_lines=1,
    ),
    "integer of 5000 digits": Case(
        _text(TINY_TEXT.replace("seed: 7", "seed: " + "9" * 5000)),
        ("malformed YAML at line 2", "as an integer (Exceeds the limit (4300 digits)"),
        max_lines=1,
    ),
    "horizon not finite in seconds": Case(
        _data(TINY),
        (
            "demand_days: expected at most 3650 days (10 simulated years), got 1e+308",
            "(from --set demand_days=...)",
        ),
        ("--set", "demand_days=1e308"),
    ),
    "drain beyond ten years": Case(
        _data(tiny_with(drain_days=4000)),
        ("drain_days: expected at most 3650 days (10 simulated years), got 4000",),
    ),
    "demand and drain together beyond ten years": Case(
        _data(tiny_with(demand_days=2000, drain_days=2000)),
        ("drain_days: demand_days + drain_days is 4000 days", "at most 3650 days"),
    ),
    "a billion orders per business day": Case(
        _data(TINY),
        (
            *TOO_MUCH_WORK,
            "demand.orders_per_business_day, demand_days: about 1.1e+09 orders "
            "(1e+09 per business day over 1.1 business days in 1 demand days)",
            "(from --set demand.orders_per_business_day=...)",
        ),
        ("--set", "demand.orders_per_business_day=1e9"),
        max_lines=3,
    ),
    "a millionfold peak": Case(
        _data(
            tiny_with(
                demand={"peaks": [{"multiplier": 1e6, "window": {"start_h": 0, "end_h": 24}}]}
            )
        ),
        (*TOO_MUCH_WORK, "demand.orders_per_business_day, demand_days, demand.peaks: about"),
        max_lines=3,
    ),
    "a billion customers": Case(
        _data(TINY),
        (*TOO_MUCH_WORK, "master_data.customers: 1e+09 customers: 1,118 GiB (from --set"),
        ("--set", "master_data.customers=1000000000"),
        max_lines=4,  # their contract prices are a second line
    ),
    "a hundred million products": Case(
        _data(tiny_with(master_data={"products": 100_000_000})),
        (*TOO_MUCH_WORK, "master_data.products: 1e+08 products stocked at 4 sites"),
        max_lines=3,
    ),
    "a billion pickers": Case(
        _data(
            tiny_with(
                sites={
                    site: {"serves": [region], "staffing": {"pickers": 8}}
                    for site, region in (
                        ("NJ01", "northeast"),
                        ("GA01", "south"),
                        ("IL01", "midwest"),
                        ("NV01", "west"),
                    )
                }
            )
        ),
        (*TOO_MUCH_WORK, "sites.NJ01.staffing.pickers: 1e+09 pickers over 4 sites"),
        ("--set", "sites.NJ01.staffing.pickers=1000000000"),
        max_lines=3,
    ),
    "a whole number beyond 32 bits": Case(
        _data(tiny_with(demand={"max_lines_per_order": 10**12})),
        ("demand.max_lines_per_order: expected an integer <= 2,147,483,647, got 1000000000000",),
    ),
    "units per line that overflow": Case(
        _data(tiny_with(demand={"units_per_line_mean": 1e300})),
        ("demand.units_per_line_mean: expected at most 1e+09 units, got 1e+300",),
    ),
    "a coefficient of variation that overflows": Case(
        _data(tiny_with(master_data={"list_price_cv": 1e300})),
        ("master_data.list_price_cv: expected a coefficient of variation <= 1000, got 1e+300",),
    ),
    "stock cover that overflows": Case(
        _data(tiny_with(master_data={"reorder_cover_days": 1e308})),
        ("master_data.reorder_cover_days: expected at most 36,500 days of stock cover",),
    ),
    "a distribution that cannot be sampled": Case(
        _data(
            tiny_with(
                systems={
                    "crm": {"api": {"service_time": {"kind": "gamma", "mean": 1, "cv": 1e-200}}}
                }
            )
        ),
        ("systems.crm.api.service_time: cannot be sampled with these parameters",),
    ),
    "a cadence that stalls the clock": Case(
        _data(TINY),
        (
            "systems.erp.allocation_interval_s: 1e-300 s between repetitions",
            "expected at least 0.0346 s (at most 10,000,000 repetitions)",
        ),
        ("--set", "systems.erp.allocation_interval_s=1e-300"),
    ),
    "a retry back-off that overflows": Case(
        _data(tiny_with(integration={"retry": {"multiplier": 2, "max_attempts": 5000}})),
        ("integration.retry.max_attempts: with multiplier 2", "expected at most 997 attempts"),
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
    "YAML alias bomb",
    "file over the size cap",
    "horizon not finite in seconds",
    "a billion orders per business day",
    "a billion customers",
    "a billion pickers",
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


def test_anchors_and_merges_in_moderation_still_load(tmp_path: Path) -> None:
    path = tmp_path / "anchors.yaml"
    path.write_text(
        TINY_TEXT + "sites:\n"
        "  NJ01: {serves: [northeast], staffing: &crew {pickers: 11}}\n"
        "  GA01: {serves: [south], staffing: *crew}\n"
        "  IL01: {serves: [midwest], staffing: {<<: *crew, pickers: 8}}\n"
        "  NV01: {serves: [west], staffing: {<<: *crew, pickers: 8}}\n",
        encoding="utf-8",
    )
    result = o2csim("validate", path)
    assert result.code == 0, result.stderr
    assert "valid scenario 'tiny'" in result.stdout


def test_memory_ceiling_can_be_raised_and_lowered(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "tiny.yaml", TINY)
    big = ("--set", "demand.orders_per_business_day=1e7")
    assert o2csim("validate", path, *big).code == EXIT_BAD_INPUT
    raised = o2csim("validate", path, *big, "--max-memory-gib", "1e6")
    assert raised.code == 0, raised.stderr
    assert "orders," in raised.stdout
    assert "GiB of memory estimated" in raised.stdout
    by_env = o2csim("validate", path, *big, env={"O2CSIM_MAX_MEMORY_GIB": "1e6"})
    assert by_env.code == 0, by_env.stderr
    option_wins = o2csim(
        "validate", path, *big, "--max-memory-gib", "8", env={"O2CSIM_MAX_MEMORY_GIB": "1e6"}
    )
    assert option_wins.code == EXIT_BAD_INPUT
    for low in (
        o2csim("validate", path, "--max-memory-gib", "0.05"),
        o2csim("validate", path, env={"O2CSIM_MAX_MEMORY_GIB": "0.05"}),
    ):
        _check(
            low,
            Case(_data(TINY), ("too large to run", "above the ceiling of 0.05 GiB"), max_lines=3),
            path,
        )


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (("--max-memory-gib", "0"), {}, "--max-memory-gib 0: expected a number of GiB > 0"),
        (("--max-memory-gib", "nan"), {}, "--max-memory-gib nan: expected a number of GiB > 0"),
        ((), {"O2CSIM_MAX_MEMORY_GIB": "lots"}, "O2CSIM_MAX_MEMORY_GIB='lots': expected a number"),
        ((), {"O2CSIM_MAX_MEMORY_GIB": "-4"}, "O2CSIM_MAX_MEMORY_GIB='-4': expected a number"),
    ],
    ids=["zero option", "NaN option", "text in the environment", "negative in the environment"],
)
def test_bad_memory_ceiling(
    args: tuple[str, ...], env: dict[str, str], expected: str, tmp_path: Path
) -> None:
    path = write_yaml(tmp_path / "tiny.yaml", TINY)
    out = tmp_path / "out"
    for command in (("validate", path), ("run", path, "--quiet", "--out", out)):
        result = o2csim(*command, *args, env=env)
        _check(result, Case(_data(TINY), (expected,), names_file=False, max_lines=1), path)
    assert not out.exists()
