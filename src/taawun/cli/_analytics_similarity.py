"""``taawun analytics sscores``, ``taawun analytics cohesion``, ``taawun export sscores`` and
``taawun export cohesion``: alliance portfolio similarity (``analytics/similarity.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from taawun.cli._output import Format
from taawun.cli.analytics import app as analytics_app
from taawun.cli.export import TableFormat, deliver, refuse_binary_to_terminal
from taawun.cli.export import app as export_app

if TYPE_CHECKING:
    from taawun.analytics.schemas import Table

AsUser = Annotated[
    str | None,
    typer.Option("--as", help="as this user sees the registry (default: public facts only)"),
]
Output = Annotated[Path | None, typer.Option("--output", "-o", help="write here, not stdout")]
Org = Annotated[
    str | None, typer.Option("--org", help="the full members of this organisation (OIC, NATO)")
]
Fmt = Annotated[TableFormat, typer.Option("--format", "-f", help="csv, json or parquet")]
FIRST, LAST = 1816, 2018  # fpsim's panel (similarity.PANEL), kept here for a light start


def _write(table: Table, fmt: str, output: Path | None, said: str | None = None) -> None:
    """The table to ``output`` (``said`` on standard error), or to standard output."""
    from taawun.analytics import export
    from taawun.analytics.schemas import ExportFormat

    deliver(export.render_table(table, ExportFormat(fmt)), output, said)


@analytics_app.command("sscores")
def sscores(
    year: Annotated[int, typer.Option("--year", "-y", help="the year")],
    states: Annotated[
        list[str] | None,
        typer.Argument(help="states (ISO3, COW code or name); default every system member"),
    ] = None,
    org: Org = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table, csv or json")] = (
        Format.TABLE
    ),
    as_user: AsUser = None,
) -> None:
    """Alliance portfolio similarity of every pair of the states named (or of an
    organisation's members): Signorino–Ritter S, valued and binary, absolute and squared
    distances, Scott's π and Cohen's κ, as svmiller/fpsim computes them."""
    from taawun.analytics import similarity
    from taawun.cli._context import unit_of_work, viewer
    from taawun.cli._output import table

    with unit_of_work() as session:
        found = similarity.sscores(
            viewer(session, as_user), session, year=year, states=states, org=org
        )
        c = found.columns
        labels = similarity.abbreviations(session, [*c["ccode1"], *c["ccode2"]])
    if fmt is not Format.TABLE:
        _write(found, fmt.value, None)
        return
    columns = ["state1", "state2", *similarity.SCORES]
    cells = [
        [labels[int(a)], labels[int(b)], *(f"{row[s]:.3f}" for s in similarity.SCORES)]
        for a, b, row in zip(c["ccode1"], c["ccode2"], found.rows(), strict=True)
    ]
    table(found.title, columns, cells, ids=("state1", "state2"))


@analytics_app.command("cohesion")
def cohesion(
    org: Annotated[str, typer.Argument(help="the organisation (OIC, NATO, LOAS ...)")],
    first: Annotated[int, typer.Option("--from", help="first year")] = FIRST,
    last: Annotated[int, typer.Option("--to", help="last year")] = LAST,
    as_user: AsUser = None,
) -> None:
    """A bloc's cohesion per year: the mean S (valued, absolute) and κ (binary) among its
    full members."""
    from taawun.analytics import similarity
    from taawun.cli._context import unit_of_work, viewer
    from taawun.cli._output import table

    with unit_of_work() as session:
        found = similarity.cohesion(
            viewer(session, as_user), session, org=org, first=first, last=last
        )
    columns = list(found.columns)
    cells = [
        [f"{v:.3f}" if isinstance(v, float) else str(v) for v in row.values()]
        for row in found.rows()
    ]
    table(found.title, columns, cells, ids=("year",))


@export_app.command("sscores")
def export_sscores(
    year: Annotated[int | None, typer.Option("--year", "-y", help="one year")] = None,
    first: Annotated[
        int | None, typer.Option("--from", help="first year of a panel (1816)")
    ] = None,
    last: Annotated[int | None, typer.Option("--to", help="last year of a panel (2018)")] = None,
    states: Annotated[
        list[str] | None,
        typer.Option("--state", "-s", help="a state (repeat); with --year only"),
    ] = None,
    org: Org = None,
    fmt: Fmt = TableFormat.CSV,
    output: Output = None,
    as_user: AsUser = None,
) -> None:
    """S-scores, Scott's π and Cohen's κ (ccode1, ccode2, year, s_valued_abs, s_valued_sq,
    s_binary_abs, s_binary_sq, pi_valued, pi_binary, kappa_valued, kappa_binary): one
    year (``--year``), or every pair of system members from ``--from`` to ``--to``."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from taawun.analytics import similarity
    from taawun.cli._context import unit_of_work, viewer
    from taawun.cli._output import err_console
    from taawun.core.errors import InvalidInput

    refuse_binary_to_terminal(fmt, output)
    if year is not None and (first is not None or last is not None):
        raise InvalidInput("year: give --year or --from/--to, not both", field="year")
    if year is None and (states or org):
        raise InvalidInput("state: --state and --org need --year", field="state")
    with (
        Progress(
            "{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console(),
            disable=output is None,
        ) as progress,
        unit_of_work() as session,
    ):
        who = viewer(session, as_user)
        if year is not None:
            found = similarity.sscores(who, session, year=year, states=states, org=org)
        else:
            task = progress.add_task("S-scores", total=None)

            def on_progress(_stage: str, done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            found = similarity.sscore_panel(
                who,
                session,
                first=FIRST if first is None else first,
                last=LAST if last is None else last,
                on_progress=on_progress,
            )
    _write(found, fmt.value, output, f"{len(found)} dyad-years of S-scores")


@export_app.command("cohesion")
def export_cohesion(
    org: Annotated[str, typer.Option("--org", help="the organisation (OIC, NATO ...)")],
    first: Annotated[int, typer.Option("--from", help="first year")] = FIRST,
    last: Annotated[int, typer.Option("--to", help="last year")] = LAST,
    fmt: Fmt = TableFormat.CSV,
    output: Output = None,
    as_user: AsUser = None,
) -> None:
    """A bloc's cohesion per year (year, members, pairs, s_valued_abs, kappa_binary)."""
    from taawun.analytics import similarity
    from taawun.cli._context import unit_of_work, viewer

    refuse_binary_to_terminal(fmt, output)
    with unit_of_work() as session:
        found = similarity.cohesion(
            viewer(session, as_user), session, org=org, first=first, last=last
        )
    _write(found, fmt.value, output)
