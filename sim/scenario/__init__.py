"""Scenarios: the pydantic model of a run, the loader of scenario files and the work budget.

The names below are loaded lazily (:mod:`sim.lazy_exports`): ``import sim.scenario`` costs
almost nothing, and ``from sim.scenario import Scenario`` loads the model (and what it
needs) only then. A command line that merely shows the memory ceiling's default reads
:mod:`sim.scenario.ceiling` without loading the model.
"""

from typing import TYPE_CHECKING

from sim.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from sim.scenario.budget import (
        ScenarioTooLargeError,
        WorkEstimate,
        check_work,
        estimate_work,
    )
    from sim.scenario.ceiling import DEFAULT_MAX_MEMORY_GIB, MAX_MEMORY_ENV
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

if not TYPE_CHECKING:  # type checkers see the imports above, not a __getattr__
    __getattr__, __dir__ = lazy_exports(
        __name__,
        globals(),
        {
            "DEFAULT_MAX_MEMORY_GIB": "ceiling",
            "MAX_MEMORY_ENV": "ceiling",
            "ScenarioTooLargeError": "budget",
            "WorkEstimate": "budget",
            "check_work": "budget",
            "estimate_work": "budget",
            "ScenarioError": "loading",
            "apply_overrides": "loading",
            "load_scenario": "loading",
            "LATENCY_METRICS": "model",
            "Demand": "model",
            "MasterData": "model",
            "Peak": "model",
            "PeakWindow": "model",
            "Scenario": "model",
            "Site": "model",
            "SlaTarget": "model",
            "Systems": "model",
            "scenario_schema": "model",
        },
    )
