"""Scenarios: the pydantic model of a run, the loader of scenario files and the work budget."""

from sim.scenario.budget import (
    DEFAULT_MAX_MEMORY_GIB,
    MAX_MEMORY_ENV,
    ScenarioTooLargeError,
    WorkEstimate,
    check_work,
    estimate_work,
)
from sim.scenario.loading import ScenarioError, apply_overrides, load_scenario
from sim.scenario.model import (
    LATENCY_METRICS,
    Demand,
    MasterData,
    Peak,
    PeakWindow,
    Scenario,
    Site,
    SlaTarget,
    Systems,
    scenario_schema,
)

__all__ = [
    "DEFAULT_MAX_MEMORY_GIB",
    "LATENCY_METRICS",
    "MAX_MEMORY_ENV",
    "Demand",
    "MasterData",
    "Peak",
    "PeakWindow",
    "Scenario",
    "ScenarioError",
    "ScenarioTooLargeError",
    "Site",
    "SlaTarget",
    "Systems",
    "WorkEstimate",
    "apply_overrides",
    "check_work",
    "estimate_work",
    "load_scenario",
    "scenario_schema",
]
