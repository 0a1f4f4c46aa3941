"""Contract change: a system moves its outbound events to another schema version mid-run.

From the window's start the ERP emits events in ``version`` (``Envelope.schema_version``
says so). Consumers without a mapping for it dead-letter them as ``unknown_schema``: the
failure is visible, never silent. When the window ends the system goes back to 1.0 (a
rollback); an upgrade that stays is a window to the end of the run.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import field_validator

from mock_systems.erp import Erp
from sim.faults.registry import FaultKind, register
from sim.faults.spec import FaultSpec
from sim.faults.timeline import FaultWindow

__all__ = ["SchemaChangeFault"]


class SchemaChangeFault(FaultSpec):
    """The target system emits events in ``version`` during the window."""

    kind: Literal["schema_change"] = "schema_change"
    target: str = "erp"
    version: str = "2.0"

    @field_validator("version")
    @classmethod
    def _known(cls, version: str) -> str:
        if version not in Erp.CONTRACT_VERSIONS:
            raise ValueError(
                f"the ERP has no event contract version {version!r}; "
                f"it has {', '.join(Erp.CONTRACT_VERSIONS)}"
            )
        return version


def _apply(seam: Any, active: list[FaultWindow], _state: dict[str, Any]) -> None:
    erp: Erp = seam
    erp.set_contract_version(str(active[-1].params["version"]) if active else "1.0")


register(FaultKind("schema_change", SchemaChangeFault, ("contract",), _apply))
