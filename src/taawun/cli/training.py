"""`taawun training add|take|release|graduates|cancel|list|show|ledger`: reciprocal training
programmes and the reciprocity ledger.

Changes act as the node operator unless ``--as USER`` is given, and then as that user for
their state (a liaison or admin of the host records a programme and its graduates, one of a
guest state takes its seats). Questions answer as nobody in particular unless ``--as`` is
given: a live programme is seen only by the states it concerns, so without ``--as`` they
answer with nothing.

The cooperation context is imported when a command runs.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer

from taawun.cli._output import Format, emit

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from taawun.cooperation.training.schemas import ProgrammeRead, SeatFigures
    from taawun.core.principal import Principal

app = typer.Typer(help="Reciprocal training programmes and the reciprocity ledger.")

FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="table, json or csv")]
ActAsOpt = Annotated[
    str | None,
    typer.Option("--as", help="act as this user, for their state (default: the node operator)"),
]
SeeAsOpt = Annotated[
    str | None,
    typer.Option("--as", help="answer as this user sees it (default: the public, who sees none)"),
]
IdArg = Annotated[str, typer.Argument(help="the programme's id")]
FromOpt = Annotated[
    str | None, typer.Option("--from", help="programmes starting on or after YYYY-MM-DD")
]
ToOpt = Annotated[str | None, typer.Option("--to", help="programmes starting on or before")]
PUBLIC_NOTE = (
    "answered as the public: a programme is seen only by the states it concerns (use --as USER)"
)


def _actor(session: Session, as_user: str | None) -> Principal:
    from taawun.cli._context import operator, viewer

    return operator() if as_user is None else viewer(session, as_user)


def _date(value: str | None, field: str) -> date | None:
    from taawun.registry.periods import parse_date

    return None if value is None else parse_date(value, field=field)


def _counts(values: list[str], field: str, what: str) -> list[tuple[str, int]]:
    """``PAK=5`` items as (state, count); anything else is refused naming ``field``."""
    from taawun.core.errors import InvalidInput

    found: list[tuple[str, int]] = []
    for item in values:
        state, sep, count = item.rpartition("=")
        if not sep or not state.strip() or not (count.isascii() and count.isdigit()):
            raise InvalidInput(
                f"{field}: {item!r} is not STATE=N (e.g. PAK=5, the {what} of that state)",
                field=field,
                value=item,
            )
        found.append((state.strip(), int(count)))
    return found


@app.command("add")
def add(
    subject: Annotated[str, typer.Option("--subject", help="what is taught")],
    agreement: Annotated[
        str, typer.Option("--agreement", help="the agreement it falls under (id, ATOP 6035, ...)")
    ],
    start: Annotated[str, typer.Option("--start", help="first day YYYY-MM-DD")],
    end: Annotated[str, typer.Option("--end", help="last day YYYY-MM-DD")],
    seats: Annotated[
        list[str], typer.Option("--seats", "-s", help="seats offered to a guest: STATE=N (repeat)")
    ],
    host: Annotated[
        str | None, typer.Option("--host", help="the host state (default: your state)")
    ] = None,
    location: Annotated[str | None, typer.Option("--location")] = None,
    as_user: ActAsOpt = None,
) -> None:
    """Record a programme your state hosts; prints its id."""
    from taawun.cli._context import unit_of_work
    from taawun.cooperation.training import changes
    from taawun.cooperation.training.schemas import ProgrammeCreate

    data = ProgrammeCreate(
        subject=subject,
        agreement=agreement,
        start=_date(start, "start"),
        end=_date(end, "end"),
        offers=[{"guest": g, "seats": n} for g, n in _counts(seats, "seats", "seats offered")],
        host=host,
        location=location,
    )
    with unit_of_work() as session:
        created = changes.record_programme(_actor(session, as_user), session, data=data)
    typer.echo(created.id)


def _seats(
    programme_id: str, seats: int, guest: str | None, as_user: str | None, take: bool
) -> None:
    """Prints ``<id> <guest> <taken>/<offered>``."""
    from taawun.cli._context import unit_of_work
    from taawun.cooperation.training import seats as guests
    from taawun.cooperation.training import service
    from taawun.cooperation.training.schemas import SeatsChange

    data = SeatsChange(seats=seats, guest=guest)
    change = guests.take_seats if take else guests.release_seats
    with unit_of_work() as session:
        who = _actor(session, as_user)
        done = change(who, session, programme_id=programme_id, data=data)
        state = (
            who.state_id if guest is None else service.state_id(who, session, guest, field="guest")
        )
    seat = next(s for s in done.seats if s.state_id == state)
    typer.echo(f"{done.id} {seat.state} {seat.taken}/{seat.offered}")


SeatsOpt = Annotated[int, typer.Option("--seats", "-n", help="how many seats")]
GuestOpt = Annotated[
    str | None, typer.Option("--guest", help="the guest state (default: your state)")
]


@app.command("take")
def take(
    programme_id: IdArg, seats: SeatsOpt, guest: GuestOpt = None, as_user: ActAsOpt = None
) -> None:
    """Take seats your state is offered; prints the seats taken of those offered."""
    _seats(programme_id, seats, guest, as_user, take=True)


@app.command("release")
def release(
    programme_id: IdArg, seats: SeatsOpt, guest: GuestOpt = None, as_user: ActAsOpt = None
) -> None:
    """Give back seats your state took."""
    _seats(programme_id, seats, guest, as_user, take=False)


@app.command("graduates")
def graduates(
    programme_id: IdArg,
    counts: Annotated[
        list[str], typer.Argument(help="graduates per guest: STATE=N (every guest that took seats)")
    ],
    as_user: ActAsOpt = None,
) -> None:
    """Record the graduates of a programme your state hosted, on or after its last day."""
    from taawun.cli._context import unit_of_work
    from taawun.cooperation.training import changes
    from taawun.cooperation.training.schemas import GraduatesRecord

    data = GraduatesRecord.model_validate(
        {
            "graduates": [
                {"guest": g, "graduates": n} for g, n in _counts(counts, "graduates", "graduates")
            ]
        }
    )
    with unit_of_work() as session:
        done = changes.record_graduates(
            _actor(session, as_user), session, programme_id=programme_id, data=data
        )
    typer.echo(f"{done.id} {done.status} {done.graduates}/{done.taken}")


@app.command("cancel")
def cancel(programme_id: IdArg, as_user: ActAsOpt = None) -> None:
    """Cancel a planned programme your state hosts."""
    from taawun.cli._context import unit_of_work
    from taawun.cooperation.training import changes

    with unit_of_work() as session:
        done = changes.cancel_programme(
            _actor(session, as_user), session, programme_id=programme_id
        )
    typer.echo(f"{done.id} {done.status}")


def _guests(p: ProgrammeRead) -> list[str]:
    return [f"{s.state} {s.taken}/{s.offered}" for s in p.seats]


@app.command("list")
def list_programmes(
    host: Annotated[str | None, typer.Option("--host")] = None,
    guest: Annotated[str | None, typer.Option("--guest")] = None,
    agreement: Annotated[str | None, typer.Option("--agreement")] = None,
    status: Annotated[
        str | None,
        typer.Option("--status", help="planned, running, ended, completed or cancelled"),
    ] = None,
    start: FromOpt = None,
    end: ToOpt = None,
    text: Annotated[str | None, typer.Option("--text", "-t", help="words in the subject")] = None,
    limit: Annotated[int, typer.Option("--limit")] = 100,
    offset: Annotated[int, typer.Option("--offset")] = 0,
    fmt: FormatOpt = Format.TABLE,
    as_user: SeeAsOpt = None,
) -> None:
    """Programmes you may see, newest first; guests as seats taken/offered."""
    from taawun.cli._context import unit_of_work, viewer
    from taawun.cooperation.training import service

    with unit_of_work() as session:
        page = service.list_programmes(
            viewer(session, as_user),
            session,
            host=host,
            guest=guest,
            agreement=agreement,
            status=status,
            start=_date(start, "from"),
            end=_date(end, "to"),
            text=text,
            limit=limit,
            offset=offset,
        )
    rows = [
        {
            "id": p.id,
            "subject": p.subject,
            "host": p.host,
            "guests": _guests(p),
            "start": p.start,
            "end": p.end,
            "status": p.status,
            "graduates": p.graduates,
            "agreement": p.agreement_id,
        }
        for p in page.items
    ]
    shown = f"{offset + 1}-{offset + len(page.items)} of {page.total}" if page.items else "none"
    columns = [
        "id",
        "subject",
        "host",
        "guests",
        "start",
        "end",
        "status",
        "graduates",
        "agreement",
    ]
    emit(
        fmt,
        document=page,
        rows=rows,
        columns=columns,
        title=f"Training programmes ({shown})",
        notes=[PUBLIC_NOTE] if as_user is None else [],
    )


@app.command("show")
def show(programme_id: IdArg, fmt: FormatOpt = Format.TABLE, as_user: SeeAsOpt = None) -> None:
    """One programme: host, agreement, dates, and each guest's seats and graduates."""
    from taawun.cli._context import unit_of_work, viewer
    from taawun.cooperation.training import service

    with unit_of_work() as session:
        p = service.get_programme(viewer(session, as_user), session, programme_id=programme_id)
    rows: list[dict[str, object]] = [
        {"field": "subject", "value": p.subject},
        {"field": "host", "value": p.host},
        {"field": "agreement", "value": f"{p.agreement_id} {p.agreement or ''}".strip()},
        {"field": "dates", "value": f"{p.start.isoformat()} to {p.end.isoformat()}"},
        {"field": "location", "value": p.location},
        {"field": "status", "value": p.status},
    ]
    for s in p.seats:
        done = "" if s.graduates is None else f", {s.graduates} graduated"
        rows.append(
            {"field": f"seats: {s.state}", "value": f"{s.taken} of {s.offered} taken{done}"}
        )
    emit(
        fmt,
        document=p,
        rows=rows,
        columns=["field", "value"],
        title=f"Training programme {p.id}",
        ids=(),
    )


LEDGER_COLUMNS = [
    "a",
    "b",
    "hosted_programmes",
    "hosted_offered",
    "hosted_taken",
    "hosted_graduates",
    "received_programmes",
    "received_offered",
    "received_taken",
    "received_graduates",
    "balance",
    "imbalanced",
]


def _direction(figures: SeatFigures) -> str:
    """``8 of 10 seats taken, 7 graduated (1 programme)``."""
    if not figures.programmes:
        return "none"
    plural = "" if figures.programmes == 1 else "s"
    return (
        f"{figures.taken} of {figures.offered} seats taken, {figures.graduates} graduated "
        f"({figures.programmes} programme{plural})"
    )


@app.command("ledger")
def ledger(
    agreement: Annotated[
        str | None, typer.Option("--agreement", help="every pair that trained under it")
    ] = None,
    pair: Annotated[
        tuple[str, str] | None, typer.Option("--pair", help="two states: A B (as A sees it)")
    ] = None,
    start: FromOpt = None,
    end: ToOpt = None,
    threshold: Annotated[
        float,
        typer.Option("--threshold", help="flag |balance| above this share of the seats taken"),
    ] = 1 / 3,
    fmt: FormatOpt = Format.TABLE,
    as_user: SeeAsOpt = None,
) -> None:
    """The reciprocity ledger: seats each state hosted for and received from the other, the
    balance of taken seats, and imbalances flagged."""
    from taawun.cli._context import unit_of_work, viewer
    from taawun.cooperation.training import ledger as ledgers

    with unit_of_work() as session:
        found = ledgers.ledger(
            viewer(session, as_user),
            session,
            agreement=agreement,
            pair=pair,
            start=_date(start, "from"),
            end=_date(end, "to"),
            threshold=threshold,
        )
    if fmt is Format.TABLE:  # one readable cell per direction; CSV keeps every figure apart
        columns = ["a", "b", "a hosted for b", "a received from b", "balance", "imbalanced"]
        rows = [
            {
                "a": r.a,
                "b": r.b,
                "a hosted for b": _direction(r.hosted),
                "a received from b": _direction(r.received),
                "balance": r.balance,
                "imbalanced": r.imbalanced,
            }
            for r in found.rows
        ]
    else:
        columns = LEDGER_COLUMNS
        rows = [
            {
                "a": r.a,
                "b": r.b,
                **{f"hosted_{k}": v for k, v in r.hosted.model_dump().items()},
                **{f"received_{k}": v for k, v in r.received.model_dump().items()},
                "balance": r.balance,
                "imbalanced": r.imbalanced,
            }
            for r in found.rows
        ]
    what = f"agreement {found.agreement_id}" if found.agreement_id else ""
    if found.pair:
        what = f"{what}, {' and '.join(found.pair)}" if what else " and ".join(found.pair)
    window = f" from {start or 'the first'} to {end or 'the last'}" if start or end else ""
    notes = [found.rule] + ([PUBLIC_NOTE] if as_user is None else [])
    emit(
        fmt,
        document=found,
        rows=rows,
        columns=columns,
        title=f"Reciprocity ledger: {what}{window}",
        notes=notes,
        ids=("a", "b"),
    )
