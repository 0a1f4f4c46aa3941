"""The history's columns as a ``pyarrow.Table``: numbers as they are, names dictionary-typed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from sim.engine.vocabulary import Vocabulary

__all__ = ["arrow_table"]


def arrow_table(
    cols: Mapping[str, np.ndarray],
    vocabularies: Mapping[str, Vocabulary],
    metadata: Mapping[bytes, bytes],
) -> Any:
    """A table of ``cols`` in their order, with ``metadata`` as the schema's metadata.

    A column with a vocabulary becomes a dictionary array over that vocabulary's names
    (codes unchanged).
    """
    import pyarrow as pa

    arrays: dict[str, object] = {}
    for name, values in cols.items():
        vocabulary = vocabularies.get(name)
        arrays[name] = (
            pa.array(values)
            if vocabulary is None
            else pa.DictionaryArray.from_arrays(
                pa.array(values), pa.array(vocabulary.names, pa.string())
            )
        )
    return pa.table(arrays).replace_schema_metadata(dict(metadata))
