"""Duration distributions, declared as data and sampled from a named stream.

Each distribution is a frozen pydantic model (so scenarios can declare it in YAML with a
``kind`` tag) and knows how to build a fast sampler on a ``numpy.random.Generator``. All
durations are in seconds of simulated time.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.engine.streams import BufferedDraws

__all__ = [
    "Constant",
    "Exponential",
    "LogNormal",
    "Uniform",
    "Triangular",
    "Gamma",
    "Distribution",
    "Sampler",
]

Sampler = Callable[[], float]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def sampler(self, rng: np.random.Generator) -> Sampler:  # pragma: no cover - abstract
        """A callable returning one draw per call."""
        raise NotImplementedError

    @property
    def mean_value(self) -> float:  # pragma: no cover - abstract
        """The distribution's mean, for capacity arithmetic and validation."""
        raise NotImplementedError


class Constant(_Spec):
    """Always ``value`` seconds."""

    kind: Literal["constant"] = "constant"
    value: float = Field(ge=0)

    def sampler(self, rng: np.random.Generator) -> Sampler:
        value = self.value
        return lambda: value

    @property
    def mean_value(self) -> float:
        return self.value


class Exponential(_Spec):
    """Memoryless durations with the given mean (M in queueing notation)."""

    kind: Literal["exponential"] = "exponential"
    mean: float = Field(gt=0)

    def sampler(self, rng: np.random.Generator) -> Sampler:
        mean = self.mean
        return BufferedDraws(lambda n: rng.exponential(mean, n))

    @property
    def mean_value(self) -> float:
        return self.mean


class LogNormal(_Spec):
    """Right-skewed durations given by mean and coefficient of variation (API latencies)."""

    kind: Literal["lognormal"] = "lognormal"
    mean: float = Field(gt=0)
    cv: float = Field(gt=0, description="standard deviation divided by the mean")

    def sampler(self, rng: np.random.Generator) -> Sampler:
        sigma2 = math.log1p(self.cv**2)
        mu = math.log(self.mean) - sigma2 / 2
        sigma = math.sqrt(sigma2)
        return BufferedDraws(lambda n: rng.lognormal(mu, sigma, n))

    @property
    def mean_value(self) -> float:
        return self.mean


class Uniform(_Spec):
    """Durations spread evenly between ``low`` and ``high``."""

    kind: Literal["uniform"] = "uniform"
    low: float = Field(ge=0)
    high: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) must be at least low ({self.low})")
        return self

    def sampler(self, rng: np.random.Generator) -> Sampler:
        low, high = self.low, self.high
        return BufferedDraws(lambda n: rng.uniform(low, high, n))

    @property
    def mean_value(self) -> float:
        return (self.low + self.high) / 2


class Triangular(_Spec):
    """Durations with a most likely value (work-study style estimates)."""

    kind: Literal["triangular"] = "triangular"
    low: float = Field(ge=0)
    mode: float = Field(ge=0)
    high: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low <= self.mode <= self.high or self.low == self.high:
            raise ValueError("expected low <= mode <= high with low < high")
        return self

    def sampler(self, rng: np.random.Generator) -> Sampler:
        low, mode, high = self.low, self.mode, self.high
        return BufferedDraws(lambda n: rng.triangular(low, mode, high, n))

    @property
    def mean_value(self) -> float:
        return (self.low + self.mode + self.high) / 3


class Gamma(_Spec):
    """Durations given by mean and coefficient of variation (cv = 1 is exponential)."""

    kind: Literal["gamma"] = "gamma"
    mean: float = Field(gt=0)
    cv: float = Field(gt=0)

    def sampler(self, rng: np.random.Generator) -> Sampler:
        shape = 1.0 / self.cv**2
        scale = self.mean / shape
        return BufferedDraws(lambda n: rng.gamma(shape, scale, n))

    @property
    def mean_value(self) -> float:
        return self.mean


Distribution = Annotated[
    Constant | Exponential | LogNormal | Uniform | Triangular | Gamma,
    Field(discriminator="kind"),
]
"""Any duration distribution, told apart by its ``kind`` field."""
