"""Run outputs: console summary, JSON and Parquet files.

The names below are loaded lazily (:mod:`sim.lazy_exports`), so that importing one part of
the package (``sim.report.loaded``, ``sim.report.html``) does not import the others.
"""

from typing import TYPE_CHECKING

from sim.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from sim.report.console import format_duration, print_summary
    from sim.report.files import json_ready, write_outputs

__all__ = ["format_duration", "json_ready", "print_summary", "write_outputs"]

if not TYPE_CHECKING:  # type checkers see the imports above, not a __getattr__
    __getattr__, __dir__ = lazy_exports(
        __name__,
        globals(),
        {
            "format_duration": "console",
            "print_summary": "console",
            "json_ready": "files",
            "write_outputs": "files",
        },
    )
