"""Where a long run's history goes when its in-memory rows exceed a budget: Parquet parts.

A :class:`~sim.engine.history.History` that spills hands its eight columns to a
:class:`SpillStore`, which writes them as one Parquet file (one row group per column
chunk, zstd) under a private temporary folder and forgets them; the history then clears
its buffers and goes on recording. Parts are plain typed columns (the history's own
dtypes, codes not names), so reading a part back gives the very bytes that were spilled:
the history's content hash and every column read back are identical spilled or not.

The folder is created on the first spill (under ``directory`` when given, else the
system's temporary folder, which ``TMPDIR`` sets) and removed when the store is garbage
collected or the process exits. pyarrow is imported only when a history first spills.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["SpillStore"]


class SpillStore:
    """Append-only Parquet parts of a history's rows, oldest first.

    ``columns`` is the history's layout: (name, ``array`` typecode, numpy dtype) in
    storage order.
    """

    def __init__(
        self, columns: Sequence[tuple[str, str, str]], directory: Path | None = None
    ) -> None:
        self._columns = tuple(columns)
        self._dtypes = {name: np.dtype(dtype) for name, _, dtype in self._columns}
        self._parent = directory
        self._folder: Path | None = None
        self._parts: list[tuple[Path, int]] = []
        self._cleanup: weakref.finalize[Any, Any] | None = None

    @property
    def rows(self) -> int:
        """Rows held in the parts."""
        return sum(rows for _, rows in self._parts)

    @property
    def parts(self) -> int:
        """Number of parts written so far."""
        return len(self._parts)

    @property
    def folder(self) -> Path | None:
        """The private folder of the parts (``None`` before the first spill)."""
        return self._folder

    def _ensure_folder(self) -> Path:
        if self._folder is None:
            if self._parent is not None:
                self._parent.mkdir(parents=True, exist_ok=True)
            self._folder = Path(tempfile.mkdtemp(prefix="o2csim-history-", dir=self._parent))
            self._cleanup = weakref.finalize(
                self, shutil.rmtree, str(self._folder), ignore_errors=True
            )
        return self._folder

    def write(self, columns: Mapping[str, np.ndarray]) -> None:
        """Write one part from the history's columns (numpy arrays, any strides)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        rows = len(columns[self._columns[0][0]])
        if rows == 0:
            return
        table = pa.table(
            {
                name: pa.array(np.ascontiguousarray(columns[name], dtype=self._dtypes[name]))
                for name, _, _ in self._columns
            }
        )
        path = self._ensure_folder() / f"part-{len(self._parts):05d}.parquet"
        pq.write_table(table, path, compression="zstd", row_group_size=rows)
        self._parts.append((path, rows))

    def chunks(self, name: str) -> Iterator[np.ndarray]:
        """The column ``name`` of each part in turn, as numpy arrays of the history's dtype."""
        import pyarrow.parquet as pq

        dtype = self._dtypes[name]
        for path, rows in self._parts:
            column = pq.read_table(path, columns=[name]).column(name)
            values = column.to_numpy()
            _expect(path, name, values, dtype, rows)
            yield values

    def tables(self) -> Iterator[dict[str, np.ndarray]]:
        """Each part in turn, every column, as numpy arrays of the history's dtypes."""
        import pyarrow.parquet as pq

        for path, rows in self._parts:
            table = pq.read_table(path)
            part = {name: table.column(name).to_numpy() for name, _, _ in self._columns}
            for name, values in part.items():
                _expect(path, name, values, self._dtypes[name], rows)
            yield part

    def close(self) -> None:
        """Remove the parts and their folder now (the store is empty afterwards)."""
        if self._cleanup is not None:
            self._cleanup()
        self._folder = None
        self._parts = []
        self._cleanup = None


def _expect(path: Path, name: str, values: np.ndarray, dtype: np.dtype[Any], rows: int) -> None:
    """Refuse a part whose column reads back with another dtype or length than written."""
    if values.dtype != dtype or len(values) != rows:
        raise ValueError(
            f"{path}: spilled column {name!r} reads back as {values.dtype} x "
            f"{len(values)}, expected {dtype} x {rows}"
        )
