"""The fault kinds of master-data drift, contract change, slow consumers and desk staffing.

Each is injected into a small world and its effect asserted where it lands: at the ERP's
answers, at the consumers, at the desk.
"""

from __future__ import annotations

from sim.faults import fault_kinds
from sim.history_frame import ACCEPTANCE_EVENTS
from tests.faults.support import count, run_small
from tests.faults.test_delivery_exceptions import KINDS as DELIVERY_KINDS
from tests.faults.test_fault_kinds import COVERED

HOUR = 3600.0

COVERED_HERE = {
    "price_change",
    "material_block",
    "customer_sync_lag",
    "schema_change",
    "slow_consumer",
    "desk_staffing",
}


def test_every_registered_fault_kind_has_a_test() -> None:
    assert {kind.name for kind in fault_kinds()} == COVERED | COVERED_HERE | DELIVERY_KINDS


def rows(result: object, event: str, **match: object) -> list[dict[str, object]]:
    history = result.history  # type: ignore[attr-defined]
    return [r for r in history.select(event) if all(r[k] == v for k, v in match.items())]


def test_price_change_reaches_the_erp_at_once_and_the_crm_when_the_price_flow_carries_it() -> None:
    # the price flow reads each changed price back from the ERP; while that API is down
    # the CRM price book keeps the old prices and quotes carry them
    flow_down = "{kind: outage, target: erp.price_read, windows: [{start_h: 9, end_h: 10.5}]}"
    result = run_small(
        "faults=[{kind: price_change, share: 0.5, change: 0.3,"
        f" windows: [{{start_h: 9, end_h: 10.5}}]}}, {flow_down}]"
    )
    changed = rows(result, "erp.list_price_changed")
    assert changed and all(r["time"] == 9 * HOUR for r in changed)
    updated = rows(result, "crm.price_updated")
    assert len(updated) == len(changed)
    assert all(float(r["time"]) >= 10.5 * HOUR for r in updated)  # type: ignore[arg-type]
    holds = rows(result, "erp.hold_placed", status="pricing_mismatch")
    assert len(holds) > 3
    # quoted at the old price: only orders accepted before the flow delivered are held
    delivered = max(float(r["time"]) for r in updated)  # type: ignore[arg-type]
    accepted = {r["order"]: r["time"] for e in ACCEPTANCE_EVENTS for r in rows(result, e)}
    assert all(9 * HOUR <= accepted[r["order"]] < delivered for r in holds)  # type: ignore[index]

    # with the flow up the CRM learns within seconds, and hardly a quote is held
    quick = run_small(
        "faults=[{kind: price_change, share: 0.5, change: 0.3,"
        " windows: [{start_h: 9, end_h: 10.5}]}]"
    )
    assert len(rows(quick, "erp.hold_placed", status="pricing_mismatch")) < len(holds) / 3
    lags = [float(r["time"]) - 9 * HOUR for r in rows(quick, "crm.price_updated")]  # type: ignore[arg-type]
    assert lags and 0 < max(lags) < 600


def test_blocked_materials_give_master_data_conflicts_that_the_desk_resubmits() -> None:
    result = run_small(
        "faults=[{kind: material_block, share: 0.3, windows: [{start_h: 8, end_h: 10}]}]"
    )
    conflicts = rows(result, "integration.exception_raised", status="master_data_conflict")
    assert len(conflicts) > 3
    assert all(8 * HOUR <= float(r["time"]) <= 10 * HOUR + 60 for r in conflicts)  # type: ignore[arg-type]
    # once the block is lifted the desk's resubmission creates the orders it did not cancel
    created = {r["order"] for r in rows(result, "erp.order_created")}
    cancelled = {r["order"] for r in rows(result, "integration.order_cancelled")}
    assert {r["order"] for r in conflicts} <= created | cancelled
    assert len(created & {r["order"] for r in conflicts}) > 3


def test_customers_not_yet_in_the_erp_are_conflicts_until_the_flow_replicates_them() -> None:
    result = run_small(
        "faults=[{kind: customer_sync_lag, share: 0.4, windows: [{start_h: 0, end_h: 9}]}]"
    )
    pending = count(result.history, "erp.customer_pending")
    assert pending > 100
    assert count(result.history, "crm.account_resent") == pending
    # the ERP refuses them in the window; the flow's retries create them after it
    assert count(result.history, "erp.business_partner_refused") >= 1
    created = rows(result, "erp.business_partner_created")
    assert len(created) == pending
    assert all(float(r["time"]) >= 9 * HOUR for r in created)  # type: ignore[arg-type]
    conflicts = rows(result, "integration.exception_raised", status="master_data_conflict")
    last = max(float(r["time"]) for r in created)  # type: ignore[arg-type]
    assert conflicts and all(float(r["time"]) <= last for r in conflicts)  # type: ignore[arg-type]

    # without the replication flow nothing brings them to the ERP: conflicts go on
    stuck = run_small(
        "faults=[{kind: customer_sync_lag, share: 0.4, windows: [{start_h: 0, end_h: 9}]}]",
        "integration.master_data.accounts=false",
    )
    assert count(stuck.history, "erp.business_partner_created") == 0
    late = rows(stuck, "integration.exception_raised", status="master_data_conflict")
    assert any(float(r["time"]) > 9 * HOUR + 3600 for r in late)  # type: ignore[arg-type]


def test_a_contract_upgrade_is_dead_lettered_until_its_mapping_deploys_then_replayed() -> None:
    upgrade = "faults=[{kind: schema_change, version: '2.0', windows: [{start_h: 8, end_h: 200}]}]"
    without_mapping = run_small(upgrade)
    unknown = rows(without_mapping, "bus.dead_lettered", status="unknown_schema")
    assert len(unknown) > 20
    assert count(without_mapping.history, "bus.applied", status="InventoryAllocated") < 60

    deployed = run_small(upgrade, "integration.mappings={'1.0': 0, '2.0': 30}")
    replays = rows(deployed, "bus.replayed", status="unknown_schema")
    assert len(replays) >= len(rows(deployed, "bus.dead_lettered", status="unknown_schema")) - 5
    assert all(float(r["time"]) >= 30 * HOUR for r in replays)  # type: ignore[arg-type]
    assert count(deployed.history, "integration.mapping_deployed") == 1


def test_a_slow_consumer_delays_the_crm_status_sync() -> None:
    def mean_lag(result: object) -> float:
        lags = [
            float(r["time"]) - float(r["value2"])  # type: ignore[arg-type]
            for r in rows(result, "crm.status_updated")
            if 8 * HOUR <= float(r["time"]) <= 12 * HOUR  # type: ignore[arg-type]
        ]
        return sum(lags) / len(lags)

    slow = run_small(
        "faults=[{kind: slow_consumer, target: 'subscriber:crm-status-sync', extra_s: 20,"
        " windows: [{start_h: 8, end_h: 12}]}]"
    )
    normal = run_small()
    assert mean_lag(slow) > 5 * mean_lag(normal)


def test_a_desk_off_shift_lets_exceptions_wait_until_it_is_staffed() -> None:
    # prices change and the price flow cannot read them back for three hours
    drift = (
        "{kind: price_change, share: 0.5, change: 0.3, windows: [{start_h: 8, end_h: 11}]},"
        " {kind: outage, target: erp.price_read, windows: [{start_h: 8, end_h: 11}]}"
    )
    nobody = run_small(
        f"faults=[{drift}, {{kind: desk_staffing, headcount: 0,"
        " windows: [{start_h: 0, end_h: 48}]}]"
    )
    started = rows(nobody, "desk.item_started")
    assert started and all(float(r["time"]) >= 48 * HOUR for r in started)  # type: ignore[arg-type]
    staffed = run_small(f"faults=[{drift}]")
    assert min(float(r["time"]) for r in rows(staffed, "desk.item_started")) < 24 * HOUR  # type: ignore[arg-type]
