"""Rendering answers: a Rich table for people, JSON or CSV for scripts.

What a script reads is whole: JSON is the command's whole document, CSV every row with
every value (a list is one cell, its items joined by ``;``). A table never cuts an id
(the columns named in ``ids`` keep their full width; the others wrap to make room), and
when the terminal is too narrow for that, each row is printed as a block of
``column value`` lines instead. Data is printed as text, never as Rich markup.

Rich and orjson are imported when something is printed, so that ``taawun --help`` and
the commands that print a single line do not pay for them.
"""

from __future__ import annotations

import csv
import enum
import io
import sys
from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import BaseModel
    from rich.console import Console

EMPTY = "—"  # a table cell with no value
LIST_SEPARATOR = ";"  # the items of a list in one CSV cell
MIN_WIDTH = 8  # the narrowest a wrapping table column may get before rows become blocks


class Format(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


def console() -> Console:
    """Standard output (Rich reads the terminal's width, or ``COLUMNS``, when made)."""
    from rich.console import Console

    return Console(highlight=False)


def err_console() -> Console:
    """Standard error, never wrapped: a message stays one line."""
    from rich.console import Console

    return Console(stderr=True, soft_wrap=True, highlight=False)


def error(message: str, *more: str) -> None:
    """``error: message`` on stderr, then any further lines (candidates, hints) as they are."""
    from rich.text import Text

    out = err_console()
    out.print(Text.assemble(("error:", "bold red"), " ", message))
    for line in more:
        out.print(Text(line))


def text(value: Any) -> str:
    """A value as a person reads it in a table: no ``None``, no Python reprs."""
    if value is None or value in ("", [], {}):
        return EMPTY
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(text(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    return _scalar(value)


def _scalar(value: Any) -> str:
    """A date as ISO 8601, a clearance by name, a role by value, anything else as ``str``."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.IntEnum):
        return value.name
    if isinstance(value, enum.Enum):
        return str(value.value)
    return str(value)


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(_csv_cell(v) for v in value)
    return str(value)


def emit(
    fmt: Format,
    *,
    document: BaseModel | Sequence[BaseModel],
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    title: str | None = None,
    notes: Sequence[str] = (),
    ids: Collection[str] = ("id",),
) -> None:
    """Print ``document`` whole as JSON, or ``rows`` as a table or CSV.

    ``ids`` names the columns a table must never wrap or cut (they are copied and pasted
    into the next command)."""
    if fmt is Format.JSON:
        import orjson

        data = (
            document.model_dump(mode="json")
            if not isinstance(document, Sequence)
            else [d.model_dump(mode="json") for d in document]
        )
        sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    if fmt is Format.CSV:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_csv_cell(row.get(c)) for c in columns])
        sys.stdout.write(buffer.getvalue())
        return
    table(title, columns, [[text(row.get(c)) for c in columns] for row in rows], ids=ids)
    if notes:
        from rich.text import Text

        out = console()
        for note in notes:
            out.print(Text(f"note: {note}", style="dim"))


def _width(cell: str) -> int:
    from rich.cells import cell_len

    return max((cell_len(line) for line in cell.splitlines()), default=0)


def _fit(natural: list[int], fixed: list[bool], budget: int) -> list[int] | None:
    """Content widths summing to at most ``budget``: fixed columns keep their natural width;
    the others share what is left, the narrowest served first. ``None`` when some column
    would get less than ``MIN_WIDTH`` (or less than its content, if that is narrower)."""
    widths = list(natural)
    left = budget - sum(n for n, f in zip(natural, fixed, strict=True) if f)
    if left < 0:
        return None
    flexible = sorted((n, i) for i, (n, f) in enumerate(zip(natural, fixed, strict=True)) if not f)
    for k, (n, i) in enumerate(flexible):
        share = left // (len(flexible) - k)
        if share < min(n, MIN_WIDTH):
            return None
        widths[i] = min(n, share)
        left -= widths[i]
    return widths


def table(
    title: str | None,
    columns: Sequence[str],
    cells: Sequence[Sequence[str]],
    *,
    ids: Collection[str] = ("id",),
) -> None:
    """A table whose id columns are never wrapped or cut; rows as blocks when it cannot fit."""
    from rich.table import Table
    from rich.text import Text

    out = console()
    fixed = [c in ids for c in columns]
    natural = [max([_width(c), *(_width(row[i]) for row in cells)]) for i, c in enumerate(columns)]
    # The default box: a border at each edge and between columns, one space of padding a side.
    budget = out.width - (len(columns) + 1) - 2 * len(columns)
    widths = _fit(natural, fixed, budget)
    if widths is None:
        _blocks(title, columns, cells)
        return
    shown = Table(title=title, header_style="bold")
    for column, width, is_id in zip(columns, widths, fixed, strict=True):
        shown.add_column(Text(column), width=width, no_wrap=is_id, overflow="fold")
    for row in cells:
        shown.add_row(*(Text(cell) for cell in row))
    out.print(shown)


def _blocks(title: str | None, columns: Sequence[str], cells: Sequence[Sequence[str]]) -> None:
    """Each row as ``column value`` lines, rows apart: for a terminal too narrow for a table
    (an id, having no spaces, then wraps only where it is wider than the terminal itself)."""
    from rich.table import Table
    from rich.text import Text

    out = console()
    if title:
        out.print(Text(title, style="bold"))
    for row in cells:
        block = Table.grid(padding=(0, 2))
        block.add_column(no_wrap=True, style="bold")
        block.add_column(overflow="fold")
        for column, cell in zip(columns, row, strict=True):
            block.add_row(Text(column), Text(cell))
        out.print()
        out.print(block)
