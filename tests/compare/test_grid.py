"""Grid parsing and points: values as ``--set`` reads them, the product in order, bad keys named."""

from __future__ import annotations

import pytest

from sim.compare.grid import GridError, grid_points, parse_grid, split_values, with_settings
from sim.compare.points import label_column
from tests.compare.sweep_support import small


def test_values_split_at_top_level_commas_and_parse_as_yaml() -> None:
    assert split_values("1, 2.5,[1,2],{a: 1, b: 2},'x,y'") == [
        "1",
        "2.5",
        "[1,2]",
        "{a: 1, b: 2}",
        "'x,y'",
    ]
    grid = parse_grid(["demand.lines_per_order_mean=2,4.5", "integration.pattern=hybrid,direct"])
    assert grid == {
        "demand.lines_per_order_mean": [2, 4.5],
        "integration.pattern": ["hybrid", "direct"],
    }


def test_points_are_the_product_first_key_slowest() -> None:
    grid = {"demand.orders_per_business_day": [10, 20], "systems.erp.work_processes.dialog": [1, 3]}
    points = grid_points(small(), grid)
    assert [label for label, _ in points] == [
        {"demand.orders_per_business_day": 10, "systems.erp.work_processes.dialog": 1},
        {"demand.orders_per_business_day": 10, "systems.erp.work_processes.dialog": 3},
        {"demand.orders_per_business_day": 20, "systems.erp.work_processes.dialog": 1},
        {"demand.orders_per_business_day": 20, "systems.erp.work_processes.dialog": 3},
    ]
    last = points[-1][1]
    assert last.demand.orders_per_business_day == 20
    assert last.systems.erp.work_processes.dialog == 3
    # everything else is the scenario's own
    assert last.master_data == small().master_data and last.slas == small().slas


def test_one_field_of_a_default_is_changed_and_the_rest_kept() -> None:
    path = "systems.erp.endpoints.create_order.service_time.mean"
    changed = with_settings(small(), {path: 3.0})
    before = small().systems.erp.endpoints.create_order.service_time
    after = changed.systems.erp.endpoints.create_order.service_time
    assert after.mean == 3.0 and after.kind == before.kind and after.cv == before.cv  # type: ignore[union-attr]
    # a value equal to the scenario's own gives the same scenario
    same = with_settings(small(), {"demand.orders_per_business_day": 30})
    assert same == small()


@pytest.mark.parametrize(
    ("grid", "key"),
    [
        ({"demand.no_such_key": [1]}, "demand.no_such_key"),
        (
            {"demand_days": [1], "demand.orders_per_business_day": [-1]},
            "demand.orders_per_business_day",
        ),
        ({"replication": [1]}, "replication"),
        ({"demand_days": []}, "demand_days"),
        ({"demand.orders_per_business_day.deeper": [1]}, "demand.orders_per_business_day.deeper"),
    ],
)
def test_a_bad_grid_names_its_key(grid: dict[str, list[object]], key: str) -> None:
    with pytest.raises(GridError) as caught:
        grid_points(small(), grid)
    assert caught.value.key == key and key in str(caught.value)


def test_label_columns_keep_one_type() -> None:
    assert str(label_column([1, 2]).dtype) == "int64"
    assert str(label_column([1, 2.5]).dtype) == "float64"
    assert str(label_column([True, False]).dtype) == "boolean"
    assert list(label_column(["a", [1, 2]])) == ["a", "[1, 2]"]
