"""Exercise questions: lists with filters, one exercise, the partners a state exercised with.

Every function takes the ``principal`` first and returns schemas. What a principal may see
is decided in SQL (``repository`` through ``policy.EXERCISES``): a live exercise of other
states is absent from lists, counts and partner tallies, and answers ``NotFound`` exactly
as a missing id does. Writes are ``changes.py``.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from taawun.access.restrict import Action
from taawun.cooperation.exercises import repository
from taawun.cooperation.exercises.dates import FIRST_YEAR, LAST_YEAR, format_partial
from taawun.cooperation.exercises.models import Exercise, ExerciseParticipant
from taawun.cooperation.exercises.repository import Filters
from taawun.cooperation.exercises.schemas import (
    AgreementRef,
    ExercisePage,
    ExercisePartner,
    ExercisePartners,
    ExerciseRead,
    ExerciseSummary,
    ParticipantRead,
)
from taawun.cooperation.exercises.vocabulary import COVERAGE, DOMAINS, STATUSES
from taawun.core.errors import Ambiguous, InvalidInput, NotFound, PermissionDenied
from taawun.core.integers import INT32_MAX, bounded_int, is_ascii_digits
from taawun.core.principal import Principal
from taawun.registry import service as registry

MAX_LIMIT = 1000
SOURCES = ("live", "imported")


# --- reading rows as schemas -------------------------------------------------------------


class _Names:
    """State labels (ISO3) and organization keys for a batch of participants, read once."""

    def __init__(self, session: Session, participants: Sequence[ExerciseParticipant]) -> None:
        self.states = registry.state_labels(
            session, {p.state_id for p in participants if p.state_id is not None}
        )
        self.orgs: dict[int, str] = {}
        if any(p.organization_id is not None for p in participants):
            everyone = registry.list_organizations(_PUBLIC, session)
            self.orgs = {o.id: o.key for o in everyone}

    def participant(self, p: ExerciseParticipant) -> ParticipantRead:
        return ParticipantRead(
            name=p.name,
            role=p.role,
            state_id=p.state_id,
            state=None if p.state_id is None else self.states.get(p.state_id),
            organization=None if p.organization_id is None else self.orgs.get(p.organization_id),
        )


_PUBLIC = Principal.public()  # states and organizations are public facts


def _summary(
    ex: Exercise, parts: Sequence[ExerciseParticipant], names: _Names, *, agreement_id: int | None
) -> ExerciseSummary:
    host = next((p for p in parts if p.role == "host"), None)
    host_label = None
    if host is not None:
        host_label = names.states.get(host.state_id) if host.state_id is not None else host.name
    return ExerciseSummary(
        id=ex.id,
        source=ex.source,
        source_id=ex.source_id,
        name=ex.name,
        series=ex.series,
        start=format_partial(ex.start_date, ex.start_precision),
        end=None if ex.end_date is None else format_partial(ex.end_date, ex.end_precision or "day"),
        location=ex.location,
        domains=[d.domain for d in ex.domains],
        host=host_label,
        states=[names.states[p.state_id] for p in parts if p.state_id in names.states],
        unresolved=sum(1 for p in parts if p.state_id is None and p.organization_id is None),
        coverage=ex.coverage,
        agreement_id=agreement_id,
        public=ex.public,
        status=ex.status,
    )


def _agreement(
    principal: Principal, session: Session, agreement_id: int | None
) -> AgreementRef | None:
    """The agreement as the viewer may see it: a confidential one of which the viewer's state
    is no party (an observer's, say) is not named."""
    if agreement_id is None:
        return None
    try:
        found = registry.get_agreement(principal, session, ref=agreement_id)
    except NotFound:
        return None
    source = "ATOP" if found.source.startswith("ATOP") else found.source
    return AgreementRef(id=found.id, title=found.title, reference=f"{source} {found.source_id}")


def exercise_read(principal: Principal, session: Session, ex: Exercise) -> ExerciseRead:
    parts = list(ex.participants)
    names = _Names(session, parts)
    agreement = _agreement(principal, session, ex.agreement_id)
    summary = _summary(ex, parts, names, agreement_id=agreement.id if agreement else None)
    return ExerciseRead(
        **summary.model_dump(),
        start_date=ex.start_date,
        start_precision=ex.start_precision,
        end_date=ex.end_date,
        end_precision=ex.end_precision,
        latitude=ex.latitude,
        longitude=ex.longitude,
        warfighting=ex.warfighting,
        focus=ex.focus,
        participant_note=ex.participant_note,
        unnamed_participants=ex.unnamed_participants,
        host_basis=ex.host_basis,
        participants=[names.participant(p) for p in parts],
        agreement=agreement,
        source_row=ex.source_row,
        created_at=ex.created_at,
        updated_at=ex.updated_at,
    )


# --- questions ---------------------------------------------------------------------------


def _choice(value: str | None, allowed: Sequence[str], field: str) -> str | None:
    if value is not None and value not in allowed:
        raise InvalidInput(
            f"{field}: unknown {field} {value!r}; expected one of {', '.join(allowed)}",
            field=field,
            value=value,
            candidates=list(allowed),
        )
    return value


def _year(value: int | None, field: str) -> int | None:
    if value is not None and not FIRST_YEAR <= value <= LAST_YEAR:
        raise InvalidInput(
            f"{field}: year {value} is out of range ({FIRST_YEAR}-{LAST_YEAR})",
            field=field,
            value=value,
        )
    return value


def _filters(
    session: Session,
    *,
    states: Sequence[tuple[str, str]],
    year_from: int | None,
    year_to: int | None,
    domains: Sequence[str],
    series: str | None,
    text: str | None,
    source: str | None,
    coverage: str | None,
    status: str | None,
) -> Filters:
    for d in domains:
        _choice(d, DOMAINS, "domain")
    first, last = _year(year_from, "year_from"), _year(year_to, "year_to")
    if first is not None and last is not None and last < first:
        raise InvalidInput("year_to: before year_from", field="year_to", value=last)
    return Filters(
        state_ids=[
            registry.get_state(Principal.public(), session, name=name, field=field).id
            for field, name in states
        ],
        year_from=first,
        year_to=last,
        domains=list(domains),
        series=series or None,
        text=text or None,
        live=None if _choice(source, SOURCES, "source") is None else source == "live",
        coverage=_choice(coverage, COVERAGE, "coverage"),
        status=_choice(status, STATUSES, "status"),
    )


def list_exercises(
    principal: Principal,
    session: Session,
    *,
    state: str | None = None,
    partners: Sequence[str] = (),
    year_from: int | None = None,
    year_to: int | None = None,
    domains: Sequence[str] = (),
    series: str | None = None,
    text: str | None = None,
    source: str | None = None,
    coverage: str | None = None,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> ExercisePage:
    """Exercises the principal may see, oldest first: ``state`` and every one of
    ``partners`` took part; started within ``year_from``..``year_to``; in every one of
    ``domains``; of ``series`` (exactly, any case); ``text`` in the name, series, location or
    focus; ``source`` live or imported; ``coverage`` (``outside``: the flagged ones)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}", field="limit", value=limit)
    if not 0 <= offset <= INT32_MAX:
        raise InvalidInput("offset must not be negative", field="offset", value=offset)
    named = ([("state", state)] if state else []) + [("partner", p) for p in partners]
    f = _filters(
        session,
        states=named,
        year_from=year_from,
        year_to=year_to,
        domains=domains,
        series=series,
        text=text,
        source=source,
        coverage=coverage,
        status=status,
    )
    stmt = repository.filtered(repository.visible(principal), f)
    total = repository.count(session, stmt)
    rows = repository.page(session, stmt, limit=limit, offset=offset)
    by_exercise = repository.participants_of(session, [r.id for r in rows])
    names = _Names(session, [p for parts in by_exercise.values() for p in parts])
    under = {r.agreement_id for r in rows if r.agreement_id is not None}
    shown = {a for a in under if _agreement(principal, session, a) is not None}
    return ExercisePage(
        items=[
            _summary(
                r,
                by_exercise.get(r.id, []),
                names,
                agreement_id=r.agreement_id if r.agreement_id in shown else None,
            )
            for r in rows
        ],
        total=total,
        limit=limit,
        offset=offset,
    )


def find_exercise(
    principal: Principal, session: Session, ref: str | int, action: Action = Action.VIEW
) -> Exercise:
    """An exercise by id (``42``) or source id (``mme88``; ``mme3457`` names two exercises,
    kept as ``mme3457-1`` and ``mme3457-2``, and is refused with both as candidates). One the
    principal may not ``action`` answers as a missing one, except that a visible exercise
    the principal may not change says so (``PermissionDenied``)."""
    text = str(ref).strip()
    exercise_id: int | None = None
    if is_ascii_digits(text):
        exercise_id = bounded_int(text, maximum=INT32_MAX)
    elif text:
        ids = repository.ids_by_source_id(session, principal, text)
        if len(ids) > 1:
            labels = repository.labels_of(session, ids)
            raise Ambiguous(
                f"exercise: {text!r} names {len(ids)} exercises: " + "; ".join(labels.values()),
                field="exercise",
                value=text,
                candidates=list(labels.values()),
            )
        exercise_id = ids[0] if ids else None
    found = (
        None
        if exercise_id is None
        else repository.exercise(session, principal, exercise_id, action)
    )
    if found is None:
        if action is Action.CHANGE and exercise_id is not None:
            _refuse_if_visible(principal, session, exercise_id, ref)
        raise NotFound(f"exercise: no exercise {ref!r}", field="exercise", value=ref)
    return found


def _refuse_if_visible(
    principal: Principal, session: Session, exercise_id: int, ref: object
) -> None:
    seen = repository.exercise(session, principal, exercise_id, Action.VIEW)
    if seen is None:
        return
    why = (
        "an exercise of the historical record is changed only by its import"
        if seen.public
        else "only a liaison or admin of a state it concerns may change it"
    )
    raise PermissionDenied(f"exercise {ref}: {why}", field="exercise", value=ref)


def get_exercise(principal: Principal, session: Session, *, ref: str | int) -> ExerciseRead:
    return exercise_read(principal, session, find_exercise(principal, session, ref))


def exercise_partners(
    principal: Principal,
    session: Session,
    *,
    state: str,
    year_from: int | None = None,
    year_to: int | None = None,
    domains: Sequence[str] = (),
    source: str | None = None,
) -> ExercisePartners:
    """The states ``state`` exercised with (in exercises the principal may see), most
    exercises first: a partnership desk's first question about a state."""
    me = registry.get_state(Principal.public(), session, name=state)
    f = _filters(
        session,
        states=[],
        year_from=year_from,
        year_to=year_to,
        domains=domains,
        series=None,
        text=None,
        source=source,
        coverage=None,
        status=None,
    )
    rows = repository.partner_rows(session, principal, me.id, f)
    labels = registry.state_labels(session, [me.id, *(r[0] for r in rows)])
    partners = sorted(
        (
            ExercisePartner(
                state_id=s, state=labels.get(s, str(s)), exercises=n, first_year=a, last_year=b
            )
            for s, n, a, b in rows
        ),
        key=lambda p: (-p.exercises, p.state),
    )
    return ExercisePartners(state_id=me.id, state=labels.get(me.id, me.name), partners=partners)


def dyad_activity(
    principal: Principal, session: Session, *, year: int
) -> dict[tuple[int, int], float]:
    """(COW code, COW code) (the smaller first) -> the exercises begun in ``year`` that both
    states took part in, of those the principal may see (the MME record and live ones that
    concern its state): the activity term of the partnership network."""
    return registry.cow_pairs(session, repository.pair_counts(session, principal, year=year))
