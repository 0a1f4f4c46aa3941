"""The mock ERP (SAP S/4HANA or Dynamics 365-like)."""

from mock_systems.erp.batch_config import BackorderRescheduling, BillingRuns
from mock_systems.erp.config import (
    CreditPolicy,
    ErpConfig,
    ErpEndpoints,
    EventPayload,
    ReplenishmentPolicy,
)
from mock_systems.erp.records import (
    BillingDocument,
    BillingStatus,
    ChangeNotification,
    CreateOrderResult,
    Delivery,
    DeliveryDocument,
    RequestItem,
    SalesOrder,
    SalesOrderDocument,
    SalesOrderRequest,
    SimulationResult,
    StatusLine,
)
from mock_systems.erp.system import ERP_STATUS_RANK, Erp

__all__ = [
    "ERP_STATUS_RANK",
    "BackorderRescheduling",
    "BillingRuns",
    "BillingDocument",
    "BillingStatus",
    "ChangeNotification",
    "CreateOrderResult",
    "CreditPolicy",
    "Delivery",
    "DeliveryDocument",
    "Erp",
    "ErpConfig",
    "ErpEndpoints",
    "EventPayload",
    "ReplenishmentPolicy",
    "RequestItem",
    "SalesOrder",
    "SalesOrderDocument",
    "SalesOrderRequest",
    "SimulationResult",
    "StatusLine",
]
