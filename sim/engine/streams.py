"""Named random streams derived from one root seed.

Every component draws from its own stream, named after the component ("workload.arrivals",
"endpoint.erp.create_order"). A stream's seed depends only on the root seed and the stream's
name, never on the order in which streams were created: the workload draws the same orders
whichever integration pattern runs, which keeps common random numbers across patterns.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import numpy as np

__all__ = ["RandomStreams", "BufferedDraws", "keyed_uniform"]


def _name_key(name: str) -> tuple[int, ...]:
    """A stable spawn key for ``name``: its BLAKE2b-128 digest as four 32-bit words."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=16).digest()
    return tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))


class RandomStreams:
    """Independent, reproducible ``numpy.random.Generator`` streams keyed by name.

    The root is a ``numpy.random.SeedSequence``; each named stream is the child sequence whose
    spawn key is the BLAKE2b-128 digest of the name (four 32-bit words), so streams are
    statistically independent, distinct names do not collide in practice, and the same name
    always yields the same stream for the same root seed.
    """

    def __init__(self, seed: int) -> None:
        if seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed}")
        self.seed = seed
        self._root = np.random.SeedSequence(seed)
        self._streams: dict[str, np.random.Generator] = {}

    def seed_sequence(self, name: str) -> np.random.SeedSequence:
        """The child ``SeedSequence`` for ``name`` (fresh object, same state every call)."""
        return np.random.SeedSequence(
            entropy=self._root.entropy, spawn_key=self._root.spawn_key + _name_key(name)
        )

    def stream(self, name: str) -> np.random.Generator:
        """The generator for ``name``; created on first use, shared afterwards."""
        rng = self._streams.get(name)
        if rng is None:
            rng = np.random.Generator(np.random.PCG64(self.seed_sequence(name)))
            self._streams[name] = rng
        return rng

    @property
    def names(self) -> list[str]:
        """Names of the streams created so far, sorted."""
        return sorted(self._streams)


class BufferedDraws:
    """Scalar draws served from blocks drawn in one vectorised call.

    numpy's per-call overhead dominates scalar draws; drawing ``block`` values at a time and
    handing them out one by one is several times faster and still deterministic, because the
    block contents depend only on the stream state.
    """

    __slots__ = ("_block", "_buffer", "_draw_block", "_index")

    def __init__(self, draw_block: Callable[[int], np.ndarray], block: int = 512) -> None:
        self._draw_block = draw_block
        self._block = block
        self._buffer: list[float] = []
        self._index = 0

    def __call__(self) -> float:
        """The next value."""
        if self._index >= len(self._buffer):
            self._buffer = self._draw_block(self._block).tolist()
            self._index = 0
        value = self._buffer[self._index]
        self._index += 1
        return value


def keyed_uniform(seed: int, *key: object) -> float:
    """A uniform draw in [0, 1) that depends only on ``seed`` and ``key``.

    Faults decide per message or per call (is this copy duplicated? is this response
    lost?) by hashing the entity's key rather than by drawing from a shared stream, so a
    pattern that makes more or fewer calls does not shift any other entity's draw: the same
    message meets the same fate under every pattern.
    """
    text = "\x1f".join(str(part) for part in key)
    digest = hashlib.blake2b(f"{seed}\x1e{text}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") / 18446744073709551616.0
