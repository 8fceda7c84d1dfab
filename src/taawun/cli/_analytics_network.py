"""``taawun analytics network``, ``taawun export network`` and ``taawun export measures``:
the partnership network of a year and its measures (``analytics/network.py``)."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from taawun.cli.analytics import app as analytics_app
from taawun.cli.export import TableFormat, deliver, refuse_binary_to_terminal
from taawun.cli.export import app as export_app

if TYPE_CHECKING:
    from taawun.analytics.schemas import Table

SHOWN = (
    "state",
    "oic",
    "degree",
    "weighted_degree",
    "eigenvector",
    "betweenness",
    "clustering",
    "community",
    "brokerage",
)

AsUser = Annotated[
    str | None,
    typer.Option("--as", help="as this user sees the registry (default: public facts only)"),
]
Output = Annotated[Path | None, typer.Option("--output", "-o", help="write here, not stdout")]


class NetworkFormat(enum.StrEnum):
    """The network as a graph (GraphML, for Gephi) or its measures as a table."""

    GRAPHML = "graphml"
    CSV = "csv"
    JSON = "json"
    PARQUET = "parquet"


def _render(table: Table, fmt: str) -> bytes:
    from taawun.analytics import export
    from taawun.analytics.schemas import ExportFormat

    return export.render_table(table, ExportFormat(fmt))


@analytics_app.command("network")
def network(
    year: Annotated[int, typer.Option("--year", help="the year of the network")],
    top: Annotated[
        int, typer.Option("--top", min=1, help="how many states, by weighted degree")
    ] = 20,
    as_user: AsUser = None,
) -> None:
    """The partnership network of a year: each state's partners, centrality, community and
    brokerage between the OIC and the rest, strongest ties first (``--top`` states)."""
    from taawun.analytics import network as networks
    from taawun.cli._context import unit_of_work, viewer
    from taawun.cli._output import table, text

    with unit_of_work() as session:
        net = networks.network(viewer(session, as_user), session, year=year)
    rows = networks.measures(net).rows()
    rows.sort(key=lambda r: (-r["weighted_degree"], r["ccode"]))

    def cell(value: object) -> str:
        return f"{value:.3f}" if isinstance(value, float) else text(value)

    title = (
        f"Partnership network {net.year}: {len(net.states)} states, {len(net.ties)} ties "
        f"(top {min(top, len(rows))} by weighted degree)"
    )
    table(title, SHOWN, [[cell(r[c]) for c in SHOWN] for r in rows[:top]], ids=("state",))


@export_app.command("network")
def export_network(
    year: Annotated[int, typer.Option("--year", help="the year of the network")],
    fmt: Annotated[
        NetworkFormat,
        typer.Option("--format", "-f", help="graphml (the graph) or csv, json, parquet (measures)"),
    ] = NetworkFormat.GRAPHML,
    output: Output = None,
    as_user: AsUser = None,
) -> None:
    """The network of a year as GraphML (states, ties with strength, domains, obligations,
    agreements), or its measures per state as CSV, JSON or Parquet."""
    from taawun.analytics import network as networks
    from taawun.cli._context import unit_of_work, viewer

    refuse_binary_to_terminal(fmt, output)
    with unit_of_work() as session:
        net = networks.network(viewer(session, as_user), session, year=year)
    if fmt is NetworkFormat.GRAPHML:
        data = networks.to_graphml(net)
    else:
        data = _render(networks.measures(net), fmt.value)
    deliver(data, output, f"network {net.year}: {len(net.states)} states, {len(net.ties)} ties")


@export_app.command("measures")
def export_measures(
    first: Annotated[int, typer.Option("--from", help="first year")],
    last: Annotated[int, typer.Option("--to", help="last year")],
    fmt: Annotated[TableFormat, typer.Option("--format", "-f", help="csv, json or parquet")] = (
        TableFormat.CSV
    ),
    output: Output = None,
    as_user: AsUser = None,
) -> None:
    """Network measures per state and year (degree, weighted degree, eigenvector and
    betweenness centrality, clustering, community, OIC brokerage), one row per state-year."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from taawun.analytics import network as networks
    from taawun.cli._context import unit_of_work, viewer
    from taawun.cli._output import err_console

    refuse_binary_to_terminal(fmt, output)
    with Progress(
        "{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console(),
    ) as progress:
        task = progress.add_task("network measures", total=None)

        def on_progress(_stage: str, done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        with unit_of_work() as session:
            panel = networks.measures_panel(
                viewer(session, as_user), session, first=first, last=last, on_progress=on_progress
            )
    deliver(_render(panel, fmt.value), output, f"{len(panel)} state-years ({first}-{last})")
