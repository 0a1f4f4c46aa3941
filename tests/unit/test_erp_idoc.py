"""The ERP's IDoc inbound on its own: ORDERS posting, errors, and ORDCHG cancellations."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pandas as pd

from mock_systems.erp import IdocItem, IdocStatus, OrderChangeIdoc, OrdersIdoc
from sim.checks import run_all
from sim.history_frame import history_frame
from sim.scenario import Scenario
from sim.world import World, build_world


def quiet_world(**erp: Any) -> World:
    """A world with no demand of its own: the test sends the IDocs."""
    return build_world(
        Scenario(
            name="idoc",
            seed=4,
            demand_days=0.01,
            drain_days=2,
            demand={"orders_per_business_day": 0},
            master_data={"customers": 5, "products": 5},
            systems={"erp": {"allocation_interval_s": 4 * 3600.0, **erp}},
        )
    )


def order_idoc(world: World, number: int) -> OrdersIdoc:
    customer = world.workload.master_data.customers[0]
    product = world.workload.master_data.products[0]
    price = world.crm.web_price(customer.account_id, product.sku)
    return OrdersIdoc(number, customer.sold_to, customer.region, (IdocItem(product.sku, 2, price),))


def send(world: World, *steps: tuple[float, Any]) -> pd.DataFrame:
    """At each (time, idoc) the partner's VAN delivers the IDoc; run to the horizon."""
    erp = world.erp

    def partner() -> Generator[Any, Any, None]:
        for at, idoc in steps:
            yield world.run.sim.timeout(at - world.run.now)
            if isinstance(idoc, OrdersIdoc):
                erp.receive_idoc(idoc)
            else:
                erp.receive_order_change(idoc)

    world.run.sim.process(partner())
    world.run.sim.run(until=world.horizon_s)
    world.record_end()
    return history_frame(world.run.history)


def of(frame: pd.DataFrame, event: str) -> pd.DataFrame:
    return frame[frame["event"] == event]


def test_an_ordchg_cancellation_cancels_the_edi_order_and_the_crm_learns_it() -> None:
    world = quiet_world()
    frame = send(world, (100.0, order_idoc(world, 1)), (400.0, OrderChangeIdoc(1)))
    assert list(of(frame, "erp.idoc_change_posted")["order"]) == [1]
    cancelled = of(frame, "erp.order_cancelled")
    assert list(cancelled["status"].astype(str)) == ["customer_cancelled"]
    # posted in the same inbound run, after the order
    assert cancelled["time"].iloc[0] > of(frame, "erp.order_created")["time"].iloc[0]
    assert world.crm.orders["801000000000001"].Order_Status__c == "CANCELLED"
    verdicts = run_all(frame)
    assert all(v.valid for v in verdicts.values()), {
        k: v.counts for k, v in verdicts.items() if not v.valid
    }


def test_an_ordchg_for_no_order_or_an_allocated_order_is_an_error_for_the_partner() -> None:
    world = quiet_world(allocation_interval_s=900.0)
    customer = world.workload.master_data.customers[0]
    product = world.workload.master_data.products[0]
    plant = world.erp.plant_for(customer.region)
    world.erp.set_stock(plant, product.sku, on_hand=50, reorder_point=0, order_up_to=50)
    frame = send(
        world,
        (100.0, order_idoc(world, 1)),
        (200.0, OrderChangeIdoc(7)),  # no such order
        (4000.0, OrderChangeIdoc(1)),  # allocated by then: a delivery exists
    )
    errors = of(frame, "erp.idoc_change_error")
    assert dict(zip(errors["order"], errors["status"].astype(str), strict=True)) == {
        7: "no_order",
        1: "cancel_refused",
    }
    assert of(frame, "erp.order_cancelled").empty


def test_orders_idocs_wait_for_the_inbound_run_and_fail_checks_into_status_51() -> None:
    world = quiet_world()
    bad = order_idoc(world, 2)
    bad.items = (IdocItem(bad.items[0].MATNR, 2, bad.items[0].VPREI * 2),)  # a price off
    frame = send(world, (100.0, order_idoc(world, 1)), (110.0, bad))
    assert world.erp.idocs[1].STATUS == IdocStatus.POSTED
    created = of(frame, "erp.order_created").set_index("order")["time"]
    assert 900.0 <= created[1] < 960.0  # the first inbound run
    error = of(frame, "erp.idoc_error")
    assert list(error["status"].astype(str)) == ["pricing_mismatch"]
    raised = of(frame, "integration.exception_raised")
    assert list(raised["status"].astype(str)) == ["idoc_pricing_mismatch"]
    # a person reposted it with the ERP's price (BD87), or rejected it (status 68)
    resolved = of(frame, "desk.item_resolved")["status"].astype(str).tolist()
    assert resolved in (["resubmit"], ["cancel"])
    if resolved == ["resubmit"]:
        assert world.erp.idocs[2].STATUS == IdocStatus.POSTED
        assert created[2] > error["time"].iloc[0]
        assert world.erp.orders[world.erp.by_reference[2]].hold_reason == ""
    else:
        assert world.erp.idocs[2].STATUS == IdocStatus.CLOSED
    assert run_all(frame)["no_lost_orders"].valid


def test_inbound_runs_wait_while_the_erp_cannot_create_orders() -> None:
    world = quiet_world()
    create = world.erp.endpoints["create_order"]

    def outage() -> Generator[Any, Any, None]:
        yield world.run.sim.timeout(800.0)
        create.set_available(False)
        yield world.run.sim.timeout(1200.0)  # down over the runs at 900 and 1800
        create.set_available(True)

    world.run.sim.process(outage())
    frame = send(world, (100.0, order_idoc(world, 1)))
    assert len(of(frame, "erp.idoc_batch_deferred")) == 2
    created = of(frame, "erp.order_created")["time"]
    assert 2700.0 <= created.iloc[0] < 2760.0  # the first run after the outage
