"""Batch windows from the history: scheduled runs, what each processed, and what waited.

Rows read (matched by event name):

- ``erp.batch_started`` / ``erp.batch_finished`` (status = the job: ``billing_run``,
  ``backorder_rescheduling``; value = documents; the finished row's value2 = seconds):
  the ERP's scheduled background jobs.
- ``wms.wave_released`` (status = site, value = deliveries): a wave handed to the pickers.
- ``carrier.manifest_transmitted`` (status = site, value = shipments): an end-of-day
  manifest.
- ``erp.billing_due`` and ``erp.invoice_posted`` (order, subject = delivery number): the
  billing due list; ``carrier.tendered`` and the first ``carrier.scan`` of a shipment
  (order, subject = delivery number; value2 = the scan's ``occurred_at``).

:func:`batch_windows` reports, per job (``billing_run``, ``backorder_rescheduling``,
``wave_release``, ``manifest``): runs, documents in all, mean and largest run, mean and
longest run time (0 for waves and manifests, which are instants), and the first and last
start; the ERP jobs still running at the end; the billing due list left at the end of
the run (deliveries due and not yet invoiced: waiting for the next run, not lost); and
the carrier's pickup wait (tender to the first scan's ``occurred_at``), which the pickup
cut-off lengthens.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from sim.history_frame import name_values, rows
from sim.history_table import Rows

__all__ = ["batch_windows"]

_INSTANT_JOBS = {"wms.wave_released": "wave_release", "carrier.manifest_transmitted": "manifest"}
"""Batch jobs recorded as one row at the instant they happen, by event: their job name."""


def _job_table(frame: Rows) -> pd.DataFrame:
    """One row per finished run of any job: job, start, documents, seconds."""
    finished = rows(frame, "erp.batch_finished")
    parts = [
        pd.DataFrame(
            {
                "job": name_values(finished["status"]),
                "start": (finished["time"] - finished["value2"]).to_numpy(dtype=float),
                "documents": finished["value"].to_numpy(dtype=float),
                "seconds": finished["value2"].to_numpy(dtype=float),
            }
        )
    ]
    for event, job in _INSTANT_JOBS.items():
        selected = rows(frame, event)
        parts.append(
            pd.DataFrame(
                {
                    "job": job,
                    "start": selected["time"].to_numpy(dtype=float),
                    "documents": selected["value"].to_numpy(dtype=float),
                    "seconds": 0.0,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _summary(runs: pd.DataFrame) -> dict[str, float]:
    return {
        "runs": len(runs),
        "documents": float(runs["documents"].sum()),
        "mean_documents": float(runs["documents"].mean()),
        "max_documents": float(runs["documents"].max()),
        "mean_seconds": float(runs["seconds"].mean()),
        "max_seconds": float(runs["seconds"].max()),
        "first_start": float(runs["start"].min()),
        "last_start": float(runs["start"].max()),
    }


def _pickup_wait(frame: Rows) -> dict[str, float]:
    """Per shipment: tender -> its first scan's ``occurred_at`` (count, mean, p50, p95)."""
    tendered = rows(frame, "carrier.tendered").groupby(["order", "subject"])["time"].min()
    scans = rows(frame, "carrier.scan").groupby(["order", "subject"])["value2"].min()
    wait = (scans.reindex(tendered.index) - tendered).dropna()
    if wait.empty:
        return {"count": 0, "mean": math.nan, "p50": math.nan, "p95": math.nan}
    p50, p95 = wait.quantile([0.5, 0.95]).to_numpy(dtype=float)
    return {"count": len(wait), "mean": float(wait.mean()), "p50": float(p50), "p95": float(p95)}


def batch_windows(frame: Rows) -> dict[str, Any]:
    """Scheduled batch runs per job, the billing due list at the end, the pickup wait."""
    table = _job_table(frame)
    started = rows(frame, "erp.batch_started")["status"].astype(str).value_counts()
    ended = rows(frame, "erp.batch_finished")["status"].astype(str).value_counts()
    running = started.sub(ended, fill_value=0)
    due = rows(frame, "erp.billing_due")
    posted = rows(frame, "erp.invoice_posted")
    waiting = ~pd.MultiIndex.from_frame(due[["order", "subject"]]).isin(
        pd.MultiIndex.from_frame(posted[["order", "subject"]])
    )
    return {
        "jobs": {str(job): _summary(runs) for job, runs in table.groupby("job", sort=True)},
        "running_at_end": {str(job): int(n) for job, n in running[running > 0].items()},
        "billing_due_at_end": int(waiting.sum()),
        "pickup_wait_s": _pickup_wait(frame),
    }
