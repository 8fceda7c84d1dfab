"""Recording, changing and cancelling live exercises.

A liaison or admin of a participating state records an exercise; a liaison or admin of any
state it concerns (its participants, the parties of its agreement) changes or cancels it.
The node itself (a system principal) may do both for anyone. The historical record is the
importer's alone.

Each exercise is assessed against the registry: the agreement it falls under must cover
``joint_exercises``, be in force when it starts and have every participating state (host
and participants; observers need not be) as a party (``registry.covering_agreements``).
When none is named, the most specific such agreement (fewest parties) is taken; when none
exists, the exercise is recorded all the same, flagged as ``outside`` any agreement.

Each change runs in a savepoint, is read back through the restricted query (a change that
would leave the actor's state unconcerned is refused, not half done) and appends an audit
entry with before and after.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from taawun.access import audit
from taawun.access.restrict import Action
from taawun.cooperation.exercises import repository
from taawun.cooperation.exercises.dates import PartialDate, check_order, parse_partial
from taawun.cooperation.exercises.models import Exercise, ExerciseDomain, ExerciseParticipant
from taawun.cooperation.exercises.schemas import (
    ExerciseCreate,
    ExerciseRead,
    ExerciseUpdate,
    ParticipantIn,
)
from taawun.cooperation.exercises.service import exercise_read, find_exercise
from taawun.cooperation.exercises.vocabulary import (
    CANCELLED,
    COVERED,
    COVERING_DOMAIN,
    HOST_RECORDED,
    LIVE_SOURCE,
    OUTSIDE,
    RECORDED,
)
from taawun.core.clock import Clock, SystemClock
from taawun.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from taawun.core.ids import IdFactory, RandomIds
from taawun.core.principal import Principal, Role
from taawun.registry import service as registry

TARGET = "exercise"


@dataclass(frozen=True, slots=True)
class _Participant:
    name: str
    role: str
    state_id: int | None
    organization_id: int | None


def _participants(
    principal: Principal, session: Session, given: Sequence[ParticipantIn], *, recording: bool
) -> list[_Participant]:
    """Resolve each participant once; refuse a state or organization named twice, two hosts,
    no state taking part (as host or participant), or, when a user records an exercise, a
    list without the user's own state."""
    out: list[_Participant] = []
    for p in given:
        if p.state is not None:
            state = registry.get_state(
                Principal.public(), session, name=p.state, field="participants"
            )
            out.append(_Participant(state.name, p.role, state.id, None))
        else:
            org = registry.resolve_organization(session, p.organization or "")
            out.append(_Participant(org.key, p.role, None, org.id))
    keys = [(p.state_id, p.organization_id) for p in out]
    if len(set(keys)) != len(keys):
        raise InvalidInput("participants: a participant is named twice", field="participants")
    if sum(1 for p in out if p.role == "host") > 1:
        raise InvalidInput("participants: an exercise has at most one host", field="participants")
    if not any(p.state_id is not None and p.role != "observer" for p in out):
        raise InvalidInput(
            "participants: name at least one state taking part (host or participant)",
            field="participants",
        )
    states = {p.state_id for p in out if p.state_id is not None}
    if recording and not principal.system and principal.state_id not in states:
        raise PermissionDenied(
            "participants: a user records exercises their own state takes part in",
            field="participants",
        )
    return out


def _assess(
    principal: Principal,
    session: Session,
    *,
    participants: Sequence[_Participant],
    start: PartialDate,
    agreement: str | None,
) -> tuple[int | None, str]:
    """The agreement the exercise falls under and its coverage (see the module)."""
    taking_part = sorted(
        {p.state_id for p in participants if p.state_id is not None and p.role != "observer"}
    )
    covering = registry.covering_agreements(
        principal, session, state_ids=taking_part, domains=[COVERING_DOMAIN], period=start.period
    )
    if agreement is not None:
        named = registry.get_agreement(principal, session, ref=agreement)
        if named.id not in {a.id for a in covering}:
            raise InvalidInput(
                f"agreement: {agreement} does not cover this exercise: it must cover "
                f"{COVERING_DOMAIN}, be in force on {start.text} and have every participating "
                "state as a party",
                field="agreement",
                value=agreement,
            )
        return named.id, COVERED
    if not covering:
        return None, OUTSIDE
    best = min(covering, key=lambda a: (len(a.parties), a.id))
    return best.id, COVERED


def _may_act(principal: Principal) -> None:
    if not principal.system and principal.role not in (Role.LIAISON, Role.ADMIN):
        raise PermissionDenied(
            "exercise: only a liaison or admin records and changes exercises", field="role"
        )


@contextmanager
def _audited(
    principal: Principal,
    session: Session,
    clock: Clock,
    *,
    action: str,
    before: ExerciseRead | None,
    reread: Callable[[], ExerciseRead],
    detail: dict[str, Any] | None = None,
) -> Iterator[list[ExerciseRead]]:
    """A savepoint; the caller's work; a flush; the result read back through the restricted
    query; the audit entry. A refusal anywhere leaves nothing behind, its entry included."""
    result: list[ExerciseRead] = []
    with session.begin_nested():
        yield result
        session.flush()
        after = reread()
        audit.record(
            session,
            principal=principal,
            action=action,
            target_type=TARGET,
            target_id=after.id,
            before=None if before is None else before.model_dump(mode="json"),
            after=after.model_dump(mode="json"),
            detail=detail,
            clock=clock,
        )
        result.append(after)


def _reader(
    principal: Principal, session: Session, exercise: Exercise
) -> Callable[[], ExerciseRead]:
    def read() -> ExerciseRead:
        session.expire(exercise)
        try:
            found = find_exercise(principal, session, exercise.id)
        except NotFound:
            raise InvalidInput(
                "participants: after this change the exercise would no longer concern your "
                "state; another concerned state must make it",
                field="participants",
            ) from None
        return exercise_read(principal, session, found)

    return read


def _set_participants(exercise: Exercise, participants: Sequence[_Participant]) -> None:
    """Replace the participants, keeping the rows of those named again (the ORM would insert
    the new rows before deleting the old ones, and a name may appear once per exercise)."""
    old = {p.name: p for p in exercise.participants}
    rows = []
    for p in participants:
        row = old.get(p.name) or ExerciseParticipant(name=p.name)
        row.role, row.state_id, row.organization_id = p.role, p.state_id, p.organization_id
        rows.append(row)
    exercise.participants = rows
    exercise.host_basis = HOST_RECORDED if any(p.role == "host" for p in participants) else None


def _set_domains(exercise: Exercise, domains: Sequence[str]) -> None:
    old = {d.domain: d for d in exercise.domains}
    exercise.domains = [old.get(d) or ExerciseDomain(domain=d) for d in domains]


def record_exercise(
    principal: Principal,
    session: Session,
    *,
    data: ExerciseCreate,
    clock: Clock | None = None,
    ids: IdFactory | None = None,
) -> ExerciseRead:
    """Record a live exercise, assessed against the agreements (see the module)."""
    clock, ids = clock or SystemClock(), ids or RandomIds()
    _may_act(principal)
    start = parse_partial(data.start, field="start")
    end = None if data.end is None else parse_partial(data.end, field="end")
    check_order(start, end)
    participants = _participants(principal, session, data.participants, recording=True)
    state_ids = [p.state_id for p in participants if p.state_id is not None]
    twin = repository.same_exercise(
        session, principal, name=data.name, start=start.first, state_ids=state_ids
    )
    if twin is not None:
        raise Conflict(
            f"exercise: {data.name!r} starting {start.text} is recorded already (id {twin})",
            field="name",
            value=data.name,
        )
    agreement_id, coverage = _assess(
        principal, session, participants=participants, start=start, agreement=data.agreement
    )
    now = clock.now()
    exercise = Exercise(
        source=LIVE_SOURCE,
        source_id=str(ids.uuid()),
        name=data.name.strip(),
        series=data.series,
        location=data.location,
        latitude=data.latitude,
        longitude=data.longitude,
        start_date=start.first,
        start_precision=start.precision,
        end_date=None if end is None else end.first,
        end_precision=None if end is None else end.precision,
        warfighting=data.warfighting,
        focus=data.focus,
        unnamed_participants=False,
        agreement_id=agreement_id,
        coverage=coverage,
        public=False,
        status=RECORDED,
        recorded_by_state_id=principal.state_id,
        created_at=now,
        updated_at=now,
    )
    _set_domains(exercise, data.domains)
    _set_participants(exercise, participants)
    with _audited(
        principal,
        session,
        clock,
        action="exercise.record",
        before=None,
        reread=_reader(principal, session, exercise),
    ) as done:
        session.add(exercise)
    return done[0]


def update_exercise(
    principal: Principal,
    session: Session,
    *,
    ref: str | int,
    data: ExerciseUpdate,
    clock: Clock | None = None,
) -> ExerciseRead:
    """Change a live exercise; it is assessed again when its participants, start or
    agreement change (an agreement that no longer covers it is dropped, unless named)."""
    clock = clock or SystemClock()
    _may_act(principal)
    exercise = find_exercise(principal, session, ref, Action.CHANGE)
    if exercise.status == CANCELLED:
        raise Conflict(f"exercise {ref}: it is cancelled", field="exercise", value=ref)
    before = exercise_read(principal, session, exercise)
    given = data.model_fields_set
    if "name" in given and data.name is None:
        raise InvalidInput("name: an exercise keeps a name", field="name")
    start = parse_partial(data.start, field="start") if data.start else None
    start = start or PartialDate(exercise.start_date, exercise.start_precision)
    end_text = data.end if "end" in given else before.end
    end = None if end_text is None else parse_partial(end_text, field="end")
    check_order(start, end)
    if data.participants is not None:
        participants = _participants(principal, session, data.participants, recording=False)
    else:
        participants = [
            _Participant(p.name, p.role, p.state_id, p.organization_id)
            for p in exercise.participants
        ]
    agreement_id, coverage = exercise.agreement_id, exercise.coverage
    if "agreement" in given:
        agreement_id, coverage = _assess(
            principal, session, participants=participants, start=start, agreement=data.agreement
        )
    elif given & {"participants", "start"}:
        # Kept if it still covers the exercise; otherwise assessed afresh.
        kept = None if agreement_id is None else str(agreement_id)
        try:
            agreement_id, coverage = _assess(
                principal, session, participants=participants, start=start, agreement=kept
            )
        except (InvalidInput, NotFound):
            agreement_id, coverage = _assess(
                principal, session, participants=participants, start=start, agreement=None
            )
    with _audited(
        principal,
        session,
        clock,
        action="exercise.update",
        before=before,
        reread=_reader(principal, session, exercise),
        detail={"fields": sorted(given)},
    ) as done:
        for field in (
            "name",
            "series",
            "location",
            "latitude",
            "longitude",
            "warfighting",
            "focus",
        ):
            if field in given:
                setattr(exercise, field, getattr(data, field))
        exercise.start_date, exercise.start_precision = start.first, start.precision
        exercise.end_date = None if end is None else end.first
        exercise.end_precision = None if end is None else end.precision
        if data.domains is not None:
            _set_domains(exercise, data.domains)
        if data.participants is not None:
            _set_participants(exercise, participants)
        exercise.agreement_id, exercise.coverage = agreement_id, coverage
        exercise.updated_at = clock.now()
    return done[0]


def cancel_exercise(
    principal: Principal,
    session: Session,
    *,
    ref: str | int,
    reason: str | None = None,
    clock: Clock | None = None,
) -> ExerciseRead:
    """Cancel a live exercise: kept, with its history, as ``cancelled``."""
    clock = clock or SystemClock()
    _may_act(principal)
    exercise = find_exercise(principal, session, ref, Action.CHANGE)
    if exercise.status == CANCELLED:
        raise Conflict(f"exercise {ref}: it is cancelled already", field="exercise", value=ref)
    before = exercise_read(principal, session, exercise)
    with _audited(
        principal,
        session,
        clock,
        action="exercise.cancel",
        before=before,
        reread=_reader(principal, session, exercise),
        detail={"reason": reason} if reason else None,
    ) as done:
        exercise.status = CANCELLED
        exercise.updated_at = clock.now()
    return done[0]
