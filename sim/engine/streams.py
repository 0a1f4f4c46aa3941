"""Named random streams derived from one root seed, sequential and keyed.

Every component draws from its own stream, named after the component ("workload.arrivals",
"wms.pick"). A stream's seed depends only on the root seed and the stream's name, never on
the order in which streams were created: the workload draws the same orders whichever
integration pattern runs, which keeps common random numbers across patterns.

A *sequential* stream (:class:`RandomStreams`) hands out its draws in call order. A *keyed*
stream (:func:`keyed_unit`, :class:`KeyedDraws`) has no state: its draw for a key such as
(order, n) is a hash of the run's seed, the stream's name and the key, so the n-th draw that
belongs to an order is the same however many draws other orders took before it. Keyed
draws are what keeps an order's costs common across patterns that make different numbers
of calls.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Callable

import numpy as np

__all__ = [
    "RandomStreams",
    "BufferedDraws",
    "KEEP_ENTITY_BLOCKS",
    "KeyedDraws",
    "keyed_uniform",
    "keyed_unit",
    "keyed_units",
    "stream_key",
]


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


# --------------------------------------------------------------------------- keyed streams
_MASK = (1 << 64) - 1
_GAMMA = 0x9E3779B97F4A7C15
"""SplitMix64's increment (the golden ratio in 64 bits)."""
_MIX1, _MIX2 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB
_UNIT = 2.0**-52
_BLOCK_BITS = 11
_BLOCK_MASK = (1 << _BLOCK_BITS) - 1
_FILL_AFTER = 8
"""Draws of a block hashed one by one before the block is computed (a block costs about as
much as ten draws hashed alone)."""
_MAX_CACHED_N = 64
"""Draw numbers cached by blocks of entities fit in the low 7 bits of a cache key."""
KEEP_ENTITY_BLOCKS = 4
"""assumption: blocks of entities a :class:`KeyedDraws` keeps cached behind the newest one
(4 blocks: 8,192 orders, a few days of a distributor's orders). An order's calls come in
its first days; a later one is hashed alone (or its block computed again), the same draw."""


def stream_key(seed: int, name: str) -> int:
    """The 64-bit key of the keyed stream ``name`` in the run with root ``seed``.

    BLAKE2b of the seed and the name (with a domain tag of its own, so a keyed stream never
    shares its key with a sequential stream of the same name).
    """
    digest = hashlib.blake2b(f"keyed\x1e{seed}\x1e{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def _mix(z: int) -> int:
    """SplitMix64's output function (Stafford's variant 13) on a 64-bit integer."""
    z = ((z ^ (z >> 30)) * _MIX1) & _MASK
    z = ((z ^ (z >> 27)) * _MIX2) & _MASK
    return z ^ (z >> 31)


def keyed_unit(key: int, entity: int, n: int) -> float:
    """The uniform in (0, 1) of draw ``n`` of ``entity`` in the keyed stream ``key``.

    Two SplitMix64 steps: ``z = mix(key + entity * gamma)``, then ``mix(z + n * gamma)``;
    that is output ``n`` of the SplitMix64 generator seeded with output ``entity`` of the one
    seeded with ``key``. The top 52 bits make the uniform ``(2k + 1) / 2**53``: never 0 or 1,
    so every inverse CDF gives a finite value. ``entity`` and ``n`` may be negative (they are
    taken modulo 2**64). A pure function in plain integers: no generator is built, and the
    same key gives the same uniform on every platform.
    """
    z = _mix((key + (entity & _MASK) * _GAMMA) & _MASK)
    z = _mix((z + (n & _MASK) * _GAMMA) & _MASK)
    return ((z >> 12) + 0.5) * _UNIT


_U = {bits: np.uint64(bits) for bits in (12, 27, 30, 31)}
_U_GAMMA, _U_MIX1, _U_MIX2 = np.uint64(_GAMMA), np.uint64(_MIX1), np.uint64(_MIX2)


def _mix_array(z: np.ndarray) -> np.ndarray:
    """:func:`_mix` on every element of a uint64 array, in place."""
    z ^= z >> _U[30]
    z *= _U_MIX1
    z ^= z >> _U[27]
    z *= _U_MIX2
    z ^= z >> _U[31]
    return z


def _as_uint64(values: np.ndarray | int) -> np.ndarray:
    """Integers modulo 2**64 as a uint64 array (a Python int as an array of one)."""
    if isinstance(values, int):
        return np.array([values & _MASK], dtype=np.uint64)
    return np.asarray(values, dtype=np.int64).view(np.uint64)  # negatives wrap as masks do


def keyed_units(key: int, entities: np.ndarray | int, ns: np.ndarray | int) -> np.ndarray:
    """:func:`keyed_unit` over int64 arrays of entities and draw numbers (broadcast), bit for bit.

    numpy's unsigned 64-bit arithmetic wraps modulo 2**64 as the masked integers do, and
    ``(k + 0.5) * 2**-52`` is exact for ``k < 2**52``, so the two agree exactly.
    """
    z = _as_uint64(entities) * _U_GAMMA
    z += np.uint64(key)
    z = _mix_array(z) + _as_uint64(ns) * _U_GAMMA
    _mix_array(z)
    units: np.ndarray = ((z >> _U[12]).astype(np.float64) + 0.5) * _UNIT
    return units


_CacheKey = int | tuple[int, int]


class KeyedDraws:
    """The uniforms of one keyed stream, ``unit(entity, n)``, served from a cache.

    ``unit(entity, n)`` equals ``keyed_unit(key, entity, n)`` exactly; it only costs less.
    The hash in Python integers costs some microseconds, so uniforms are computed with numpy
    a block at a time and looked up: for an order (``entity >= 0``, drawn a few times), draw
    ``n`` of ``BLOCK`` consecutive orders; for a negative entity (calls that belong to no
    order, drawn many times), ``BLOCK`` consecutive draws. A block is computed once
    ``FILL_AFTER`` of its draws have been hashed one by one, so a block that is barely used
    (a rare line number, a tenth retry) never costs a whole block. Draw numbers above
    ``MAX_CACHED_N`` of an order, and negative draw numbers, are always hashed one by one.
    """

    BLOCK = 1 << _BLOCK_BITS
    """Entities (or draw numbers) per cached block."""
    FILL_AFTER = _FILL_AFTER
    MAX_CACHED_N = _MAX_CACHED_N

    __slots__ = ("_blocks", "_front", "_hashed", "keep", "key")

    def __init__(self, seed: int, name: str, keep: int | None = KEEP_ENTITY_BLOCKS) -> None:
        self.key = stream_key(seed, name)
        self.keep = keep
        """Blocks of entities kept behind the newest block computed; ``None`` keeps every
        block (the cache then grows with the entities drawn for: 8 bytes an order per
        draw number in use)."""
        self._front = -1
        """The highest block of entities computed so far."""
        self._blocks: dict[_CacheKey, array[float]] = {}
        """Computed blocks: ``block << 7 | n`` for orders, ``(entity, block)`` otherwise."""
        self._hashed: dict[_CacheKey, int] = {}
        """Draws hashed one by one so far, per block not computed yet."""

    @property
    def blocks(self) -> int:
        """Blocks computed so far."""
        return len(self._blocks)

    def unit(self, entity: int, n: int) -> float:
        """The uniform in (0, 1) of draw ``n`` of ``entity``."""
        if entity >= 0:
            if 0 <= n <= _MAX_CACHED_N:
                cache_key: _CacheKey = (entity >> _BLOCK_BITS) << 7 | n
                block = self._blocks.get(cache_key)
                if block is not None:
                    return block[entity & _BLOCK_MASK]
                return self._miss(cache_key, entity, n)
        elif n >= 0:
            cache_key = (entity, n >> _BLOCK_BITS)
            block = self._blocks.get(cache_key)
            if block is not None:
                return block[n & _BLOCK_MASK]
            return self._miss(cache_key, entity, n)
        return keyed_unit(self.key, entity, n)

    def _miss(self, cache_key: _CacheKey, entity: int, n: int) -> float:
        """Hash the draw alone, or compute its block once the block has been asked enough."""
        hashed = self._hashed.get(cache_key, 0)
        if hashed < _FILL_AFTER:
            self._hashed[cache_key] = hashed + 1
            return keyed_unit(self.key, entity, n)
        del self._hashed[cache_key]
        if entity >= 0:
            first = entity & ~_BLOCK_MASK
            units = keyed_units(self.key, np.arange(first, first + self.BLOCK), n)
            index = entity & _BLOCK_MASK
            front = entity >> _BLOCK_BITS
            if front > self._front:
                self._front = front
                if self.keep is not None:
                    self._drop_blocks_below(front - self.keep)
        else:
            first = n & ~_BLOCK_MASK
            units = keyed_units(self.key, entity, np.arange(first, first + self.BLOCK))
            index = n & _BLOCK_MASK
        block = self._blocks[cache_key] = array("d", units.tobytes())
        return block[index]

    def _drop_blocks_below(self, lowest: int) -> None:
        """Drop the cached blocks of entities below block ``lowest`` (and their counts).

        A cache only: a draw of a dropped block is hashed again, the very same uniform.
        Called once per new block of entities, so a long run's cache stays a few blocks.
        """
        for store in (self._blocks, self._hashed):
            stale = [k for k in store if isinstance(k, int) and k >> 7 < lowest]
            for k in stale:
                del store[k]
