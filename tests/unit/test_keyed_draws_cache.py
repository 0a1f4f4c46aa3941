"""The keyed draws' cache of blocks stays a few blocks long, and never changes a draw."""

from __future__ import annotations

import numpy as np

from sim.engine import KeyedDraws, keyed_units, stream_key

ORDERS = 40 * KeyedDraws.BLOCK
"""Orders of a long run: forty blocks of entities."""


def _draw_like_a_run(draws: KeyedDraws) -> list[float]:
    """Each order drawn three times as it comes, and now and then an old order again."""
    units: list[float] = []
    for order in range(ORDERS):
        for n in (1, 2, 3):
            units.append(draws.unit(order, n))
        if order % 97 == 0:  # a late call of an order taken long ago
            units.append(draws.unit(order // 3, 4))
    return units


def _expected() -> list[float]:
    """The same draws, each hashed on its own (no cache)."""
    key = stream_key(11, "endpoint.erp.create_order")
    orders = np.arange(ORDERS, dtype=np.int64)
    first, second, third = (keyed_units(key, orders, n).tolist() for n in (1, 2, 3))
    late = keyed_units(key, orders // 3, 4).tolist()
    units: list[float] = []
    for order in range(ORDERS):
        units += (first[order], second[order], third[order])
        if order % 97 == 0:
            units.append(late[order])
    return units


def test_a_bounded_cache_serves_the_same_draws_and_stays_small() -> None:
    bounded = KeyedDraws(11, "endpoint.erp.create_order")
    units = _draw_like_a_run(bounded)
    assert units == _expected()
    assert bounded.keep is not None
    # per draw number in use (1 to 4): the newest block and the kept ones behind it
    assert bounded.blocks <= 4 * (bounded.keep + 1)


def test_an_unbounded_cache_grows_with_the_orders() -> None:
    """The check above with the bound switched off: a block per 2,048 orders and draw number."""
    unbounded = KeyedDraws(11, "endpoint.erp.create_order", keep=None)
    assert _draw_like_a_run(unbounded) == _expected()
    assert unbounded.blocks >= 3 * 40


def test_draws_for_entities_of_no_order_are_cached_as_before() -> None:
    draws = KeyedDraws(5, "endpoint.crm.api", keep=1)
    key = stream_key(5, "endpoint.crm.api")
    ns = np.arange(3 * KeyedDraws.BLOCK, dtype=np.int64)
    assert [draws.unit(-1, int(n)) for n in ns] == keyed_units(key, -1, ns).tolist()
    assert draws.blocks == 3
