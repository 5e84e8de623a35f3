"""Builds pandas DataFrames from the typed columns ``QueryResult.to_pandas()`` prepares.

Private: imported (and pandas with it) only when a result is converted. The Rust side decides
each column's kind from its values and hands numeric columns over as little-endian buffers, so
numpy reads them without a Python object per value.
"""

from __future__ import annotations

from typing import Any, Sequence


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
