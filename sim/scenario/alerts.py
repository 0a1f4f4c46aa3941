"""Alert rules: how operations would learn that something is wrong, declared in the scenario.

A rule watches one signal and fires while the signal is above a threshold, evaluated every
``every_s`` seconds of simulated time, like a monitoring system's evaluation interval::

    alerts:
      - {name: exception_backlog_aging, signal: exception_backlog_age, above: 2h}
      - {name: dead_letters, signal: dead_letter_depth, above: 0}
      - {name: consumer_lag, signal: consumer_lag, above: 15min}
      - {name: order_creation_slow, signal: order_creation_latency.p95, window: 1h, above: 20min}
      - {name: erp_refusing, signal: "failed_calls:erp", window: 5min, above: 0}

Signals (:mod:`sim.alerts` computes them from the history):

* levels at the evaluation instant: ``integration_backlog``, ``exceptions_open``,
  ``dead_letter_depth``;
* ages at the evaluation instant, in seconds: ``exception_backlog_age`` (the oldest open
  exception), ``consumer_lag`` (the oldest copy the bus owes a subscription);
* over the sliding ``window`` before the instant: ``METRIC.pQ`` of a latency metric (the
  percentile of the samples that finished in the window; none finished: no value, no
  alert), and ``failed_calls:PREFIX`` (calls to endpoints whose name starts with PREFIX,
  e.g. ``erp`` or ``erp.create_order``, that did not succeed).

``above`` and ``window`` take a number with an optional unit (``ms s min h d``; ``%`` for
shares). :data:`DEFAULT_ALERTS` is the pack every scenario gets unless it lists its own.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sim.scenario.latency import LATENCY_METRICS
from sim.scenario.thresholds import parse_quantity

__all__ = [
    "AGE_SIGNALS",
    "DEFAULT_ALERTS",
    "LEVEL_SIGNALS",
    "AlertRule",
    "windowed_signal",
]

LEVEL_SIGNALS: tuple[str, ...] = ("integration_backlog", "exceptions_open", "dead_letter_depth")
"""Signals that are a level at the evaluation instant."""

AGE_SIGNALS: tuple[str, ...] = ("exception_backlog_age", "consumer_lag")
"""Signals that are the age, in seconds, of the oldest open item at the evaluation instant."""

_PERCENTILE = re.compile(r"^(?P<metric>[a-z_]+)\.p(?P<q>\d+(?:\.\d+)?)$")


def windowed_signal(signal: str) -> tuple[str, str, float] | None:
    """``("latency", metric, q)`` or ``("failed_calls", prefix, nan)`` for windowed signals."""
    if signal.startswith("failed_calls:"):
        prefix = signal.removeprefix("failed_calls:")
        return ("failed_calls", prefix, float("nan")) if prefix else None
    match = _PERCENTILE.match(signal)
    if match and match["metric"] in LATENCY_METRICS and 0 < float(match["q"]) <= 100:
        return ("latency", match["metric"], float(match["q"]))
    return None


class AlertRule(BaseModel):
    """One alert rule: fire while ``signal`` is above ``above`` (checked every ``every_s``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    signal: str = Field(description="what is watched (see sim.scenario.alerts)")
    above: float = Field(description="fires while the signal is above this (units allowed)")
    window: float | None = Field(
        default=None, gt=0, description="sliding window of a windowed signal (units allowed)"
    )
    every_s: float = Field(default=60.0, gt=0, description="evaluation interval")

    @field_validator("above", "window", mode="before")
    @classmethod
    def _quantity(cls, value: Any) -> Any:
        return None if value is None else parse_quantity(value)

    @model_validator(mode="after")
    def _known(self) -> AlertRule:
        windowed = windowed_signal(self.signal)
        if windowed is None and self.signal not in (*LEVEL_SIGNALS, *AGE_SIGNALS):
            raise ValueError(
                f"alert {self.name!r}: unknown signal {self.signal!r}; expected one of "
                f"{sorted((*LEVEL_SIGNALS, *AGE_SIGNALS))}, METRIC.pQ of a latency metric, "
                "or failed_calls:PREFIX"
            )
        if windowed is not None and self.window is None:
            raise ValueError(f"alert {self.name!r}: signal {self.signal!r} needs a window")
        if windowed is None and self.window is not None:
            raise ValueError(
                f"alert {self.name!r}: signal {self.signal!r} is read at each instant; "
                "it takes no window"
            )
        return self


DEFAULT_ALERTS: tuple[AlertRule, ...] = (
    AlertRule(name="exception_backlog_aging", signal="exception_backlog_age", above=7200.0),
    AlertRule(name="dead_letters", signal="dead_letter_depth", above=0.0),
    AlertRule(name="consumer_lag", signal="consumer_lag", above=900.0),
    AlertRule(
        name="order_creation_slow",
        signal="order_creation_latency.p95",
        window=3600.0,
        above=1200.0,
    ),
    AlertRule(name="erp_refusing", signal="failed_calls:erp", window=300.0, above=0.0),
)
"""The pack a scenario gets unless it lists ``alerts:`` (assumptions: common on-call rules;
the order-creation rule fires above 20 minutes, beyond the ERP's 15-minute IDoc inbound
batches that EDI orders wait for, so it means orders are stuck, not queued for a batch)."""
