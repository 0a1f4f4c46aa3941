"""The mock ERP (SAP S/4HANA or Dynamics 365-like)."""

from mock_systems.erp.batch_config import BackorderRescheduling, BillingRuns
from mock_systems.erp.config import (
    CreditPolicy,
    DeliverySchedulingPolicy,
    ErpConfig,
    ErpEndpoints,
    EventPayload,
    ReplenishmentPolicy,
    WorkProcesses,
)
from mock_systems.erp.idoc import IdocError, IdocItem, IdocStatus, OrderChangeIdoc, OrdersIdoc
from mock_systems.erp.idoc_config import IdocInboundConfig
from mock_systems.erp.partners import PartnerRequest, PartnerResult, PriceRecord
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
    "DeliverySchedulingPolicy",
    "Delivery",
    "DeliveryDocument",
    "Erp",
    "ErpConfig",
    "ErpEndpoints",
    "WorkProcesses",
    "EventPayload",
    "PartnerRequest",
    "PartnerResult",
    "PriceRecord",
    "IdocError",
    "IdocInboundConfig",
    "IdocItem",
    "IdocStatus",
    "OrderChangeIdoc",
    "OrdersIdoc",
    "ReplenishmentPolicy",
    "RequestItem",
    "SalesOrder",
    "SalesOrderDocument",
    "SalesOrderRequest",
    "SimulationResult",
    "StatusLine",
]
