"""Master-data drift, applied through the systems' administrative seams.

* ``price_change``: at the window's start the ERP's list price of a ``share`` of materials
  changes by ``change`` (e.g. 0.15 = 15% dearer); the CRM price book learns it only at the
  window's end (a late price sync), so quotes in between carry the old price;
* ``material_block``: a ``share`` of materials is blocked for sales in the ERP during the
  window (the CRM still sells them);
* ``customer_sync_lag``: a ``share`` of customers exists in the CRM but reaches the ERP only
  at the window's end.

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
    """ERP list prices change; the CRM price book catches up at the window's end."""

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
    """A share of customers unknown to the ERP until the window's end."""

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
        for material in state.pop("changed"):  # the late price sync reaches the CRM
            data.crm.set_price(material, data.erp.materials[material].list_price)


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
        state["pending"] = _chosen(data, list(data.erp.customers), "customer_sync_lag", share)
        for sold_to in state["pending"]:
            data.erp.set_customer_pending(sold_to, True)
    elif not active and "pending" in state:
        for sold_to in state.pop("pending"):
            data.erp.set_customer_pending(sold_to, False)


register(FaultKind("price_change", PriceChangeFault, ("master_data",), _price))
register(FaultKind("material_block", MaterialBlockFault, ("master_data",), _block))
register(FaultKind("customer_sync_lag", CustomerSyncLagFault, ("master_data",), _customers))
