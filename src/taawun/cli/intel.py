"""`taawun intel share|list|show|revoke|release|export`: intelligence shared under agreements.

Intel is always shared and read as a user of an agency, so every command needs ``--as USERNAME``
(or ``TAAWUN_USER``); what it answers is exactly what the release policy lets that user read.
The intel context (and STIX validation with it) is imported when a command runs.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from taawun.cli._output import Format, emit, err_console, text
from taawun.core.clock import SystemClock
from taawun.core.errors import InvalidInput, Unauthenticated

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from taawun.core.principal import Principal
    from taawun.intel.schemas import ObjectOutcome

app = typer.Typer(help="Intelligence shared under agreements (STIX 2.1).")

CHUNK = 500

AsUser = Annotated[
    str | None,
    typer.Option(
        "--as", envvar="TAAWUN_USER", help="act as this user of an agency (or TAAWUN_USER)"
    ),
]
FormatOpt = Annotated[Format, typer.Option("--format", help="table, json or csv")]
Types = Annotated[list[str] | None, typer.Option("--type", help="STIX type; repeatable")]
Agreement = Annotated[
    str | None, typer.Option("--agreement", help="agreement id or ref ('ATOP 4965')")
]


def member(session: Session, as_user: str | None) -> Principal:
    """The user the command acts as; intel has no anonymous reader."""
    if not as_user:
        raise Unauthenticated(
            "intel is shared and read as a user of an agency: pass --as USERNAME "
            "(or set TAAWUN_USER)"
        )
    from taawun.access.authentication import principal_for_username
    from taawun.cooperation.threats import index  # noqa: F401 - every write updates the index

    return principal_for_username(session, username=as_user)


def read_objects(path: str) -> list[Any]:
    """The objects of a STIX bundle, a TAXII envelope (``{"objects": [...]}``) or a JSON list;
    ``-`` reads standard input."""
    import orjson

    try:
        raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{path}: {exc.strerror or exc}", field="file", value=path) from None
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"{path}: not JSON ({exc})", field="file") from None
    if isinstance(data, dict) and isinstance(data.get("objects"), list):
        objects: list[Any] = data["objects"]
        return objects
    if isinstance(data, list):
        return data
    raise InvalidInput(
        f"{path}: expected a STIX bundle, an envelope with 'objects', or a list of objects",
        field="file",
    )


@app.command("share")
def share(
    file: Annotated[str, typer.Argument(help="a STIX 2.1 bundle, envelope or list; - for stdin")],
    release: Annotated[
        list[str] | None, typer.Option("--release", help="agreement to release under; repeatable")
    ] = None,
    tlp: Annotated[str, typer.Option("--tlp", help="clear, green, amber, amber+strict, red")] = (
        "amber"
    ),
    classification: Annotated[
        str, typer.Option("--classification", help="UNCLASSIFIED .. TOP_SECRET")
    ] = "UNCLASSIFIED",
    recipient: Annotated[
        list[str] | None, typer.Option("--recipient", help="TLP:RED recipient agency; repeatable")
    ] = None,
    release_to_all: Annotated[
        bool, typer.Option("--release-to-all", help="TLP:CLEAR only: everyone on the node")
    ] = False,
    as_user: AsUser = None,
) -> None:
    """Share objects; markings given here apply to objects that carry none of their own.

    Exits 0 when every object is stored (or already was), 2 when any failed.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from taawun.cli._context import unit_of_work
    from taawun.intel import changes
    from taawun.intel.schemas import ShareDefaults

    with unit_of_work() as session:
        member(session, as_user)  # refuse before reading a large file
    defaults = changes.marking_defaults(
        ShareDefaults(
            release_to=release or [],
            tlp=tlp,
            classification=classification,
            recipients=recipient or [],
            release_to_all=release_to_all,
        )
    )
    objects = read_objects(file)
    clock = SystemClock()
    totals = {"stored": 0, "duplicates": 0, "failed": 0}
    failures: list[ObjectOutcome] = []
    with Progress(
        TextColumn("sharing"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err_console(),
        disable=len(objects) <= CHUNK,
    ) as progress:
        task = progress.add_task("share", total=len(objects))
        for start in range(0, len(objects), CHUNK):
            chunk = objects[start : start + CHUNK]
            with unit_of_work() as session:
                report = changes.share(
                    member(session, as_user),
                    session,
                    objects=chunk,
                    defaults=defaults,
                    clock=clock,
                )
            totals["stored"] += report.stored
            totals["duplicates"] += report.duplicates
            totals["failed"] += report.failed
            failures += [
                o.model_copy(update={"index": o.index + start}) for o in report.outcomes if not o.ok
            ]
            progress.advance(task, len(chunk))
    typer.echo(
        f"{len(objects)} objects: {totals['stored']} stored, "
        f"{totals['duplicates']} already there, {totals['failed']} failed"
    )
    for outcome in failures:
        typer.echo(f"  #{outcome.index} {outcome.id or '(no id)'}: {'; '.join(outcome.reasons)}")
    if failures:
        raise typer.Exit(2)


@app.command("list")
def list_intel(
    types: Types = None,
    text: Annotated[
        str | None, typer.Option("--text", help="names, pattern text, observable values")
    ] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="agency id or name")] = None,
    agreement: Agreement = None,
    after: Annotated[
        str | None, typer.Option("--after", help="added after (the `next` of a previous page)")
    ] = None,
    include_revoked: Annotated[bool, typer.Option("--include-revoked")] = False,
    limit: Annotated[int, typer.Option("--limit", help="at most this many")] = 50,
    fmt: FormatOpt = Format.TABLE,
    as_user: AsUser = None,
) -> None:
    """What you may read, newest version of each object, oldest added first."""
    from taawun.cli import _names
    from taawun.cli._context import unit_of_work
    from taawun.intel import service

    with unit_of_work() as session:
        who = member(session, as_user)
        page = service.list_intel(
            who,
            session,
            types=types or (),
            text=text,
            owner=owner,
            agreement=agreement,
            added_after=after,
            include_revoked=include_revoked,
            limit=limit,
            exact_count=True,  # one person's command: the whole count is worth its cost
        )
        owners = _names.agencies(who, session) if fmt is Format.TABLE else {}
    notes = [f"{len(page.items)} of {page.total}"]
    if page.next:
        notes.append(f"more: --after {page.next}")
    columns = ["id", "type", "label", "owner_agency_id", "tlp", "classification", "version"]
    if fmt is Format.TABLE:  # the type begins the id; the owner by name
        columns = ["id", "label", "owner", "tlp", "classification", "version"]
    emit(
        fmt,
        document=page,
        rows=[
            {
                **item.model_dump(),
                "label": _short(item.label) if fmt is Format.TABLE else item.label,
                "owner": owners.get(item.owner_agency_id, item.owner_agency_id),
            }
            for item in page.items
        ],
        columns=columns,
        title="Intel",
        notes=notes,
        ids=("id", "version"),
    )


def _short(text: str, width: int = 48) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@app.command("show")
def show(
    stix_id: Annotated[str, typer.Argument(metavar="ID")],
    version: Annotated[
        str | None, typer.Option("--version", help="a version (its `modified`)")
    ] = None,
    fmt: FormatOpt = Format.TABLE,
    as_user: AsUser = None,
) -> None:
    """One object with its markings banner (e.g. ``SECRET // TLP:AMBER``) first."""
    import orjson

    from taawun.cli import _names
    from taawun.cli._context import unit_of_work
    from taawun.intel import service

    with unit_of_work() as session:
        who = member(session, as_user)
        found = service.show(who, session, stix_id=stix_id, version=version)
        named: dict[str, object] = {}
        if fmt is Format.TABLE:  # the agencies and agreements by name, not by id
            agencies = _names.agencies(who, session)
            named = {
                "owner_agency_id": agencies.get(found.owner_agency_id, found.owner_agency_id),
                "released_under": [_names.agreement(who, session, a) for a in found.released_under],
                "recipients": [agencies.get(a, a) for a in found.recipients],
            }
    if fmt is Format.TABLE:
        typer.echo(found.banner)
        fields = {**found.model_dump(exclude={"banner", "object"}), **named}
        labels = {"owner_agency_id": "owner"}
        for key, value in fields.items():
            typer.echo(f"{labels.get(key, key):<16} {text(value)}")
        typer.echo(orjson.dumps(found.object, option=orjson.OPT_INDENT_2).decode())
        return
    row = found.model_dump(exclude={"object"})
    emit(fmt, document=found, rows=[row], columns=list(row))


@app.command("revoke")
def revoke(stix_id: Annotated[str, typer.Argument(metavar="ID")], as_user: AsUser = None) -> None:
    """Revoke your object: a new version marked ``revoked``."""
    from taawun.cli._context import unit_of_work
    from taawun.intel import changes

    with unit_of_work() as session:
        found = changes.revoke(member(session, as_user), session, stix_id=stix_id)
    typer.echo(f"{found.banner}\n{found.id} revoked (version {found.version})")


@app.command("release")
def release(
    stix_id: Annotated[str, typer.Argument(metavar="ID")],
    to: Annotated[
        list[str] | None, typer.Option("--release", help="agreement; repeatable (none: no release)")
    ] = None,
    as_user: AsUser = None,
) -> None:
    """Replace the agreements your object is released under (only its owner may)."""
    from taawun.cli import _names
    from taawun.cli._context import unit_of_work
    from taawun.intel import changes

    with unit_of_work() as session:
        who = member(session, as_user)
        changed = changes.change_release(who, session, stix_id=stix_id, release_to=to or [])
        named = [_names.agreement(who, session, a) for a in changed.release_to]
    under = "; ".join(named) or "no agreement"
    typer.echo(f"{changed.id} (version {changed.version}) released under: {under}")


@app.command("export")
def export(
    types: Types = None,
    agreement: Agreement = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="write to this file, not stdout")
    ] = None,
    as_user: AsUser = None,
) -> None:
    """A STIX 2.1 bundle of everything you may read."""
    from taawun.cli._context import unit_of_work
    from taawun.intel import service

    with unit_of_work() as session:
        body = service.export_bundle(
            member(session, as_user), session, types=types or (), agreement=agreement
        )
    if output is None:
        sys.stdout.write(body.decode() + "\n")
        return
    output.write_bytes(body)
    typer.echo(f"wrote {output}")
