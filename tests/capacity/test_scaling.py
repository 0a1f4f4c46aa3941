"""The arrival-rate multiplier scales every channel's orders, and nothing else."""

from __future__ import annotations

import pytest

from sim.capacity import scaled
from sim.run import execute
from tests.capacity.support import scenario

SMALL = ["demand_days=1", "drain_days=0.1", "master_data.customers=150", "master_data.products=80"]


def test_order_counts_scale_with_the_multiplier() -> None:
    base = scenario(*SMALL, "demand.orders_per_business_day=30")
    counts = {
        m: execute(scaled(base, m), seed=5).metrics["volume"]["by_channel"] for m in (1.0, 3.0)
    }
    one, three = sum(counts[1.0].values()), sum(counts[3.0].values())
    assert three / one == pytest.approx(3.0, rel=0.15)
    for channel, n in counts[1.0].items():  # every channel grows, not one alone
        assert counts[3.0][channel] > 1.5 * n


def test_scaling_changes_the_volume_and_nothing_else() -> None:
    base = scenario(*SMALL)
    bigger = scaled(base, 2.5)
    assert bigger.demand.orders_per_business_day == 2.5 * base.demand.orders_per_business_day
    volume = {"orders_per_business_day"}
    assert bigger.demand.model_dump(exclude=volume) == base.demand.model_dump(exclude=volume)
    assert bigger.model_dump(exclude={"demand"}) == base.model_dump(exclude={"demand"})
    with pytest.raises(ValueError, match="positive"):
        scaled(base, 0.0)
