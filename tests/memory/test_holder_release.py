"""The integration's and the endpoints' per-order state is released with a settled order.

Beside the systems, the integration remembers per order the message ids its consumers
applied, the carrier scan ids it took, the newest status and scan it applied, the CRM
record and the delivery region it learnt; every endpoint counts the order's requests. The
archive releases them with the systems' state; the history must not change.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mock_systems.erp.records import BillingStatus
from sim.integration.patterns.composed import ComposedPattern
from sim.integration.patterns.event_driven import EventDrivenPattern
from sim.run import simulate
from sim.scenario import load_scenario
from sim.world import World, build_world

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SMALL = [
    "demand_days=2",
    "drain_days=6",
    "demand.orders_per_business_day=300",
    # customers pay in about a day, so orders settle (and are released) inside a small world
    'systems.erp.credit.payment_terms={"kind":"lognormal","mean":86400,"cv":0.3}',
    # a residence of half a day: released as early as a settled order may be
    "memory.release_after_days=0.5",
]

Released = list[tuple[int, tuple[str, ...]]]


def _world(name: str, release: bool, *extra: str, released: Released | None = None) -> World:
    scenario = load_scenario(
        SCENARIOS / name, [*SMALL, f"memory.release_finished_orders={release}", *extra]
    )
    world = build_world(scenario)
    if released is not None and world.archive is not None:
        # one more holder, told of each release like the others: the orders released
        world.archive.holders = (
            *world.archive.holders,
            lambda ref, deliveries: released.append((ref, deliveries)),
        )
    simulate(world.run.sim, world.run.history, world.horizon_s, scenario.memory, None)
    world.record_end()
    return world


@pytest.mark.parametrize(
    ("name", "extra"),
    [
        # the direct pattern polls a delivered order for its payment once a day: a settled
        # order is read once more up to a day later, so its residence must be longer
        ("baseline.yaml", ("integration.pattern=direct", "memory.release_after_days=1.5")),
        ("baseline.yaml", ("integration.pattern=ipaas",)),
        # duplicate, held-back, late and missing scans through the event-bus pattern's relay
        ("carrier_chaos.yaml", ("integration.pattern=event_bus",)),
        ("broker_outage.yaml", ()),  # events held in the outbox for two hours
    ],
)
def test_release_leaves_the_history_unchanged(name: str, extra: tuple[str, ...]) -> None:
    released, kept = _world(name, True, *extra), _world(name, False, *extra)
    assert released.archive is not None and released.archive.released > 100
    assert released.run.history.content_hash() == kept.run.history.content_hash()


def _remembered(world: World, released: Released) -> dict[str, int]:
    """Of the orders ``released``, how many each per-order state holder still remembers."""
    pattern = world.pattern
    assert isinstance(pattern, ComposedPattern)
    endpoints = [
        e for s in (world.crm, world.erp, world.wms, world.carrier) for e in s.endpoints.values()
    ]
    counts = {
        "crm adapter records": sum(pattern.context.crm.has_record(ref) for ref, _ in released),
        "regions": sum(ref in pattern.fulfilment.regions for ref, _ in released),
        "status sync versions": sum(pattern.status_sync.remembers(r, d) for r, d in released),
        "endpoint request counters": sum(
            any(e.remembers(ref) for e in endpoints) for ref, _ in released
        ),
    }
    if pattern.scans.dedupe:  # the direct pattern's relay has neither dedupe nor resequencing
        counts["scan ids and newest scans"] = sum(
            pattern.scans.remembers(r, d) for r, d in released
        )
    if isinstance(pattern, EventDrivenPattern):
        counts["bus consumers' applied ids"] = sum(pattern.bus.remembers(r) for r, _ in released)
    return counts


@pytest.mark.parametrize(
    ("name", "pattern", "extra"),
    [
        ("baseline.yaml", "hybrid", ()),
        ("carrier_chaos.yaml", "event_bus", ()),
        ("baseline.yaml", "direct", ("memory.release_after_days=1.5",)),  # daily payment poll
    ],
)
def test_released_orders_leave_no_per_order_state_behind(
    name: str, pattern: str, extra: tuple[str, ...]
) -> None:
    released: Released = []
    overrides = (f"integration.pattern={pattern}", *extra)
    world = _world(name, True, *overrides, released=released)
    assert len(released) > 100
    assert set(_remembered(world, released).values()) == {0}, _remembered(world, released)
    # the same orders in the same world without release: every holder remembers them, so
    # the check above fails for any holder whose release forgets nothing
    kept = _world(name, False, *overrides)
    remembered = _remembered(kept, released)
    shipped = sum(1 for _, deliveries in released if deliveries)  # others were cancelled
    assert shipped > 100
    if "scan ids and newest scans" in remembered:
        assert remembered.pop("scan ids and newest scans") >= 0.9 * shipped
    assert min(remembered.values()) >= 0.9 * len(released), remembered


def _settled(world: World, ref: int) -> bool:
    """The ERP order is delivered in full (or cancelled), and every invoice of it is paid."""
    erp = world.erp
    order = erp.orders[erp.by_reference[ref]]
    if order.status not in ("DELIVERED", "CANCELLED"):
        return False
    deliveries = [erp.deliveries[number] for number in order.deliveries]
    return all(
        d.status == "DELIVERED"
        and d.billing_document
        and erp.invoices[d.billing_document].status is BillingStatus.PAID
        for d in deliveries
    )


def test_orders_the_desk_touched_are_kept_whole() -> None:
    """A settled order the exception desk was asked about is never released, nor its state."""
    released: Released = []
    world = _world("schema_upgrade.yaml", True, released=released)
    assert len(released) > 100
    touched = sorted(world.desk.raised_for)
    assert touched
    assert not {ref for ref, _ in released} & set(touched)
    kept = [ref for ref in touched if ref in world.erp.by_reference]
    assert kept == touched
    assert any(_settled(world, ref) for ref in touched)  # settled long ago, still kept
    pattern = world.pattern
    assert isinstance(pattern, ComposedPattern)
    assert all(pattern.context.crm.has_record(ref) for ref in touched)
