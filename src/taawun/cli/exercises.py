"""`taawun exercises list|show|partners|add|update|cancel`: joint military exercises, live and
from the MME record (1980-2010).

Queries answer with the public record unless ``--as USER`` is given (then also the live
exercises of that user's state). ``add``, ``update`` and ``cancel`` act as the node operator
without ``--as``, and as that user, for their state, with it.

The cooperation context is imported when a command runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from taawun.cli._output import Format, emit

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from taawun.cooperation.exercises.schemas import ExerciseRead
    from taawun.core.principal import Principal

app = typer.Typer(help="Joint military exercises, live and from the MME record (1980-2010).")

TABLE_STATES = 6  # a table lists this many states and counts the rest; JSON and CSV list all

FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="table, json or csv")]
AsOpt = Annotated[
    str | None,
    typer.Option("--as", help="as this user (queries: sees their state's live exercises too)"),
]
FromOpt = Annotated[int | None, typer.Option("--from", help="first year (start date)")]
ToOpt = Annotated[int | None, typer.Option("--to", help="last year (start date)")]
DomainOpt = Annotated[
    list[str],
    typer.Option("--domain", "-d", help="land, air, sea, amphibious, cyber, command-post, "
                 "humanitarian, peacekeeping (repeat: all)"),
]  # fmt: skip
SourceOpt = Annotated[str | None, typer.Option("--source", help="live or imported")]


def _actor(session: Session, as_user: str | None) -> Principal:
    from taawun.cli._context import operator, viewer

    return operator() if as_user is None else viewer(session, as_user)


def _first(states: list[str]) -> list[str]:
    if len(states) <= TABLE_STATES:
        return states
    return [*states[:TABLE_STATES], f"+{len(states) - TABLE_STATES}"]


@app.command("list")
def list_(
    state: Annotated[str | None, typer.Option("--state", "-s", help="a state taking part")] = None,
    partner: Annotated[
        list[str], typer.Option("--partner", "-p", help="another state taking part (repeat)")
    ] = [],  # noqa: B006
    year_from: FromOpt = None,
    year_to: ToOpt = None,
    domain: DomainOpt = [],  # noqa: B006
    series: Annotated[str | None, typer.Option("--series", help="e.g. 'Cobra Gold'")] = None,
    text: Annotated[
        str | None, typer.Option("--text", "-t", help="in name, series, location, focus")
    ] = None,
    source: SourceOpt = None,
    flagged: Annotated[
        bool, typer.Option("--flagged", help="only those outside any agreement")
    ] = False,
    status: Annotated[str | None, typer.Option("--status", help="recorded, cancelled")] = None,
    limit: Annotated[int, typer.Option("--limit")] = 100,
    offset: Annotated[int, typer.Option("--offset")] = 0,
    fmt: FormatOpt = Format.TABLE,
    as_user: AsOpt = None,
) -> None:
    """Exercises, oldest first, filtered by state, partner, years, domain, series and text."""
    from taawun.cli._context import unit_of_work, viewer
    from taawun.cooperation.exercises import service

    with unit_of_work() as session:
        page = service.list_exercises(
            viewer(session, as_user),
            session,
            state=state,
            partners=partner,
            year_from=year_from,
            year_to=year_to,
            domains=domain,
            series=series,
            text=text,
            source=source,
            coverage="outside" if flagged else None,
            status=status,
            limit=limit,
            offset=offset,
        )
    rows = [
        {
            "id": e.id,
            "source_id": e.source_id,
            "start": e.start,
            "end": e.end,
            "name": e.name or "(unnamed)",
            "series": e.series,
            "host": e.host,
            "states": e.states if fmt is not Format.TABLE else _first(e.states),
            "domains": e.domains,
            "coverage": e.coverage,
            "status": e.status,
        }
        for e in page.items
    ]
    shown = f"{offset + 1}-{offset + len(page.items)} of {page.total}" if page.items else "none"
    columns = ["id", "source_id", "start", "end", "name", "series", "host", "states", "domains"]
    columns += ["coverage", "status"]
    emit(
        fmt,
        document=page,
        rows=rows,
        columns=columns,
        title=f"Exercises ({shown})",
        ids=("id", "source_id"),
    )


@app.command("show")
def show(
    ref: Annotated[str, typer.Argument(help="an id, or a source id such as mme88")],
    fmt: FormatOpt = Format.TABLE,
    as_user: AsOpt = None,
) -> None:
    """One exercise: dates, domains, participants and roles, the agreement it falls under."""
    from taawun.cli._context import unit_of_work, viewer
    from taawun.cooperation.exercises import service

    with unit_of_work() as session:
        found = service.get_exercise(viewer(session, as_user), session, ref=ref)
    _emit(found, fmt)


def _emit(found: ExerciseRead, fmt: Format) -> None:
    when = found.start if found.end in (None, found.start) else f"{found.start} to {found.end}"
    agreement: str | None
    if found.agreement is not None:
        agreement = (
            f"{found.agreement.reference}: {found.agreement.title} (id {found.agreement.id})"
        )
    else:
        agreement = {
            "outside": "none: outside any agreement covering joint exercises (flagged)",
            "unassessed": "not assessed (historical record)",
        }.get(found.coverage)
    rows: list[dict[str, object]] = [
        {"field": "name", "value": found.name or "(unnamed)"},
        {"field": "source", "value": f"{found.source} {found.source_id}"},
        {"field": "series", "value": found.series},
        {"field": "when", "value": when},
        {"field": "location", "value": found.location},
        {"field": "domains", "value": found.domains},
        {"field": "warfighting", "value": found.warfighting},
        {"field": "focus", "value": found.focus},
        {"field": "agreement", "value": agreement},
        {"field": "status", "value": found.status},
        {"field": "visibility", "value": "public" if found.public else "the states it concerns"},
    ]
    order = {"host": 0, "participant": 1, "observer": 2}
    for p in sorted(found.participants, key=lambda p: order.get(p.role, 3)):
        who = p.state or p.organization or f"{p.name} (no state)"
        if p.state and p.name not in (p.state,):
            who = f"{p.state} ({p.name})"
        basis = (
            " (from the location)" if p.role == "host" and found.host_basis == "location" else ""
        )
        rows.append({"field": p.role, "value": who + basis})
    if found.unnamed_participants:
        rows.append({"field": "participant", "value": "others the source does not name"})
    if found.participant_note:
        rows.append({"field": "participant note", "value": found.participant_note})
    title = f"Exercise {found.id} ({found.source} {found.source_id})"
    emit(fmt, document=found, rows=rows, columns=["field", "value"], title=title, ids=())


@app.command("partners")
def partners(
    state: Annotated[str, typer.Argument(help="the state")],
    year_from: FromOpt = None,
    year_to: ToOpt = None,
    domain: DomainOpt = [],  # noqa: B006
    source: SourceOpt = None,
    fmt: FormatOpt = Format.TABLE,
    as_user: AsOpt = None,
) -> None:
    """The states a state exercised with, most exercises first."""
    from taawun.cli._context import unit_of_work, viewer
    from taawun.cooperation.exercises import service

    with unit_of_work() as session:
        found = service.exercise_partners(
            viewer(session, as_user),
            session,
            state=state,
            year_from=year_from,
            year_to=year_to,
            domains=domain,
            source=source,
        )
    rows = [p.model_dump() for p in found.partners]
    emit(
        fmt,
        document=found,
        rows=rows,
        columns=["state", "exercises", "first_year", "last_year"],
        title=f"Exercise partners of {found.state}",
        ids=("state",),
    )


# --- changes ---------------------------------------------------------------------------------

NameOpt = Annotated[str | None, typer.Option("--name", help="the exercise's name")]
StartOpt = Annotated[str | None, typer.Option("--start", help="YYYY-MM-DD, YYYY-MM or YYYY")]
EndOpt = Annotated[str | None, typer.Option("--end", help="YYYY-MM-DD, YYYY-MM or YYYY")]
StateOpt = Annotated[list[str], typer.Option("--state", "-s", help="a participating state")]
HostOpt = Annotated[str | None, typer.Option("--host", help="the host state")]
ObserverOpt = Annotated[list[str], typer.Option("--observer", help="an observer state")]
OrgOpt = Annotated[list[str], typer.Option("--org", help="a participating organization")]
AgreementOpt = Annotated[
    str | None, typer.Option("--agreement", help="the agreement it falls under (id, ATOP 3275)")
]


def _participants(
    state: list[str], host: str | None, observer: list[str], org: list[str]
) -> list[dict[str, str]]:
    out = [{"state": host, "role": "host"}] if host else []
    out += [{"state": s, "role": "participant"} for s in state]
    out += [{"state": s, "role": "observer"} for s in observer]
    out += [{"organization": o, "role": "participant"} for o in org]
    return out


def _details(**given: Any) -> dict[str, Any]:
    return {k: v for k, v in given.items() if v not in (None, [])}


@app.command("add")
def add(
    name: NameOpt = None,
    start: StartOpt = None,
    end: EndOpt = None,
    state: StateOpt = [],  # noqa: B006
    host: HostOpt = None,
    observer: ObserverOpt = [],  # noqa: B006
    org: OrgOpt = [],  # noqa: B006
    domain: DomainOpt = [],  # noqa: B006
    series: Annotated[str | None, typer.Option("--series")] = None,
    location: Annotated[str | None, typer.Option("--location")] = None,
    lat: Annotated[float | None, typer.Option("--lat")] = None,
    lon: Annotated[float | None, typer.Option("--lon")] = None,
    warfighting: Annotated[bool | None, typer.Option("--warfighting/--no-warfighting")] = None,
    focus: Annotated[str | None, typer.Option("--focus")] = None,
    agreement: AgreementOpt = None,
    as_user: AsOpt = None,
) -> None:
    """Record an exercise; prints its id and coverage (covered, or outside: flagged)."""
    from taawun.cli._context import unit_of_work
    from taawun.cooperation.exercises import changes
    from taawun.cooperation.exercises.schemas import ExerciseCreate

    data = ExerciseCreate.model_validate(
        _details(
            name=name, start=start, end=end, series=series, location=location,
            latitude=lat, longitude=lon, domains=domain, warfighting=warfighting,
            focus=focus, agreement=agreement,
            participants=_participants(state, host, observer, org),
        )
    )  # fmt: skip
    with unit_of_work() as session:
        created = changes.record_exercise(_actor(session, as_user), session, data=data)
    _echo(created)


def _echo(done: ExerciseRead) -> None:
    agreement = f" {done.agreement.reference}" if done.agreement else ""
    typer.echo(f"{done.id} {done.coverage}{agreement}")


@app.command("update")
def update(
    ref: Annotated[str, typer.Argument(help="the exercise's id")],
    name: NameOpt = None,
    start: StartOpt = None,
    end: EndOpt = None,
    state: StateOpt = [],  # noqa: B006
    host: HostOpt = None,
    observer: ObserverOpt = [],  # noqa: B006
    org: OrgOpt = [],  # noqa: B006
    domain: DomainOpt = [],  # noqa: B006
    location: Annotated[str | None, typer.Option("--location")] = None,
    focus: Annotated[str | None, typer.Option("--focus")] = None,
    agreement: AgreementOpt = None,
    as_user: AsOpt = None,
) -> None:
    """Change a live exercise; any of --state/--host/--observer/--org replaces the
    participants. Prints its id and coverage."""
    from taawun.cli._context import unit_of_work
    from taawun.cooperation.exercises import changes
    from taawun.cooperation.exercises.schemas import ExerciseUpdate

    participants = _participants(state, host, observer, org) or None
    data = ExerciseUpdate.model_validate(
        _details(
            name=name, start=start, end=end, location=location, focus=focus,
            domains=domain, agreement=agreement, participants=participants,
        )
    )  # fmt: skip
    with unit_of_work() as session:
        done = changes.update_exercise(_actor(session, as_user), session, ref=ref, data=data)
    _echo(done)


@app.command("cancel")
def cancel(
    ref: Annotated[str, typer.Argument(help="the exercise's id")],
    reason: Annotated[str | None, typer.Option("--reason")] = None,
    as_user: AsOpt = None,
) -> None:
    """Cancel a live exercise (kept, as cancelled); prints its id and status."""
    from taawun.cli._context import unit_of_work
    from taawun.cooperation.exercises import changes

    with unit_of_work() as session:
        done = changes.cancel_exercise(_actor(session, as_user), session, ref=ref, reason=reason)
    typer.echo(f"{done.id} {done.status}")
