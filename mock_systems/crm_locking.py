"""Salesforce record-level locking: parallel writes to children of one account contend.

Updating a record locks it and its parent (a quote or order locks its account) for the
write's transaction. A concurrent write that needs a locked record waits up to about 10 s
for it, then fails with ``UNABLE_TO_LOCK_ROW`` (Salesforce Developer documentation, "Record
Locking Cheat Sheet" and "Avoid Record Lock Errors": a request tries to acquire the lock for
up to 10 seconds). The mock CRM's writes to an account's quotes take the account's lock for
their whole service; a write that cannot get it in ``wait_s`` answers ``locked`` and
commits nothing, and the integration's retry policy retries it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from sim.engine import Endpoint
from sim.engine.locked_service import lock_commits
from sim.engine.locks import LockTable

__all__ = ["RecordLocking", "account_lock", "lock_account_writes"]


class RecordLocking(BaseModel):
    """How the CRM locks an account while one of its quotes or orders is written."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(
        default=True,
        description="off switch: writes to children of one account lock the account "
        "(Salesforce record-level locking, UNABLE_TO_LOCK_ROW)",
    )
    wait_s: float = Field(
        default=10.0,
        gt=0,
        description="how long a write waits for a locked parent record before failing "
        "with UNABLE_TO_LOCK_ROW (Salesforce Developer documentation, Record Locking "
        "Cheat Sheet: about 10 seconds)",
    )


def lock_account_writes(endpoint: Endpoint, locking: RecordLocking) -> bool:
    """Give the CRM API a lock table for account-level locks; whether locking is on."""
    if not locking.enabled:
        return False
    lock_commits(endpoint, LockTable(endpoint._sim), 1.0, locking.wait_s)
    return True


def account_lock(account_id: str) -> tuple[str, ...]:
    """The lock keys of a write to a child record of ``account_id``."""
    return (f"account:{account_id}",)
