"""A run read back from its folder draws what the live result draws; bad folders say why."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.report import write_outputs
from sim.report.loaded import (
    FolderError,
    LoadedRun,
    folder_kind,
    load_comparison,
    load_run,
)
from sim.report.plots import (
    backlog_levels,
    endpoint_utilisation,
    fault_windows,
    staleness_series,
    throughput_series,
)
from sim.run import RunResult
from tests.report.support import tiny_run


@pytest.fixture(scope="module")
def outage() -> RunResult:
    return tiny_run("erp_outage")


@pytest.fixture(scope="module")
def loaded(outage: RunResult, tmp_path_factory: pytest.TempPathFactory) -> LoadedRun:
    folder = tmp_path_factory.mktemp("run")
    write_outputs(outage, folder)
    return load_run(folder)


def test_the_folder_gives_back_the_scenario_timeline_and_metrics(
    outage: RunResult, loaded: LoadedRun
) -> None:
    assert folder_kind(loaded.folder) == "run"
    assert loaded.scenario == outage.scenario
    assert loaded.timeline == outage.timeline
    assert loaded.seed == outage.seed
    assert loaded.horizon_s == outage.horizon_s
    assert len(loaded.history) == len(outage.history)
    assert set(loaded.invariants) == set(outage.invariants)
    assert loaded.notes == ()


def test_plots_of_the_folder_draw_the_live_runs_data(outage: RunResult, loaded: LoadedRun) -> None:
    pd.testing.assert_frame_equal(throughput_series(loaded), throughput_series(outage))
    pd.testing.assert_frame_equal(staleness_series(loaded), staleness_series(outage))
    pd.testing.assert_frame_equal(endpoint_utilisation(loaded), endpoint_utilisation(outage))
    live, read = backlog_levels(outage), backlog_levels(loaded)
    assert list(read) == list(live)
    for name, (times, levels) in live.items():
        np.testing.assert_array_equal(read[name][0], times)
        np.testing.assert_array_equal(read[name][1], levels)
    assert fault_windows(loaded, None) == fault_windows(outage, None)


def test_a_window_to_the_end_of_time_survives_json(outage: RunResult, tmp_path: Path) -> None:
    write_outputs(outage, tmp_path)
    facts = json.loads((tmp_path / "run.json").read_text())
    facts["fault_timeline"][0]["end_s"] = None  # what json_ready makes of an infinite end
    (tmp_path / "run.json").write_text(json.dumps(facts))
    assert math.isinf(load_run(tmp_path).timeline.windows[0].end_s)


def test_a_users_pattern_not_importable_here_is_kept_by_name(
    outage: RunResult, tmp_path: Path
) -> None:
    write_outputs(outage, tmp_path)
    facts = json.loads((tmp_path / "run.json").read_text())
    facts["resolved_scenario"]["integration"]["pattern"] = "elsewhere_patterns:Mine"
    (tmp_path / "run.json").write_text(json.dumps(facts))
    run = load_run(tmp_path)
    assert run.scenario.integration.pattern == "elsewhere_patterns:Mine"
    assert run.notes and "elsewhere_patterns:Mine" in run.notes[0]


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "neither a run nor a comparison folder"),
        ({"history.parquet": "x"}, "neither a run nor a comparison folder"),
        ({"summary.json": "{}", "junit.xml": "<x/>"}, "an o2csim check folder"),
        (
            {"run.json": "{}", "summary.json": "{}", "replications.parquet": "x"},
            "--kind run or --kind compare",
        ),
    ],
)
def test_the_kind_of_folder_is_told_by_its_files(
    tmp_path: Path, files: dict[str, str], message: str
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(FolderError, match=message):
        folder_kind(tmp_path)


def test_a_missing_folder_or_a_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(FolderError, match="no such folder"):
        folder_kind(tmp_path / "nowhere")
    (tmp_path / "run.json").write_text("{}")
    with pytest.raises(FolderError, match=r"metrics\.json: missing"):
        load_run(tmp_path)
    (tmp_path / "summary.json").write_text('{"scenario": "x"}')
    (tmp_path / "replications.parquet").write_text("not parquet")
    assert folder_kind(tmp_path, "compare") == "compare"
    with pytest.raises(FolderError, match="field replications is missing"):
        load_comparison(tmp_path)
