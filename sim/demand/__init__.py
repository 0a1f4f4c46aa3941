"""The demand model behind the workload's arrival plan.

* :mod:`sim.demand.rates`: the arrival rate by (channel, region) in local time, period-end
  surges and random day factors;
* :mod:`sim.demand.customers`: heterogeneous customers and the mean order value;
* :mod:`sim.demand.amendments`: customers' later changes and cancellations of orders.
"""
