"""`taawun ops propose|join|decline|activate|conclude|cancel|task|link|list|show|alongside`:
combined operations under agreements, and the historical record of UN deployments.

A change acts ``--as`` a user, for their state (a liaison or admin of a party of the
operation's agreement); without it, the node operator, who takes part in no operation and
may only cancel one. A change prints ``<id> <status>`` (or, with ``--format``, the whole
operation). Queries answer as nobody in particular (the public record) unless ``--as``.

The cooperation context is imported when a command runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from taawun.cli._output import Format, emit

if TYPE_CHECKING:
    from datetime import date

    from sqlalchemy.orm import Session

    from taawun.cooperation.operations.schemas import OperationRead
    from taawun.core.principal import Principal
    from taawun.registry.schemas import StateRef

app = typer.Typer(
    help="Combined operations under agreements, and the historical record of UN deployments."
)

RefArg = Annotated[str, typer.Argument(help="the operation's id, or a mission (MONUC)")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="table, json or csv")]
ChangeFormatOpt = Annotated[
    Format | None,
    typer.Option("--format", "-f", help="print the operation (table, json or csv)"),
]
AsOpt = Annotated[
    str | None,
    typer.Option("--as", help="act as this user, for their state (default: the node operator)"),
]
ViewAsOpt = Annotated[
    str | None,
    typer.Option("--as", help="answer as this user sees it (default: the public record only)"),
]


def _actor(session: Session, as_user: str | None) -> Principal:
    from taawun.cli._context import operator, viewer

    return operator() if as_user is None else viewer(session, as_user)


def _date(value: str | None, field: str) -> date | None:
    from taawun.registry.periods import parse_date

    return None if value is None else parse_date(value, field=field)


def _done(found: OperationRead, fmt: Format | None) -> None:
    if fmt is None:
        typer.echo(f"{found.id} {found.status}")
    else:
        _emit(found, fmt)


@app.command("propose")
def propose(
    name: Annotated[str, typer.Option("--name", help="the operation's name")],
    agreement: Annotated[
        str, typer.Option("--agreement", help="id or reference; must cover combined_operations")
    ],
    threat: Annotated[str | None, typer.Option("--threat", help="the threat, named")] = None,
    threat_kind: Annotated[
        str | None, typer.Option("--threat-kind", help="a shared threat's kind (ipv4-addr, ...)")
    ] = None,
    threat_value: Annotated[
        str | None, typer.Option("--threat-value", help="a shared threat's value")
    ] = None,
    lead: Annotated[
        str | None, typer.Option("--lead", help="the lead state (default: yours)")
    ] = None,
    description: Annotated[str | None, typer.Option("--description")] = None,
    area: Annotated[str | None, typer.Option("--area", help="where it takes place")] = None,
    starts: Annotated[str | None, typer.Option("--starts", help="YYYY-MM-DD")] = None,
    ends: Annotated[str | None, typer.Option("--ends", help="YYYY-MM-DD")] = None,
    intel: Annotated[list[str], typer.Option("--intel", help="a STIX id to link (repeat)")] = [],  # noqa: B006
    fmt: ChangeFormatOpt = None,
    as_user: AsOpt = None,
) -> None:
    """Propose a combined operation under an agreement, for your state; prints its id."""
    from taawun.cli._context import unit_of_work
    from taawun.cooperation.operations import changes
    from taawun.cooperation.operations.schemas import OperationCreate

    data = OperationCreate(
        name=name,
        agreement=agreement,
        threat=threat,
        threat_kind=threat_kind,
        threat_value=threat_value,
        lead=lead,
        description=description,
        area=area,
        starts=_date(starts, "starts"),
        ends=_date(ends, "ends"),
        intel=intel,
    )
    with unit_of_work() as session:
        found = changes.propose_operation(_actor(session, as_user), session, data=data)
    _done(found, fmt)


def _step(verb: str, ref: str, as_user: str | None, fmt: Format | None) -> None:
    from taawun.cli._context import unit_of_work
    from taawun.cooperation.operations import changes

    step = {
        "join": changes.join_operation,
        "decline": changes.decline_operation,
        "activate": changes.activate_operation,
    }[verb]
    with unit_of_work() as session:
        found = step(_actor(session, as_user), session, ref=ref)
    _done(found, fmt)


@app.command("join")
def join(ref: RefArg, fmt: ChangeFormatOpt = None, as_user: AsOpt = None) -> None:
    """Your state joins the operation (a party of its agreement)."""
    _step("join", ref, as_user, fmt)


@app.command("decline")
def decline(ref: RefArg, fmt: ChangeFormatOpt = None, as_user: AsOpt = None) -> None:
    """Your state declines to take part (the lead declining a proposed one cancels it)."""
    _step("decline", ref, as_user, fmt)


@app.command("activate")
def activate(ref: RefArg, fmt: ChangeFormatOpt = None, as_user: AsOpt = None) -> None:
    """The lead starts the operation, once it and another party have joined."""
    _step("activate", ref, as_user, fmt)


@app.command("conclude")
def conclude(
    ref: RefArg,
    after_action: Annotated[str, typer.Option("--after-action", help="the after-action summary")],
    fmt: ChangeFormatOpt = None,
    as_user: AsOpt = None,
) -> None:
    """The lead concludes an active operation, with its after-action summary."""
    from taawun.cli._context import unit_of_work
    from taawun.cooperation.operations import changes

    with unit_of_work() as session:
        found = changes.conclude_operation(
            _actor(session, as_user), session, ref=ref, after_action=after_action
        )
    _done(found, fmt)


@app.command("cancel")
def cancel(
    ref: RefArg,
    reason: Annotated[str | None, typer.Option("--reason")] = None,
    fmt: ChangeFormatOpt = None,
    as_user: AsOpt = None,
) -> None:
    """Call off a proposed or active operation (without --as: for the node)."""
    from taawun.cli._context import unit_of_work
    from taawun.cooperation.operations import changes

    with unit_of_work() as session:
        found = changes.cancel_operation(_actor(session, as_user), session, ref=ref, reason=reason)
    _done(found, fmt)


@app.command("task")
def task(
    ref: RefArg,
    title: Annotated[str, typer.Option("--title", help="the task or phase")],
    state: Annotated[
        str | None, typer.Option("--state", help="the party state carrying it out")
    ] = None,
    starts: Annotated[str | None, typer.Option("--starts", help="YYYY-MM-DD")] = None,
    ends: Annotated[str | None, typer.Option("--ends", help="YYYY-MM-DD")] = None,
    fmt: ChangeFormatOpt = None,
    as_user: AsOpt = None,
) -> None:
    """Add a task or phase to an operation (the lead or a state that joined)."""
    from taawun.cli._context import unit_of_work
    from taawun.cooperation.operations import changes
    from taawun.cooperation.operations.schemas import TaskCreate

    data = TaskCreate(
        title=title, state=state, starts=_date(starts, "starts"), ends=_date(ends, "ends")
    )
    with unit_of_work() as session:
        found = changes.add_task(_actor(session, as_user), session, ref=ref, data=data)
    _done(found, fmt)


@app.command("link")
def link(
    ref: RefArg,
    stix_ids: Annotated[list[str], typer.Argument(help="STIX ids you may read")],
    fmt: ChangeFormatOpt = None,
    as_user: AsOpt = None,
) -> None:
    """Link intel to an operation (the lead or a state that joined)."""
    from taawun.cli._context import unit_of_work
    from taawun.cooperation.operations import changes

    with unit_of_work() as session:
        found = changes.link_intel(_actor(session, as_user), session, ref=ref, stix_ids=stix_ids)
    _done(found, fmt)


@app.command("list")
def list_(
    status: Annotated[
        str | None,
        typer.Option("--status", help="proposed, active, concluded, cancelled, recorded"),
    ] = None,
    historical: Annotated[
        bool | None,
        typer.Option("--historical/--live", help="only the record, or only live operations"),
    ] = None,
    state: Annotated[
        str | None, typer.Option("--state", help="a state that joined, led or contributed")
    ] = None,
    agreement: Annotated[str | None, typer.Option("--agreement")] = None,
    text: Annotated[str | None, typer.Option("--text", "-t", help="in name or threat")] = None,
    limit: Annotated[int, typer.Option("--limit")] = 100,
    offset: Annotated[int, typer.Option("--offset")] = 0,
    fmt: FormatOpt = Format.TABLE,
    as_user: ViewAsOpt = None,
) -> None:
    """Operations you may see: the public record, and your agreements' live operations."""
    from taawun.cli._context import unit_of_work, viewer
    from taawun.cooperation.operations import service

    with unit_of_work() as session:
        page = service.list_operations(
            viewer(session, as_user),
            session,
            status=status,
            historical=historical,
            state=state,
            agreement=agreement,
            text=text,
            limit=limit,
            offset=offset,
        )
    rows = [
        {
            "id": o.id,
            "name": o.name,
            "status": o.status,
            "agreement": o.agreement_id,
            "lead": o.lead,
            "threat": o.threat,
            "from": o.starts,
            "to": o.ends,
            "states": o.states if fmt is not Format.TABLE else _first(o.states),
        }
        for o in page.items
    ]
    shown = f"{offset + 1}-{offset + len(page.items)} of {page.total}" if page.items else "none"
    emit(
        fmt,
        document=page,
        rows=rows,
        columns=["id", "name", "status", "agreement", "lead", "threat", "from", "to", "states"],
        title=f"Operations ({shown})",
    )


def _first(states: list[str], shown: int = 8) -> list[str]:
    return states if len(states) <= shown else [*states[:shown], f"+{len(states) - shown}"]


@app.command("show")
def show(ref: RefArg, fmt: FormatOpt = Format.TABLE, as_user: ViewAsOpt = None) -> None:
    """One operation: its states' answers, tasks, the intel you may read, its contributors."""
    from taawun.cli._context import unit_of_work, viewer
    from taawun.cooperation.operations import service

    with unit_of_work() as session:
        found = service.get_operation(viewer(session, as_user), session, ref=ref)
    _emit(found, fmt)


def _emit(found: OperationRead, fmt: Format) -> None:
    def who(state: StateRef) -> str:
        return state.iso3 or state.name

    status = (
        f"{found.status} from {found.source}"
        if found.historical
        else f"{found.status} since {found.status_since:%Y-%m-%d}"
    )
    threat = found.threat
    shared = f"{threat.kind}: {threat.value}" if threat and threat.value else None
    rows: list[dict[str, object]] = [
        {"field": "name", "value": found.name},
        {"field": "source", "value": f"{found.source} {found.source_id}"},
        {"field": "status", "value": status},
        {"field": "reason", "value": found.status_reason},
        {"field": "agreement", "value": found.agreement_title or found.agreement_id},
        {"field": "lead", "value": who(found.lead) if found.lead else None},
        {"field": "proposed by", "value": who(found.proposer) if found.proposer else None},
        {"field": "threat", "value": threat.name if threat else None},
        {"field": "shared threat", "value": shared},
        {"field": "area", "value": found.area},
        {"field": "dates", "value": f"{found.starts or '?'} to {found.ends or '?'}"},
        {"field": "description", "value": found.description},
    ]  # fmt: skip
    rows += [
        {"field": f"{p.response}" + (" (lead)" if p.lead else ""), "value": who(p.state)}
        for p in found.participants
    ]
    if found.awaiting:
        rows.append({"field": "awaiting", "value": found.awaiting})
    for t in found.tasks:
        by = f" [{who(t.state)}]" if t.state else ""
        rows.append(
            {"field": "task", "value": f"{t.title}{by}: {t.starts or '?'} to {t.ends or '?'}"}
        )
    for i in found.intel:
        marking = f"TLP:{i.tlp}, {i.classification}"
        rows.append({"field": "intel", "value": f"{i.id} {i.type} {i.label} ({marking})"})
    for c in found.contributors:
        troops = f", up to {c.troops_peak} troops on one map" if c.troops_peak else ""
        span = f"{c.first_year}-{c.last_year}" if c.first_year != c.last_year else c.first_year
        rows.append(
            {"field": "contributor", "value": f"{who(c.state)} {span}: {c.records} records{troops}"}
        )
    if found.after_action:
        rows.append({"field": "after action", "value": found.after_action})
    notes = (
        [f"observed through {found.observed_through}; {found.source_rows} source rows"]
        if found.historical
        else []
    )
    emit(
        fmt,
        document=found,
        rows=rows,
        columns=["field", "value"],
        title=f"Operation {found.id} ({found.name})",
        notes=notes,
        ids=(),
    )


@app.command("alongside")
def alongside(
    state: Annotated[str, typer.Argument(help="a state: ISO3, name, COW code")],
    other: Annotated[
        str | None, typer.Option("--with", help="another state: the missions they shared")
    ] = None,
    year: Annotated[int | None, typer.Option("--year", "-y")] = None,
    fmt: FormatOpt = Format.TABLE,
    as_user: ViewAsOpt = None,
) -> None:
    """Who served alongside STATE in UN missions (Geo-PKO, Africa 1994-2018)."""
    from taawun.cli._context import unit_of_work, viewer
    from taawun.cooperation.operations import service

    with unit_of_work() as session:
        principal = viewer(session, as_user)
        if other is None:
            found = service.alongside(principal, session, state=state, year=year)
        else:
            pair = service.dyad_deployments(principal, session, a=state, b=other, year=year)
    if other is None:
        rows = [
            {
                "state": p.state.iso3 or p.state.name,
                "name": p.state.name,
                "mission-years": p.mission_years,
                "missions": p.missions,
                "from": p.first_year,
                "to": p.last_year,
            }
            for p in found.partners
        ]
        emit(
            fmt,
            document=found,
            rows=rows,
            columns=["state", "name", "mission-years", "missions", "from", "to"],
            title=f"Alongside {found.state.name} in {found.missions} mission(s)",
            notes=[found.note],
            ids=("state",),
        )
        return
    a, b = pair.a.iso3 or pair.a.name, pair.b.iso3 or pair.b.name
    rows = [
        {
            "mission": e.mission,
            "year": e.year,
            f"{a} records": e.a_records,
            f"{b} records": e.b_records,
            f"{a} troops": e.a_troops_peak,
            f"{b} troops": e.b_troops_peak,
        }
        for e in pair.entries
    ]
    columns = ["mission", "year", f"{a} records", f"{b} records", f"{a} troops", f"{b} troops"]
    emit(
        fmt,
        document=pair,
        rows=rows,
        columns=columns,
        title=f"{pair.a.name} and {pair.b.name}: {len(pair.entries)} mission-year(s)",
        notes=[pair.note],
        ids=("mission",),
    )
