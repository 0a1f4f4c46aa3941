"""Integration patterns behind one interface, looked up by name in a registry."""

from sim.integration.patterns.base import (
    CallTimeouts,
    IntegrationPattern,
    IntegrationSettings,
    Mechanisms,
    PatternContext,
    ScheduledReplay,
)
from sim.integration.patterns.direct import DirectPattern
from sim.integration.patterns.event_bus import EventBusPattern
from sim.integration.patterns.hybrid import HybridPattern
from sim.integration.patterns.ipaas import IpaasPattern
from sim.integration.patterns.registry import (
    UnknownPatternError,
    create_pattern,
    pattern_class,
    pattern_names,
    register_pattern,
)

__all__ = [
    "CallTimeouts",
    "DirectPattern",
    "EventBusPattern",
    "HybridPattern",
    "IpaasPattern",
    "Mechanisms",
    "IntegrationPattern",
    "IntegrationSettings",
    "PatternContext",
    "ScheduledReplay",
    "UnknownPatternError",
    "create_pattern",
    "pattern_class",
    "pattern_names",
    "register_pattern",
]
