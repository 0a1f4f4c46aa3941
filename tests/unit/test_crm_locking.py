"""Salesforce record-level locking in the mock CRM: writes to one account's quotes contend.

A burst of status writes for quotes of one account serialises on the account's lock; a
write that waits more than ``wait_s`` fails with ``locked`` (UNABLE_TO_LOCK_ROW), and the
integration's retry policy retries it until it lands. With locking off, none of this.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from mock_systems.crm import Account, Crm, CrmConfig
from mock_systems.crm_locking import RecordLocking
from sim.engine import CallResult, Constant, EndpointSpec, RunEnvironment
from sim.engine.outcomes import LOCKED
from sim.integration.messaging.retry import Retrier, RetryPolicy
from tests.helpers import at

WRITES = 30


def _crm(locking: RecordLocking) -> tuple[RunEnvironment, Crm, list[str]]:
    run = RunEnvironment(1)
    config = CrmConfig(
        api=EndpointSpec(service_time=Constant(value=0.5), concurrency=200),
        record_locking=locking,
    )
    crm = Crm(run, config)
    crm.add_account(Account("001A", "Acme", "northeast", "100001"))
    crm.add_account(Account("001B", "Bolt", "south", "100002"))
    crm.set_price("M1", 10.0)
    quotes = []
    for k in range(WRITES):
        quote = crm.create_quote(k, "001A", "field_sales", (("M1", 1),))
        crm.accept_quote(quote.Id)
        quotes.append(quote.Id)
    return run, crm, quotes


def _burst(locking: RecordLocking) -> tuple[RunEnvironment, list[Any]]:
    run, crm, quotes = _crm(locking)
    boxes = [
        at(run, 1.0, partial(crm.update_order, q, {"Order_Status__c": "SHIPPED"}, 0.5))
        for q in quotes
    ]
    run.sim.run(until=100.0)
    return run, [box[0] for box in boxes]


def test_a_burst_of_writes_to_one_account_fails_with_lock_errors_beyond_the_wait() -> None:
    run, answers = _burst(RecordLocking(wait_s=10.0))
    locked = [a for a in answers if a == LOCKED]
    # writes take 0.5 s each in turn: those that get the lock within 10 s land (about 20)
    assert 8 <= len(locked) <= 12
    assert sum(1 for a in answers if isinstance(a, CallResult) and a.ok) == WRITES - len(locked)
    waits = run.history.select("lock.wait")
    assert max(r["value"] for r in waits) >= 9.5
    assert sum(1 for r in waits if r["status"] == "locked") == len(locked)
    calls = [r for r in run.history.select("endpoint.call") if r["status"] == "locked"]
    assert len(calls) == len(locked)


def test_without_record_locking_the_burst_runs_in_parallel() -> None:
    run, answers = _burst(RecordLocking(enabled=False))
    assert all(isinstance(a, CallResult) and a.ok for a in answers)
    assert run.history.select("lock.wait") == []
    ends = {r["time"] for r in run.history.select("endpoint.call")}
    assert ends == {1.5}


def test_writes_to_different_accounts_do_not_contend() -> None:
    run, crm, quotes = _crm(RecordLocking())
    other = crm.create_quote(999, "001B", "field_sales", (("M1", 1),))
    crm.accept_quote(other.Id)
    at(run, 1.0, partial(crm.update_order, quotes[0], {"Order_Status__c": "SHIPPED"}, 0.5))
    at(run, 1.0, partial(crm.update_order, other.Id, {"Order_Status__c": "SHIPPED"}, 0.5))
    run.sim.run(until=10.0)
    assert run.history.select("lock.wait") == []  # neither waited
    assert [r["time"] for r in run.history.select("endpoint.call")] == [1.5, 1.5]


def test_the_retry_policy_retries_lock_errors_until_every_write_lands() -> None:
    run, crm, quotes = _crm(RecordLocking(wait_s=10.0))
    retrier = Retrier(run, "crm", RetryPolicy(max_attempts=10, budget_ratio=None))
    boxes = [
        at(
            run,
            1.0,
            partial(
                retrier.run_call,
                partial(crm.update_order, q, {"Order_Status__c": "SHIPPED"}, 0.5),
                k,
            ),
        )
        for k, q in enumerate(quotes)
    ]
    run.sim.run(until=3600.0)
    assert all(isinstance(box[0], CallResult) and box[0].ok for box in boxes)
    retries = run.history.select("integration.retry")
    assert retries and {r["status"] for r in retries} == {"locked"}
    shown = [q for q in quotes if crm.quotes[q].Order_Status__c == "SHIPPED"]
    assert len(shown) == WRITES
