"""``taawun plot``: pictures (PNG, SVG) of the partnership network, for one viewer.

Each command draws what ``analytics.pictures``' ``*_plot`` functions draw (the API's
pictures too). The format comes from ``--format``, else from the output file's suffix,
else PNG. A picture goes to ``--output``, or to standard output when that is not a
terminal (``taawun plot network --year 2018 --format svg > net.svg``); PNG, being binary,
is never written to a terminal. Analytics (matplotlib, networkx) is imported when a
command runs, not when the CLI starts.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from taawun.cli.export import deliver, refuse_binary_to_terminal

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from taawun.analytics.plots import ImageFormat
    from taawun.core.clock import Clock
    from taawun.core.principal import Principal

    Draw = Callable[[Principal, Session, ImageFormat, Clock], bytes]

app = typer.Typer(help="Pictures of the partnership network (PNG, SVG).", no_args_is_help=True)


class PictureFormat(enum.StrEnum):
    """``analytics.plots.ImageFormat``, named here so that the CLI's start does not import
    matplotlib."""

    PNG = "png"
    SVG = "svg"


FormatOption = Annotated[
    PictureFormat | None,
    typer.Option("--format", "-f", help="png or svg (default: the output's suffix, else png)"),
]
OutputOption = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="write here (default: stdout, if not a terminal)"),
]
AsOption = Annotated[
    str | None,
    typer.Option("--as", help="as this user sees the registry (default: public facts only)"),
]
FromOption = Annotated[int | None, typer.Option("--from", help="first year (default 1946)")]
ToOption = Annotated[int | None, typer.Option("--to", help="last year (default this year)")]


def _format(fmt: PictureFormat | None, output: Path | None) -> PictureFormat:
    """``--format``, else the suffix of ``--output`` (``.png``, ``.svg``), else PNG."""
    from taawun.core.errors import InvalidInput

    if fmt is not None:
        return fmt
    if output is None or not output.suffix:
        return PictureFormat.PNG
    try:
        return PictureFormat(output.suffix[1:].lower())
    except ValueError:
        raise InvalidInput(
            f"output: cannot tell the format of {output.name!r}; give --format png or svg",
            field="output",
            value=str(output),
        ) from None


def _draw(fmt: PictureFormat | None, output: Path | None, as_user: str | None, draw: Draw) -> None:
    """Run ``draw`` for the viewer and write the picture where it was asked for."""
    chosen = _format(fmt, output)
    refuse_binary_to_terminal(chosen, output)
    from taawun.analytics.plots import ImageFormat
    from taawun.cli._context import unit_of_work, viewer
    from taawun.cli._output import err_console
    from taawun.core.clock import SystemClock

    with err_console().status("drawing…"), unit_of_work() as session:
        picture = draw(viewer(session, as_user), session, ImageFormat(chosen.value), SystemClock())
    deliver(picture, output, f"{chosen.value.upper()}, {len(picture):,} bytes")


@app.command("network")
def network(
    year: Annotated[int, typer.Option("--year", "-y", help="the year drawn")],
    fmt: FormatOption = None,
    output: OutputOption = None,
    as_user: AsOption = None,
) -> None:
    """The partnership network of a year: OIC members as diamonds, communities coloured,
    size by weighted degree."""
    from taawun.analytics import pictures

    _draw(
        fmt,
        output,
        as_user,
        lambda p, s, f, c: pictures.network_plot(p, s, year=year, fmt=f, clock=c),
    )


@app.command("state")
def state(
    name: Annotated[str, typer.Argument(help="the state: name, ISO code or COW code")],
    first: FromOption = None,
    last: ToOption = None,
    fmt: FormatOption = None,
    output: OutputOption = None,
    as_user: AsOption = None,
) -> None:
    """A state's partners per year, inside and outside the OIC, with gains and losses."""
    from taawun.analytics import pictures

    _draw(
        fmt,
        output,
        as_user,
        lambda p, s, f, c: pictures.state_plot(
            p, s, state=name, first=first, last=last, fmt=f, clock=c
        ),
    )


@app.command("dyad")
def dyad(
    a: Annotated[str, typer.Argument(help="one state")],
    b: Annotated[str, typer.Argument(help="the other")],
    first: Annotated[int | None, typer.Option("--from", help="first year")] = None,
    last: Annotated[int | None, typer.Option("--to", help="last year")] = None,
    fmt: FormatOption = None,
    output: OutputOption = None,
    as_user: AsOption = None,
) -> None:
    """Everything joining two states on one timeline: agreements, obligations, exercises,
    transfers, shared threats."""
    from taawun.analytics import pictures

    _draw(
        fmt,
        output,
        as_user,
        lambda p, s, f, c: pictures.dyad_plot(
            p, s, a=a, b=b, first=first, last=last, fmt=f, clock=c
        ),
    )


@app.command("sscores")
def sscores(
    year: Annotated[int, typer.Option("--year", "-y", help="the year")],
    org: Annotated[
        str | None, typer.Option("--org", help="the full members of this organisation (OIC)")
    ] = None,
    states: Annotated[
        str | None, typer.Option("--states", help="these states, comma-separated")
    ] = None,
    score: Annotated[
        str, typer.Option("--score", help="s_valued_abs, s_binary_sq, kappa_binary, ...")
    ] = "s_valued_abs",
    fmt: FormatOption = None,
    output: OutputOption = None,
    as_user: AsOption = None,
) -> None:
    """A heat map of the S-scores (Signorino–Ritter) of a set of states in a year."""
    from taawun.analytics import pictures

    chosen = [s.strip() for s in states.split(",") if s.strip()] if states else None
    _draw(
        fmt,
        output,
        as_user,
        lambda p, s, f, c: pictures.sscores_plot(
            p, s, year=year, states=chosen, org=org, score=score, fmt=f, clock=c
        ),
    )


@app.command("cohesion")
def cohesion(
    org: Annotated[str, typer.Option("--org", help="the organisation")] = "OIC",
    first: FromOption = None,
    last: ToOption = None,
    fmt: FormatOption = None,
    output: OutputOption = None,
    as_user: AsOption = None,
) -> None:
    """A bloc over time: mean S-score and κ among its members, density of their ties."""
    from taawun.analytics import pictures

    _draw(
        fmt,
        output,
        as_user,
        lambda p, s, f, c: pictures.cohesion_plot(
            p, s, org=org, first=first, last=last, fmt=f, clock=c
        ),
    )
