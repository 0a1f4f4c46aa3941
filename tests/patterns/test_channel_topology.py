"""Channel topology: each channel enters where it does in a real landscape.

Field sales: a CRM quote the rep accepts. Web shop: a CRM order the commerce storefront
places at checkout (no quote, no rep). EDI: an IDoc received by the ERP, posted in inbound
batches, never a CRM quote; each pattern learns of it its own way and creates the CRM order
record. Small worlds: a Monday morning of demand and three days to finish.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from sim.checks import run_all
from sim.history_frame import accepted_rows, history_frame
from sim.scenario import Scenario
from sim.world import World, build_world

PATTERNS = ("direct", "ipaas", "event_bus", "hybrid")
CHANNELS = {"field_sales": 0.3, "web_shop": 0.3, "edi": 0.4}


def scenario(pattern: str = "hybrid", **changes: Any) -> Scenario:
    """A small world: about 65 orders on a Monday morning, three days to finish."""
    demand = {
        "orders_per_business_day": 200,
        "channels": CHANNELS,
        # hours in UTC, one profile for every channel (as tests/faults/support.py SMALL):
        # in the regions' local time a UTC morning is the night, and the web shop and the
        # field reps would place almost nothing
        "local_time": False,
        "channel_profiles": {},
        **changes.pop("demand", {}),
    }
    return Scenario(
        name="channels",
        seed=5,
        demand_days=0.5,
        drain_days=3,
        demand=demand,
        master_data={"customers": 60, "products": 40},
        integration={"pattern": pattern, **changes.pop("integration", {})},
        **changes,
    )


def settle(spec: Scenario) -> tuple[World, pd.DataFrame]:
    """Run the world to its horizon and record its end, as a run does."""
    world = build_world(spec)
    world.run.sim.run(until=world.horizon_s)
    world.record_end()
    return world, history_frame(world.run.history)


def of(frame: pd.DataFrame, event: str) -> pd.DataFrame:
    return frame[frame["event"] == event]


def edi_orders(frame: pd.DataFrame) -> set[int]:
    accepted = accepted_rows(frame)
    return set(accepted[accepted["status"] == "edi"]["order"].astype(int))


# ---------------------------------------------------------------------------- EDI


@pytest.mark.parametrize("pattern", PATTERNS)
def test_edi_orders_never_create_a_quote_and_still_reach_the_crm_order_view(pattern: str) -> None:
    world, frame = settle(scenario(pattern))
    edi = edi_orders(frame)
    assert len(edi) >= 15
    # no quote, ever, for an EDI order
    assert not edi & {quote.Number for quote in world.crm.quotes.values()}
    assert not edi & set(of(frame, "crm.quote_accepted")["order"].astype(int))
    # every EDI order the ERP created is a CRM order record showing the ERP's status
    created = set(of(frame, "erp.order_created")["order"].astype(int)) & edi
    assert created == edi  # no faults: every IDoc posted
    records = {o.Number: o for o in world.crm.orders.values() if o.Channel__c == "edi"}
    assert set(records) == created
    assert set(of(frame, "crm.order_record_created")["order"].astype(int)) >= created
    final = {o.customer_reference: o.status for o in world.erp.orders.values()}
    assert all(records[n].Order_Status__c == final[n] for n in created)
    verdicts = run_all(frame)
    assert not verdicts["convergence"].note  # quiescent, so judged
    assert verdicts["convergence"].counts["orders_compared"] >= len(world.erp.orders)
    assert all(v.valid for v in verdicts.values()), {
        k: v.counts for k, v in verdicts.items() if not v.valid
    }


@pytest.mark.parametrize("pattern", PATTERNS)
def test_without_the_intake_edi_orders_never_reach_the_crm_and_convergence_fails(
    pattern: str,
) -> None:
    spec = scenario(pattern, integration={"mechanisms": {"erp_order_intake": False}})
    world, frame = settle(spec)
    edi = edi_orders(frame)
    assert not [o for o in world.crm.orders.values() if o.Channel__c == "edi"]
    convergence = run_all(frame)["convergence"]
    assert not convergence.valid
    assert convergence.counts["missing_in_crm"] == len(edi)


def test_every_channel_enters_as_a_quote_when_switched_back() -> None:
    entry = {"edi": "crm_quote", "web_shop": "crm_quote"}
    world, frame = settle(scenario(demand={"entry": entry}))
    quoted = {q.Channel__c for q in world.crm.quotes.values()}
    assert quoted == {"field_sales", "web_shop", "edi"}
    assert of(frame, "erp.idoc_received").empty and of(frame, "crm.order_placed").empty
    assert not world.crm.orders
    assert (accepted_rows(frame)["event"] == "crm.quote_accepted").all()


def test_an_edi_order_is_accepted_when_the_erp_receives_its_idoc() -> None:
    world, frame = settle(scenario())
    received = of(frame, "erp.idoc_received").set_index("order")
    accepted = accepted_rows(frame)
    accepted = accepted[accepted["status"] == "edi"].set_index("order")
    assert len(accepted) >= 15
    assert (accepted["event"] == "erp.idoc_received").all()
    assert np.array_equal(accepted["time"].to_numpy(), received.loc[accepted.index, "time"])
    # the correlation id is born at the ERP: the IDoc carries the order number
    assert set(received.index.astype(int)) == set(world.erp.idocs)
    # and time zero is receipt, not creation: the order waits for the inbound batch
    created = of(frame, "erp.order_created").groupby("order")["time"].min()
    waited = created.reindex(accepted.index) - accepted["time"]
    assert (waited > 0).all() and waited.mean() > 60
    regions = of(frame, "erp.idoc_region").set_index("order")["status"].astype(str)
    assert set(regions.index) == set(accepted.index)


# ---------------------------------------------------------------------------- batches


def creation_offsets(frame: pd.DataFrame, interval: float) -> np.ndarray:
    """Seconds between each EDI order's creation and the batch boundary before it."""
    created = of(frame, "erp.order_created")
    created = created[created["order"].isin(edi_orders(frame))]
    return created["time"].to_numpy() % interval


def test_idoc_batches_group_order_creation_at_batch_times() -> None:
    _, frame = settle(scenario())
    offsets = creation_offsets(frame, 900.0)
    assert len(offsets) >= 15
    # posted one after the other right after each 15-minute boundary
    assert (offsets < 120).all()
    batches = of(frame, "erp.idoc_batch")
    assert (batches["time"].to_numpy() % 900 == 0).all()
    assert batches["value"].sum() == len(offsets)
    assert (batches["value"] > 1).any()  # several IDocs per batch


def test_without_batches_each_idoc_is_posted_on_receipt() -> None:
    spec = scenario(systems={"erp": {"idoc": {"batch_interval_s": None}}})
    _, frame = settle(spec)
    offsets = creation_offsets(frame, 900.0)
    assert len(offsets) >= 15
    assert (offsets >= 120).mean() > 0.5  # creation follows arrivals, not the clock
    assert of(frame, "erp.idoc_batch").empty
    received = of(frame, "erp.idoc_received").groupby("order")["time"].min()
    created = of(frame, "erp.order_created").groupby("order")["time"].min()
    assert ((created.reindex(received.index) - received) < 30).all()


# ---------------------------------------------------------------------------- IDoc errors


def price_drift(pattern: str, **changes: Any) -> Scenario:
    """ERP list prices rise at 08:00; the price book (and so the partners' catalogue) learns
    it only at 11:00, so IDocs received in between carry the old price.

    The price flow carries a change at once on a bus and at night in a batch; the ERP's
    price read is down until 11:00, so on a bus too the price book learns it only then."""
    window = {"start_h": 8, "end_h": 11}
    faults = [
        {"kind": "price_change", "share": 0.6, "change": 0.3, "windows": [window]},
        {"kind": "outage", "target": "erp.price_read", "windows": [window]},
    ]
    return scenario(pattern, faults=faults, **changes)


@pytest.mark.parametrize("pattern", ["direct", "hybrid"])
def test_a_bad_idoc_goes_to_error_and_is_handled_not_lost(pattern: str) -> None:
    _, frame = settle(price_drift(pattern))
    errors = of(frame, "erp.idoc_error")
    assert len(errors) >= 3
    assert set(errors["status"].astype(str)) == {"pricing_mismatch"}
    bad = set(errors["order"].astype(int))
    raised = of(frame, "integration.exception_raised")
    assert bad <= set(raised[raised["status"] == "idoc_pricing_mismatch"]["order"].astype(int))
    # a person corrected and reposted it, or rejected it: every one is accounted for
    created = set(of(frame, "erp.order_created")["order"].astype(int))
    closed = set(of(frame, "erp.idoc_closed")["order"].astype(int))
    assert bad <= created | closed
    assert bad & created
    verdicts = run_all(frame)
    assert all(v.valid for v in verdicts.values()), {
        k: v.counts for k, v in verdicts.items() if not v.valid
    }
    # had the error path dropped them, the invariant would say so
    handled = frame["event"].isin([*_RESOLUTION_EVENTS, "erp.order_created"])
    lost = run_all(frame[~(handled & frame["order"].isin(bad))])["no_lost_orders"]
    assert not lost.valid and lost.counts["lost"] == len(bad)


_RESOLUTION_EVENTS = ("integration.exception_raised", "integration.order_cancelled")


def test_idoc_errors_with_no_desk_stay_in_a_named_exception() -> None:
    spec = price_drift("hybrid", integration={"mechanisms": {"order_desk": False}})
    world, frame = settle(spec)
    bad = set(of(frame, "erp.idoc_error")["order"].astype(int))
    assert len(bad) >= 3
    assert not bad & set(of(frame, "erp.order_created")["order"].astype(int))
    assert run_all(frame)["no_lost_orders"].valid
    assert bad <= set(world.pattern.exceptions)  # type: ignore[attr-defined]


# ---------------------------------------------------------------------------- web shop


@pytest.mark.parametrize("pattern", PATTERNS)
def test_web_shop_orders_skip_the_quote_but_reach_the_erp(pattern: str) -> None:
    world, frame = settle(scenario(pattern))
    accepted = accepted_rows(frame)
    web = set(accepted[accepted["status"] == "web_shop"]["order"].astype(int))
    assert len(web) >= 10
    assert (accepted[accepted["status"] == "web_shop"]["event"] == "crm.order_placed").all()
    assert not web & {quote.Number for quote in world.crm.quotes.values()}
    assert web <= set(of(frame, "erp.order_created")["order"].astype(int))
    # no rep waits for a verdict on a web-shop order
    assert not web & set(of(frame, "crm.validation_shown")["order"].astype(int))
    quotes = set(of(frame, "crm.quote_accepted")["order"].astype(int))
    if pattern != "event_bus":  # the event bus answers no rep at acceptance
        assert quotes <= set(of(frame, "crm.validation_shown")["order"].astype(int))
    placed = {o.Number: o for o in world.crm.orders.values() if o.Channel__c == "web_shop"}
    assert set(placed) == web
    assert all(o.ERP_Order_Number__c for o in placed.values())


def test_validation_latency_is_measured_for_quotes_only() -> None:
    from sim.latencies import latency_samples

    _, frame = settle(scenario())
    samples = latency_samples(frame)
    validation = set(samples["validation_latency"]["order"].astype(int))
    quotes = set(of(frame, "crm.quote_accepted")["order"].astype(int))
    assert validation == quotes
    assert not samples["validation_latency"]["lag"].isna().any()
    creation = samples["order_creation_latency"]
    assert set(creation["order"].astype(int)) == set(accepted_rows(frame)["order"].astype(int))
