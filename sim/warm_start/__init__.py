"""The warm start: the opening state of a world in steady state at time zero.

* :mod:`sim.warm_start.receivables`: open invoices (and the open orders not yet invoiced)
  that make up each customer's opening credit exposure, paid on their terms during the run;
  credit limits sized from each customer's volume.
* :mod:`sim.warm_start.stock`: opening on-hand and open purchase orders from the steady
  state of the ERP's (s, S) periodic review.

Both are computed before time zero from the scenario, the master data and named streams,
so they are the same under every integration pattern (common random numbers).
"""

from sim.warm_start.receivables import OpeningReceivables, opening_receivables
from sim.warm_start.stock import OpeningStock, opening_stock

__all__ = ["OpeningReceivables", "OpeningStock", "opening_receivables", "opening_stock"]
