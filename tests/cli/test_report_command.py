"""``o2csim report``: a page from a run folder; bad folders and paths are bad input (exit 2)."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from PIL import Image

from sim.cli_report import FIGURES, _write_figures
from sim.compare import compare
from sim.compare.files import write_compare_outputs
from sim.report import write_outputs
from sim.report.html.images import Chart
from sim.run import execute
from sim.scenario import Scenario
from tests.cli.support import TINY, o2csim
from tests.compare.support import TINY_WITH_SLAS


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("run")
    write_outputs(execute(Scenario.model_validate(TINY)), folder)
    return folder


@pytest.fixture(scope="module")
def compare_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two patterns, two replications of a tiny scenario with two SLA targets."""
    folder = tmp_path_factory.mktemp("compare")
    scenario = Scenario.model_validate(TINY_WITH_SLAS)
    write_compare_outputs(compare(scenario, ["direct", "hybrid"], replications=2), folder)
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


def _pngs(folder: Path) -> dict[str, bytes]:
    """The folder's files by name, each checked to decode as a PNG image."""
    found = {}
    for path in sorted(folder.iterdir()):
        with Image.open(path) as image:
            assert image.format == "PNG"
            image.load()  # decodes the pixels: a truncated file fails here
            assert image.width > 300 and image.height > 100
        found[path.name] = path.read_bytes()
    return found


def test_figures_alone_writes_the_run_charts_and_no_page(run_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "run"
    shutil.copytree(run_dir, folder, ignore=shutil.ignore_patterns("report.html"))
    figures = tmp_path / "figures" / "run"  # made as needed
    result = o2csim("report", folder, "--figures", figures)
    assert result.code == 0, result.stderr
    names = [f"{name}.png" for name in FIGURES["run"]]
    assert f"figures: {figures} ({len(names)} PNG files: {', '.join(names)})" in result.stdout
    assert sorted(_pngs(figures)) == sorted(names)
    assert not (folder / "report.html").exists()  # --figures without --out: no page
    assert "report:" not in result.stdout


def test_figures_are_the_pictures_the_page_shows(run_dir: Path, tmp_path: Path) -> None:
    page, figures = tmp_path / "page.html", tmp_path / "figures"
    figures.mkdir()
    (figures / "notes.txt").write_text("kept")
    (figures / "backlog.png").write_bytes(b"stale")
    result = o2csim("report", run_dir, "--out", page, "--figures", figures)
    assert result.code == 0, result.stderr
    assert f"report: {page}" in result.stdout
    embedded = [
        base64.b64decode(uri)
        for uri in re.findall(r'<img src="data:image/png;base64,([^"]+)"', page.read_text())
    ]
    files = {p.name: p.read_bytes() for p in figures.glob("*.png")}
    assert embedded == [files[f"{name}.png"] for name in FIGURES["run"]]  # same, in page order
    assert (figures / "notes.txt").read_text() == "kept"  # nothing else in DIR is touched
    assert not list(figures.glob(".o2csim-report-*"))


def test_figures_of_a_comparison(compare_dir: Path, tmp_path: Path) -> None:
    figures = tmp_path / "figures"
    result = o2csim("report", compare_dir, "--figures", figures)
    assert result.code == 0, result.stderr
    assert f"figures: {figures} (1 PNG file: sla_compliance.png)" in result.stdout
    assert list(_pngs(figures)) == [f"{name}.png" for name in FIGURES["compare"]]


def test_a_comparison_without_sla_targets_has_no_figure(compare_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "compare"
    shutil.copytree(compare_dir, folder, ignore=shutil.ignore_patterns("report.html"))
    summary = json.loads((folder / "summary.json").read_text())
    summary["sla"] = {label: {} for label in summary["patterns"]}
    (folder / "summary.json").write_text(json.dumps(summary))
    result = o2csim("report", folder, "--figures", tmp_path / "figures")
    assert result.code == 0, result.stderr
    assert "none written, no chart in this report" in " ".join(result.stdout.split())
    assert not (tmp_path / "figures").exists() or not list((tmp_path / "figures").iterdir())


def test_a_bad_figures_folder_is_bad_input(run_dir: Path, tmp_path: Path) -> None:
    afile = tmp_path / "taken.png"
    afile.write_text("x")
    page = tmp_path / "page.html"
    message = _bad_input(run_dir, "--figures", afile, "--out", page)
    assert f"--figures {afile}: is a file, expected a folder" in message
    message = _bad_input(run_dir, "--figures", afile / "figures")
    assert f"--figures {afile / 'figures'}: {afile} is a file, expected a folder" in message
    assert not page.exists()  # refused before anything was read, drawn or written


def test_a_chart_that_cannot_be_drawn_is_named_and_left_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken() -> Axes:
        raise ValueError("no samples")

    drawn = Chart("fine", lambda: Figure().subplots(), "fine")
    written = _write_figures(tmp_path, (Chart("broken", broken, "broken"), drawn))
    assert written == [tmp_path / "fine.png"]
    assert list(_pngs(tmp_path)) == ["fine.png"]
    assert "warning: figure broken not drawn (ValueError: no samples)" in capsys.readouterr().err
