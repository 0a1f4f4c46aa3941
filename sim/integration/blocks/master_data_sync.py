"""Master data through the integration: CRM accounts to ERP partners, prices to the CRM.

CRM accounts become ERP business partners; ERP list prices reach the CRM price book. The
shared mechanics; a pattern decides the transport (a trigger, a flow, a bus
subscription, a nightly batch) and hands this block the work:

* :meth:`MasterDataSync.replicate`: create the customer's business partner in the ERP
  (idempotent by the CRM account id), then write the ERP's sold-to back on the account;
* :meth:`MasterDataSync.sync_prices`: read the ERP's list prices of some products by key
  (price change notifications carry keys only) and write each to the CRM price book;
* :meth:`MasterDataSync.nightly`: the extract of every price changed since the last good
  run (a watermark), plus everything still pending;
* :meth:`MasterDataSync.resend_pending`: accounts and prices whose sync failed, again.

Each call runs with the integration's retry policy on retriers of its own (a failing
master-data API never opens the order breaker). With ``durable`` a call that still fails
is parked and retried steadily until it lands (a subscriber that does not acknowledge
until it is done); without, the work stays pending for the pattern's next batch or sweep.
Every outcome is a history row: ``integration.partner_replicated`` (subject: the CRM
account number, value: the sold-to, value2: when the account was created),
``integration.partner_sync_failed``, ``integration.prices_synced`` (value: how many) and
``integration.price_sync_failed`` (status: why).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from functools import partial
from typing import Any

from sim.engine import CallResult, RunEnvironment
from sim.integration.adapters import CrmAdapter, ErpAdapter
from sim.integration.canonical import Customer, ListPrice
from sim.integration.messaging import Retrier, RetryPolicy
from sim.integration.settings import IntegrationSettings

__all__ = ["Dispatch", "MasterDataSync"]

Job = Callable[[], Generator[Any, Any, Any]]
"""A piece of master-data work, run as a process, a flow or a consumer's step."""

Dispatch = Callable[[Job], object]
"""How a pattern runs a job: a process of its own, a flow on a worker pool."""


class MasterDataSync:
    """Carries accounts and list prices between the CRM and the ERP; keeps what is pending."""

    def __init__(
        self,
        run: RunEnvironment,
        record: Callable[..., None],
        crm: CrmAdapter,
        erp: ErpAdapter,
        settings: IntegrationSettings,
        durable: bool,
    ) -> None:
        self.run = run
        self.record = record
        self.crm = crm
        self.erp = erp
        self.settings = settings.master_data
        self.durable = durable
        timeouts = settings.timeouts
        self.erp_timeout_s = timeouts.erp_read_s
        self.crm_timeout_s = timeouts.crm_write_s
        retry = settings.retry
        if not settings.mechanisms.retry:
            retry = retry.model_copy(update={"max_attempts": 1})
        steady = RetryPolicy(
            max_attempts=1_000_000,
            base_delay_s=settings.forward_retry_interval_s,
            multiplier=1.0,
            max_delay_s=settings.forward_retry_interval_s,
            jitter="none",
            budget_ratio=None,
        )
        self.erp_calls = Retrier(run, "master_data.erp", retry)
        self.crm_calls = Retrier(run, "master_data.crm", retry)
        self.parked_calls = Retrier(run, "master_data.parked", steady)
        self.pending_accounts: dict[str, Customer] = {}
        """Accounts sent for replication and not yet linked to a business partner."""
        self.pending_prices: set[str] = set()
        """Products whose new price has not reached the CRM price book."""
        self.prices_synced_to = 0.0
        """Price changes up to this time have been extracted (the nightly watermark)."""

    # ------------------------------------------------------------ wiring
    def listen_accounts(self, consumer: Callable[[Customer], None]) -> None:
        """Hand each account the CRM sends for replication to ``consumer`` (if switched on)."""
        if self.settings.accounts:
            self.crm.deliver_new_accounts(partial(self._noted, consumer))

    def listen_prices(self, consumer: Callable[[str], None]) -> None:
        """Hand the key of each ERP list price change to ``consumer`` (if switched on)."""
        if self.settings.prices:
            self.erp.deliver_price_changes(consumer)

    def schedule(self, interval_s: float, job: Job, dispatch: Dispatch) -> None:
        """Run ``job`` every ``interval_s`` through ``dispatch``."""
        self.run.sim.process(self._every(interval_s, job, dispatch))

    def _every(self, interval_s: float, job: Job, dispatch: Dispatch) -> Generator[Any, Any, None]:
        sim = self.run.sim
        while True:
            yield sim.timeout(interval_s)
            dispatch(job)

    def _noted(self, consumer: Callable[[Customer], None], customer: Customer) -> None:
        self.pending_accounts[customer.customer_id] = customer
        consumer(customer)

    # ------------------------------------------------------------ the work
    def _call(self, retrier: Retrier, operation: Job) -> Generator[Any, Any, Any]:
        """Run ``operation`` with retries; parked until it lands when durable."""
        answer = yield from retrier.run_call(operation)
        if not isinstance(answer, CallResult) or answer.ok or not self.durable:
            return answer
        self.record("parked", status="master_data")
        answer = yield from self.parked_calls.run_call(operation)
        self.record("unparked", status="master_data")
        return answer

    def replicate(self, customer: Customer) -> Generator[Any, Any, bool]:
        """Create the business partner, then link the CRM account to it; True once both land."""
        created = yield from self._call(
            self.erp_calls, partial(self.erp.create_partner, customer, self.erp_timeout_s)
        )
        if isinstance(created, CallResult):
            self._account_failed(customer, created)
            return False
        linked = yield from self._call(
            self.crm_calls,
            partial(
                self.crm.link_account,
                created,
                created.erp_number,
                self.run.now,
                self.crm_timeout_s,
            ),
        )
        if isinstance(linked, CallResult) and not linked.ok:
            self._account_failed(customer, linked)
            return False
        self.pending_accounts.pop(customer.customer_id, None)
        self.record(
            "partner_replicated",
            subject=customer.reference,
            value=float(created.erp_number),
            value2=customer.created_at,
        )
        return True

    def _account_failed(self, customer: Customer, failure: CallResult) -> None:
        self.pending_accounts[customer.customer_id] = customer
        self.record("partner_sync_failed", subject=customer.reference, status=failure.status)

    def sync_prices(self, skus: tuple[str, ...]) -> Generator[Any, Any, bool]:
        """Read the ERP's prices of ``skus`` back and write each to the CRM price book."""
        prices = yield from self._call(
            self.erp_calls, partial(self.erp.read_prices, skus, self.erp_timeout_s)
        )
        if isinstance(prices, CallResult):
            self.pending_prices.update(skus)
            self.record("price_sync_failed", status=prices.status, value=float(len(skus)))
            return False
        done: bool = yield from self._write_prices(prices)
        return done

    def _write_prices(self, prices: list[ListPrice]) -> Generator[Any, Any, bool]:
        written = 0
        for price in prices:
            answer = yield from self._call(
                self.crm_calls, partial(self.crm.update_price, price, self.crm_timeout_s)
            )
            if isinstance(answer, CallResult) and not answer.ok:
                self.pending_prices.add(price.sku)
                self.record("price_sync_failed", status=answer.status, value=1.0)
                continue
            self.pending_prices.discard(price.sku)
            written += 1
        self.record("prices_synced", value=float(written))
        return written == len(prices)

    def nightly(self) -> Generator[Any, Any, None]:
        """The batch: every price changed since the last good run, then what is pending."""
        if self.settings.prices:
            started = self.run.now
            prices = yield from self.erp_calls.run_call(
                partial(self.erp.prices_changed_since, self.prices_synced_to, self.erp_timeout_s)
            )
            if isinstance(prices, CallResult):
                self.record("price_sync_failed", status=prices.status)
            else:
                yield from self._write_prices(prices)
                self.prices_synced_to = started
        yield from self.resend_pending()

    def resend_pending(self) -> Generator[Any, Any, None]:
        """Replicate the accounts and re-sync the prices whose sync failed before."""
        for customer in [self.pending_accounts[k] for k in sorted(self.pending_accounts)]:
            yield from self.replicate(customer)
        if self.pending_prices:
            yield from self.sync_prices(tuple(sorted(self.pending_prices)))
