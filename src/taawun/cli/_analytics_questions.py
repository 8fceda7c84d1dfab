"""``taawun analytics profile|dyad|bloc|brought|gainers|brokers``: the questions an analyst
asks (``analytics/questions.py``), as Rich tables; ``--format csv|json|parquet`` writes one
of the answer's tables (``--table``) instead, to standard output or ``--output``."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from taawun.analytics.choices import BlocTable, BroughtTable, HistoryTable
from taawun.cli.analytics import app as analytics_app
from taawun.cli.export import TableFormat

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from taawun.analytics.schemas import Table
    from taawun.core.principal import Principal

T = TypeVar("T")
AsUser = Annotated[
    str | None,
    typer.Option("--as", help="as this user sees the registry (default: public facts only)"),
]
First = Annotated[int | None, typer.Option("--from", help="first year (default 1815)")]
Last = Annotated[int | None, typer.Option("--to", help="last year (default this year)")]
Format = Annotated[
    TableFormat | None,
    typer.Option("--format", "-f", help="write a table as csv, json or parquet (see --table)"),
]
Output = Annotated[Path | None, typer.Option("--output", "-o", help="write here, not stdout")]
Top = Annotated[int, typer.Option("--top", min=1, max=1000, help="how many rows")]


PROFILE_SHOWN = (
    "year",
    "oic_member",
    "partners",
    "partners_oic",
    "share_oic",
    "defense",
    "offense",
    "neutral",
    "nonagg",
    "consul",
    "degree_rank",
    "gained",
    "lost",
)
"""The profile's columns a terminal shows (the cooperation domains are in the export)."""


def _cell(value: object) -> str:
    from taawun.cli._output import text

    if isinstance(value, float):
        return "—" if math.isnan(value) else f"{value:.3f}".rstrip("0").rstrip(".")
    return text(value)


def _print(table: Table, columns: Sequence[str] | None = None, *, limit: int | None = None) -> None:
    from taawun.cli._output import table as rich_table

    shown = list(columns or table.columns)
    rows = table.rows()[:limit]
    rich_table(table.title, shown, [[_cell(r[c]) for c in shown] for r in rows], ids=("state",))


def _notes(notes: Sequence[str]) -> None:
    from rich.text import Text

    from taawun.cli._output import console

    for note in notes:
        console().print(Text(f"note: {note}", style="dim"))


def _write(table: Table, fmt: TableFormat, output: Path | None) -> None:
    from taawun.analytics import export
    from taawun.analytics.schemas import ExportFormat
    from taawun.cli.export import deliver, refuse_binary_to_terminal

    refuse_binary_to_terminal(fmt, output)
    data = export.render_table(table, ExportFormat(fmt.value))
    deliver(data, output, f"{len(table)} rows ({table.title})")


@contextmanager
def _working(what: str) -> Iterator[None]:
    """A spinner on standard error while the answer is computed (none when not a terminal)."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from taawun.cli._output import err_console

    with Progress(
        SpinnerColumn(),
        TextColumn(what),
        TimeElapsedColumn(),
        console=err_console(),
        transient=True,
    ) as progress:
        progress.add_task(what, total=None)
        yield


def _answer(as_user: str | None, what: str, ask: Callable[[Principal, Session], T]) -> T:
    from taawun.cli._context import unit_of_work, viewer

    with _working(what), unit_of_work() as session:
        return ask(viewer(session, as_user), session)


@analytics_app.command("profile")
def profile(
    state: Annotated[str, typer.Argument(help="a state: ISO3, COW code or name")],
    first: First = None,
    last: Last = None,
    fmt: Format = None,
    which: Annotated[HistoryTable, typer.Option("--table", help="the table --format writes")] = (
        HistoryTable.YEARS
    ),
    output: Output = None,
    as_user: AsUser = None,
) -> None:
    """A state's partners year by year (by obligation and domain, inside and outside the
    OIC), its rank by partners, and the partners it gained or lost, with the agreements."""
    from taawun.analytics import questions

    found = _answer(
        as_user,
        f"profile of {state}",
        lambda p, s: questions.state_history(p, s, state=state, first=first, last=last),
    )
    tables = questions.history_tables(found)
    if fmt is not None:
        _write(tables[which], fmt, output)
        return
    _print(found.years, PROFILE_SHOWN)
    _print(tables[HistoryTable.CHANGES])


@analytics_app.command("dyad")
def dyad(
    a: Annotated[str, typer.Argument(help="a state")],
    b: Annotated[str, typer.Argument(help="another state")],
    first: First = None,
    last: Last = None,
    fmt: Format = None,
    output: Output = None,
    as_user: AsUser = None,
) -> None:
    """Everything joining two states on one timeline: agreements, obligations, exercises,
    transfers, operations, training and shared threats, each with its source."""
    from taawun.analytics import questions

    found = _answer(
        as_user,
        f"{a}–{b}",
        lambda p, s: questions.dyad_history(p, s, a=a, b=b, first=first, last=last),
    )
    timeline = questions.dyad_timeline(found)
    if fmt is not None:
        _write(timeline, fmt, output)
        return
    _print(timeline)
    _notes(found.notes)


@analytics_app.command("bloc")
def bloc(
    org: Annotated[str, typer.Argument(help="an organisation: OIC, NATO, GCC ...")] = "OIC",
    first: First = None,
    last: Last = None,
    top: Top = 20,
    fmt: Format = None,
    which: Annotated[BlocTable, typer.Option("--table", help="the table --format writes")] = (
        BlocTable.YEARS
    ),
    output: Output = None,
    as_user: AsUser = None,
) -> None:
    """An organisation as a bloc: density of its members' ties and cohesion (mean S-score,
    κ) per year, its strongest external partners, its members' ties to other blocs."""
    from taawun.analytics import questions

    found = _answer(
        as_user,
        f"bloc {org}",
        lambda p, s: questions.bloc(p, s, org=org, first=first, last=last),
    )
    if fmt is not None:
        _write(questions.bloc_tables(found)[which], fmt, output)
        return
    _print(found.years)
    _print(found.external, limit=top)
    _print(found.blocs)


@analytics_app.command("brought")
def brought(
    state: Annotated[str, typer.Argument(help="a state")],
    first: First = None,
    last: Last = None,
    events: Annotated[int, typer.Option("--events", min=0, help="events to list")] = 30,
    fmt: Format = None,
    which: Annotated[BroughtTable, typer.Option("--table", help="the table --format writes")] = (
        BroughtTable.ARMS
    ),
    output: Output = None,
    as_user: AsUser = None,
) -> None:
    """What partnership brought a state: arms from allies and others (SIPRI TIV), exercises
    with partners, training received, shared threats; each figure traced to its rows."""
    from taawun.analytics import questions

    found = _answer(
        as_user,
        f"what partnership brought {state}",
        lambda p, s: questions.brought(p, s, state=state, first=first, last=last),
    )
    tables = questions.brought_tables(found)
    timeline = tables[BroughtTable.EVENTS]
    if fmt is not None:
        _write(tables[which], fmt, output)
        return
    _print(found.arms)
    if found.activity is not None:
        _print(found.activity)
    from taawun.cli._output import table as rich_table

    rich_table("Totals", ["figure", "value"], [[k, _cell(v)] for k, v in found.totals.items()])
    if events:
        _print(timeline, limit=events)
    _notes([*found.notes, f"{len(found.events)} rows in all: --format csv --table events"])


@analytics_app.command("gainers")
def gainers(
    after: Annotated[int, typer.Option("--after", help="partners then ...")],
    until: Annotated[
        int | None, typer.Option("--until", help="... and then (default this year)")
    ] = None,
    top: Top = 20,
    fmt: Format = None,
    output: Output = None,
    as_user: AsUser = None,
) -> None:
    """Who gained the most partners between two years."""
    from taawun.analytics import questions

    found = _answer(
        as_user,
        "gainers",
        lambda p, s: questions.gainers(p, s, after=after, until=until, top=top),
    )
    if fmt is not None:
        _write(found, fmt, output)
        return
    _print(found)


@analytics_app.command("brokers")
def brokers(
    year: Annotated[int, typer.Option("--year", help="the year of the network")],
    top: Top = 20,
    fmt: Format = None,
    output: Output = None,
    as_user: AsUser = None,
) -> None:
    """Who brokers between the OIC and the rest in a year (network brokerage), and which
    blocs (OIC, NATO, CSTO, SCO) its partners belong to."""
    from taawun.analytics import questions

    found = _answer(
        as_user, f"brokers {year}", lambda p, s: questions.brokers(p, s, year=year, top=top)
    )
    if fmt is not None:
        _write(found, fmt, output)
        return
    _print(found)
