"""A tiny world with SLA targets for the replication and comparison tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.integration.patterns.registry import ENTRY_POINT_GROUP
from sim.scenario import Scenario
from tests.cli.support import TINY

USER_PATTERN = "tests.compare.user_patterns:UnreconciledHybrid"
"""A user's pattern (reconciliation off), found by import path only."""

SLAS: dict[str, Any] = {
    # orders entered through the CRM: EDI orders wait for their 15-minute IDoc inbound run
    "order_creation_latency": {
        "percentile": 95,
        "max_s": 60,
        "channels": ["field_sales", "web_shop"],
    },
    "validation_latency": {"percentile": 95, "max_s": 10},
}

TINY_WITH_SLAS: dict[str, Any] = {**TINY, "slas": SLAS}
"""About 56 orders on one day, three days to drain, two SLA targets: half a second a run."""


def tiny(**integration: Any) -> Scenario:
    """The tiny scenario, with ``integration`` settings when given."""
    data = dict(TINY_WITH_SLAS)
    if integration:
        data["integration"] = integration
    return Scenario.model_validate(data)


def write_plugin(folder: Path, entry: str) -> None:
    """An installed distribution as importlib.metadata sees one: a .dist-info folder."""
    info = folder / "o2csim_test_plugin-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: o2csim-test-plugin\nVersion: 0.1\n"
    )
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{entry}\n")
