"""Duration distributions, declared as data and sampled from a named stream.

Each distribution is a frozen pydantic model (so scenarios can declare it in YAML with a
``kind`` tag) and knows two ways to draw: a fast sequential sampler on a
``numpy.random.Generator`` (:meth:`sampler`), and its inverse CDF (:meth:`quantile_function`,
:meth:`from_uniform`), which turns a keyed uniform (:func:`sim.engine.streams.keyed_unit`)
into a draw that belongs to one entity. :meth:`keyed_sampler` puts the two together: a
:class:`KeyedSampler` gives the draw of an (entity, n) in a named keyed stream. All
durations are in seconds of simulated time.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from statistics import NormalDist
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.engine.streams import BufferedDraws, KeyedDraws

__all__ = [
    "Constant",
    "Exponential",
    "LogNormal",
    "Uniform",
    "Triangular",
    "Gamma",
    "Distribution",
    "KeyedSampler",
    "Quantile",
    "Sampler",
]

Sampler = Callable[[], float]
Quantile = Callable[[float], float]
"""An inverse CDF: a uniform in (0, 1) to a draw."""


class KeyedSampler:
    """Draws of one distribution that belong to entities: ``sampler(entity, n)``.

    The draw is the distribution's inverse CDF at the uniform of (``entity``, ``n``) in a
    keyed stream (:class:`~sim.engine.streams.KeyedDraws`): it depends only on the run's
    seed, the stream's name and the key, never on how many draws came before it. No
    generator is built per key.
    """

    __slots__ = ("_quantile", "_unit")

    def __init__(self, quantile: Quantile, seed: int, name: str) -> None:
        self._quantile = quantile
        self._unit = KeyedDraws(seed, name).unit

    def __call__(self, entity: int, n: int) -> float:
        """Draw ``n`` of ``entity``."""
        return self._quantile(self._unit(entity, n))


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def sampler(self, rng: np.random.Generator) -> Sampler:  # pragma: no cover - abstract
        """A callable returning one draw per call."""
        raise NotImplementedError

    def quantile_function(self) -> Quantile:  # pragma: no cover - abstract
        """The inverse CDF, with the parameters worked out once (for the hot path)."""
        raise NotImplementedError

    def from_uniform(self, u: float) -> float:
        """The draw at quantile ``u`` in (0, 1): the inverse CDF at ``u``."""
        return self.quantile_function()(u)

    def keyed_sampler(self, seed: int, name: str) -> KeyedSampler:
        """Draws keyed by (entity, n) in the keyed stream ``name`` of the run with ``seed``."""
        return KeyedSampler(self.quantile_function(), seed, name)

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

    def quantile_function(self) -> Quantile:
        value = self.value
        return lambda u: value

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

    def quantile_function(self) -> Quantile:
        scale, log1p = -self.mean, math.log1p
        return lambda u: scale * log1p(-u)

    @property
    def mean_value(self) -> float:
        return self.mean


class LogNormal(_Spec):
    """Right-skewed durations given by mean and coefficient of variation (API latencies)."""

    kind: Literal["lognormal"] = "lognormal"
    mean: float = Field(gt=0)
    cv: float = Field(gt=0, description="standard deviation divided by the mean")

    def _log_parameters(self) -> tuple[float, float]:
        """(mu, sigma) of the underlying normal."""
        sigma2 = math.log1p(self.cv**2)
        return math.log(self.mean) - sigma2 / 2, math.sqrt(sigma2)

    def sampler(self, rng: np.random.Generator) -> Sampler:
        mu, sigma = self._log_parameters()
        return BufferedDraws(lambda n: rng.lognormal(mu, sigma, n))

    def quantile_function(self) -> Quantile:
        # statistics.NormalDist.inv_cdf is Wichura's AS241 (relative error about 1e-16),
        # in C in CPython; exp overflows only for parameters whose sequential draws overflow.
        inv_cdf, exp = NormalDist(*self._log_parameters()).inv_cdf, math.exp

        def quantile(u: float) -> float:
            try:
                return exp(inv_cdf(u))
            except OverflowError:
                return math.inf

        return quantile

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

    def quantile_function(self) -> Quantile:
        low, width = self.low, self.high - self.low
        return lambda u: low + width * u

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

    def quantile_function(self) -> Quantile:
        low, high, sqrt = self.low, self.high, math.sqrt
        split = (self.mode - low) / (high - low)
        left = (high - low) * (self.mode - low)
        right = (high - low) * (high - self.mode)

        def quantile(u: float) -> float:
            if u < split:
                return low + sqrt(u * left)
            return high - sqrt((1.0 - u) * right)

        return quantile

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

    def quantile_function(self) -> Quantile:
        # No closed form: scipy's inverse regularised incomplete gamma function (about 1 us a
        # call, against 0.1 us for the other kinds); imported here to keep the engine light.
        from scipy.special import gammaincinv

        shape = 1.0 / self.cv**2
        scale = self.mean / shape
        return lambda u: scale * float(gammaincinv(shape, u))

    @property
    def mean_value(self) -> float:
        return self.mean


Distribution = Annotated[
    Constant | Exponential | LogNormal | Uniform | Triangular | Gamma,
    Field(discriminator="kind"),
]
"""Any duration distribution, told apart by its ``kind`` field."""
