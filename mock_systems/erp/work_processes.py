"""The ERP's work processes (SAP): dialog ones for every API, background ones for batches.

One pool of dialog work processes serves every API and the parallel packets of batch jobs;
batch jobs run on background work processes.

With ``work_processes.shared`` on, :class:`WorkProcessPools` builds the ERP's endpoints on
one shared :class:`~sim.engine.ServerPool` of dialog work processes, and a batch job run
through :meth:`_background_job` holds a background work process for its whole run while
its ``batch_packets`` parallel packets each hold a dialog work process, so the APIs get
fewer while it runs and a busy pool stretches the job. Order creation locks the customer's
credit exposure and the order's materials at its plant (SAP enqueue) for its commit part.
With it off, each API has its own ``concurrency`` servers and a job only takes its time.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from mock_systems.erp.parts import ErpState
from mock_systems.erp.records import SalesOrderRequest
from sim.engine import Endpoint, EndpointSpec, RunEnvironment
from sim.engine.locked_service import lock_commits
from sim.engine.locks import LockTable
from sim.engine.server_pool import ServerPool

__all__ = ["WorkProcessPools"]


class WorkProcessPools(ErpState):
    """Mixin of the ERP's dialog and background work processes and its enqueue locks."""

    run: RunEnvironment
    endpoints: dict[str, Endpoint]
    dialog: ServerPool | None
    background: ServerPool | None
    enqueue: LockTable | None

    def _build_work_processes(self) -> None:
        """Create the pools (when shared) and the lock table (when locks are on)."""
        spec = self.config.work_processes
        self.dialog = self.background = None
        self.enqueue = None
        if spec.shared:
            self.dialog = ServerPool(self.run, "erp.dialog", spec.dialog)
            self.background = ServerPool(self.run, "erp.background", spec.background)
        if spec.locks:
            self.enqueue = LockTable(self.sim)

    def endpoint(self, operation: str, spec: EndpointSpec) -> Endpoint:
        """The endpoint of one API, on the dialog work processes when they are shared.

        Every ERP endpoint is made here (the order APIs, master data, returns), so each one
        draws on the same pool.
        """
        endpoint = Endpoint(self.run, f"erp.{operation}", spec, self.dialog)
        self.endpoints[operation] = endpoint
        return endpoint

    def _lock_creates(self, endpoint: Endpoint) -> None:
        if self.enqueue is not None:
            lock_commits(
                endpoint, self.enqueue, self.config.work_processes.commit_share, float("inf")
            )

    def _create_locks(self, request: SalesOrderRequest) -> tuple[str, ...]:
        """The enqueue keys of an order creation: the customer, each material at its plant."""
        if self.enqueue is None:
            return ()
        customer = self.customers.get(request.sold_to)
        keys = [f"credit:{request.sold_to}"]
        if customer is not None:
            plant = self.region_plants.get(customer.region, "")
            keys += [f"material:{plant}:{item.material}" for item in request.items]
        return tuple(keys)

    region_plants: dict[str, str]

    def _background_job(self, job: str, seconds: float) -> Generator[Any, Any, None]:
        """Run a batch job on a background work process, its packets on dialog ones.

        Its parallel packets each hold a dialog work process for ``seconds``; the job ends
        with the last of them.
        """
        background, dialog = self.background, self.dialog
        if background is None or dialog is None:
            yield self.sim.timeout(seconds)
            return
        packets = self.config.work_processes.batch_packets
        runs = [self.sim.process(background.run_packets(job, 1, seconds))]
        if packets:
            runs.append(self.sim.process(dialog.run_packets(job, packets, seconds)))
        yield self.sim.all_of(runs)
