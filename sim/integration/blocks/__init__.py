"""Building blocks that patterns compose: reconciliation and the exception desk."""

from sim.integration.blocks.exception_desk import ExceptionDesk
from sim.integration.blocks.reconciliation import Reconciler, ReconciliationSettings

__all__ = ["ExceptionDesk", "Reconciler", "ReconciliationSettings"]
