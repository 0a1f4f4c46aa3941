"""Dedupe ids and newest versions are kept per order, and an archived order's go at once."""

from __future__ import annotations

from sim.integration.messaging import LatestWins, SeenIds


def test_seen_ids_are_kept_per_order_and_forgotten_with_it() -> None:
    seen = SeenIds()
    assert seen.first_time("EV1", 7) and seen.first_time("EV2", 7)
    assert seen.first_time("EV3", 8)
    assert seen.first_time("md-1")  # belongs to no order
    assert not seen.first_time("EV1", 7) and seen.seen("EV2", 7)
    assert len(seen) == 4
    seen.forget(7)
    assert not seen.holds(7) and not seen.seen("EV1", 7)
    assert seen.first_time("EV1", 7)  # a copy after the release would pass again
    assert seen.holds(8) and seen.seen("EV3", 8)
    seen.forget(-1)  # ids of no order are never forgotten
    assert seen.seen("md-1") and not seen.first_time("md-1")


def test_adding_an_id_twice_keeps_one() -> None:
    seen = SeenIds()
    seen.add("m-1", 3)
    seen.add("m-1", 3)
    seen.add("m-2", -1)
    seen.add("m-2", -1)
    assert len(seen) == 2 and seen.seen("m-1", 3) and seen.seen("m-2")


def test_latest_wins_forgets_a_key() -> None:
    latest = LatestWins()
    assert latest.accept(("O1", "D1"), 3) and latest.accept("O2", 1)
    assert ("O1", "D1") in latest and len(latest) == 2
    latest.forget(("O1", "D1"))
    latest.forget("never seen")
    assert ("O1", "D1") not in latest and "O2" in latest
    assert latest.is_newer(("O1", "D1"), 1)  # forgotten: any version counts as newer
