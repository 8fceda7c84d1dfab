"""Training questions: a programme, the programmes a caller may see, and the phase a
programme is in.

Every function takes the ``principal`` first and returns schemas. Which programmes a caller
sees is decided in SQL (``repository`` through ``policy.PROGRAMMES``), so a programme of
other states is absent from lists and counts and answers ``NotFound`` exactly like a
missing id. The writes are ``changes.py`` (the host's) and ``seats.py`` (a guest's); the
reciprocity ledger is ``ledger.py``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from sqlalchemy.orm import Session

from taawun.access.restrict import Action
from taawun.cooperation.policy import ActivityPolicy
from taawun.cooperation.training import repository
from taawun.cooperation.training.models import TrainingProgramme
from taawun.cooperation.training.policy import PROGRAMMES
from taawun.cooperation.training.schemas import (
    PHASES,
    ProgrammePage,
    ProgrammeRead,
    SeatRead,
)
from taawun.core.clock import Clock, SystemClock
from taawun.core.errors import InvalidInput, NotFound, PermissionDenied
from taawun.core.principal import Principal
from taawun.registry import service as registry

MAX_LIMIT = 1000
_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def today(clock: Clock | None) -> date:
    return (clock or SystemClock()).now().date()


def phase_of(programme: TrainingProgramme, on: date) -> str:
    """What a programme is on ``on``: its stored decision (``completed``, ``cancelled``) or,
    while planned, ``planned`` before its first day, ``running`` through its last, and
    ``ended`` after it until the host records the graduates (``repository.phase_is``)."""
    if programme.status != "planned":
        return programme.status
    if on < programme.starts_on:
        return "planned"
    return "running" if on <= programme.ends_on else "ended"


def reads(
    principal: Principal, session: Session, found: Sequence[TrainingProgramme], on: date
) -> list[ProgrammeRead]:
    """The programmes as ``principal`` reads them on ``on``: states by ISO3, and each
    agreement's title where ``principal`` may see it."""
    state_ids = {p.host_state_id for p in found} | {s.state_id for p in found for s in p.seats}
    labels = registry.state_labels(session, state_ids)
    titles: dict[int, str | None] = {}
    for agreement_id in sorted({p.agreement_id for p in found}):
        try:
            titles[agreement_id] = registry.get_agreement(
                principal, session, ref=agreement_id
            ).title
        except NotFound:
            titles[agreement_id] = None
    out: list[ProgrammeRead] = []
    for p in found:
        seats = [
            SeatRead(
                state_id=s.state_id,
                state=labels.get(s.state_id, str(s.state_id)),
                offered=s.offered,
                taken=s.taken,
                graduates=s.graduates,
            )
            for s in p.seats
        ]
        recorded = [s.graduates for s in p.seats if s.graduates is not None]
        out.append(
            ProgrammeRead(
                id=p.id,
                subject=p.subject,
                location=p.location,
                host_id=p.host_state_id,
                host=labels.get(p.host_state_id, str(p.host_state_id)),
                agreement_id=p.agreement_id,
                agreement=titles[p.agreement_id],
                start=p.starts_on,
                end=p.ends_on,
                status=phase_of(p, on),
                seats=seats,
                offered=sum(s.offered for s in seats),
                taken=sum(s.taken for s in seats),
                graduates=sum(recorded) if recorded else None,
                created_at=p.created_at,
                updated_at=p.updated_at,
            )
        )
    return out


def find_programme(
    principal: Principal,
    session: Session,
    programme_id: str,
    *,
    policy: ActivityPolicy = PROGRAMMES,
    action: Action = Action.VIEW,
    lock: bool = False,
    who: str = "",
) -> TrainingProgramme:
    """A programme ``principal`` may ``action`` under ``policy``. One it may not even see
    answers as a missing one does; one it sees but may not change is refused (403), naming
    ``who`` may."""
    text = str(programme_id).strip().lower()
    found = (
        repository.programme(session, principal, text, action=action, policy=policy, lock=lock)
        if _ID.match(text)
        else None
    )
    if found is not None:
        return found
    if (
        action is Action.CHANGE
        and _ID.match(text)
        and repository.programme(session, principal, text) is not None
    ):
        raise PermissionDenied(
            f"programme {text}: only {who or 'a liaison or admin of a state it concerns'} "
            "may do this",
            field="programme",
            value=programme_id,
        )
    raise NotFound(
        f"programme: no training programme {programme_id!r}", field="programme", value=programme_id
    )


def get_programme(
    principal: Principal, session: Session, *, programme_id: str, clock: Clock | None = None
) -> ProgrammeRead:
    found = find_programme(principal, session, programme_id)
    return reads(principal, session, [found], today(clock))[0]


def list_programmes(
    principal: Principal,
    session: Session,
    *,
    host: str | None = None,
    guest: str | None = None,
    agreement: str | None = None,
    status: str | None = None,
    start: date | None = None,
    end: date | None = None,
    text: str | None = None,
    limit: int = 50,
    offset: int = 0,
    clock: Clock | None = None,
) -> ProgrammePage:
    """The programmes ``principal`` may see, newest first: hosted by ``host``, offering seats
    to ``guest``, under ``agreement``, in phase ``status`` today, starting between ``start``
    and ``end``, with ``text`` in the subject."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}", field="limit", value=limit)
    if offset < 0:
        raise InvalidInput("offset must not be negative", field="offset", value=offset)
    if status is not None and status not in PHASES:
        raise InvalidInput(
            f"status: unknown status {status!r}; expected one of {', '.join(PHASES)}",
            field="status",
            value=status,
            candidates=list(PHASES),
        )
    check_window(start, end)
    on = today(clock)
    stmt = repository.filtered(
        repository.programmes(principal),
        host_id=state_id(principal, session, host, field="host") if host else None,
        guest_id=state_id(principal, session, guest, field="guest") if guest else None,
        agreement_id=(
            registry.get_agreement(principal, session, ref=agreement).id if agreement else None
        ),
        phase=status,
        today=on,
        start=start,
        end=end,
        text=text,
    )
    total = repository.count(session, stmt)
    rows = repository.page(session, stmt, limit=limit, offset=offset)
    return ProgrammePage(
        items=reads(principal, session, rows, on), total=total, limit=limit, offset=offset
    )


def state_id(principal: Principal, session: Session, name: str, *, field: str) -> int:
    """The id of the state ``name`` names (ISO3, ISO2, COW code, name); an unknown or
    ambiguous name is refused naming ``field``."""
    return registry.get_state(principal, session, name=name, field=field).id


def check_window(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise InvalidInput(
            f"to: {end.isoformat()} is before from ({start.isoformat()})",
            field="to",
            value=end.isoformat(),
        )
