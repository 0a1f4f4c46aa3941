"""``o2csim export``: a run folder as an OCEL 2.0 log (JSON or SQLite); bad input exits 2."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from sim.engine.history import HISTORY_FORMAT
from sim.history_frame import ACCEPTANCE_EVENTS
from tests.cli.support import REPO, o2csim

TINY_BASELINE = [
    "--set",
    "demand_days=0.5",
    "--set",
    "drain_days=2",
    "--set",
    "demand.orders_per_business_day=100",
    # demand hours in UTC with one profile for every channel: in the regions' local time
    # half a UTC day is the night, and it holds no field-sales quotes at all
    "--set",
    "demand.local_time=false",
    "--set",
    "demand.channel_profiles={}",
]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "run"
    result = o2csim(
        "run", REPO / "scenarios" / "baseline.yaml", *TINY_BASELINE, "--out", out, "--quiet"
    )
    assert result.code in (0, 3), result.stderr  # 3: a tiny run may miss an SLA target
    assert (out / "history.parquet").is_file()
    return out


def _quotes(run_dir: Path) -> int:
    events = pq.read_table(run_dir / "history.parquet", columns=["event"])["event"]
    return sum(1 for name in events.to_pylist() if name == "crm.quote_accepted")


def _accepted(run_dir: Path) -> int:
    """Orders accepted wherever their channel enters (quote, web-shop order, IDoc)."""
    events = pq.read_table(run_dir / "history.parquet", columns=["event"])["event"]
    return sum(1 for name in events.to_pylist() if name in ACCEPTANCE_EVENTS)


def test_export_writes_json_and_sqlite(run_dir: Path, tmp_path: Path) -> None:
    quotes = _quotes(run_dir)
    assert quotes > 0
    target = tmp_path / "new" / "log.json"  # a folder that does not exist yet
    result = o2csim("export", run_dir, "--format", "ocel2-json", "--out", target)
    assert result.code == 0, result.stderr
    assert f"ocel2-json: {target}" in result.stdout
    document = json.loads(target.read_text())
    assert list(document) == ["objectTypes", "eventTypes", "objects", "events"]
    assert sum(e["type"] == "Quote Accepted" for e in document["events"]) == quotes
    assert sum(o["type"] == "order" for o in document["objects"]) == _accepted(run_dir)

    target = tmp_path / "new" / "log.sqlite"
    result = o2csim("export", run_dir, "--format", "ocel2-sqlite", "--out", target)
    assert result.code == 0, result.stderr
    with sqlite3.connect(target) as con:
        (count,) = con.execute(
            "SELECT COUNT(*) FROM event WHERE ocel_type = 'Quote Accepted'"
        ).fetchone()
        (events,) = con.execute("SELECT COUNT(*) FROM event").fetchone()
    assert count == quotes
    assert events == len(document["events"])  # both formats hold the same events
    assert sorted(p.name for p in target.parent.iterdir()) == ["log.json", "log.sqlite"]


def test_export_defaults_to_the_run_folder_and_leaves_bookkeeping_out(
    run_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "run"
    shutil.copytree(run_dir, folder)
    result = o2csim("export", folder)
    assert result.code == 0, result.stderr
    assert (folder / "ocel2.json").is_file()
    assert "bookkeeping rows (endpoint.call" in result.stdout
    types = {t["name"] for t in json.loads((folder / "ocel2.json").read_text())["eventTypes"]}
    assert "API Call" not in types

    result = o2csim("export", folder, "--include-bookkeeping", "--out", folder / "full.json")
    assert result.code == 0, result.stderr
    types = {t["name"] for t in json.loads((folder / "full.json").read_text())["eventTypes"]}
    assert {"API Call", "Stock Counted"} <= types
    assert "bookkeeping rows" not in result.stdout


def _edit_run_json(change: Callable[[dict[str, object]], None]) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        facts = json.loads((folder / "run.json").read_text())
        change(facts)
        (folder / "run.json").write_text(json.dumps(facts))

    return edit


def _no_start(facts: dict[str, object]) -> None:
    resolved = facts["resolved_scenario"]
    assert isinstance(resolved, dict)
    del resolved["start"]


BAD = {
    "missing run folder": (["{tmp}/nowhere"], None, "{tmp}/nowhere: no such run folder"),
    "a file, not a run folder": (
        ["{run}/run.json"],
        None,
        "run.json: not a folder; expected a run folder written by o2csim run --out",
    ),
    "unknown format": (["{run}", "--format", "xes"], None, "--format xes: expected one of"),
    "out is a folder": (["{run}", "--out", "{tmp}"], None, "is a folder, expected a file name"),
    "out under a file": (
        ["{run}", "--out", "{run}/run.json/log.json"],
        None,
        "run.json is a file, expected a folder",
    ),
    "out is the run's history": (
        ["{run}", "--out", "{run}/history.parquet"],
        None,
        "is one of the run's own files",
    ),
    "unknown history format": (
        ["{run}"],
        _edit_run_json(lambda facts: facts.update(history_format=99)),
        f"field history_format is 99; this o2csim reads history format {HISTORY_FORMAT}",
    ),
    "no run.json": (["{run}"], lambda folder: (folder / "run.json").unlink(), "run.json: missing"),
    "no history": (
        ["{run}"],
        lambda folder: (folder / "history.parquet").unlink(),
        "history.parquet: missing",
    ),
    "no scenario start": (
        ["{run}"],
        _edit_run_json(_no_start),
        "field resolved_scenario.start is missing",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_export_input_exits_2_with_one_message(
    case: str, run_dir: Path, tmp_path: Path
) -> None:
    words, damage, expected = BAD[case]
    folder = tmp_path / "run"
    shutil.copytree(run_dir, folder)
    if damage is not None:
        damage(folder)
    args = [w.format(run=folder, tmp=tmp_path) for w in words]
    result = o2csim("export", *args)
    assert result.code == 2, (result.stdout, result.stderr)
    assert result.stderr.startswith("error: "), result.stderr
    assert expected.format(tmp=tmp_path) in result.stderr.replace("\n", " ")
    assert "Traceback" not in result.stderr
    assert not (folder / "ocel2.json").exists()
