"""``o2csim check RUN_DIR`` reads history.parquet a row group at a time: the run's own verdicts."""

from __future__ import annotations

from pathlib import Path

from sim.checks import CHECKERS, run_all
from sim.engine.history import HISTORY_FORMAT
from sim.history_table import HistoryTable
from sim.report.files import write_outputs
from sim.run import execute
from sim.run_dir import open_history
from sim.scenario import load_scenario
from tests.oracle.support import DUPLICATING, GATE, SMALL


def test_a_spilled_violating_run_checks_from_its_folder_as_it_ran(tmp_path: Path) -> None:
    budget = ["memory.history_budget_rows=2000", "memory.history_check_s=600"]
    result = execute(load_scenario(GATE, [*SMALL, *DUPLICATING, *budget]), seed=3)
    assert result.history.spills >= 3
    assert not result.invariants["no_duplicates"].valid  # a witness to read back
    write_outputs(result, tmp_path)
    stored = open_history(tmp_path / "history.parquet", HISTORY_FORMAT)
    assert stored.spilled_rows == len(result.history)
    checked = run_all(stored)
    assert set(checked) == set(CHECKERS)
    for name, verdict in result.invariants.items():
        if name in checked:
            assert checked[name].to_dict() == verdict.to_dict(), name
    # the checkers asked for rows by event: the stored file was regrouped, never one frame
    assert HistoryTable(stored)._frame is None
