"""Builds pandas DataFrames from query results.

Private: imported (and pandas with it) only when a result is converted. With pyarrow installed,
``QueryResult.to_pandas()`` hands its Arrow columns over through the Arrow C stream interface
and ``arrow_to_pandas`` maps their types to the documented dtypes (text stays in Arrow memory as
``string[pyarrow]``). Without pyarrow, ``to_pandas`` builds the frame from numpy buffers: the
Rust side decides each column's kind from its values and hands numeric columns over as
little-endian buffers, so numpy reads them without a Python object per value.
"""

from __future__ import annotations

import importlib.util
from typing import Any, Mapping, Sequence

_HAVE_PYARROW: bool | None = None


def have_pyarrow() -> bool:
    """Whether pyarrow can be imported (checked once, without importing it)."""
    global _HAVE_PYARROW
    if _HAVE_PYARROW is None:
        try:
            _HAVE_PYARROW = importlib.util.find_spec("pyarrow") is not None
        except (ImportError, ValueError):  # pragma: no cover - a broken installation
            _HAVE_PYARROW = False
    return _HAVE_PYARROW


def arrow_to_pandas(table: Any, columns: Sequence[str], mixed: Mapping[int, list[Any]]) -> Any:
    """A DataFrame from a ``pyarrow.Table`` of a query result: ``int64`` as ``Int64``,
    ``timestamp[s, UTC]`` as ``datetime64[s, UTC]``, ``date32`` as ``datetime64[s]``, text as
    ``string`` (pyarrow-backed), bytes as ``object``; the ``mixed`` columns (index -> values) as
    ``object`` columns of their Python values."""
    try:
        import pandas as pd
        import pyarrow as pa
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "QueryResult.to_pandas() needs pandas: pip install 'licstore[pandas]'"
        ) from e

    string = pd.StringDtype("pyarrow")
    int64 = pd.Int64Dtype()

    def types_mapper(t: Any) -> Any:
        if pa.types.is_integer(t):
            return int64
        if pa.types.is_string(t) or pa.types.is_large_string(t):
            return string
        return None

    # Positional names: a query may return two columns of the same name.
    table = table.rename_columns([str(i) for i in range(table.num_columns)])
    frame = table.to_pandas(types_mapper=types_mapper, date_as_object=False)
    for i, field in enumerate(table.schema):
        if pa.types.is_date32(field.type):
            frame[str(i)] = frame[str(i)].astype("datetime64[s]")
        elif pa.types.is_null(field.type):
            frame[str(i)] = pd.Series([None] * len(frame), dtype=object)
    for i, values in mixed.items():
        frame[str(i)] = pd.Series(values, dtype=object)
    frame.columns = pd.Index(list(columns), dtype=object)
    return frame


def to_pandas(columns: Sequence[str], specs: Sequence[tuple[Any, ...]]) -> Any:
    try:
        import numpy as np
        import pandas as pd
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "QueryResult.to_pandas() needs pandas: pip install 'licstore[pandas]'"
        ) from e

    data: dict[int, Any] = {}
    for i, spec in enumerate(specs):
        kind = spec[0]
        if kind == "int":
            values = np.frombuffer(spec[1], dtype="<i8")
            mask = np.frombuffer(spec[2], dtype=np.bool_)
            data[i] = pd.arrays.IntegerArray(values, mask)
        elif kind == "float":
            data[i] = np.frombuffer(spec[1], dtype="<f8")
        elif kind in ("timestamp", "date"):
            seconds = np.frombuffer(spec[1], dtype="<i8")
            mask = np.frombuffer(spec[2], dtype=np.bool_)
            # Second resolution keeps far-future dates (9999-12-31) representable.
            values = seconds.astype("datetime64[s]")
            values[mask] = np.datetime64("NaT")
            series = pd.Series(values, copy=False)
            data[i] = series.dt.tz_localize("UTC") if kind == "timestamp" else series
        elif kind == "string":
            data[i] = pd.array(spec[1], dtype="string")
        else:
            data[i] = pd.array(spec[1], dtype=object)
    frame = pd.DataFrame(data, columns=range(len(specs)))
    # Set afterwards: a query may return two columns of the same name.
    frame.columns = pd.Index(list(columns), dtype=object)
    return frame


def records_to_pandas(
    columns: Sequence[str], kinds: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> Any:
    """A DataFrame from typed records, with the dtypes ``to_pandas`` gives the same columns of a
    view: ``int`` as ``Int64``, ``string`` as ``string``, ``date`` (``datetime.date``) as
    ``datetime64[s]`` (None as ``NaT``)."""
    try:
        import numpy as np
        import pandas as pd
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("to_pandas() needs pandas: pip install 'licstore[pandas]'") from e

    data: dict[str, Any] = {}
    for i, (name, kind) in enumerate(zip(columns, kinds)):
        values = [row[i] for row in rows]
        if kind == "int":
            data[name] = pd.array(values, dtype="Int64")
        elif kind == "date":
            data[name] = pd.Series(
                np.array(
                    [
                        np.datetime64("NaT") if v is None else np.datetime64(v.isoformat(), "s")
                        for v in values
                    ],
                    dtype="datetime64[s]",
                ),
                copy=False,
            )
        else:
            data[name] = pd.array(values, dtype="string")
    frame = pd.DataFrame(data)
    frame.columns = pd.Index(list(columns), dtype=object)
    return frame
