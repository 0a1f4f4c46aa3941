"""Master data that changes during a run: new CRM accounts and ERP list price changes.

* **New accounts.** Sales reps create accounts in the CRM on business days, in office
  hours (``master_data.new_accounts_per_business_day``). A new account exists in the CRM
  at once and reaches the ERP only through the integration (business partner
  replication). It orders like an average customer (``new_account_order_weight``): the
  arrival plan's orders after it joins are re-assigned to it with its share, so an order
  can name an account the ERP does not know yet.
* **Price changes.** Pricing stewards change ERP list prices on business days
  (``master_data.price_changes_per_business_day``, each by a factor drawn from
  ``price_change_range``); the CRM price book learns them only through the integration.

Every draw comes from a stream of its own (``workload.new_accounts``,
``workload.new_account_orders``, ``workload.price_changes``), so with both rates at zero
nothing of the run changes.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
from faker import Faker

from mock_systems.crm import Account, Crm
from mock_systems.erp import Erp
from sim.engine import RunEnvironment
from sim.engine.calendar import DAY, HOUR, WorkCalendar
from sim.scenario import Scenario

__all__ = ["NewAccount", "PriceChange", "office_hour_times", "MasterDataActivity"]


@dataclass(frozen=True, slots=True)
class NewAccount:
    """An account a rep creates during the run."""

    number: int
    account_id: str
    name: str
    region: str
    joins_at: float
    order_share: float


@dataclass(frozen=True, slots=True)
class PriceChange:
    """A list price change a pricing steward makes in the ERP."""

    at: float
    sku: str
    factor: float


def office_hour_times(
    rng: np.random.Generator,
    per_business_day: float,
    scenario: Scenario,
    calendar: WorkCalendar,
) -> np.ndarray:
    """Sorted instants in office hours of business days of the demand window (Poisson)."""
    if per_business_day <= 0:
        return np.empty(0)
    low, high = scenario.master_data.office_hours
    end = scenario.demand_days * DAY
    pieces = []
    for day in range(math.ceil(scenario.demand_days)):
        start = day * DAY
        if scenario.demand.weekday_factors[calendar.weekday(start)] <= 0:
            continue
        count = int(rng.poisson(per_business_day))
        times = rng.uniform(start + low * HOUR, start + high * HOUR, count)
        pieces.append(times[times < end])
    return np.sort(np.concatenate(pieces)) if pieces else np.empty(0)


class MasterDataActivity:
    """Plans the run's new accounts and price changes, and carries them out."""

    def __init__(
        self,
        scenario: Scenario,
        run: RunEnvironment,
        calendar: WorkCalendar,
        existing_customers: int,
        skus: tuple[str, ...],
    ) -> None:
        self.run = run
        spec = scenario.master_data
        rng = run.streams.stream("workload.new_accounts")
        joins = office_hour_times(rng, spec.new_accounts_per_business_day, scenario, calendar)
        regions = sorted(spec.regions)
        picked = rng.choice(len(regions), size=len(joins), p=[spec.regions[r] for r in regions])
        share = spec.new_account_order_weight / existing_customers
        self.accounts: tuple[NewAccount, ...] = ()
        if len(joins):
            faker = Faker("en_US")
            faker.seed_instance(int(rng.integers(0, 2**31)))
            self.accounts = tuple(
                NewAccount(
                    existing_customers + i,
                    f"001{existing_customers + i:015d}",
                    faker.company(),
                    regions[int(picked[i])],
                    float(joins[i]),
                    share,
                )
                for i in range(len(joins))
            )
        prices = run.streams.stream("workload.price_changes")
        at = office_hour_times(prices, spec.price_changes_per_business_day, scenario, calendar)
        which = prices.integers(0, len(skus), len(at)) if skus else np.empty(0, dtype=int)
        low, high = spec.price_change_range
        factors = prices.uniform(low, high, len(at))
        self.price_changes = tuple(
            PriceChange(float(at[i]), skus[int(which[i])], float(factors[i]))
            for i in range(len(at))
        )

    def assign_orders(self, times: np.ndarray, customers: np.ndarray) -> np.ndarray:
        """The planned orders' customers, some re-assigned to accounts that joined before.

        An order at ``t`` goes to new account ``k`` (joined before ``t``) with probability
        ``k``'s order share; new accounts are numbered after the existing customers.
        """
        if not self.accounts or times.size == 0:
            return customers
        joins = np.array([a.joins_at for a in self.accounts])
        cumulative = np.cumsum([a.order_share for a in self.accounts])
        rng = self.run.streams.stream("workload.new_account_orders")
        draws = rng.random(times.size)
        joined = np.searchsorted(joins, times, side="left")
        available = np.where(joined > 0, cumulative[np.maximum(joined - 1, 0)], 0.0)
        taken = draws < available
        chosen = np.searchsorted(cumulative, draws[taken], side="right")
        assigned = customers.copy()
        assigned[taken] = self.accounts[0].number + chosen
        return assigned

    def open_accounts(self, crm: Crm) -> Generator[Any, Any, None]:
        """SimPy process: reps create the new accounts at their planned instants."""
        sim = self.run.sim
        for account in self.accounts:
            yield sim.timeout(account.joins_at - sim.now)
            crm.create_account(
                Account(
                    account.account_id,
                    account.name,
                    account.region,
                    "",
                    AccountNumber=account.number,
                )
            )

    def change_prices(self, erp: Erp) -> Generator[Any, Any, None]:
        """SimPy process: stewards change ERP list prices at their planned instants."""
        sim = self.run.sim
        for change in self.price_changes:
            yield sim.timeout(change.at - sim.now)
            old = erp.materials[change.sku].list_price
            erp.set_list_price(change.sku, max(0.01, round(old * (1.0 + change.factor), 2)))
