"""The mock ERP (SAP S/4HANA or Dynamics 365-like)."""

from mock_systems.erp.config import CreditPolicy, ErpConfig, ErpEndpoints, ReplenishmentPolicy
from mock_systems.erp.records import (
    BillingDocument,
    ChangeNotification,
    CreateOrderResult,
    Delivery,
    RequestItem,
    SalesOrder,
    SalesOrderRequest,
    SimulationResult,
)
from mock_systems.erp.system import ERP_STATUS_RANK, Erp

__all__ = [
    "ERP_STATUS_RANK",
    "BillingDocument",
    "ChangeNotification",
    "CreateOrderResult",
    "CreditPolicy",
    "Delivery",
    "Erp",
    "ErpConfig",
    "ErpEndpoints",
    "ReplenishmentPolicy",
    "RequestItem",
    "SalesOrder",
    "SalesOrderRequest",
    "SimulationResult",
]
