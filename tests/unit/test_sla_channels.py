"""An SLA target can apply to some channels only."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.metrics import sla_verdicts
from sim.scenario import SlaTarget


def test_a_target_naming_channels_judges_only_their_orders() -> None:
    attrs = pd.DataFrame({"channel": ["field_sales", "web_shop", "edi", "edi"]}, index=[1, 2, 3, 4])
    latency = {
        "order_creation_latency": pd.DataFrame(
            {"order": [1, 2, 3, 4], "lag": [2.0, 3.0, 700.0, np.nan], "end": [0.0] * 4}
        )
    }
    scoped = SlaTarget(max_s=60, channels=("field_sales", "web_shop"))
    every = SlaTarget(max_s=60)
    verdicts = sla_verdicts(latency, {"order_creation_latency": scoped}, attrs)
    verdict = verdicts["order_creation_latency"]
    assert verdict["passed"] and verdict["compliance"] == 1.0 and verdict["censored"] == 0
    assert verdict["channels"] == ["field_sales", "web_shop"]
    unscoped = sla_verdicts(latency, {"order_creation_latency": every}, attrs)
    assert not unscoped["order_creation_latency"]["passed"]
    assert unscoped["order_creation_latency"]["compliance"] == 0.5
