"""Adapters: the only part of the integration core that speaks the systems' dialects."""

from sim.integration.adapters.carrier import CarrierAdapter
from sim.integration.adapters.crm import CrmAdapter
from sim.integration.adapters.erp import ErpAdapter
from sim.integration.adapters.wms import WmsAdapter

__all__ = ["CarrierAdapter", "CrmAdapter", "ErpAdapter", "WmsAdapter"]
