"""Pattern comparison: the same scenario and replication seeds under several patterns.

``compare(scenario, patterns, replications, seed, workers)`` returns a
:class:`CompareResult` with ``.tidy`` (a pandas DataFrame, one row per pattern x
replication x KPI) and ``.summary`` (means with 95% intervals, paired differences from the
reference pattern, operating figures and costs, SLA verdicts across replications).
``sweep(levels, replications, seed, workers)`` runs one scenario at several levels (of load,
say) on the same seeds and returns a :class:`SweepResult` with SLA verdicts per level.
``grid_sweep(scenario, grid, replications, executor=...)`` runs the product of a grid of
settings and returns a :class:`PointsResult` whose ``tidy`` is the sweep's DataFrame;
``sensitivity(scenario, ...)`` varies each assumption in turn and ranks them per SLA.
"""

from sim.compare.costs import CostsError, UnitCosts, cost_per_order, load_costs
from sim.compare.files import OUTPUT_NAMES, write_compare_outputs
from sim.compare.grid import GridError, parse_grid
from sim.compare.grid_run import grid_sweep
from sim.compare.points import PointsResult
from sim.compare.sensitivity_run import SensitivityResult, sensitivity
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
    "GridError",
    "PointsResult",
    "SensitivityResult",
    "SweepResult",
    "UnitCosts",
    "compare",
    "cost_per_order",
    "grid_sweep",
    "interval_cell",
    "load_costs",
    "paired_difference",
    "parse_grid",
    "resolve_patterns",
    "resolve_reference",
    "sensitivity",
    "sweep",
    "with_pattern",
    "write_compare_outputs",
]
