"""Frames as text and back, for results kept in the store (``Store.keep``).

    text = pack({"ranked": frame, "score": series})
    unpack(text)   # {"ranked": frame, "score": series}, equal to what was packed

Each frame is an Arrow IPC stream (zstd-compressed, index kept), base64 in a JSON envelope that
also says how to give each column back its pandas form: Arrow turns an ``object`` column into
strings or lists, so those columns are made ``object`` again with their missing values as they
were (None or NaN), a column of sets (frozenset) is written as sorted lists, and column names
that were integers become integers again. Only data: nothing in the text is executed on reading.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

import pandas as pd
import pyarrow as pa

_OPTIONS = pa.ipc.IpcWriteOptions(compression="zstd")


def pack(frames: Mapping[str, pd.DataFrame | pd.Series]) -> str:
    """The frames (and series) as one text, for :func:`unpack`."""
    out: dict[str, Any] = {}
    for name, item in frames.items():
        series = isinstance(item, pd.Series)
        frame = item.to_frame("value") if isinstance(item, pd.Series) else item
        columns = list(frame.columns)
        objects: dict[str, str] = {}  # object column → "none" / "nan": how its missing values were
        sets = []
        plain = frame.copy(deep=False)
        plain.columns = [str(c) for c in columns]
        for c in plain.columns:
            col = plain[c]
            if col.dtype != object:
                continue
            if col.map(lambda v: isinstance(v, frozenset)).any():
                sets.append(c)
                plain[c] = col.map(lambda v: sorted(v) if isinstance(v, frozenset) else None)
            missing = col[col.isna()]
            objects[c] = "none" if any(v is None for v in missing) else "nan"
        table = pa.Table.from_pandas(plain, preserve_index=True)
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema, options=_OPTIONS) as writer:
            writer.write_table(table)
        out[name] = {
            "arrow": base64.b64encode(sink.getvalue().to_pybytes()).decode("ascii"),
            "series": series,
            "name": item.name if isinstance(item, pd.Series) and isinstance(item.name, str) else None,
            "int_columns": pd.api.types.is_integer_dtype(frame.columns.dtype),
            "objects": objects,
            "sets": sets,
        }
    return json.dumps(out)


def unpack(text: str) -> dict[str, pd.DataFrame | pd.Series]:
    """The frames (and series) :func:`pack` was given."""
    out: dict[str, pd.DataFrame | pd.Series] = {}
    for name, item in json.loads(text).items():
        frame = pa.ipc.open_stream(base64.b64decode(item["arrow"])).read_all().to_pandas()
        for c, missing in item["objects"].items():
            col = frame[c]
            if c in item["sets"]:
                col = col.map(lambda v: frozenset(v) if v is not None and not _missing(v) else None)
            col = col.astype(object)
            frame[c] = col.where(col.notna(), None if missing == "none" else float("nan"))
        if item["int_columns"]:
            frame.columns = pd.Index([int(c) for c in frame.columns], dtype="int64")
        out[name] = frame["value"].rename(item["name"]) if item["series"] else frame
    return out


def _missing(value: Any) -> bool:
    return isinstance(value, float) and value != value
