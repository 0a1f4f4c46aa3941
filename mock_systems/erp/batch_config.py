"""Settings of the ERP's scheduled batch jobs: billing due-list runs, backorder rescheduling.

Each job starts at the local times of day of its :class:`~sim.engine.schedule.BatchSchedule`
and takes ``setup_s`` plus ``seconds_per_document`` per document it processes, through
the ERP's background work (``ErpState._background_job``). ``enabled: false`` switches a
job off and restores the immediate behaviour (an invoice posted at the billing event; a
backorder retried by the next allocation run after a goods receipt).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from sim.engine.schedule import BatchSchedule

__all__ = ["BackorderRescheduling", "BillingRuns"]

_EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BillingRuns(_Config):
    """Billing due-list runs (SAP VF04/VF06): deliveries due for billing wait for the run.

    A delivery becomes due for billing at goods issue or on delivery (``invoice_on``) and
    waits in the billing due list; each scheduled run posts an invoice for every delivery
    that was due when the run started, in packages of ``package_size``, each package
    posted when its work is done.
    """

    enabled: bool = Field(
        default=True,
        description=(
            "assumption: billing is a scheduled due-list run, as SAP VF06 background "
            "billing is; false posts each invoice at the billing event"
        ),
    )
    schedule: BatchSchedule = Field(
        default=BatchSchedule(times_h=(22.0,), weekdays=_EVERY_DAY),
        description="assumption: one nightly run at 22:00 local, every day (a periodic job)",
    )
    setup_s: float = Field(
        default=60.0, ge=0, description="assumption: selecting the due list, per run"
    )
    seconds_per_document: float = Field(
        default=0.5,
        ge=0,
        description="assumption: one billing document posted per half second of background work",
    )
    package_size: int = Field(
        default=200,
        ge=1,
        description="assumption: documents per package; a package's invoices post together",
    )


class BackorderRescheduling(_Config):
    """Nightly backorder rescheduling (SAP V_V2): all backorders re-checked against ATP.

    With it on, a goods receipt no longer sends the backorders into the next allocation
    run: they wait for the rescheduling run, which re-checks every backorder in priority
    order (oldest order first) and allocates what ATP allows.
    """

    enabled: bool = Field(
        default=True,
        description=(
            "assumption: backorders are rescheduled by a nightly job, as SAP V_V2 is run; "
            "false retries them in the first allocation run after a goods receipt"
        ),
    )
    schedule: BatchSchedule = Field(
        default=BatchSchedule(times_h=(2.0,), weekdays=_EVERY_DAY),
        description="assumption: one nightly run at 02:00 local, every day, after billing",
    )
    setup_s: float = Field(
        default=60.0, ge=0, description="assumption: selecting the backorders, per run"
    )
    seconds_per_document: float = Field(
        default=0.5,
        ge=0,
        description="assumption: half a second of background work per backorder re-checked",
    )
