"""``taawun report``: self-contained HTML reports on a state or a dyad, for one viewer.

The page (``analytics.report``) holds its tables, its pictures (inline SVG) and its
styles, and names no address outside itself: it opens offline, from a mail or a USB
stick. It goes to ``--output`` (progress on standard error meanwhile) or to standard
output.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from taawun.cli.export import deliver

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from taawun.core.clock import Clock
    from taawun.core.principal import Principal

    OnProgress = Callable[[str, int, int], None]
    Build = Callable[[Principal, Session, Clock, OnProgress], str]

app = typer.Typer(help="Self-contained HTML reports on a state or a dyad.", no_args_is_help=True)

OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="write here instead of stdout")
]
AsOption = Annotated[
    str | None,
    typer.Option("--as", help="as this user sees the registry (default: public facts only)"),
]


def _build(output: Path | None, as_user: str | None, total: int, build: Build) -> None:
    """Build the page for the viewer, with a progress bar while it is made."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from taawun.cli._context import unit_of_work, viewer
    from taawun.cli._output import err_console
    from taawun.core.clock import SystemClock

    with Progress(
        TextColumn("{task.description:<10}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err_console(),
        disable=output is None,
    ) as progress:
        task = progress.add_task("report", total=total)

        def on_progress(stage: str, done: int, _total: int) -> None:
            progress.update(task, completed=done, description=stage)

        with unit_of_work() as session:
            page = build(viewer(session, as_user), session, SystemClock(), on_progress)
    data = page.encode()
    deliver(data, output, f"report, {len(data):,} bytes")


@app.command("state")
def state(
    name: Annotated[str, typer.Argument(help="the state: name, ISO code or COW code")],
    first: Annotated[int, typer.Option("--from", help="first year")] = 1946,
    last: Annotated[int | None, typer.Option("--to", help="last year (default this year)")] = None,
    output: OutputOption = None,
    as_user: AsOption = None,
) -> None:
    """A state's partnerships: partners over time, gains and losses, what they brought
    (arms, exercises, training, shared threats), its place in the network; sources cited."""
    from taawun.analytics import report

    def build(p: Principal, s: Session, c: Clock, progress: OnProgress) -> str:
        return report.state_report(
            p,
            s,
            state=name,
            first=first,
            last=last,
            clock=c,
            on_progress=progress,
        )

    _build(output, as_user, 5, build)


@app.command("dyad")
def dyad(
    a: Annotated[str, typer.Argument(help="one state")],
    b: Annotated[str, typer.Argument(help="the other")],
    first: Annotated[int | None, typer.Option("--from", help="first year")] = None,
    last: Annotated[int | None, typer.Option("--to", help="last year")] = None,
    output: OutputOption = None,
    as_user: AsOption = None,
) -> None:
    """Everything joining two states, on one timeline and in one table; sources cited."""
    from taawun.analytics import report

    def build(p: Principal, s: Session, c: Clock, progress: OnProgress) -> str:
        return report.dyad_report(
            p, s, a=a, b=b, first=first, last=last, clock=c, on_progress=progress
        )

    _build(output, as_user, 3, build)
