"""Run outputs: console summary, JSON and Parquet files."""

from sim.report.console import format_duration, print_summary
from sim.report.files import json_ready, write_outputs

__all__ = ["format_duration", "json_ready", "print_summary", "write_outputs"]
