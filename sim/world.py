"""The composition root: build one world from a scenario and a seed."""

from __future__ import annotations

from dataclasses import dataclass

from mock_systems.carrier import Carrier
from mock_systems.crm import Crm
from mock_systems.erp import Erp
from mock_systems.wms import Wms
from sim.engine import RunEnvironment
from sim.engine.calendar import DAY, WorkCalendar
from sim.integration.adapters import CarrierAdapter, CrmAdapter, ErpAdapter, WmsAdapter
from sim.integration.patterns import IntegrationPattern, PatternContext, create_pattern
from sim.scenario import Scenario
from sim.workload import Workload

__all__ = ["World", "build_world"]


@dataclass
class World:
    """Everything in one run, wired and ready for ``run.sim.run``."""

    scenario: Scenario
    run: RunEnvironment
    calendar: WorkCalendar
    crm: Crm
    erp: Erp
    wms: Wms
    carrier: Carrier
    pattern: IntegrationPattern
    workload: Workload

    @property
    def horizon_s(self) -> float:
        """Simulated seconds the run lasts: demand days plus drain days."""
        return (self.scenario.demand_days + self.scenario.drain_days) * DAY

    def record_end(self) -> None:
        """Write the ``run.ended`` row: what was still in flight when the run stopped.

        ``value`` is the messages in flight, ``value2`` the work held for a later retry;
        both zero means the run ended quiescent, so convergence can be judged.
        """
        messages, pending = self.pattern.in_flight()
        history = self.run.history
        history.record(
            self.run.now,
            history.event_code("run.ended"),
            history.actor_code("run"),
            value=float(messages),
            value2=float(pending),
        )


def build_world(scenario: Scenario, seed: int | None = None) -> World:
    """Create the systems, load master data, plug in the pattern and schedule the demand."""
    run = RunEnvironment(scenario.seed if seed is None else seed)
    calendar = WorkCalendar(scenario.start)
    systems = scenario.systems
    crm = Crm(run, systems.crm)
    erp = Erp(run, systems.erp, scenario.region_plants)
    wms = Wms(
        run, systems.wms, calendar, {name: site.staffing for name, site in scenario.sites.items()}
    )
    carrier = Carrier(run, systems.carrier, calendar)
    workload = Workload(scenario, run, calendar)
    workload.load(crm, erp)
    context = PatternContext(
        run,
        CrmAdapter(crm),
        ErpAdapter(erp),
        WmsAdapter(wms),
        CarrierAdapter(carrier),
        scenario.integration,
    )
    pattern = create_pattern(scenario.integration.pattern, context)
    pattern.start()
    run.sim.process(workload.accept_orders(crm))
    return World(scenario, run, calendar, crm, erp, wms, carrier, pattern, workload)
