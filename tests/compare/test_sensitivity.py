"""Sensitivity: assumptions scaled one at a time, ranked by how much they move each SLA."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sim.compare.assumptions import assumption_paths, scaled
from sim.compare.grid import GridError
from sim.compare.points import PointsResult
from sim.compare.sensitivity_run import (
    BASELINE,
    SensitivityResult,
    rank_assumptions,
    sensitivity,
    sensitivity_points,
)
from sim.scenario import Scenario
from tests.compare.sweep_support import SMALL, small

CREATE = "systems.erp.endpoints.create_order.service_time"
INERT = "master_data.contract_discount"  # prices only: no latency moves with it


@pytest.fixture(scope="module")
def loaded() -> SensitivityResult:
    """120 orders in a day: enough to queue at the ERP's create-order servers."""
    world = Scenario.model_validate({**SMALL, "demand": {"orders_per_business_day": 120}})
    return sensitivity(world, prefixes=[CREATE, INERT], replications=2, seed=3)


def test_an_influential_assumption_ranks_above_an_inert_one(loaded: SensitivityResult) -> None:
    ranking = loaded.ranking
    mine = ranking[ranking["gate"] == "order_creation_latency"]
    rank = mine.groupby("setting")["rank"].first()
    assert rank[CREATE] == 1 and rank[INERT] == 2
    create = mine[mine["setting"] == CREATE].set_index("factor")
    inert = mine[mine["setting"] == INERT]
    # common random numbers: an assumption that touches nothing changes nothing, exactly
    assert (inert["relative_change"] == 0).all() and (inert["change"] == 0).all()
    # doubling the create-order service time makes order creation slower
    assert create.loc[2.0, "relative_change"] > 0.05
    assert create.loc[0.5, "relative_change"] < 0
    assert create.loc[2.0, "setting_value"] == "(kind=lognormal, mean=3, cv=0.6)"
    # the validation answer does not wait for a create: the create time is inert there
    validation = ranking[(ranking["gate"] == "validation_latency") & (ranking["setting"] == CREATE)]
    assert (validation["relative_change"] == 0).all()


def test_every_point_is_the_baseline_with_one_setting_scaled(loaded: SensitivityResult) -> None:
    labels = loaded.points.labels
    assert labels[0] == {"setting": BASELINE, "factor": 1.0, "setting_value": ""}
    # in the order of docs/defaults.md (the model's field order), each factor in turn
    assert [(p["setting"], p["factor"]) for p in labels[1:]] == [
        (INERT, 0.5),
        (INERT, 2.0),
        (CREATE, 0.5),
        (CREATE, 2.0),
    ]
    seeds = loaded.points.tidy.groupby(["setting", "factor"])["seed"].unique()
    assert len({tuple(s) for s in seeds}) == 1  # common random numbers


def _fake(changes: dict[str, tuple[float, bool]]) -> tuple[PointsResult, Scenario]:
    """A sweep result by hand: each setting's SLA statistic and verdict at factor 2."""
    scenario = small()
    labels: list[dict[str, Any]] = [{"setting": BASELINE, "factor": 1.0, "setting_value": ""}]
    labels += [{"setting": s, "factor": 2.0, "setting_value": "x"} for s in changes]
    rows, verdicts = [], []
    values = {BASELINE: (10.0, True), **changes}
    for label in labels:
        value, passed = values[label["setting"]]
        for replication, noise in enumerate((-0.5, 0.5)):
            for gate in scenario.slas:
                rows.append(
                    {
                        **label,
                        "replication": replication,
                        "seed": replication,
                        "kpi": f"sla.{gate}",
                        "value": value + noise,
                    }
                )
        for gate in scenario.slas:
            verdicts.append(
                {
                    **label,
                    "gate": gate,
                    "kind": "sla",
                    "target": "",
                    "n": 2,
                    "mean": value,
                    "half_width": 1.0,
                    "bound": value,
                    "passed": passed,
                }
            )
    result = PointsResult(labels, pd.DataFrame(rows), pd.DataFrame(verdicts), [], [])
    return result, scenario


def test_a_verdict_flip_ranks_before_a_larger_change() -> None:
    result, scenario = _fake(
        {"a.big": (30.0, True), "b.flip": (11.0, False), "c.none": (10.0, True)}
    )
    ranking = rank_assumptions(result, scenario)
    for gate in scenario.slas:
        mine = ranking[ranking["gate"] == gate].set_index("setting")
        assert list(mine.sort_values("rank").index) == ["b.flip", "a.big", "c.none"]
        assert bool(mine.loc["b.flip", "flipped"]) and not bool(mine.loc["a.big", "flipped"])
        assert mine.loc["a.big", "relative_change"] == pytest.approx(2.0)
        assert mine.loc["a.big", "change_low"] == pytest.approx(20.0)  # no spread in the pairs


def test_numbers_are_scaled_within_their_bounds_and_the_rest_is_skipped() -> None:
    world = small()
    assert scaled(world, "systems.erp.work_processes.dialog", 2.0) == (4, "")
    assert scaled(world, "systems.erp.work_processes.dialog", 0.5) == (1, "")
    # an integer > 0 that would round to 0 stays at its bound, 1
    one = Scenario.model_validate({**SMALL, "systems": {"erp": {"work_processes": {"dialog": 1}}}})
    value, why = scaled(one, "systems.erp.work_processes.dialog", 0.3)
    assert value is None and "does not move it" in why
    # a share is kept at most 1
    assert scaled(world, "systems.erp.work_processes.commit_share", 4.0) == (1.0, "")
    value, why = scaled(world, "systems.erp.work_processes.locks", 2.0)
    assert value is None and why == "a switch"
    value, why = scaled(world, "demand.hourly_weights", 2.0)
    assert value is None and why.startswith("not a number")
    value, why = scaled(world, "sites.XX99.staffing.pickers", 2.0)
    assert value is None and why == "not in this scenario"
    dist, _ = scaled(world, CREATE, 2.0)
    assert dist == {"kind": "lognormal", "mean": 3.0, "cv": 0.6}


def test_assumptions_come_from_the_defaults_table(tmp_path: Path) -> None:
    paths = assumption_paths()
    assert CREATE in paths and "systems.erp.work_processes.dialog" in paths
    assert "demand.orders_per_business_day" not in paths  # sourced: PPAI 2025
    assert "systems.erp.work_processes.locks" not in paths  # an off switch, not an assumption
    assert assumption_paths(["systems.erp.work_processes"]) == [
        p for p in paths if p.startswith("systems.erp.work_processes.")
    ]
    # without the table, the descriptions that start with "assumption" say it
    fallback = assumption_paths(doc=tmp_path / "missing.md")
    assert "systems.erp.work_processes.dialog" in fallback and set(fallback) <= set(paths)
    points, skipped = sensitivity_points(small(), prefixes=["systems.erp.work_processes"])
    settings = {label["setting"] for label, _ in points}
    assert "systems.erp.work_processes.dialog" in settings
    assert "systems.erp.work_processes.locks" not in skipped  # not an assumption at all
    with pytest.raises(GridError, match="factors"):
        sensitivity_points(small(), factors=[1.0])
    only_lists, skipped = sensitivity_points(small(), prefixes=["demand.hourly_weights"])
    assert len(only_lists) == 1 and skipped == {"demand.hourly_weights": "not a number (tuple)"}
