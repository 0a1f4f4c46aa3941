"""o2csim: an order-to-cash integration simulator and test harness.

The package is split in layers (see README, "Architecture"): ``sim.engine`` knows nothing of
the business, ``mock_systems`` hold the CRM, ERP, WMS and carrier state, ``sim.integration``
is the integration core under test, and the harness modules (``scenario``, ``world``, ``run``,
``metrics``, ``cli``) put them together. This module imports nothing so that importing a
layer never drags in the layers above it.
"""

__all__: list[str] = []
__version__ = "0.1.0"
