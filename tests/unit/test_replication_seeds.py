"""Replication seeds: replication i of a study depends on the study seed and i alone."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.replications import SEED_BITS, replication_seed


def _spawned_word(seed: int, n: int, index: int) -> int:
    """The first 64-bit word of ``SeedSequence(seed).spawn(n)[index]``, spawned for real."""
    return int(np.random.SeedSequence(seed).spawn(n)[index].generate_state(1, np.uint64)[0])


@pytest.mark.parametrize("index", [0, 1, 7, 99])
def test_numpy_spawn_gives_the_same_child_whatever_the_count(index: int) -> None:
    # the premise of the design, checked on numpy itself: spawn(N)[i] does not depend on N
    words = {_spawned_word(20261123, n, index) for n in (index + 1, index + 2, 128, 1000)}
    assert len(words) == 1


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**64),
    index=st.integers(min_value=0, max_value=40),
    extra=st.integers(min_value=1, max_value=40),
)
def test_the_seed_is_that_of_the_spawned_child_for_any_count(
    seed: int, index: int, extra: int
) -> None:
    expected = _spawned_word(seed, index + extra, index) >> (64 - SEED_BITS)
    assert replication_seed(seed, index) == expected
    assert 0 <= replication_seed(seed, index) < 2**SEED_BITS


def test_the_derivation_is_pinned() -> None:
    # a change of derivation would silently change every study's replications
    assert replication_seed(12345, 0) == 13729193726644583001 >> 1
    assert replication_seed(12345, 3) == 4737044581125315645 >> 1


def test_seeds_differ_across_replications_and_studies() -> None:
    first = [replication_seed(7, i) for i in range(2000)]
    assert len(set(first)) == 2000
    assert not set(first) & {replication_seed(8, i) for i in range(2000)}
    # a replication seed is not the study seed, nor its neighbours
    assert replication_seed(7, 0) not in (6, 7, 8)


@pytest.mark.parametrize(("seed", "index"), [(-1, 0), (5, -1)])
def test_negative_inputs_are_refused(seed: int, index: int) -> None:
    with pytest.raises(ValueError, match="non-negative"):
        replication_seed(seed, index)
