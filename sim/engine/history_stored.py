"""A history read back from ``history.parquet`` one row group at a time, never whole.

``o2csim check RUN_DIR`` judges a finished run from its folder. A simulated year's
``history.parquet`` holds tens of millions of rows: read into one frame it needs gigabytes.
:class:`StoredHistory` gives the checkers the same row source a live spilled history gives
(:meth:`chunks` and :meth:`parts` per row group, the three name vocabularies), so
:class:`~sim.history_table.HistoryTable` regroups it by event once and answers each
question with only its rows.

The name columns are dictionary-typed in the file; each row group may carry its own
dictionary, so opening the file reads the three name columns once and builds one
vocabulary per column (in order of first appearance), and every chunk is given in those
codes.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from sim.engine.history import COLUMNS
from sim.engine.vocabulary import Vocabulary

__all__ = ["StoredHistory"]

_NAME_COLUMNS = ("event", "actor", "status")
_DTYPES = {name: np.dtype(dtype) for name, _, dtype in COLUMNS}


class StoredHistory:
    """The rows of a ``history.parquet`` file, column by column and row group by row group.

    The file must have the eight history columns; the caller checks its format first
    (:func:`sim.run_dir.open_history`). Grouping files go to a private temporary folder
    (:attr:`spill_folder`), removed with this object.
    """

    def __init__(self, path: Path) -> None:
        import pyarrow.parquet as pq

        self.path = path
        self._file = pq.ParquetFile(path)
        names = set(self._file.schema_arrow.names)
        missing = [name for name, _, _ in COLUMNS if name not in names]
        if missing:
            raise ValueError(f"{path}: a history file needs the columns {missing}")
        self._groups = self._file.num_row_groups
        self._rows = self._file.metadata.num_rows
        vocabularies = {name: Vocabulary() for name in _NAME_COLUMNS}
        self._maps: dict[str, list[np.ndarray]] = {name: [] for name in _NAME_COLUMNS}
        for group in range(self._groups):
            table = self._file.read_row_group(group, columns=list(_NAME_COLUMNS))
            table = table.unify_dictionaries()
            for name in _NAME_COLUMNS:
                dictionary = _dictionary(table.column(name))
                codes = [vocabularies[name].code(str(value)) for value in dictionary]
                self._maps[name].append(np.asarray(codes, dtype=np.int64))
        self.events = vocabularies["event"]
        self.actors = vocabularies["actor"]
        self.statuses = vocabularies["status"]
        self._folder: Path | None = None
        self._cleanup: weakref.finalize[Any, Any] | None = None

    def __len__(self) -> int:
        return int(self._rows)

    @property
    def spilled_rows(self) -> int:
        """Every row is on disk."""
        return len(self)

    @property
    def spill_folder(self) -> Path:
        """A private folder for the grouped rows, made on first use."""
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="o2csim-stored-"))
            self._cleanup = weakref.finalize(
                self, shutil.rmtree, str(self._folder), ignore_errors=True
            )
        return self._folder

    def chunks(self, name: str) -> Iterator[np.ndarray]:
        """The column ``name`` row group by row group, names as this history's codes."""
        if name not in _DTYPES:
            raise KeyError(f"a history has no column {name!r}")
        for group in range(self._groups):
            column = self._file.read_row_group(group, columns=[name])
            column = column.unify_dictionaries().column(name)
            if name in self._maps:
                array = column.combine_chunks()
                indices = array.indices.to_numpy(zero_copy_only=False)
                yield self._maps[name][group][indices].astype(_DTYPES[name])
            else:
                yield column.to_numpy().astype(_DTYPES[name], copy=False)

    def parts(self) -> Iterator[dict[str, np.ndarray]]:
        """Every column, row group by row group."""
        iterators = {name: self.chunks(name) for name, _, _ in COLUMNS}
        for _ in range(self._groups):
            yield {name: next(chunks) for name, chunks in iterators.items()}


def _dictionary(column: Any) -> list[object]:
    """The dictionary of a dictionary-typed column chunk (its names, in code order)."""
    array = column.combine_chunks()
    if not hasattr(array, "dictionary"):
        raise ValueError("a history file's name columns must be dictionary-typed")
    values: list[object] = array.dictionary.to_pylist()
    return values
