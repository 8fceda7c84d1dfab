"""`taawun threats`: values and threats seen in intel of two or more states (shared threats).

    taawun threats --agreement 'ATOP 4965' --as sa.liaison       # of an agreement
    taawun threats --dyad TUR PAK --since 2026-01-01 --as tr.liaison
    taawun threats --mine --as pk.liaison                        # my state with any other
    taawun threats seen 198.51.100.7 --as tr.liaison             # where else a value was seen
    taawun threats reference --agreement 'ATOP 4965'             # reference: galaxy actors
    taawun threats reindex                                       # the operator: index it all

Read from intel, so the questions need ``--as USERNAME`` (or ``TAAWUN_USER``): what they
answer is exactly what the release policy lets that user read. The cooperation context (and
SQLAlchemy with it) is imported when a command runs.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer

from taawun.cli._output import Format, emit
from taawun.core.errors import InvalidInput

if TYPE_CHECKING:
    from taawun.cooperation.threats.schemas import Reference, SharedThreatPage

app = typer.Typer(
    help="Shared threats: values and entities seen by two or more party states (correlation "
    "index).",
    invoke_without_command=True,
)

AsUser = Annotated[
    str | None,
    typer.Option(
        "--as", envvar="TAAWUN_USER", help="act as this user of an agency (or TAAWUN_USER)"
    ),
]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="table, json or csv")]
COLUMNS = ["kind", "value", "states", "objects", "first_seen", "last_seen", "seen_by"]


@app.callback()
def threats(
    ctx: typer.Context,
    agreement: Annotated[
        str | None,
        typer.Option("--agreement", "-a", help="shared threats of an agreement (id or ref)"),
    ] = None,
    dyad: Annotated[
        tuple[str, str] | None,
        typer.Option("--dyad", help="shared threats of two states", metavar="A B"),
    ] = None,
    mine: Annotated[
        bool, typer.Option("--mine", help="seen by my state and at least one other")
    ] = False,
    since: Annotated[
        str | None, typer.Option("--since", help="only those new since this day (YYYY-MM-DD)")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="at most this many")] = 50,
    offset: Annotated[int, typer.Option("--offset")] = 0,
    no_reference: Annotated[
        bool, typer.Option("--no-reference", help="leave out the galaxy's reference actors")
    ] = False,
    fmt: FormatOpt = Format.TABLE,
    as_user: AsUser = None,
) -> None:
    """Ask one question: --agreement REF, --dyad A B or --mine; or run a command."""
    if ctx.invoked_subcommand is not None:
        return
    asked = [q for q, on in (("--agreement", agreement), ("--dyad", dyad), ("--mine", mine)) if on]
    if len(asked) != 1:
        raise InvalidInput(
            "threats: ask one question: --agreement REF, --dyad A B or --mine "
            "(or a command: seen, reference, reindex)",
            field="question",
        )
    from taawun.cli._context import unit_of_work
    from taawun.cli.intel import member
    from taawun.cooperation.threats import service

    with unit_of_work() as session:
        who = member(session, as_user)
        common: dict[str, Any] = {"since": since, "limit": limit, "offset": offset}
        if agreement is not None:
            page = service.agreement_threats(
                who, session, agreement=agreement, with_reference=not no_reference, **common
            )
        elif dyad is not None:
            page = service.dyad_threats(
                who, session, a=dyad[0], b=dyad[1], with_reference=not no_reference, **common
            )
        else:
            page = service.my_threats(who, session, **common)
    _show(page, fmt)


def _title(page: SharedThreatPage) -> str:
    if page.question == "agreement":
        return f"Shared threats of agreement {page.agreement_id} ({page.agreement})"
    if page.question == "dyad":
        return f"Shared threats of {' and '.join(page.states)}"
    return f"Shared threats of {page.states[0]} with other states"


def _when(moment: Any) -> str:
    return moment.date().isoformat() if hasattr(moment, "date") else str(moment)


def _show(page: SharedThreatPage, fmt: Format) -> None:
    table = fmt is Format.TABLE
    rows = [
        {
            **item.model_dump(),
            "first_seen": _when(item.first_seen) if table else item.first_seen.isoformat(),
            "last_seen": _when(item.last_seen) if table else item.last_seen.isoformat(),
            "seen_by": [f"{s.state} ({s.objects})" if table else s.state for s in item.seen_by],
        }
        for item in page.items
    ]
    since = f" new since {page.since.isoformat()}" if isinstance(page.since, date) else ""
    notes = [f"{len(page.items)} of {page.total}{since} (offset {page.offset})", *page.notes]
    if page.total > page.offset + len(page.items):
        notes.append(f"more: --offset {page.offset + len(page.items)}")
    if page.reference is not None and table:
        notes += _reference_lines(page.reference)
    emit(
        fmt,
        document=page,
        rows=rows,
        columns=COLUMNS,
        title=_title(page),
        notes=notes,
        ids=("value",),
    )


def _reference_lines(ref: Reference) -> list[str]:
    lines = [f"{ref.note} ({ref.source}): {len(ref.actors)}"]
    for actor in ref.actors:
        shared = " [also a shared threat]" if actor.shared else ""
        sponsor = (
            f", suspected sponsor {actor.suspected_sponsor}" if actor.suspected_sponsor else ""
        )
        lines.append(f"  {actor.name}: targets {', '.join(actor.victims)}{sponsor}{shared}")
    return lines


@app.command("seen")
def seen_command(
    value: Annotated[str, typer.Argument(help="an address, domain, URL, e-mail, hash or name")],
    kind: Annotated[
        str | None, typer.Option("--kind", help="read the value as this kind only (ipv4, ...)")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="at most this many sightings")] = 100,
    fmt: FormatOpt = Format.TABLE,
    as_user: AsUser = None,
) -> None:
    """Where else a value was seen, in what you may read (common values flagged)."""
    from taawun.cli._context import unit_of_work
    from taawun.cli.intel import member
    from taawun.cooperation.threats import seen

    with unit_of_work() as session:
        found = seen.where_seen(
            member(session, as_user), session, value=value, kind=kind, limit=limit
        )
    rows = [
        {
            "kind": v.kind,
            "value": v.value,
            "common": v.common_reason if v.common else "no",
            "note": v.note,
            "state": s.state,
            "id": s.id,
            "date_added": s.date_added.isoformat(),
            "classification": s.classification,
            "label": s.label,
        }
        for v in found.values
        for s in v.sightings
    ]
    notes = [
        f"{v.kind} {v.value}: {v.objects} object(s) of {v.states} state(s) "
        f"({', '.join(f'{s.state} {s.objects}' for s in v.seen_by)})"
        + (f"; common: {v.common_reason}" if v.common else "")
        + (f"; note: {v.note}" if v.note else "")
        for v in found.values
    ] or [f"{value!r} was not seen in anything you may read"]
    emit(
        fmt,
        document=found,
        rows=rows,
        columns=["kind", "value", "common", "state", "id", "date_added", "classification", "label"],
        title=f"Where {value} was seen",
        notes=notes,
        ids=("id", "value"),
    )


@app.command("reference")
def reference(
    agreement: Annotated[str, typer.Option("--agreement", "-a", help="agreement id or ref")],
    fmt: FormatOpt = Format.TABLE,
    as_user: Annotated[
        str | None, typer.Option("--as", help="answer as this user sees the agreement")
    ] = None,
) -> None:
    """Reference knowledge, not intel: actors the MISP threat-actor galaxy (CFR suspected
    victims) says target two or more of the agreement's parties."""
    from taawun.cli._context import unit_of_work, viewer
    from taawun.cooperation.threats import service

    with unit_of_work() as session:
        ref = service.agreement_reference(viewer(session, as_user), session, agreement=agreement)
    rows = [
        {
            "actor": a.name,
            "victims": a.victims,
            "suspected_sponsor": a.suspected_sponsor,
            "synonyms": a.synonyms,
        }
        for a in ref.actors
    ]
    emit(
        fmt,
        document=ref,
        rows=rows,
        columns=["actor", "victims", "suspected_sponsor", "synonyms"],
        title=f"Reference: actors targeting two or more parties of {agreement}",
        notes=[f"{ref.note} ({ref.source})"],
        ids=("actor",),
    )


@app.command("reindex")
def reindex() -> None:
    """Index every object the node holds again (after an upgrade that added the index):
    as the node operator, in batches, each in its own transaction."""
    from rich.progress import MofNCompleteColumn, Progress, TextColumn

    from taawun.cli._context import engine, operator
    from taawun.cli._output import err_console
    from taawun.cooperation.threats import index
    from taawun.storage.engine import make_sessionmaker

    built = engine()
    try:
        factory = make_sessionmaker(built)
        with Progress(
            TextColumn("indexing"), MofNCompleteColumn(), console=err_console()
        ) as progress:
            task = progress.add_task("index", total=None)
            status = index.reindex(
                operator(), factory, on_progress=lambda done: progress.update(task, completed=done)
            )
    finally:
        built.dispose()
    typer.echo(
        f"{status.indexed} object versions indexed: {status.values} values, "
        f"{status.occurrences} occurrences"
    )
