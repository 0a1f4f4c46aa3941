"""Each status reconciliation run checks exactly the orders whose ERP status last moved in
its window (since the previous run's cutoff, up to its own cutoff): orders with only a
tracking or invoice change in the window are not the job's to check.

Recomputed from the history alone: the ERP's ``erp.order_status`` rows (one per status
move) and the extract's ``endpoint.call`` row (when it was asked, which sets the cutoff,
and when it was answered, which sets what the ERP then held), against the ``value``
(orders checked) of each ``integration.reconciliation_run`` row.
"""

from __future__ import annotations

import bisect
from collections import defaultdict

from sim.integration.settings import ReconciliationSettings
from tests.faults.support import run_small

EXTRACT = "endpoint:erp.status_extract"


def test_each_run_checks_the_orders_whose_status_moved_in_its_window() -> None:
    # two demand days, so later runs see invoice and tracking changes of earlier orders
    result = run_small("demand_days=2", "drain_days=2")
    history = result.history
    grace = ReconciliationSettings().grace_s
    moves: dict[int, list[float]] = defaultdict(list)
    for row in history.select("erp.order_status"):
        moves[int(row["order"])].append(float(row["time"]))
    # (answered, asked) of each served extract: a call row's value is its wait, value2 its
    # service, so it was asked at the row's time less both
    served = [
        (float(r["time"]), float(r["time"]) - float(r["value"]) - float(r["value2"]))
        for r in history.select("endpoint.call")
        if r["actor"] == EXTRACT and r["status"] == "ok"
    ]
    extracts = [answered for answered, _ in served]
    runs = history.select("integration.reconciliation_run")
    assert not history.select("integration.reconciliation_failed")
    assert len(runs) >= 10 and sum(r["value2"] for r in runs) == 0  # nothing to repair
    since = 0.0
    checked = []
    for run in runs:
        # the extract answered when its call was served: the last one before this run's row
        answered, asked = served[bisect.bisect_right(extracts, float(run["time"])) - 1]
        cutoff = asked - grace  # the run's cutoff: its start less the grace
        due = 0
        for times in moves.values():
            last = times[bisect.bisect_right(times, answered) - 1] if times[0] <= answered else None
            if last is not None and since < last <= cutoff:
                due += 1
        checked.append((run["value"], due))
        since = cutoff
    assert [value for value, _ in checked] == [due for _, due in checked], checked
    assert sum(due for _, due in checked) > 100
