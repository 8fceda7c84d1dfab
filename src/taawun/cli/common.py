"""`taawun common list|add|remove|check`: the values kept out of shared threats.

    taawun common list                       # the node's own entries
    taawun common list --lists               # the MISP warninglists loaded, and their effect
    taawun common check 8.8.8.8              # common? why? on which lists?
    taawun common add corp.example --suffix --reason "our own domains"
    taawun common remove 203.0.113.0/24 --reason "a partner's range, not a documentation one"

Without ``--as USER`` a command acts as the node operator (``add`` and ``remove`` are for
admins and the operator); anyone may list and check. The lists are read from the node's
database (loaded once by ``taawun import``), never from the list files. The cooperation
context is imported when a command runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from taawun.cli._output import Format, emit

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from taawun.cooperation.threats.common_schemas import CommonChange
    from taawun.core.principal import Principal

app = typer.Typer(
    help="Common values: what the MISP warninglists and the node keep out of shared threats."
)

FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="table, json or csv")]
AsOpt = Annotated[
    str | None, typer.Option("--as", help="act as this user (default: the node operator)")
]
KindOpt = Annotated[
    str | None,
    typer.Option(
        "--kind", "-k", help="ipv4, domain, url, email, md5, entity, ... (default: guessed)"
    ),
]
SuffixOpt = Annotated[bool, typer.Option("--suffix", help="a domain with all its subdomains")]


def _actor(session: Session, as_user: str | None) -> Principal:
    from taawun.cli._context import operator, viewer

    return operator() if as_user is None else viewer(session, as_user)


@app.command("list")
def list_common(
    lists: Annotated[
        bool, typer.Option("--lists", help="the warninglists loaded instead of the node's entries")
    ] = False,
    fmt: FormatOpt = Format.TABLE,
    as_user: AsOpt = None,
) -> None:
    """The node's own entries (or, with --lists, the warninglists loaded)."""
    from taawun.cli._context import unit_of_work
    from taawun.cooperation.threats import common_service

    with unit_of_work() as session:
        who = _actor(session, as_user)
        if lists:
            found = common_service.list_lists(who, session)
            columns = ["key", "effect", "match", "loaded", "rejected", "namespace", "name"]
            rows = [f.model_dump() for f in found]
            emit(
                fmt, document=found, rows=rows, columns=columns, title="Warninglists", ids=("key",)
            )
            return
        entries = common_service.list_entries(who, session)
    columns = ["id", "effect", "scope", "kind", "value", "reason", "created_by", "created_at"]
    emit(
        fmt,
        document=entries,
        rows=[e.model_dump() for e in entries],
        columns=columns,
        title="Node entries",
        ids=("id", "value"),
    )


@app.command("check")
def check(
    value: Annotated[str, typer.Argument(help="the value, as intel writes it")],
    kind: KindOpt = None,
    fmt: FormatOpt = Format.TABLE,
    as_user: AsOpt = None,
) -> None:
    """Whether VALUE is common on this node, why, and every list or entry it is on."""
    from taawun.cli._context import unit_of_work
    from taawun.cooperation.threats import common_service

    with unit_of_work() as session:
        found = common_service.check(_actor(session, as_user), session, value=value, kind=kind)
    verdict = f"common: {found.reason}" if found.common else "not common"
    emit(
        fmt,
        document=found,
        rows=[m.model_dump() for m in found.matches],
        columns=["source", "effect", "how", "entry"],
        title=f"{found.kind} {found.value}: {verdict}",
        notes=found.notes,
        ids=("source",),
    )


@app.command("add")
def add(
    value: Annotated[str, typer.Argument(help="a value, a domain (with --suffix) or a network")],
    reason: Annotated[str, typer.Option("--reason", help="why it is common here")],
    kind: KindOpt = None,
    suffix: SuffixOpt = False,
    fmt: FormatOpt = Format.TABLE,
    as_user: AsOpt = None,
) -> None:
    """Make VALUE common on this node (audited; the correlation index is re-flagged)."""
    from taawun.cli._context import unit_of_work
    from taawun.cooperation.threats import common_service
    from taawun.cooperation.threats.common_schemas import CommonEntryCreate
    from taawun.core.clock import SystemClock

    data = CommonEntryCreate(
        value=value, kind=kind, scope="suffix" if suffix else None, reason=reason
    )
    with unit_of_work() as session:
        done = common_service.add_common(
            _actor(session, as_user), session, data=data, clock=SystemClock()
        )
    _show(fmt, done)


@app.command("remove")
def remove(
    value: Annotated[str, typer.Argument(help="a value, a domain (with --suffix) or a network")],
    reason: Annotated[
        str | None,
        typer.Option("--reason", help="why it is not common here (needed over a list)"),
    ] = None,
    kind: KindOpt = None,
    suffix: SuffixOpt = False,
    fmt: FormatOpt = Format.TABLE,
    as_user: AsOpt = None,
) -> None:
    """Make VALUE not common on this node: withdraw the node's entry, or keep it out of the
    common values over the lists (audited; the correlation index is re-flagged)."""
    from taawun.cli._context import unit_of_work
    from taawun.cooperation.threats import common_service
    from taawun.cooperation.threats.common_schemas import CommonEntryRemove
    from taawun.core.clock import SystemClock

    data = CommonEntryRemove(
        value=value, kind=kind, scope="suffix" if suffix else None, reason=reason
    )
    with unit_of_work() as session:
        done = common_service.remove_common(
            _actor(session, as_user), session, data=data, clock=SystemClock()
        )
    _show(fmt, done)


def _show(fmt: Format, done: CommonChange) -> None:
    rows = [
        {"change": change, **entry.model_dump()}
        for change, entry in (("withdrawn", done.withdrawn), ("recorded", done.recorded))
        if entry is not None
    ]
    verdict = f"common: {done.reason}" if done.common else "not common"
    emit(
        fmt,
        document=done,
        rows=rows,
        columns=["change", "id", "effect", "scope", "kind", "value", "reason"],
        title=f"{done.kind} {done.value}: now {verdict}",
        notes=[f"{done.reflagged} values of the correlation index flagged again"],
        ids=("id", "value"),
    )
