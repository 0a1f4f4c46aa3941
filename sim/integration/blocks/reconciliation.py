"""Reconciliation: repair what events missed, so a lost event is not a lasting divergence.

Two scheduled jobs, as integration teams run them beside an event-driven flow:

* **status reconciliation**: every ``interval_s`` the job extracts from the ERP every order
  whose status changed since its last run (leaving the newest ``grace_s`` to the event
  path), reads what CRM shows for them in batches, and writes the ERP's status to CRM where
  CRM is behind (an older status sequence and a different status). Each repair is an
  ``integration.reconciled`` row; a repaired order is checked again on the next run until
  CRM shows it, since a repair can be lost on its way like any event.
* **tracking poll**: every ``tracking_poll_interval_s`` it asks the carrier's tracking API
  for every shipment tendered at least ``tracking_poll_after_s`` ago and not yet seen
  delivered, and passes on scans the feed never brought (``integration.scan_recovered``).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from sim.engine import CallResult, RunEnvironment
from sim.integration.adapters import CarrierAdapter, CrmAdapter, ErpAdapter, StatusReading
from sim.integration.canonical import TrackingScan
from sim.integration.messaging import Retrier
from sim.integration.settings import ReconciliationSettings

__all__ = ["ReconciliationSettings", "Reconciler", "WriteStatus"]

WriteStatus = Callable[[StatusReading], Generator[Any, Any, bool]]
"""Send one ERP status reading on its way to CRM; True once it is on its way.

A pattern must order the repair with its own status updates of the same order (for
example through the same partition), or a repair could land after a newer update."""


class Reconciler:
    """The scheduled jobs that repair divergence between CRM, ERP and the carrier."""

    def __init__(
        self,
        run: RunEnvironment,
        record: Callable[..., None],
        erp: ErpAdapter,
        crm: CrmAdapter,
        carrier: CarrierAdapter,
        retriers: tuple[Retrier, Retrier, Retrier],
        settings: ReconciliationSettings,
        write_status: WriteStatus,
        accept_scan: Callable[[TrackingScan], None],
        seen_scan: Callable[[str, int], bool],
    ) -> None:
        self.run = run
        self.record = record
        self.erp = erp
        self.crm = crm
        self.carrier = carrier
        self.erp_retry, self.crm_retry, self.carrier_retry = retriers
        """Each system's calls keep that system's retry policy, breaker and pace."""
        self.settings = settings
        self.write_status = write_status
        self.accept_scan = accept_scan
        self.seen_scan = seen_scan
        self.unverified: dict[int, StatusReading] = {}
        """Repairs sent but not yet seen in CRM: checked again on the next run."""
        self.open_shipments: dict[str, tuple[str, float, int]] = {}
        """Shipment -> (tracking number, tendered at, order) until seen delivered."""

    def start(self) -> None:
        """Start both jobs."""
        self.run.sim.process(self._status_job())
        self.run.sim.process(self._tracking_job())

    # -------------------------------------------------------------- status reconciliation
    def _status_job(self) -> Generator[Any, Any, None]:
        sim = self.run.sim
        settings = self.settings
        since = sim.now
        while True:
            yield sim.timeout(settings.interval_s)
            cutoff = sim.now - settings.grace_s
            repaired = yield from self.reconcile(since, cutoff)
            if repaired is not None:
                since = cutoff  # changes after the cutoff are extracted again next time

    def reconcile(self, since: float, cutoff: float) -> Generator[Any, Any, int | None]:
        """One run: repair CRM for orders changed in (since, cutoff]; None if it failed."""
        erp, settings = self.erp, self.settings
        # the extract also reports tracking and invoice changes: only order status moves
        # in (since, cutoff] are this job's to check
        lines = yield from self.erp_retry.run_call(
            lambda: erp.status_changes(since, settings.extract_timeout_s, moved_until=cutoff)
        )
        if isinstance(lines, CallResult):
            self.record("reconciliation_failed", status=lines.status)
            return None
        due_by_ref = {line.order_ref: line for line in lines}
        # repairs of earlier runs are checked again until CRM shows them (a repair can be
        # lost on its way like any event); a newer extract line replaces the old reading
        due = [*due_by_ref.values()]
        due += [r for ref, r in sorted(self.unverified.items()) if ref not in due_by_ref]
        self.unverified = {}
        repaired = 0
        for start in range(0, len(due), settings.batch):
            chunk = due[start : start + settings.batch]
            shown = yield from self.crm_retry.run_call(self._reader(chunk))
            if isinstance(shown, CallResult):
                self.record("reconciliation_failed", status=shown.status)
                return None
            for line in chunk:
                crm_status, crm_sequence = shown.get(line.order_ref, ("", 0))
                behind = crm_sequence < line.version and crm_status != line.status
                if behind and (yield from self.repair(line)):
                    repaired += 1
                    self.unverified[line.order_ref] = line
        self.record("reconciliation_run", value=float(len(due)), value2=float(repaired))
        return repaired

    def _reader(self, chunk: list[StatusReading]) -> Callable[[], Generator[Any, Any, Any]]:
        refs = tuple(line.order_ref for line in chunk)
        return lambda: self.crm.order_statuses(refs, self.settings.extract_timeout_s)

    def repair(self, line: StatusReading) -> Generator[Any, Any, bool]:
        """Send one ERP status reading to CRM; a row when it is on its way."""
        landed = yield from self.write_status(line)
        if landed:
            self.record("reconciled", order=line.order_ref, status=line.status)
        return landed

    def reconcile_order(self, order_ref: int) -> Generator[Any, Any, bool]:
        """Read one order back from the ERP and write its status to CRM (a person's fix)."""
        line = yield from self.erp_retry.run_call(
            lambda: self.erp.read_status(order_ref, self.settings.extract_timeout_s), order_ref
        )
        if line is None or isinstance(line, CallResult):
            return False
        landed: bool = yield from self.repair(line)
        return landed

    # -------------------------------------------------------------- tracking poll
    def shipment_tendered(self, shipment_id: str, tracking: str, order_ref: int) -> None:
        """A shipment to watch until its delivered scan is seen."""
        self.open_shipments[shipment_id] = (tracking, self.run.now, order_ref)

    def shipment_delivered(self, shipment_id: str) -> None:
        """Its delivered scan was seen: stop watching it."""
        self.open_shipments.pop(shipment_id, None)

    def _tracker(self, tracking: str) -> Callable[[], Generator[Any, Any, Any]]:
        return lambda: self.carrier.track(tracking, self.settings.extract_timeout_s)

    def _tracking_job(self) -> Generator[Any, Any, None]:
        sim = self.run.sim
        settings = self.settings
        while True:
            yield sim.timeout(settings.tracking_poll_interval_s)
            horizon = sim.now - settings.tracking_poll_after_s
            overdue = [
                (tracking, ref)
                for tracking, tendered, ref in self.open_shipments.values()
                if tendered <= horizon
            ]
            for tracking, ref in overdue:
                scans = yield from self.carrier_retry.run_call(self._tracker(tracking), ref)
                if isinstance(scans, CallResult):
                    continue
                for scan in scans:
                    if not self.seen_scan(scan.carrier_event_id, scan.order_ref):
                        self.record("scan_recovered", order=ref, status=scan.code.value)
                        self.accept_scan(scan)
