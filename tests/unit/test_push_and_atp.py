"""Mailbox push mode and the ERP's change-pointer ATP extract."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

from mock_systems.erp import ErpConfig, RequestItem, SalesOrderRequest
from mock_systems.erp.system import Erp
from sim.engine import Mailbox, RunEnvironment
from tests.helpers import at


def test_push_mode_delivers_queued_items_first_then_each_put_at_once() -> None:
    run = RunEnvironment(1)
    box: Mailbox[int] = Mailbox(run.sim)
    box.put(1)
    box.put(2)
    seen: list[tuple[float, int]] = []
    box.deliver_to(lambda item: seen.append((run.now, item)))
    assert seen == [(0.0, 1), (0.0, 2)] and len(box) == 0

    def later() -> Generator[Any, Any, None]:
        yield run.sim.timeout(5)
        box.put(3)

    run.sim.process(later())
    run.sim.run()
    assert seen[-1] == (5.0, 3)


def test_push_mode_is_refused_while_a_process_waits() -> None:
    run = RunEnvironment(1)
    box: Mailbox[int] = Mailbox(run.sim)

    def waiter() -> Generator[Any, Any, None]:
        yield from box.take()

    run.sim.process(waiter())
    run.sim.run()
    with pytest.raises(RuntimeError, match="already waiting"):
        box.deliver_to(lambda item: None)


def test_atp_extract_returns_everything_first_then_only_what_moved() -> None:
    run = RunEnvironment(1)
    erp = Erp(run, ErpConfig(allocation_interval_s=60.0), {"west": "NV01"})
    erp.add_customer("100", "Acme", "west", credit_limit=1e9)
    for sku in ("A", "B", "C"):
        erp.add_material(sku, 10.0)
        erp.set_stock("NV01", sku, on_hand=50, reorder_point=0, order_up_to=0)
    first = at(run, 0.0, lambda: erp.atp_changes("NV01"))
    request = SalesOrderRequest("100", 1, "edi", (RequestItem("B", 20, 10.0),))
    at(run, 1.0, lambda: erp.create_order(request, "k1"))
    second = at(run, 600.0, lambda: erp.atp_changes("NV01"))
    third = at(run, 700.0, lambda: erp.atp_changes("NV01"))
    run.sim.run(until=800.0)
    assert first == [{"A": 50, "B": 50, "C": 50}]
    assert second == [{"B": 30}]  # allocated 20 at the first allocation run
    assert third == [{}]


def test_erp_events_of_both_contract_versions_become_valid_envelopes() -> None:
    """Contract 1.0 and 2.0 notifications both map to envelopes that carry their version."""
    from mock_systems.erp import ChangeNotification, Erp, ErpConfig
    from sim.engine import RunEnvironment
    from sim.integration.adapters import ErpAdapter
    from sim.integration.canonical import Envelope

    adapter = ErpAdapter(Erp(RunEnvironment(1), ErpConfig(), {"northeast": "NJ01"}))
    for version in ("1.0", "2.0"):
        note = ChangeNotification(
            "InventoryAllocated",
            "10000001",
            42,
            3,
            120.5,
            "ALLOCATED",
            {"delivery": "80000001", "plant": "NJ01", "items": [[1, "M1", 2]]},
            version,
        )
        built = adapter.envelope(note, 121.0)
        assert isinstance(built, Envelope) and built.message_id.startswith("erp-")
        assert built.type == "InventoryAllocated" and built.source == "erp"
        assert (built.occurred_at, built.sent_at, built.sequence) == (120.5, 121.0, 3)
        assert built.schema_version == version and built.correlation_id == "O00000042"
