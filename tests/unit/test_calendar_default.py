"""The calendar's default public holidays: built unvalidated at import, yet valid."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sim.scenario.calendars import CalendarSettings, PublicHolidays

REPO = Path(__file__).resolve().parents[2]


def test_the_unvalidated_default_is_what_validation_gives() -> None:
    default = CalendarSettings().holidays
    assert PublicHolidays.model_validate(default.model_dump()) == default
    assert PublicHolidays() == default


def test_the_default_knows_its_holidays() -> None:
    closed = CalendarSettings().holidays.dates(None, [2026])
    assert closed == PublicHolidays().dates(None, [2026])
    assert {"2026-01-01", "2026-07-03", "2026-11-26", "2026-12-25"} <= {
        day.isoformat() for day in closed
    }


def test_importing_the_scenario_model_does_not_load_the_holiday_tables() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, sys, sim.scenario.model; print(json.dumps(list(sys.modules)))",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin"},
        timeout=60,
        check=True,
    )
    loaded = set(json.loads(done.stdout.splitlines()[-1]))
    assert "sim.scenario.model" in loaded
    assert not any(m == "holidays" or m.startswith("holidays.") for m in loaded)
