"""Rendering answers: a Rich table for people, JSON or CSV for scripts."""

from __future__ import annotations

import csv
import enum
import io
import sys
from collections.abc import Sequence
from typing import Any

import orjson
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

console = Console()
err_console = Console(stderr=True, soft_wrap=True)


class Format(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v) for v in value)
    return str(value)


def emit(
    fmt: Format,
    *,
    document: BaseModel | Sequence[BaseModel],
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    title: str | None = None,
    notes: Sequence[str] = (),
) -> None:
    """Print ``document`` whole as JSON, or ``rows`` as a table or CSV."""
    if fmt is Format.JSON:
        data = (
            document.model_dump(mode="json")
            if isinstance(document, BaseModel)
            else [d.model_dump(mode="json") for d in document]
        )
        sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    if fmt is Format.CSV:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in columns])
        sys.stdout.write(buffer.getvalue())
        return
    table = Table(title=title, show_lines=False, header_style="bold")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*[_cell(row.get(c)) for c in columns])
    console.print(table)
    for note in notes:
        console.print(f"[dim]note: {note}[/dim]")
