"""Scenarios: the pydantic model of a run and the loader of scenario files."""

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
    "LATENCY_METRICS",
    "Demand",
    "MasterData",
    "Peak",
    "PeakWindow",
    "Scenario",
    "ScenarioError",
    "Site",
    "SlaTarget",
    "Systems",
    "apply_overrides",
    "load_scenario",
    "scenario_schema",
]
