"""Master-data drift, applied through the systems' administrative seams.

The drift is made at its source; the integration's master-data flow (and whatever faults
it suffers) decides when the other side learns of it:

* ``price_change``: at the window's start the ERP's list price of a ``share`` of materials
  changes by ``change`` (e.g. 0.15 = 15% dearer). The ERP notifies the change like any
  other; the CRM price book learns it when the pattern's price flow carries it (at once on
  a bus, at the next night in a batch), so quotes in between carry the old price;
* ``material_block``: a ``share`` of materials is blocked for sales in the ERP during the
  window (the CRM still sells them);
* ``customer_sync_lag``: during the window the ERP's business partner inbound refuses a
  ``share`` of the CRM's accounts (a data-quality block). At the window's start the
  replication of that share of the existing customers is outstanding (the ERP does not
  have them yet and the CRM sends them again); accounts created in the window are refused
  too. Each reaches the ERP when the flow next tries it after the window.

Which materials or customers drift is decided per item from a draw keyed by its id.
Stock taken by competing orders between quote and order is not a fault: it emerges when
scarce stock meets demand.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from sim.engine import keyed_uniform
from sim.faults.registry import FaultKind, register
from sim.faults.seams import MASTER_DATA, MasterDataSeam
from sim.faults.spec import FaultSpec
from sim.faults.timeline import FaultWindow

__all__ = ["PriceChangeFault", "MaterialBlockFault", "CustomerSyncLagFault"]


class PriceChangeFault(FaultSpec):
    """ERP list prices change at the window's start; the price flow carries them to the CRM."""

    kind: Literal["price_change"] = "price_change"
    target: str = MASTER_DATA
    share: float = Field(gt=0.0, le=1.0)
    change: float = Field(default=0.15, gt=-1.0)


class MaterialBlockFault(FaultSpec):
    """A share of materials blocked for sales in the ERP during the window."""

    kind: Literal["material_block"] = "material_block"
    target: str = MASTER_DATA
    share: float = Field(gt=0.0, le=1.0)


class CustomerSyncLagFault(FaultSpec):
    """The ERP refuses the replication of a share of accounts during the window."""

    kind: Literal["customer_sync_lag"] = "customer_sync_lag"
    target: str = MASTER_DATA
    share: float = Field(gt=0.0, le=1.0)


def _chosen(seam: MasterDataSeam, names: list[str], kind: str, share: float) -> list[str]:
    seed = seam.erp.run.streams.seed
    return [name for name in sorted(names) if keyed_uniform(seed, kind, name) < share]


def _price(seam: Any, active: list[FaultWindow], state: dict[str, Any]) -> None:
    data: MasterDataSeam = seam
    if active and "changed" not in state:
        params = active[-1].params
        chosen = _chosen(data, list(data.erp.materials), "price_change", float(params["share"]))
        for material in chosen:
            old = data.erp.materials[material].list_price
            data.erp.set_list_price(material, round(old * (1.0 + float(params["change"])), 2))
        state["changed"] = chosen
    elif not active and "changed" in state:
        state.pop("changed")  # the CRM learns the price through the integration, not here


def _block(seam: Any, active: list[FaultWindow], state: dict[str, Any]) -> None:
    data: MasterDataSeam = seam
    if active and "blocked" not in state:
        share = float(active[-1].params["share"])
        state["blocked"] = _chosen(data, list(data.erp.materials), "material_block", share)
        for material in state["blocked"]:
            data.erp.block_material(material, True)
    elif not active and "blocked" in state:
        for material in state.pop("blocked"):
            data.erp.block_material(material, False)


def _customers(seam: Any, active: list[FaultWindow], state: dict[str, Any]) -> None:
    data: MasterDataSeam = seam
    if active and "pending" not in state:
        share = float(active[-1].params["share"])
        seed = data.erp.run.streams.seed
        chosen = set(_chosen(data, list(data.erp.customers), "customer_sync_lag", share))
        outstanding = sorted(
            (account.ERP_Sold_To__c, account.Id)
            for account in data.crm.accounts.values()
            if account.ERP_Sold_To__c in chosen
        )
        refused = {account_id for _, account_id in outstanding}

        def blocked(account_id: str) -> bool:
            return (
                account_id in refused
                or keyed_uniform(seed, "customer_sync_lag", account_id) < share
            )

        data.erp.partner_block = blocked
        for sold_to, account_id in outstanding:
            data.erp.set_customer_pending(sold_to, True)
            data.crm.resend_account(account_id)
        state["pending"] = outstanding
    elif not active and "pending" in state:
        state.pop("pending")  # the flow's next try after the window creates them
        data.erp.partner_block = None


register(FaultKind("price_change", PriceChangeFault, ("master_data",), _price))
register(FaultKind("material_block", MaterialBlockFault, ("master_data",), _block))
register(FaultKind("customer_sync_lag", CustomerSyncLagFault, ("master_data",), _customers))
