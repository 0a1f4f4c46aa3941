"""Capacity search: how far the load can rise, what saturates first, whether it recovers.

How far the arrival rate can rise before an SLA breaks, what saturates first, and whether
the system comes back after an overload.

:func:`capacity_search` bisects the arrival-rate multiplier (:func:`scaled`) with
replications at each step; the :class:`CapacityResult` carries the answer interval, the
:class:`Bottleneck` and a :class:`Metastability` finding per step, from the runs' hourly
series. ``o2csim capacity`` (:mod:`sim.cli_capacity`) runs it from the command line.
"""

from sim.capacity.bottleneck import Bottleneck, find_bottleneck, utilisation_table
from sim.capacity.metastability import GrowingQueue, Metastability, assess_metastability
from sim.capacity.result import OUTPUT_NAMES, CapacityResult, write_capacity_outputs
from sim.capacity.scaling import scaled
from sim.capacity.search import Runner, StepObserver, capacity_search
from sim.capacity.settings import CapacitySettings, MetastabilityRule
from sim.capacity.steps import (
    BACKLOG,
    LOAD,
    SERIES_COLUMNS,
    CapacityStep,
    check_gates,
    judge_step,
    step_series,
)

__all__ = [
    "BACKLOG",
    "LOAD",
    "OUTPUT_NAMES",
    "SERIES_COLUMNS",
    "Bottleneck",
    "CapacityResult",
    "CapacitySettings",
    "CapacityStep",
    "Metastability",
    "MetastabilityRule",
    "Runner",
    "StepObserver",
    "GrowingQueue",
    "assess_metastability",
    "capacity_search",
    "check_gates",
    "find_bottleneck",
    "judge_step",
    "scaled",
    "step_series",
    "utilisation_table",
    "write_capacity_outputs",
]
