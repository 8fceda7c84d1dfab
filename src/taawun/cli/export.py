"""``taawun export``: analytics tables as files for other tools (R, pandas, Stata, Gephi).

Each command imports analytics (SQLAlchemy, numpy, pyarrow) when it runs, not when the CLI
starts. The table goes to standard output, or to ``--output``; Parquet, being binary, is
not written to a terminal. Progress is shown on standard error when writing to a file.
"""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated, Final

import typer

app = typer.Typer(
    help="Export analytics tables (dyad-years) as CSV, JSON or Parquet.",
    no_args_is_help=False,
)


class TableFormat(enum.StrEnum):
    """The formats of ``analytics.schemas.ExportFormat``, named here so that the CLI's
    start does not import analytics (numpy)."""

    CSV = "csv"
    JSON = "json"
    PARQUET = "parquet"


BINARY: Final = frozenset({"parquet", "png"})
"""The formats never written to a terminal (``refuse_binary_to_terminal``)."""


def refuse_binary_to_terminal(fmt: str, output: Path | None) -> None:
    """A binary format (Parquet, PNG) is not written to a terminal: refused in one line,
    naming ``--output``, when it would go to a standard output that is one."""
    from taawun.core.errors import InvalidInput

    if fmt in BINARY and output is None and sys.stdout.isatty():
        raise InvalidInput(
            f"--format {fmt} is binary: give --output FILE or redirect standard output",
            field="output",
        )


def deliver(data: bytes, output: Path | None, said: str | None = None) -> None:
    """``data`` to the file ``output`` (then ``said → output`` on standard error, when
    given), or to standard output."""
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    output.write_bytes(data)
    if said is not None:
        from taawun.cli._output import err_console

        err_console().print(f"{said} → {output}")


@app.command("dyad-years")
def dyad_years(
    first: Annotated[
        int | None, typer.Option("--from", help="first year (default 1815, ATOP's first)")
    ] = None,
    last: Annotated[
        int | None, typer.Option("--to", help="last year (default and at most this year)")
    ] = None,
    directed: Annotated[
        bool, typer.Option("--directed", help="one row per direction: what ccode1 owes ccode2")
    ] = False,
    fmt: Annotated[TableFormat, typer.Option("--format", "-f", help="csv, json or parquet")] = (
        TableFormat.CSV
    ),
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="write here instead of stdout")
    ] = None,
    as_user: Annotated[
        str | None,
        typer.Option("--as", help="as this user sees the registry (default: public facts only)"),
    ] = None,
) -> None:
    """Dyad-years as ATOP 5.1 codes them (ccode1, ccode2, year, atopally, defense, offense,
    neutral, nonagg, consul, number), then the node's cooperation domains and the agreements
    each dyad shares that year; derived from the registry, for the viewer."""
    refuse_binary_to_terminal(fmt, output)
    _export(first, last, directed, fmt, output, as_user)


def _export(
    first: int | None,
    last: int | None,
    directed: bool,
    fmt: TableFormat,
    output: Path | None,
    as_user: str | None,
) -> None:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from taawun.analytics import export, service
    from taawun.analytics.schemas import ExportFormat
    from taawun.cli._context import unit_of_work, viewer
    from taawun.cli._output import err_console

    chosen = ExportFormat(fmt.value)
    with Progress(
        TextColumn("{task.description:<12}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err_console(),
        disable=output is None,
    ) as progress:
        task = progress.add_task("dyad-years", total=4)

        def on_progress(_stage: str, done: int, _total: int) -> None:
            progress.update(task, completed=done)

        with unit_of_work() as session:
            table = service.dyad_years(
                viewer(session, as_user),
                session,
                first=first,
                last=last,
                directed=directed,
                on_progress=on_progress,
            )
        if output is None:
            export.write(table, chosen, sys.stdout.buffer)
            sys.stdout.buffer.flush()
        else:
            with output.open("wb") as sink:
                export.write(table, chosen, sink)
        progress.update(task, completed=4)
    if output is not None:
        err_console().print(f"{len(table)} dyad-years ({table.first}-{table.last}) → {output}")
