"""Mock business systems: CRM, ERP, WMS and carrier, each with native dialect and state.

Each system holds real state and enforces its own rules; every synchronous operation takes
simulated time through an :class:`sim.engine.Endpoint` and every state change is a history
row. Systems import only ``sim.engine``.
"""

__all__: list[str] = []
