"""Pattern comparison: the same scenario and replication seeds under several patterns.

``compare(scenario, patterns, replications, seed, workers)`` returns a
:class:`CompareResult` with ``.tidy`` (a pandas DataFrame, one row per pattern x
replication x KPI) and ``.summary`` (means with 95% intervals, paired differences from the
reference pattern, operating figures and costs, SLA verdicts across replications).
``sweep(levels, replications, seed, workers)`` runs one scenario at several levels (of load,
say) on the same seeds and returns a :class:`SweepResult` with SLA verdicts per level.
"""

from sim.compare.costs import CostsError, UnitCosts, cost_per_order, load_costs
from sim.compare.files import OUTPUT_NAMES, write_compare_outputs
from sim.compare.stats import LEVEL, interval_cell, paired_difference
from sim.compare.study import (
    DEFAULT_REFERENCE,
    TIDY_COLUMNS,
    CompareError,
    CompareResult,
    compare,
    resolve_patterns,
    resolve_reference,
    with_pattern,
)
from sim.compare.sweep import SWEEP_COLUMNS, SweepResult, sweep

__all__ = [
    "DEFAULT_REFERENCE",
    "LEVEL",
    "OUTPUT_NAMES",
    "SWEEP_COLUMNS",
    "TIDY_COLUMNS",
    "CompareError",
    "CompareResult",
    "CostsError",
    "SweepResult",
    "UnitCosts",
    "compare",
    "cost_per_order",
    "interval_cell",
    "load_costs",
    "paired_difference",
    "resolve_patterns",
    "resolve_reference",
    "sweep",
    "with_pattern",
    "write_compare_outputs",
]
