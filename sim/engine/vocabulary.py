"""A dictionary encoding of names to small integer codes, as the history's columns use."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["Vocabulary"]


class Vocabulary:
    """A dictionary encoding: names to small integer codes, in order of first use."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._codes: dict[str, int] = {}
        self._names: list[str] = []
        for name in names:
            self.code(name)

    def code(self, name: str) -> int:
        """The code for ``name``, assigning the next free one on first use."""
        code = self._codes.get(name)
        if code is None:
            code = len(self._names)
            if code > 0xFFFF:
                raise OverflowError("a vocabulary holds at most 65,536 names")
            self._codes[name] = code
            self._names.append(name)
        return code

    def name(self, code: int) -> str:
        """The name behind ``code``."""
        return self._names[code]

    def find(self, name: str) -> int | None:
        """The code for ``name`` if it was ever used, else ``None``."""
        return self._codes.get(name)

    @property
    def names(self) -> list[str]:
        """All names, indexed by code."""
        return list(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __getstate__(self) -> list[str]:
        """Pickle only the names: the name-to-code table is rebuilt from them."""
        return list(self._names)

    def __setstate__(self, state: list[str]) -> None:
        self._names = list(state)
        self._codes = {name: code for code, name in enumerate(self._names)}
        if len(self._codes) != len(self._names):
            raise ValueError("a pickled vocabulary repeats a name")
