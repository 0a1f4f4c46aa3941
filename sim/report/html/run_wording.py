"""What every section of the run report shares: the single-run caveat and how keys read.

One run is one sample, so the summary, the KPIs and the gates each say so in the same
words (:data:`SINGLE_RUN`); keys such as ``order_creation_latency`` are shown as words.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["SINGLE_RUN", "value_text", "words"]

SINGLE_RUN = (
    "Single run: one sample of the scenario. A verdict here is this run's figure against "
    "the target; a verdict across replications (o2csim run --replications N, o2csim "
    "compare) bounds the figure's mean and is the one to gate a release on."
)
"""The caveat the summary, the KPIs and the gates print above their verdicts."""


def words(name: str) -> str:
    """A key as words: ``order_creation_latency`` reads ``order creation latency``."""
    return name.replace("_", " ")


def value_text(value: Any) -> str:
    """A setting's value as text: a string as it is, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value)
