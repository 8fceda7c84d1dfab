"""The only place that builds statements on the training tables.

Every read goes through ``access.restrict`` with a policy of ``policy.py``: ``PROGRAMMES``
to see, ``HOSTING`` or ``GUESTING`` to act. The reciprocity ledger is one aggregate query
over the programmes the viewer may see, so a hidden programme is in no figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from sqlalchemy import ColumnElement, Select, SQLColumnExpression, and_, case, func, select
from sqlalchemy.orm import Session, selectinload

from taawun.access.restrict import Action, restrict
from taawun.cooperation.policy import ActivityPolicy
from taawun.cooperation.training.models import TrainingProgramme, TrainingSeat
from taawun.cooperation.training.policy import PROGRAMMES, is_guest
from taawun.core.principal import Principal


def programmes(
    principal: Principal, action: Action = Action.VIEW, policy: ActivityPolicy = PROGRAMMES
) -> Select[TrainingProgramme]:
    """The programmes ``principal`` may ``action`` under ``policy``."""
    return restrict(select(TrainingProgramme), principal, action, policy=policy)


def programme(
    session: Session,
    principal: Principal,
    programme_id: str,
    *,
    action: Action = Action.VIEW,
    policy: ActivityPolicy = PROGRAMMES,
    lock: bool = False,
) -> TrainingProgramme | None:
    """One programme with its seats, if ``principal`` may ``action`` it.

    ``lock``: the programme's row is locked until the transaction ends (``FOR UPDATE`` on
    PostgreSQL; SQLite has one writer at a time already), and what this session held of it
    is read again. Every change of a programme or its seats takes this lock first, so two
    changes of one programme (two liaisons taking the last seats) queue, and the second
    sees what the first wrote before it checks anything."""
    stmt = (
        programmes(principal, action, policy)
        .options(selectinload(TrainingProgramme.seats))
        .where(TrainingProgramme.id == programme_id)
    )
    if lock:
        stmt = stmt.with_for_update(of=TrainingProgramme).execution_options(populate_existing=True)
    return session.scalars(stmt).first()


def add(session: Session, programme: TrainingProgramme) -> None:
    session.add(programme)


def filtered(
    stmt: Select[TrainingProgramme],
    *,
    host_id: int | None = None,
    guest_id: int | None = None,
    agreement_id: int | None = None,
    phase: str | None = None,
    today: date,
    start: date | None = None,
    end: date | None = None,
    text: str | None = None,
) -> Select[TrainingProgramme]:
    """``stmt`` narrowed to a host, a guest, an agreement, a phase (as of ``today``), a
    window of start dates and words of the subject."""
    if host_id is not None:
        stmt = stmt.where(TrainingProgramme.host_state_id == host_id)
    if guest_id is not None:
        stmt = stmt.where(is_guest(guest_id))
    if agreement_id is not None:
        stmt = stmt.where(TrainingProgramme.agreement_id == agreement_id)
    if phase is not None:
        stmt = stmt.where(phase_is(phase, today))
    if start is not None:
        stmt = stmt.where(TrainingProgramme.starts_on >= start)
    if end is not None:
        stmt = stmt.where(TrainingProgramme.starts_on <= end)
    if text:
        stmt = stmt.where(
            func.lower(TrainingProgramme.subject).contains(text.strip().lower(), autoescape=True)
        )
    return stmt


def phase_is(phase: str, today: date) -> ColumnElement[bool]:
    """SQL: the programme is in ``phase`` on ``today`` (``service.phase_of`` in Python)."""
    p = TrainingProgramme
    planned = p.status == "planned"
    if phase == "planned":
        return and_(planned, p.starts_on > today)
    if phase == "running":
        return and_(planned, p.starts_on <= today, p.ends_on >= today)
    if phase == "ended":
        return and_(planned, p.ends_on < today)
    return p.status == phase


def page(
    session: Session, stmt: Select[TrainingProgramme], *, limit: int, offset: int
) -> list[TrainingProgramme]:
    ordered = stmt.options(selectinload(TrainingProgramme.seats)).order_by(
        TrainingProgramme.starts_on.desc(), TrainingProgramme.id
    )
    return list(session.scalars(ordered.limit(limit).offset(offset)))


def count(session: Session, stmt: Select[TrainingProgramme]) -> int:
    return int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)


# --- the reciprocity ledger -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Direction:
    programmes: int
    offered: int
    taken: int
    graduates: int


@dataclass(frozen=True, slots=True)
class PairFigures:
    """A pair of states ``lo`` < ``hi`` (ids): what ``lo`` hosted for ``hi`` and ``hi`` for
    ``lo``, the balance of taken seats from ``lo``'s side, and whether it is an imbalance."""

    lo: int
    hi: int
    lo_hosted: Direction
    hi_hosted: Direction
    balance: int
    total: int
    imbalanced: bool


# The threshold as a fraction with a denominator up to this (1/3 stays exactly 1/3), so the
# comparison stays in integers and a pair exactly at the threshold is never flagged.
MAX_DENOMINATOR = 1_000_000


def ledger(
    session: Session,
    principal: Principal,
    *,
    agreement_id: int | None,
    pair: tuple[int, int] | None,
    start: date | None,
    end: date | None,
    threshold: float,
) -> list[PairFigures]:
    """Per unordered pair of states, the seats of the programmes ``principal`` may see (the
    access rule is in this query's WHERE), not cancelled, starting within ``start``..``end``
    (either open), under ``agreement_id`` and between ``pair`` when given.

    A pair is imbalanced when seats were taken either way and
    ``|balance| > threshold * total``, compared in integers (``MAX_DENOMINATOR``)."""
    p, s = TrainingProgramme, TrainingSeat
    host_first = p.host_state_id < s.state_id
    lo = case((host_first, p.host_state_id), else_=s.state_id)
    hi = case((host_first, s.state_id), else_=p.host_state_id)

    def side(lo_hosts: bool) -> list[ColumnElement[int]]:
        when = host_first if lo_hosts else ~host_first

        def total(column: SQLColumnExpression[int]) -> ColumnElement[int]:
            return func.coalesce(func.sum(case((when, column), else_=0)), 0)

        return [
            func.count(func.distinct(case((when, p.id)))),
            total(s.offered),
            total(s.taken),
            total(func.coalesce(s.graduates, 0)),
        ]

    lo_side, hi_side = side(True), side(False)
    balance = lo_side[2] - hi_side[2]
    seats = lo_side[2] + hi_side[2]
    share = Fraction(threshold).limit_denominator(MAX_DENOMINATOR)
    imbalanced = and_(seats > 0, func.abs(balance) * share.denominator > seats * share.numerator)
    stmt = (
        select(lo, hi, *lo_side, *hi_side, balance, seats, case((imbalanced, 1), else_=0))
        .select_from(p)
        .join(s, s.programme_id == p.id)
        .where(p.status != "cancelled")
        .group_by(lo, hi)
        .order_by(lo, hi)
    )
    if agreement_id is not None:
        stmt = stmt.where(p.agreement_id == agreement_id)
    if pair is not None:
        a, b = pair
        stmt = stmt.where(
            ((p.host_state_id == a) & (s.state_id == b))
            | ((p.host_state_id == b) & (s.state_id == a))
        )
    if start is not None:
        stmt = stmt.where(p.starts_on >= start)
    if end is not None:
        stmt = stmt.where(p.starts_on <= end)
    stmt = restrict(stmt, principal, Action.VIEW, policy=PROGRAMMES)
    return [
        PairFigures(
            lo=int(r[0]),
            hi=int(r[1]),
            lo_hosted=Direction(*(int(v) for v in r[2:6])),
            hi_hosted=Direction(*(int(v) for v in r[6:10])),
            balance=int(r[10]),
            total=int(r[11]),
            imbalanced=bool(r[12]),
        )
        for r in session.execute(stmt)
    ]
