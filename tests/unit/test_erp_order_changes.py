"""The mock ERP's order change (a customer's amendment): only open quantities can change.

Setups as in test_erp_rules: every API call takes 1 s, the first allocation run ends at 960 s.
"""

from __future__ import annotations

from tests.helpers import at
from tests.unit.test_erp_rules import ALLOCATION_1, PLANT, order_of, request, rows, standard_erp


def test_a_change_before_allocation_changes_the_quantity_value_and_exposure() -> None:
    run, erp = standard_erp()
    at(run, 0.0, lambda: erp.create_order(request(1, (("M1", 8, 10.0),)), "k1"))
    answer = at(run, 10.0, lambda: erp.change_order(1, 1, 5))
    run.sim.run(until=ALLOCATION_1 + 1)
    assert answer == [True]
    order = order_of(erp, 1)
    assert order.items[0].quantity == 5 and order.items[0].allocated == 5
    assert order.net_value == 50.0
    assert erp.customers["C1"].exposure == 50.0
    assert erp.inventory.record_for(PLANT, "M1").backlog == 0
    (changed,) = rows(run, "erp.order_changed")
    assert (changed["status"], changed["value"], changed["value2"]) == ("applied", 50.0, 5.0)


def test_an_increase_before_allocation_is_allocated_in_full() -> None:
    run, erp = standard_erp()
    at(run, 0.0, lambda: erp.create_order(request(1, (("M1", 8, 10.0),)), "k1"))
    at(run, 10.0, lambda: erp.change_order(1, 1, 12))
    run.sim.run(until=ALLOCATION_1 + 1)
    assert order_of(erp, 1).items[0].allocated == 12
    assert erp.customers["C1"].exposure == 120.0


def test_a_reduction_below_the_allocated_quantity_is_applied_only_to_the_open_part() -> None:
    run, erp = standard_erp(on_hand=5)
    at(run, 0.0, lambda: erp.create_order(request(1, (("M1", 8, 10.0),)), "k1"))
    answer = at(run, ALLOCATION_1 + 10, lambda: erp.change_order(1, 1, 2))
    run.sim.run(until=ALLOCATION_1 + 20)
    assert answer == [True]
    order = order_of(erp, 1)
    assert order.items[0].quantity == 5  # what was allocated stays
    assert order.status == "ALLOCATED"  # the backorder is gone
    assert erp.inventory.record_for(PLANT, "M1").backlog == 0
    (changed,) = rows(run, "erp.order_changed")
    assert changed["status"] == "partial" and changed["value2"] == 5.0


def test_changes_the_erp_cannot_make_are_refused() -> None:
    run, erp = standard_erp()
    at(run, 0.0, lambda: erp.create_order(request(1, (("M1", 8, 10.0),)), "k1"))
    reduce = at(run, ALLOCATION_1 + 10, lambda: erp.change_order(1, 1, 4))
    increase = at(run, ALLOCATION_1 + 10, lambda: erp.change_order(1, 1, 9))
    unknown = at(run, ALLOCATION_1 + 10, lambda: erp.change_order(99, 1, 9))
    run.sim.run(until=ALLOCATION_1 + 20)
    assert (reduce, increase, unknown) == ([False], [False], [False])
    assert order_of(erp, 1).items[0].quantity == 8
    reasons = sorted(r["status"] for r in rows(run, "erp.change_refused"))
    assert reasons == ["allocated", "delivery_exists", "unknown_order"]
    assert rows(run, "erp.order_changed") == []


def test_an_order_cancelled_during_credit_review_is_not_accepted_afterwards() -> None:
    run, erp = standard_erp(credit_limit=180.0)  # held (200 > 180), would be approved
    at(run, 0.0, lambda: erp.create_order(request(1, (("M1", 20, 10.0),)), "k1"))
    cancelled = at(run, 10.0, lambda: erp.cancel_order(1, "customer_cancelled"))
    run.sim.run(until=2 * 3600.0 + ALLOCATION_1)  # past the review (3,600 s) and a run
    assert cancelled == [True]
    assert order_of(erp, 1).status == "CANCELLED"
    assert erp.customers["C1"].exposure == 0.0
    assert erp.inventory.record_for(PLANT, "M1").backlog == 0
    assert rows(run, "erp.hold_released") == []


def test_removing_the_last_line_is_refused() -> None:
    run, erp = standard_erp()
    at(run, 0.0, lambda: erp.create_order(request(1, (("M1", 8, 10.0),)), "k1"))
    removed = at(run, 10.0, lambda: erp.change_order(1, 1, 0))
    run.sim.run(until=ALLOCATION_1 + 1)
    assert removed == [False]
    assert [r["status"] for r in rows(run, "erp.change_refused")] == ["empty_order"]
    assert order_of(erp, 1).items[0].allocated == 8
