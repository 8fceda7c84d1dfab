"""Training changes of the host: record a programme, record its graduates, cancel it (a
guest's seats are ``seats.py``).

Who acts (``policy.py``): a liaison or admin of the host records a programme, its graduates
and its cancellation; a liaison or admin of a guest state takes (or gives back) that
state's seats (``seats.py``). The node itself (a system principal: the operator at the
shell, the demo) acts directly, naming the host or guest it writes for, as it records
agreements directly.

A programme falls under an agreement, and recording one outside any is refused, not
flagged: the issue names the agreement a programme falls under, and the reciprocity ledger
is kept per agreement. The agreement must be one the recorder may see, cover ``training``
and be in force on the programme's first day with the host and every guest as parties on
that day (``registry.service.covering_agreements``: the registry's rule, as the registry
knows it now, so a suspended agreement covers nothing). Seats are taken only while the
agreement still covers the programme that way. An imported treaty that covers training
(ATOP's military aid with training, ``milaid`` 3 or 4) serves as well as one recorded on the
node: a programme under it is an activity of its parties, not a change of the treaty.

Each change runs in a savepoint (a refused one leaves the database as it was), locks the
programme's row first (so two changes of one programme queue, and the second checks what
the first wrote), reads its result back through the restricted query, and appends an audit
entry with before and after, naming the state the actor acted for (``_writes.audited``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from taawun.access.restrict import Action
from taawun.cooperation.policy import may_change
from taawun.cooperation.training import repository, service
from taawun.cooperation.training._writes import DOMAIN, acting_for, audited
from taawun.cooperation.training.models import TrainingProgramme, TrainingSeat
from taawun.cooperation.training.policy import HOSTING
from taawun.cooperation.training.schemas import GraduatesRecord, ProgrammeCreate, ProgrammeRead
from taawun.core.clock import Clock, SystemClock
from taawun.core.errors import Conflict, InvalidInput, PermissionDenied
from taawun.core.ids import IdFactory, RandomIds
from taawun.core.principal import Principal
from taawun.registry import service as registry
from taawun.registry.periods import Period
from taawun.registry.policy import is_in_force_on, spell_covers_day
from taawun.registry.schemas import AgreementRead

# --- recording a programme ---------------------------------------------------------------


def record_programme(
    principal: Principal,
    session: Session,
    *,
    data: ProgrammeCreate,
    clock: Clock | None = None,
    ids: IdFactory | None = None,
) -> ProgrammeRead:
    """Record a programme the host state offers seats in, under an agreement covering
    training (see the module). The host defaults to the caller's state."""
    clock = clock or SystemClock()
    ids = ids or RandomIds()
    if data.host is None and principal.state_id is None:
        raise InvalidInput("host: name the host state", field="host")
    host = (
        service.state_id(principal, session, data.host, field="host")
        if data.host is not None
        else principal.state_id
    )
    assert host is not None
    if not may_change(principal, concerned={host}):
        raise PermissionDenied(
            "host: only a liaison or admin of the host state records its programmes",
            field="host",
            value=data.host,
        )
    if data.end < data.start:
        raise InvalidInput(
            f"end: {data.end.isoformat()} is before the start ({data.start.isoformat()})",
            field="end",
            value=data.end.isoformat(),
        )
    offers: dict[int, int] = {}
    for offer in data.offers:
        guest = service.state_id(principal, session, offer.guest, field="offers")
        if guest == host:
            raise InvalidInput(
                f"offers: {offer.guest} is the host; seats are offered to other states",
                field="offers",
                value=offer.guest,
            )
        if guest in offers:
            raise InvalidInput(
                f"offers: {offer.guest} is named twice", field="offers", value=offer.guest
            )
        offers[guest] = offer.seats
    agreement = registry.get_agreement(principal, session, ref=data.agreement)
    _check_covers(
        principal, session, agreement=agreement, host=host, guests=list(offers), day=data.start
    )

    programme_id = str(ids.uuid())
    now = clock.now()
    with audited(
        principal,
        session,
        clock,
        action="cooperation.training.record",
        programme_id=programme_id,
        before=None,
        detail=acting_for(session, principal, host),
    ) as done:
        repository.add(
            session,
            TrainingProgramme(
                id=programme_id,
                host_state_id=host,
                agreement_id=agreement.id,
                subject=data.subject.strip(),
                location=data.location.strip() if data.location else None,
                starts_on=data.start,
                ends_on=data.end,
                status="planned",
                created_at=now,
                updated_at=now,
                seats=[
                    TrainingSeat(state_id=guest, offered=seats, taken=0)
                    for guest, seats in sorted(offers.items())
                ],
            ),
        )
    return done[0]


def _check_covers(
    principal: Principal,
    session: Session,
    *,
    agreement: AgreementRead,
    host: int,
    guests: list[int],
    day: date,
) -> None:
    """Refuse unless ``agreement`` covers a programme of ``host`` and ``guests`` on ``day``
    (the registry's rule); the refusal says which condition failed."""
    covering = registry.covering_agreements(
        principal, session, state_ids=[host, *guests], domains=[DOMAIN], period=Period.day(day)
    )
    if any(c.id == agreement.id for c in covering):
        return
    name = f"agreement {agreement.id} ({agreement.title})"
    if DOMAIN not in agreement.domains:
        raise InvalidInput(
            f"agreement: {name} does not cover training (it covers "
            f"{', '.join(agreement.domains) or 'nothing'})",
            field="agreement",
            value=agreement.id,
        )
    if not is_in_force_on(agreement, day):
        raise InvalidInput(
            f"agreement: {name} is not in force on {day.isoformat()} ({agreement.status})",
            field="agreement",
            value=agreement.id,
        )
    labels = registry.state_labels(session, [host, *guests])
    for field, state in [("host", host), *(("offers", g) for g in guests)]:
        if not any(
            p.state.id == state and spell_covers_day(p.entered, p.exited, day)
            for p in agreement.party_spells
        ):
            raise InvalidInput(
                f"{field}: {labels.get(state, state)} is not a party to {name} on "
                f"{day.isoformat()}",
                field=field,
                value=labels.get(state, state),
            )
    raise InvalidInput(  # the registry's rule and its diagnosis disagree: say so plainly
        f"agreement: {name} does not cover this programme on {day.isoformat()}",
        field="agreement",
        value=agreement.id,
    )


# --- the host's acts ----------------------------------------------------------------------


def _hosted(principal: Principal, session: Session, programme_id: str) -> TrainingProgramme:
    return service.find_programme(
        principal,
        session,
        programme_id,
        policy=HOSTING,
        action=Action.CHANGE,
        lock=True,
        who="a liaison or admin of the host state",
    )


def record_graduates(
    principal: Principal,
    session: Session,
    *,
    programme_id: str,
    data: GraduatesRecord,
    clock: Clock | None = None,
) -> ProgrammeRead:
    """The host records, at or after the programme's last day, how many of each guest's
    trainees graduated (none above the seats it took); the programme is then ``completed``.
    Recording again corrects the figures (audited with before and after)."""
    clock = clock or SystemClock()
    programme = _hosted(principal, session, programme_id)
    if programme.status == "cancelled":
        raise Conflict(
            f"programme {programme.id} is cancelled: it has no graduates",
            field="programme",
            value=programme.id,
        )
    on = service.today(clock)
    if on < programme.ends_on:
        raise Conflict(
            f"graduates: the programme ends on {programme.ends_on.isoformat()}; graduates are "
            "recorded on or after its last day",
            field="graduates",
            value=on.isoformat(),
        )
    seats = {s.state_id: s for s in programme.seats}
    labels = registry.state_labels(session, seats)
    counts: dict[int, int] = {}
    for item in data.graduates:
        state = service.state_id(principal, session, item.guest, field="graduates")
        if state not in seats:
            raise InvalidInput(
                f"graduates: {item.guest} is no guest of this programme",
                field="graduates",
                value=item.guest,
            )
        if state in counts:
            raise InvalidInput(
                f"graduates: {item.guest} is named twice", field="graduates", value=item.guest
            )
        if item.graduates > seats[state].taken:
            raise InvalidInput(
                f"graduates: {labels[state]} took {seats[state].taken} seats; "
                f"{item.graduates} graduates is more",
                field="graduates",
                value=item.graduates,
            )
        counts[state] = item.graduates
    missing = [labels[s] for s, seat in seats.items() if s not in counts and seat.taken > 0]
    if missing:
        raise InvalidInput(
            f"graduates: name every guest that took seats (0 if none graduated); missing "
            f"{', '.join(missing)}",
            field="graduates",
            value=",".join(missing),
        )
    before = service.reads(principal, session, [programme], on)[0]
    detail = {
        **acting_for(session, principal, programme.host_state_id),
        "graduates": {labels[s]: n for s, n in sorted(counts.items())},
    }
    return _host_change(
        principal,
        session,
        clock=clock,
        programme=programme,
        action="cooperation.training.graduates",
        before=before,
        detail=detail,
        change=lambda: _set_graduates(programme, counts),
    )


def _set_graduates(programme: TrainingProgramme, counts: dict[int, int]) -> None:
    for seat in programme.seats:
        seat.graduates = counts.get(seat.state_id, 0)
    programme.status = "completed"


def cancel_programme(
    principal: Principal, session: Session, *, programme_id: str, clock: Clock | None = None
) -> ProgrammeRead:
    """The host cancels a planned programme; it leaves the reciprocity ledger."""
    clock = clock or SystemClock()
    programme = _hosted(principal, session, programme_id)
    if programme.status != "planned":
        raise Conflict(
            f"programme {programme.id} is already {programme.status}",
            field="programme",
            value=programme.id,
        )
    before = service.reads(principal, session, [programme], service.today(clock))[0]

    def cancel() -> None:
        programme.status = "cancelled"

    return _host_change(
        principal,
        session,
        clock=clock,
        programme=programme,
        action="cooperation.training.cancel",
        before=before,
        detail=acting_for(session, principal, programme.host_state_id),
        change=cancel,
    )


def _host_change(
    principal: Principal,
    session: Session,
    *,
    clock: Clock,
    programme: TrainingProgramme,
    action: str,
    before: ProgrammeRead,
    detail: dict[str, Any],
    change: Callable[[], None],
) -> ProgrammeRead:
    with audited(
        principal,
        session,
        clock,
        action=action,
        programme_id=programme.id,
        before=before,
        detail=detail,
    ) as done:
        change()
        programme.updated_at = clock.now()
    return done[0]
