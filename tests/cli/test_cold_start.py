"""``o2csim --help`` starts fast: the command tree is built without the heavy modules.

The help of every command is built in a fresh process, through the console-script entry
point ``sim.cli:main``, and the modules that process loaded are checked: none of the data
and plotting libraries, and of o2csim only the command modules and what they share. The
set of modules is asserted, never a wall time (``benchmarks/cold_start.py`` times it).

One exception, typer's own: to show a command's options (``o2csim run --help``), typer
builds a pydantic ``TypeAdapter`` for each of them, so pydantic is loaded then; the
top-level ``o2csim --help`` does without it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import typer

from sim.cli import app
from tests.cli.support import REPO, o2csim

HEAVY = (
    "numpy",
    "pandas",
    "pyarrow",
    "scipy",
    "matplotlib",
    "pydantic",
    "simpy",
    "holidays",
    "yaml",
    "dask",
    "distributed",
)
"""Libraries ``o2csim --help`` must not import (each costs tens of milliseconds or more)."""

TYPER_OWN = ("pydantic", "pydantic_core", "annotated_types")
"""What typer loads itself to show a command's options (a ``TypeAdapter`` per option)."""

ALLOWED_OURS = ("sim", "sim.lazy_exports", "sim.scenario", "sim.scenario.ceiling")
"""o2csim modules ``--help`` may load besides the command modules ``sim.cli*``."""

COMMANDS = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]

_SCRIPT = """
import contextlib, io, json, sys
from sim.cli import main
report, argvs = sys.argv[1], json.loads(sys.argv[2])
helps, first = {}, None
for argv in argvs:
    sys.argv = ["o2csim", *argv]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            main()
        except SystemExit as stop:
            code = stop.code
    helps[" ".join(argv)] = {"code": code, "text": out.getvalue()}
    first = sorted(sys.modules) if first is None else first
with open(report, "w") as f:
    json.dump({"top_level": first, "modules": sorted(sys.modules), "helps": helps}, f)
"""


def _help_process(tmp_path: Path) -> dict[str, object]:
    """Run ``o2csim --help`` and ``o2csim NAME --help`` for every command in one process."""
    report = tmp_path / "modules.json"
    argvs = [["--help"], *([name, "--help"] for name in COMMANDS)]
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(report), json.dumps(argvs)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(REPO), "NO_COLOR": "1", "COLUMNS": "200", "PATH": "/usr/bin"},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(report.read_text())
    return result


@pytest.fixture(scope="module")
def help_process(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    return _help_process(tmp_path_factory.mktemp("cold_start"))


def test_the_command_tree_has_every_command() -> None:
    assert {"run", "validate", "compare", "check", "export", "report", "schema"} <= set(COMMANDS)


def test_help_of_every_command_is_built(help_process: dict[str, object]) -> None:
    helps = help_process["helps"]
    assert isinstance(helps, dict)
    assert set(helps) == {"--help", *(f"{name} --help" for name in COMMANDS)}
    for argv, shown in helps.items():
        assert shown["code"] == 0, argv
        assert "Usage" in shown["text"], argv
    assert all(name in helps["--help"]["text"] for name in COMMANDS)


def _libraries(modules: object) -> set[str]:
    assert isinstance(modules, list)
    return {m.split(".")[0] for m in modules}


def test_top_level_help_loads_no_heavy_library(help_process: dict[str, object]) -> None:
    loaded = sorted(_libraries(help_process["top_level"]) & set(HEAVY))
    assert loaded == [], f"o2csim --help imported {loaded}; import them inside the command"


def test_command_help_loads_no_heavy_library_but_typer_own(
    help_process: dict[str, object],
) -> None:
    loaded = sorted(_libraries(help_process["modules"]) & (set(HEAVY) - set(TYPER_OWN)))
    assert loaded == [], f"o2csim CMD --help imported {loaded}; import them inside the command"


def test_help_loads_only_the_command_modules_of_ours(help_process: dict[str, object]) -> None:
    modules = help_process["modules"]
    assert isinstance(modules, list)
    ours = [m for m in modules if m.split(".")[0] in ("sim", "mock_systems")]
    extra = sorted(m for m in ours if m not in ALLOWED_OURS and not m.startswith("sim.cli"))
    assert extra == [], f"o2csim --help imported {extra}; import them inside the command"
    assert "sim.cli" in ours
    assert "sim.scenario.model" not in ours


def test_the_entry_point_is_the_main_that_python_m_runs() -> None:
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["o2csim"] == "sim.cli:main"
    source = (REPO / "sim" / "cli.py").read_text()
    assert source.rstrip().endswith('if __name__ == "__main__":\n    main()')


@pytest.mark.parametrize("command", ["run", "validate", "schema"])
def test_help_answers_from_the_command_line(command: str) -> None:
    result = o2csim(command, "--help")
    assert result.code == 0, result.stderr
    assert f"Usage: python -m sim.cli {command}" in result.stdout
    assert result.stderr == ""
