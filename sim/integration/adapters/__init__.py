"""Adapters: the only part of the integration core that speaks the systems' dialects."""

from sim.integration.adapters.carrier import CarrierAdapter
from sim.integration.adapters.crm import CrmAdapter
from sim.integration.adapters.desk import Decision, DeskAdapter, Redo
from sim.integration.adapters.erp import ErpAdapter, ErpEvent, StatusReading
from sim.integration.adapters.returns import ReturnsAdapter, return_key
from sim.integration.adapters.wms import WmsAdapter

__all__ = [
    "CarrierAdapter",
    "CrmAdapter",
    "Decision",
    "DeskAdapter",
    "Redo",
    "ErpAdapter",
    "ErpEvent",
    "ReturnsAdapter",
    "StatusReading",
    "return_key",
    "WmsAdapter",
]
