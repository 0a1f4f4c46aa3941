"""``o2csim report``: a page from a run folder; bad folders and paths are bad input (exit 2)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sim.report import write_outputs
from sim.run import execute
from sim.scenario import Scenario
from tests.cli.support import TINY, o2csim


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("run")
    write_outputs(execute(Scenario.model_validate(TINY)), folder)
    return folder


def _bad_input(*args: str | Path) -> str:
    result = o2csim("report", *args)
    assert result.code == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ")
    return " ".join(result.stderr.split())


def test_a_run_folder_becomes_one_html_file(run_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "nested" / "tiny.html"
    result = o2csim("report", run_dir, "--out", out)
    assert result.code == 0, result.stderr
    assert f"report: {out}" in result.stdout and "run folder" in result.stdout
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "o2csim run report: tiny" in page
    assert not list(out.parent.glob(".o2csim-report-*"))  # no staging file left behind
    umask = os.umask(0o022)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # shareable, like any file made


def test_the_default_page_goes_into_the_folder(run_dir: Path) -> None:
    result = o2csim("report", run_dir)
    assert result.code == 0, result.stderr
    assert (run_dir / "report.html").is_file()


def test_a_folder_that_is_neither_a_run_nor_a_comparison(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    message = _bad_input(tmp_path, "--out", tmp_path / "r.html")
    assert "neither a run nor a comparison folder" in message
    assert "run.json" in message and "summary.json" in message
    assert not (tmp_path / "r.html").exists()
    assert "no such folder" in _bad_input(tmp_path / "missing", "--out", tmp_path / "r.html")


def test_a_damaged_run_folder_names_its_file(run_dir: Path, tmp_path: Path) -> None:
    for name in ("history.parquet", "metrics.json"):
        (tmp_path / name).write_bytes((run_dir / name).read_bytes())
    facts = json.loads((run_dir / "run.json").read_text())
    facts["history_format"] = 99
    (tmp_path / "run.json").write_text(json.dumps(facts))
    message = _bad_input(tmp_path, "--out", tmp_path / "r.html")
    assert "run.json: field history_format is 99" in message


def test_bad_options(run_dir: Path, tmp_path: Path) -> None:
    assert "is a folder" in _bad_input(run_dir, "--out", tmp_path)
    assert "--kind x: expected run or compare" in _bad_input(run_dir, "--kind", "x")
    assert "--kind compare, but" in _bad_input(run_dir, "--kind", "compare")
