"""``--set`` on a field of a default keeps the default's other fields (merging, not replacing).

Run as a user runs it (a subprocess), plus a unit test of the merge on raw data.
"""

from __future__ import annotations

import json
from pathlib import Path

from sim.scenario import load_scenario
from sim.scenario.loading import apply_overrides
from tests.cli.support import TINY, o2csim, write_yaml

SET = "systems.erp.endpoints.create_order.service_time.mean=12"


def test_one_field_of_a_default_distribution_is_overridden_and_the_rest_kept(
    tmp_path: Path,
) -> None:
    path = write_yaml(tmp_path / "tiny.yaml", TINY)
    scenario = load_scenario(path, [SET])
    service = scenario.systems.erp.endpoints.create_order.service_time
    default = type(scenario.systems.erp.endpoints)().create_order.service_time
    assert service.kind == default.kind  # type: ignore[union-attr]
    assert service.mean == 12.0  # type: ignore[union-attr]
    assert service.cv == default.cv  # type: ignore[union-attr]
    # the sibling endpoints and sections keep their defaults too
    assert (
        scenario.systems.erp.endpoints.simulate_order
        == type(scenario.systems.erp.endpoints)().simulate_order
    )


def test_the_merge_keeps_what_the_file_already_set() -> None:
    data = {"systems": {"erp": {"allocation_interval_s": 600.0}}}
    merged = apply_overrides(data, [SET])
    assert merged["systems"]["erp"]["allocation_interval_s"] == 600.0
    service = merged["systems"]["erp"]["endpoints"]["create_order"]["service_time"]
    assert service["kind"] == "lognormal" and service["mean"] == 12
    assert "cv" in service


def test_the_cli_runs_with_one_field_of_a_default_overridden(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "tiny.yaml", TINY)
    out = tmp_path / "out"
    result = o2csim("run", path, "--set", SET, "--out", out)
    assert result.code in (0, 1), result.stderr  # ran; 1 would be an SLA breach, not input
    assert "kind" not in result.stderr and "Traceback" not in result.stderr
    run = json.loads((out / "run.json").read_text())
    assert "12" in json.dumps(run)


def test_a_bad_field_under_a_default_is_named_with_exit_code_2(tmp_path: Path) -> None:
    path = write_yaml(tmp_path / "tiny.yaml", TINY)
    bad = "systems.erp.endpoints.create_order.service_time.meen=12"
    result = o2csim("run", path, "--set", bad, "--out", tmp_path / "out")
    assert result.code == 2
    assert "systems.erp.endpoints.create_order.service_time.meen" in result.stderr
    assert "Traceback" not in result.stderr
