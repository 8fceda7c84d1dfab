"""A guest state's seats: taken, or given back.

A liaison or admin of a guest state takes (or gives back) that state's seats; the node
operator names the guest. Taking is refused over the seats left (409), and once the
agreement no longer covers the programme (``changes.py`` says when it does). Each change
locks the programme's row first (``repository.programme(lock=True)``), so two takers of the
last seats queue and the second is refused; and it is audited like every training change
(``_writes.audited``).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from taawun.access.restrict import Action
from taawun.cooperation.training import service
from taawun.cooperation.training._writes import DOMAIN, acting_for, audited
from taawun.cooperation.training.models import TrainingProgramme, TrainingSeat
from taawun.cooperation.training.policy import GUESTING
from taawun.cooperation.training.schemas import ProgrammeRead, SeatsChange
from taawun.core.clock import Clock, SystemClock
from taawun.core.errors import Conflict, InvalidInput, PermissionDenied
from taawun.core.principal import Principal
from taawun.registry import service as registry
from taawun.registry.periods import Period


def _guest_seat(
    principal: Principal, session: Session, programme: TrainingProgramme, guest: str | None
) -> TrainingSeat:
    """The seats of the guest a change is for: the caller's own state, or the one the node
    operator names."""
    if guest is None and principal.state_id is None:
        raise InvalidInput("guest: name the guest state", field="guest")
    state = (
        service.state_id(principal, session, guest, field="guest")
        if guest is not None
        else principal.state_id
    )
    if not principal.system and state != principal.state_id:
        raise PermissionDenied(
            "guest: a liaison or admin takes or gives back seats for their own state only",
            field="guest",
            value=guest,
        )
    seat = next((s for s in programme.seats if s.state_id == state), None)
    if seat is None:
        raise InvalidInput(
            f"guest: {guest} is offered no seats in this programme", field="guest", value=guest
        )
    return seat


def _open_for_seats(programme: TrainingProgramme, verb: str) -> None:
    if programme.status != "planned":
        raise Conflict(
            f"programme {programme.id} is {programme.status}: no seat can be {verb}",
            field="programme",
            value=programme.id,
        )


def _change_seats(
    principal: Principal,
    session: Session,
    *,
    programme_id: str,
    data: SeatsChange,
    clock: Clock | None,
    taking: bool,
) -> ProgrammeRead:
    clock = clock or SystemClock()
    programme = service.find_programme(
        principal,
        session,
        programme_id,
        policy=GUESTING,
        action=Action.CHANGE,
        lock=True,
        who="a liaison or admin of a guest state",
    )
    seat = _guest_seat(principal, session, programme, data.guest)
    label = registry.state_labels(session, [seat.state_id]).get(seat.state_id, "")
    _open_for_seats(programme, "taken" if taking else "given back")
    if taking:
        _check_still_covered(principal, session, programme, seat.state_id)
        left = seat.offered - seat.taken
        if data.seats > left:
            raise Conflict(
                f"seats: {label} is offered {seat.offered} seats and has taken {seat.taken}; "
                f"{data.seats} more would be over the offer ({left} left)",
                field="seats",
                value=data.seats,
            )
    elif data.seats > seat.taken:
        raise InvalidInput(
            f"seats: {label} has taken {seat.taken} seats; it cannot give back {data.seats}",
            field="seats",
            value=data.seats,
        )
    before = service.reads(principal, session, [programme], service.today(clock))[0]
    detail = {
        **acting_for(session, principal, seat.state_id),
        "guest": label,
        "seats": data.seats,
    }
    with audited(
        principal,
        session,
        clock,
        action="cooperation.training." + ("take" if taking else "release"),
        programme_id=programme.id,
        before=before,
        detail=detail,
    ) as done:
        seat.taken += data.seats if taking else -data.seats
        programme.updated_at = clock.now()
    return done[0]


def _check_still_covered(
    principal: Principal, session: Session, programme: TrainingProgramme, guest: int
) -> None:
    covering = registry.covering_agreements(
        principal,
        session,
        state_ids=[programme.host_state_id, guest],
        domains=[DOMAIN],
        period=Period.day(programme.starts_on),
    )
    if not any(c.id == programme.agreement_id for c in covering):
        raise Conflict(
            f"agreement: agreement {programme.agreement_id} no longer covers this programme "
            "(suspended, ended, or a party left): no seat can be taken under it",
            field="agreement",
            value=programme.agreement_id,
        )


def take_seats(
    principal: Principal,
    session: Session,
    *,
    programme_id: str,
    data: SeatsChange,
    clock: Clock | None = None,
) -> ProgrammeRead:
    """A guest state takes seats it is offered; more than are left is refused (409)."""
    return _change_seats(
        principal, session, programme_id=programme_id, data=data, clock=clock, taking=True
    )


def release_seats(
    principal: Principal,
    session: Session,
    *,
    programme_id: str,
    data: SeatsChange,
    clock: Clock | None = None,
) -> ProgrammeRead:
    """A guest state gives back seats it took (while the programme is planned)."""
    return _change_seats(
        principal, session, programme_id=programme_id, data=data, clock=clock, taking=False
    )
