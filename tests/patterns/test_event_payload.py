"""ERP events with keys only (``systems.erp.event_payload: keys``), as S/4HANA notifications.

With keys only, every consumer of an ERP event reads the order back by key before it acts
(the CRM status sync and the fulfilment router of hybrid and event bus; the allocation and
hold handlers of direct and iPaaS): one ``read_order`` call per consumed event, and nothing
else changes in what gets delivered. With full payloads the consumers never read back.
A read-back the ERP cannot answer is retried and parked (or, without store and forward,
goes to a person whose redo carries on), never lost.
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from typing import Any

import pytest

from sim.checks import run_all
from sim.run import RunResult, execute
from sim.scenario import Scenario

READ_BACK = "endpoint:erp.read_order"
CONSUMERS = ("subscriber:crm-status-sync", "subscriber:fulfilment-router")


@cache
def _run(
    pattern: str,
    payload: str,
    read_outage_h: tuple[float, float] | None = None,
    upgrade_h: tuple[float, float] | None = None,
) -> RunResult:
    """A light world; optionally the read-back API down, or a contract upgrade to 2.0
    (emitted from the first hour, its mapping deployed at the second)."""
    faults: list[dict[str, Any]] = []
    integration: dict[str, Any] = {"pattern": pattern}
    if read_outage_h is not None:
        start, end = read_outage_h
        window = {"start_h": start, "end_h": end}
        faults.append({"kind": "outage", "target": "erp.read_order", "windows": [window]})
    if upgrade_h is not None:
        emitted, deployed = upgrade_h
        window = {"start_h": emitted, "end_h": 1000.0}
        faults.append(
            {"kind": "schema_change", "target": "erp", "version": "2.0", "windows": [window]}
        )
        integration["mappings"] = {"1.0": 0.0, "2.0": deployed}
    scenario = Scenario(
        name="light",
        seed=11,
        demand_days=0.5,
        drain_days=8,
        # demand hours in UTC, one profile for every channel (as tests/faults/support.py
        # SMALL): the outage and upgrade windows are UTC hours of the morning's business
        demand={"orders_per_business_day": 120, "local_time": False, "channel_profiles": {}},
        master_data={"customers": 40, "products": 30},
        systems={"erp": {"event_payload": payload}},
        integration=integration,
        faults=faults,
    )
    return execute(scenario)


def _delivered_whole(result: RunResult) -> None:
    verdicts = run_all(result.history)
    assert all(v.valid for v in verdicts.values()), {
        name: v.counts for name, v in verdicts.items() if not v.valid
    }
    assert verdicts["convergence"].note == ""  # judged at a quiescent end
    volume = result.metrics["volume"]
    assert volume["orders_accepted"] > 20
    assert volume["orders_delivered"] == volume["orders_accepted"]


def _calls(result: RunResult, actor: str) -> list[dict[str, Any]]:
    return [r for r in result.history.select("endpoint.call") if r["actor"] == actor]


def _consumed(result: RunResult) -> Counter[str]:
    """Copies each ERP-event subscriber applied or found stale (not duplicates)."""
    copies: Counter[str] = Counter()
    for event in ("bus.applied", "bus.discarded"):
        for row in result.history.select(event):
            if row["actor"] in CONSUMERS and row["status"] != "duplicate":
                copies[str(row["actor"])] += 1
    return copies


@pytest.mark.parametrize("pattern", ["hybrid", "event_bus"])
def test_with_keys_only_every_consumed_event_is_read_back(pattern: str) -> None:
    thin = _run(pattern, "keys")
    _delivered_whole(thin)
    consumed = _consumed(thin)
    assert set(consumed) == set(CONSUMERS)
    reads = _calls(thin, READ_BACK)
    assert len(reads) == sum(consumed.values())  # one read-back per consumed event
    assert {r["status"] for r in reads} == {"ok"}
    # the full-payload run consumes as many events and never reads back
    full = _run(pattern, "full")
    _delivered_whole(full)
    assert _calls(full, READ_BACK) == []
    assert sum(_consumed(full).values()) == sum(consumed.values())


@pytest.mark.parametrize("pattern", ["direct", "ipaas"])
def test_direct_and_ipaas_read_back_allocations_and_holds_only(pattern: str) -> None:
    thin, full = _run(pattern, "keys"), _run(pattern, "full")
    _delivered_whole(thin)
    allocations = len(thin.history.select("erp.inventory_allocated"))
    holds = [r for r in thin.history.select("erp.hold_placed") if r["status"] != "credit_hold"]
    assert len(_calls(thin, READ_BACK)) == allocations + len(holds) > 0
    assert _calls(full, READ_BACK) == []


OUTAGE_H = (8.0, 10.0)
"""The read-back API is down while most allocations and status events happen."""


def test_hybrid_parks_read_backs_through_an_outage_and_loses_nothing() -> None:
    result = _run("hybrid", "keys", OUTAGE_H)
    _delivered_whole(result)
    refused = [r for r in _calls(result, READ_BACK) if r["status"] != "ok"]
    assert refused
    parked = [r for r in result.history.select("integration.parked") if r["status"] == "erp_read"]
    unparked = [
        r for r in result.history.select("integration.unparked") if r["status"] == "erp_read"
    ]
    assert parked and len(unparked) == len(parked)
    assert all(r["time"] >= OUTAGE_H[1] * 3600 for r in unparked)
    assert not result.history.select("integration.exception_raised")


def test_direct_sends_failed_read_backs_to_a_person_whose_redo_carries_on() -> None:
    result = _run("direct", "keys", OUTAGE_H)
    _delivered_whole(result)
    raised = [
        r
        for r in result.history.select("integration.exception_raised")
        if r["status"] == "erp_read_failed"
    ]
    assert raised
    resolved = {int(r["order"]) for r in result.history.select("desk.item_resolved")}
    assert {int(r["order"]) for r in raised} <= resolved
    # each of those orders was released to the warehouse after the person's redo
    released = {int(r["order"]): r["time"] for r in result.history.select("wms.pick_released")}
    assert all(released[int(r["order"])] > r["time"] for r in raised)


def test_keys_only_events_in_contract_2_0_wait_for_the_mapping_then_are_read_back() -> None:
    result = _run("hybrid", "keys", upgrade_h=(8.0, 20.0))
    _delivered_whole(result)
    history = result.history
    dead = [r for r in history.select("bus.dead_lettered") if r["status"] == "unknown_schema"]
    assert dead and all(r["time"] < 20 * 3600 for r in dead)
    assert history.select("integration.dead_letters_replayed")
    # after the mapping deploys, the replayed and the new 2.0 notifications are read back
    late_reads = [r for r in _calls(result, READ_BACK) if r["time"] >= 20 * 3600]
    assert len(late_reads) >= len(dead)
