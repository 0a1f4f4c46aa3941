"""Master data of the mock ERP: customers, materials, prices, stock levels and plants.

Set up when the world is built and changed later by data stewards (a list price, a sales
block) or by master-data drift (a customer the CRM has but the ERP has not received yet).
These calls take no simulated time; changes after set-up leave a history row.
"""

from __future__ import annotations

from mock_systems.erp.parts import ErpState
from mock_systems.erp.records import ErpCustomer, ErpMaterial, StockRecord
from sim.engine import Mailbox

__all__ = ["MasterData"]


class MasterData(ErpState):
    """Mixin of the ERP's master data operations (the ERP provides the state used here)."""

    materials: dict[str, ErpMaterial]
    contract_prices: dict[tuple[str, str], float]
    blocked: set[str]
    pending_customers: set[str]
    partner_xref: dict[str, str]
    price_outbox: Mailbox[str]
    _price_changed_at: dict[str, float]
    _price_log: list[tuple[float, str]]
    region_plants: dict[str, str]

    def add_customer(
        self, sold_to: str, name: str, region: str, credit_limit: float, exposure: float = 0.0
    ) -> ErpCustomer:
        """Create a sold-to party with its credit limit and opening exposure."""
        customer = ErpCustomer(sold_to, len(self.customers), name, region, credit_limit, exposure)
        self.customers[sold_to] = customer
        return customer

    def add_material(self, material: str, list_price: float) -> ErpMaterial:
        """Create a material with its list price."""
        record = ErpMaterial(material, len(self.materials), list_price)
        self.materials[material] = record
        return record

    def set_contract_price(self, sold_to: str, material: str, price: float) -> None:
        """A customer-specific price that overrides the list price."""
        self.contract_prices[(sold_to, material)] = price

    def set_stock(
        self, plant: str, material: str, on_hand: int, reorder_point: int, order_up_to: int
    ) -> None:
        """Opening stock and (s, S) replenishment levels of a material at a plant."""
        self.inventory.put(
            plant,
            material,
            StockRecord(on_hand=on_hand, reorder_point=reorder_point, order_up_to=order_up_to),
        )

    def _known_customer(self, sold_to: str) -> ErpCustomer | None:
        """The customer behind a sold-to, or behind a CRM account id it was replicated from."""
        customer = self.customers.get(sold_to)
        if customer is None:
            linked = self.partner_xref.get(sold_to)
            if linked is None:
                return None
            customer = self.customers[linked]
        return None if customer.sold_to in self.pending_customers else customer

    def set_customer_pending(self, sold_to: str, pending: bool) -> None:
        """A customer the CRM has but the ERP has not received yet (master-data sync lag)."""
        if pending:
            self.pending_customers.add(sold_to)
        else:
            self.pending_customers.discard(sold_to)
        self.record(
            "customer_pending" if pending else "customer_created",
            subject=self.customers[sold_to].number,
        )

    def _orderable(self, material: str) -> bool:
        return material in self.materials and material not in self.blocked

    # ----------------------------------------------------------------- administration
    def set_list_price(self, material: str, price: float) -> None:
        """A data steward changes a list price (no simulated time; a history row).

        The change is logged for the price extract and notified on ``price_outbox``
        (a notification event: the material's key only).
        """
        record = self.materials[material]
        record.list_price = price
        now = self.sim.now
        self._price_changed_at[material] = now
        self._price_log.append((now, material))
        self.record("list_price_changed", subject=record.number, value=price)
        self.price_outbox.put(material)

    def block_material(self, material: str, blocked: bool) -> None:
        """A data steward blocks a material for sales orders, or lifts the block."""
        if blocked:
            self.blocked.add(material)
        else:
            self.blocked.discard(material)
        self.record(
            "material_blocked" if blocked else "material_unblocked",
            subject=self.materials[material].number,
        )

    def price(self, sold_to: str, material: str) -> float:
        """The net unit price the ERP charges this customer."""
        contract = self.contract_prices.get((sold_to, material))
        return contract if contract is not None else self.materials[material].list_price

    def plant_for(self, region: str) -> str:
        """The plant that serves a region."""
        return self.region_plants[region]
