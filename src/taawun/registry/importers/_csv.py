"""Reading dataset CSV files strictly: every problem names the file, the line and what is wrong.

Files are addressed by their path relative to the data directory
(``atop/atop5_1m.csv``), which is also how errors name them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from taawun.core.errors import DataFileError

if TYPE_CHECKING:
    from _csv import Reader

_INT = re.compile(r"^-?\d+(?:\.0+)?$")


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: its values by column name and its 1-based line number in the file."""

    path: str
    line: int
    values: dict[str, str]

    def error(self, problem: str) -> DataFileError:
        return DataFileError(self.path, problem, line=self.line)

    def text(self, column: str) -> str:
        return self.values[column].strip()

    def optional_int(self, column: str) -> int | None:
        """An integer cell; an empty cell (ATOP's "missing") is ``None``."""
        raw = self.values[column].strip()
        if raw == "":
            return None
        if not _INT.match(raw):
            raise self.error(f"column {column!r}: expected an integer, found {raw!r}")
        return int(raw.split(".", 1)[0])

    def int(self, column: str) -> int:
        value = self.optional_int(column)
        if value is None:
            raise self.error(f"column {column!r}: expected an integer, found an empty cell")
        return value

    def ymd(self, year: str, month: str, day: str) -> tuple[date, bool]:
        """The date in three columns, and whether the day was known (missing or 0 → day 1)."""
        y, m = self.int(year), self.int(month)
        d = self.optional_int(day)
        try:
            return date(y, m, d or 1), bool(d)
        except ValueError:
            raise self.error(f"columns {year}/{month}/{day}: invalid date {y}-{m}-{d}") from None

    def iso_date(self, column: str) -> date:
        raw = self.text(column)
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise self.error(f"column {column!r}: invalid date {raw!r}") from None


@dataclass(frozen=True, slots=True)
class Table:
    path: str
    columns: tuple[str, ...]
    rows: list[Row]
    sha256: str


def read_table(data_dir: Path, path: str, required: Iterable[str]) -> Table:
    """Read ``data_dir/path`` as CSV with a header; check its columns and each row's width."""
    file = data_dir / path
    try:
        raw = file.read_bytes()
    except FileNotFoundError:
        raise DataFileError(path, "file is missing") from None
    except OSError as exc:
        raise DataFileError(path, f"cannot be read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataFileError(path, "not valid UTF-8", line=line) from None
    if not text.strip():
        raise DataFileError(path, "file is empty", line=1)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader)]
    missing = [c for c in required if c not in header]
    if missing:
        raise DataFileError(path, f"bad header: missing column(s) {', '.join(missing)}", line=1)
    if len(set(header)) != len(header):
        raise DataFileError(path, "bad header: a column name appears twice", line=1)
    rows = list(_rows(path, header, reader))
    return Table(path, tuple(header), rows, hashlib.sha256(raw).hexdigest())


def _rows(path: str, header: list[str], reader: Reader) -> Iterator[Row]:
    try:
        for fields in reader:
            if not fields:
                continue
            if len(fields) != len(header):
                raise DataFileError(
                    path,
                    f"expected {len(header)} fields, found {len(fields)} (truncated or cut line?)",
                    line=reader.line_num,
                )
            yield Row(path, reader.line_num, dict(zip(header, fields, strict=True)))
    except csv.Error as exc:
        line = reader.line_num
        raise DataFileError(path, f"malformed CSV ({exc})", line=line) from None


def combined_sha256(tables: Iterable[Table], salt: str) -> str:
    """One checksum over a source's files (path and content sha each) and the mapping version."""
    digest = hashlib.sha256(salt.encode())
    for table in sorted(tables, key=lambda t: t.path):
        digest.update(f"\n{table.path}:{table.sha256}".encode())
    return digest.hexdigest()
