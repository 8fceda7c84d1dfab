"""The only module that builds statements on the exercise tables; every read goes through
``access.restrict`` with ``policy.EXERCISES``, so a live exercise a viewer may not see is
absent from lists, counts and partner tallies, and answers as a missing one."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, and_, extract, func, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from taawun.access.restrict import Action, restrict
from taawun.cooperation.exercises.models import Exercise, ExerciseDomain, ExerciseParticipant
from taawun.cooperation.exercises.policy import EXERCISES
from taawun.cooperation.exercises.vocabulary import LIVE_SOURCE
from taawun.core.principal import Principal


@dataclass(frozen=True, slots=True)
class Filters:
    """What a list asks for; every named state must take part (``state`` and ``partner``)."""

    state_ids: Sequence[int] = ()
    year_from: int | None = None
    year_to: int | None = None
    domains: Sequence[str] = ()
    series: str | None = None
    text: str | None = None
    live: bool | None = None
    coverage: str | None = None
    status: str | None = None


def visible(principal: Principal, action: Action = Action.VIEW) -> Select[Exercise]:
    return restrict(select(Exercise), principal, action, policy=EXERCISES)


def _takes_part(state_id: int) -> ColumnElement[bool]:
    p = aliased(ExerciseParticipant)
    return select(p.id).where(p.exercise_id == Exercise.id, p.state_id == state_id).exists()


def filtered(stmt: Select[Exercise], f: Filters) -> Select[Exercise]:
    for state_id in f.state_ids:
        stmt = stmt.where(_takes_part(state_id))
    for domain in f.domains:
        d = aliased(ExerciseDomain)
        stmt = stmt.where(
            select(d.id).where(d.exercise_id == Exercise.id, d.domain == domain).exists()
        )
    if f.year_from is not None:
        stmt = stmt.where(Exercise.start_date >= date(f.year_from, 1, 1))
    if f.year_to is not None:
        stmt = stmt.where(Exercise.start_date <= date(f.year_to, 12, 31))
    if f.series:
        stmt = stmt.where(func.lower(Exercise.series) == f.series.strip().lower())
    if f.text:
        needle = f.text.strip().lower()
        stmt = stmt.where(
            or_(
                *(
                    func.lower(column).contains(needle, autoescape=True)
                    for column in (
                        Exercise.name,
                        Exercise.series,
                        Exercise.location,
                        Exercise.focus,
                    )
                )
            )
        )
    if f.live is not None:
        stmt = stmt.where(
            Exercise.source == LIVE_SOURCE if f.live else Exercise.source != LIVE_SOURCE
        )
    if f.coverage is not None:
        stmt = stmt.where(Exercise.coverage == f.coverage)
    if f.status is not None:
        stmt = stmt.where(Exercise.status == f.status)
    return stmt


def count(session: Session, stmt: Select[Exercise]) -> int:
    return int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)


def page(session: Session, stmt: Select[Exercise], *, limit: int, offset: int) -> list[Exercise]:
    ordered = stmt.options(selectinload(Exercise.domains)).order_by(
        Exercise.start_date, Exercise.id
    )
    return list(session.scalars(ordered.limit(limit).offset(offset)))


def participants_of(
    session: Session, exercise_ids: Iterable[int]
) -> dict[int, list[ExerciseParticipant]]:
    """The participants of exercises already selected through ``visible`` (by their ids)."""
    ids = sorted(set(exercise_ids))
    found: dict[int, list[ExerciseParticipant]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        rows = session.scalars(
            select(ExerciseParticipant)
            .where(ExerciseParticipant.exercise_id.in_(ids[start : start + 500]))
            .order_by(ExerciseParticipant.exercise_id, ExerciseParticipant.id)
        )
        for row in rows:
            found[row.exercise_id].append(row)
    return found


def exercise(
    session: Session, principal: Principal, exercise_id: int, action: Action = Action.VIEW
) -> Exercise | None:
    stmt = visible(principal, action).where(Exercise.id == exercise_id)
    return session.scalars(
        stmt.options(selectinload(Exercise.domains), selectinload(Exercise.participants))
    ).first()


def ids_by_source_id(session: Session, principal: Principal, source_id: str) -> list[int]:
    """Visible exercises whose source id is ``source_id``, or (MME's three reused ids, kept
    as ``mme3457-1`` and ``mme3457-2``) starts with ``source_id-``."""
    text = source_id.strip().lower()
    stmt = visible(principal).where(
        or_(
            func.lower(Exercise.source_id) == text,
            func.lower(Exercise.source_id).startswith(f"{text}-", autoescape=True),
        )
    )
    return list(session.scalars(stmt.with_only_columns(Exercise.id).order_by(Exercise.id)))


def labels_of(session: Session, exercise_ids: Sequence[int]) -> dict[int, str]:
    """``source_id (name, start year)`` of exercises already selected through ``visible``."""
    rows = session.execute(
        select(Exercise.id, Exercise.source_id, Exercise.name, Exercise.start_date).where(
            Exercise.id.in_(exercise_ids)
        )
    )
    return {r.id: f"{r.source_id} ({r.name or 'unnamed'}, {r.start_date.year})" for r in rows}


def same_exercise(
    session: Session, principal: Principal, *, name: str, start: date, state_ids: Sequence[int]
) -> int | None:
    """A live exercise the principal may see with this name, first day and one of these
    participating states: recording it again is a conflict, not a second exercise."""
    stmt = visible(principal).where(
        Exercise.source == LIVE_SOURCE,
        func.lower(Exercise.name) == name.strip().lower(),
        Exercise.start_date == start,
        or_(*(_takes_part(s) for s in state_ids)),
    )
    return session.scalar(stmt.with_only_columns(Exercise.id).limit(1))


def partner_rows(
    session: Session, principal: Principal, state_id: int, f: Filters
) -> list[tuple[int, int, int, int]]:
    """(partner state, exercises, first year, last year) for every state that took part with
    ``state_id`` in an exercise the principal may see (and ``f`` keeps)."""
    other = aliased(ExerciseParticipant)
    seen = filtered(visible(principal), f).where(_takes_part(state_id)).subquery()
    year = extract("year", seen.c.start_date)
    stmt = (
        select(
            other.state_id,
            func.count(func.distinct(seen.c.id)),
            func.min(year),
            func.max(year),
        )
        .select_from(seen)
        .join(other, and_(other.exercise_id == seen.c.id, other.state_id.is_not(None)))
        .where(other.state_id != state_id)
        .group_by(other.state_id)
    )
    return [(int(s or 0), int(n), int(a), int(b)) for s, n, a, b in session.execute(stmt).all()]


def pair_counts(session: Session, principal: Principal, *, year: int) -> dict[tuple[int, int], int]:
    """(state, state) (registry ids, the smaller first) -> how many exercises the principal
    may see, begun in ``year``, both took part in (any role): for the partnership network."""
    first, second = aliased(ExerciseParticipant), aliased(ExerciseParticipant)
    seen = (
        visible(principal)
        .where(Exercise.start_date >= date(year, 1, 1), Exercise.start_date <= date(year, 12, 31))
        .with_only_columns(Exercise.id)
        .subquery()
    )
    stmt = (
        select(first.state_id, second.state_id, func.count(func.distinct(seen.c.id)))
        .select_from(seen)
        .join(first, first.exercise_id == seen.c.id)
        .join(second, second.exercise_id == seen.c.id)
        .where(first.state_id.is_not(None), first.state_id < second.state_id)
        .group_by(first.state_id, second.state_id)
    )
    return {(int(a or 0), int(b or 0)): int(n) for a, b, n in session.execute(stmt)}
