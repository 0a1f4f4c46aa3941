"""Exports of a finished run's history for other tools.

:func:`ocel_log` maps the history to an OCEL 2.0 object-centric event log
(:mod:`sim.export.ocel` documents the mapping); :func:`write_ocel_json` and
:func:`write_ocel_sqlite` write it in the standard's JSON and SQLite formats. Like the
checkers, an export reads only the history, never a live world.
"""

from sim.export.ocel import OcelLog, ocel_log
from sim.export.ocel_json import write_ocel_json
from sim.export.ocel_sqlite import write_ocel_sqlite

__all__ = ["OcelLog", "ocel_log", "write_ocel_json", "write_ocel_sqlite"]
