"""Writing analytics tables: CSV, JSON and Parquet, from columns, through pyarrow.

The columns go from numpy to Arrow without a Python object per row. CSV lists a row's
agreements in one cell, joined by ``;`` (as every CSV of the CLI does); JSON is an array of
one object per row (``agreements`` a list); Parquet keeps the integer types and the list.
"""

from __future__ import annotations

import io
from typing import IO, Final

import numpy as np

from taawun.analytics.schemas import (
    AGREEMENTS_COLUMN,
    COLUMNS,
    COOPERATION_DOMAINS,
    OBLIGATIONS,
    DyadYears,
    ExportFormat,
    Table,
)

MEDIA_TYPES: Final = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.JSON: "application/json",
    ExportFormat.PARQUET: "application/vnd.apache.parquet",
}
LIST_SEPARATOR: Final = ";"
_FLAGS: Final = frozenset(("atopally", *OBLIGATIONS, *COOPERATION_DOMAINS))


def to_arrow(table: DyadYears) -> object:
    """The dyad-years as a ``pyarrow.Table`` (typed ``object``: pyarrow has no stubs)."""
    import pyarrow as pa

    arrays = [
        pa.array(table.columns[name].astype(np.int8 if name in _FLAGS else np.int32))
        for name in COLUMNS
    ]
    refs = pa.array(table.refs, type=pa.string())
    values = refs.take(pa.array(table.agreement_index, type=pa.int64()))
    offsets = pa.array(table.offsets.astype(np.int32))
    agreements = pa.ListArray.from_arrays(offsets, values)
    return pa.Table.from_arrays([*arrays, agreements], names=[*COLUMNS, AGREEMENTS_COLUMN])


def write(table: DyadYears, fmt: ExportFormat, sink: IO[bytes]) -> None:
    """Write ``table`` to the binary stream ``sink`` in ``fmt``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arrow = to_arrow(table)
    assert isinstance(arrow, pa.Table)
    if fmt is ExportFormat.PARQUET:
        import pyarrow.parquet as pq

        pq.write_table(arrow, sink, compression="zstd")
    elif fmt is ExportFormat.CSV:
        import pyarrow.csv as pcsv

        index = arrow.schema.get_field_index(AGREEMENTS_COLUMN)
        joined = pc.binary_join(arrow.column(index), LIST_SEPARATOR)
        arrow = arrow.set_column(index, AGREEMENTS_COLUMN, joined)
        sink.write((",".join(arrow.column_names) + "\n").encode())
        options = pcsv.WriteOptions(include_header=False, quoting_style="needed")
        pcsv.write_csv(arrow, sink, write_options=options)
    else:
        sink.write(_json(table))


def _json(table: DyadYears) -> bytes:
    """One object per row. Built from the columns' lists (``tolist`` is C); each row's
    object is one ``dict(zip(...))`` — ``pyarrow.Table.to_pylist`` takes three times as
    long for the same objects."""
    import orjson

    names = [*COLUMNS, AGREEMENTS_COLUMN]
    values = np.column_stack([table.columns[name] for name in COLUMNS]).tolist()
    refs = [table.refs[k] for k in table.agreement_index.tolist()]
    offsets = table.offsets.tolist()
    rows = [
        dict(zip(names, [*row, refs[begin:end]], strict=True))
        for row, begin, end in zip(values, offsets, offsets[1:], strict=False)
    ]
    return orjson.dumps(rows) + b"\n"


def render(table: DyadYears, fmt: ExportFormat) -> bytes:
    """``write`` into memory (an HTTP answer)."""
    buffer = io.BytesIO()
    write(table, fmt, buffer)
    return buffer.getvalue()


def table_to_arrow(table: Table) -> object:
    """``table`` as a ``pyarrow.Table``: numpy columns without a Python object per value."""
    import pyarrow as pa

    return pa.Table.from_arrays(
        [pa.array(column) for column in table.columns.values()], names=list(table.columns)
    )


def write_table(table: Table, fmt: ExportFormat, sink: IO[bytes]) -> None:
    """Write ``table`` to the binary stream ``sink`` in ``fmt`` (floats as they are: CSV and
    JSON keep every digit; Parquet keeps the types)."""
    import pyarrow as pa

    arrow = table_to_arrow(table)
    assert isinstance(arrow, pa.Table)
    if fmt is ExportFormat.PARQUET:
        import pyarrow.parquet as pq

        pq.write_table(arrow, sink, compression="zstd")
    elif fmt is ExportFormat.CSV:
        import pyarrow.csv as pcsv

        sink.write((",".join(arrow.column_names) + "\n").encode())
        options = pcsv.WriteOptions(include_header=False, quoting_style="needed")
        pcsv.write_csv(arrow, sink, write_options=options)
    else:
        import orjson

        sink.write(orjson.dumps(table.rows(), option=orjson.OPT_SERIALIZE_NUMPY) + b"\n")


def render_table(table: Table, fmt: ExportFormat) -> bytes:
    """``write_table`` into memory (an HTTP answer)."""
    buffer = io.BytesIO()
    write_table(table, fmt, buffer)
    return buffer.getvalue()
