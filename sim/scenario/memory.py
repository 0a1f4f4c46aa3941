"""How a run bounds its memory: the history's in-memory budget and the release of state.

Neither setting changes what a run does or records (its history hash is the same either
way); they change only how much memory the process holds while it runs. A long run (weeks
to a simulated year) keeps its memory flat with a history budget of a few million rows and
the release of finished orders' state.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["LONG_RUN_HISTORY_BUDGET", "MemorySettings"]

LONG_RUN_HISTORY_BUDGET = 2_000_000
"""The history budget documented for long runs: about 76 MiB of row buffers."""


class MemorySettings(BaseModel):
    """Memory bounds of one run (``memory:`` in a scenario)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    history_budget_rows: int | None = Field(
        default=16_000_000,
        ge=1,
        description=(
            "assumption: history rows kept in memory before the run spills them to a "
            "Parquet part in the temporary folder (16 million rows, about 610 MiB at 38 "
            "bytes a row, is above any one-to-two-week scenario, so ordinary runs never "
            "spill; 2,000,000 for a simulated quarter or year); null: never spill"
        ),
    )
    history_check_s: float = Field(
        default=3600.0,
        gt=0,
        description=(
            "assumption: simulated seconds between two checks of the history budget (the "
            "rows in memory exceed the budget by at most one interval's rows)"
        ),
    )
    release_finished_orders: bool = Field(
        default=True,
        description=(
            "assumption: a nightly archiving run releases each settled order (delivered in "
            "full, every invoice paid) from the ERP, CRM, WMS, carrier and endpoints once "
            "it has been settled for release_after_days, as ERP archiving with a residence "
            "time does, and from the integration one residence later; "
            "kept in a world with returns (a return reads the order); false keeps "
            "everything for the whole run"
        ),
    )
    release_after_days: float = Field(
        default=7.0,
        gt=0,
        description=(
            "assumption: residence time of a settled order before it is released: a week, "
            "far longer than any retry, redelivery, held-back or duplicated scan, status "
            "poll (the direct pattern's payment poll: a day) or reconciliation of it"
        ),
    )
