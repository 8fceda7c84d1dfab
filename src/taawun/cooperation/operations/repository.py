"""The only place that builds statements on the operations' tables.

Every read of ``operation`` goes through ``access.restrict`` with ``policy(day)``: the
activity rule of ``cooperation/policy.py``, where an operation *concerns* a state that is a
party of its agreement on that day (``registry.policy.party_at``, evaluated in the query, so
a party that leaves stops seeing at once), or that answered it (joined or declined: a state
that took part keeps its record of it). The helpers that read participants, tasks, links and
deployments take operation ids that came out of a restricted statement.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from taawun.access.restrict import Action, restrict
from taawun.cooperation.operations.models import (
    Operation,
    OperationDeployment,
    OperationIntel,
    OperationState,
    OperationTask,
)
from taawun.cooperation.policy import ActivityPolicy
from taawun.core.principal import Principal
from taawun.registry.policy import party_at


def _answered(state_id: int) -> ColumnElement[bool]:
    return exists(
        select(OperationState.state_id)
        .where(OperationState.operation_id == Operation.id, OperationState.state_id == state_id)
        .correlate_except(OperationState)
    )


def policy(day: date) -> ActivityPolicy:
    """The activity rule for operations, as of ``day`` (see the module docstring)."""
    return ActivityPolicy(
        public=Operation.public.is_(True),
        concerns=lambda state_id: or_(
            # a record without agreement (NULL) is no party's: the test is false for it
            party_at(cast(ColumnElement[int], Operation.agreement_id), state_id, day),
            _answered(state_id),
        ),
    )


def visible(principal: Principal, day: date, action: Action = Action.VIEW) -> Select[Any]:
    """``select(Operation)`` restricted to what ``principal`` may see (or change)."""
    return restrict(select(Operation), principal, action, policy=policy(day))


def operation(
    session: Session, principal: Principal, day: date, operation_id: int, action: Action
) -> Operation | None:
    stmt = visible(principal, day, action).where(Operation.id == operation_id)
    return session.scalars(stmt).first()


def operation_id_by_source_id(
    session: Session, principal: Principal, day: date, source_id: str
) -> int | None:
    """An operation by its source's id (a Geo-PKO mission: ``MONUC``), case and spacing
    aside; the record's names are unique, a live one's source id is a UUID."""
    wanted = " ".join(source_id.split()).lower()
    stmt = visible(principal, day).where(func.lower(Operation.source_id) == wanted)
    found = session.scalars(stmt.order_by(Operation.id)).first()
    return None if found is None else found.id


def id_taken(session: Session, operation_id: int) -> bool:
    """Whether any operation, visible or not, has this id (for choosing a new one only: the
    answer never reaches a user)."""
    stmt = select(Operation.id).where(Operation.id == operation_id)
    return session.scalar(stmt) is not None


def filtered(
    stmt: Select[Any],
    *,
    status: str | None,
    historical: bool | None,
    source: str,
    state_id: int | None,
    agreement_id: int | None,
    text: str | None,
) -> Select[Any]:
    if status is not None:
        stmt = stmt.where(Operation.status == status)
    if historical is not None:
        stmt = stmt.where(
            (Operation.source != source) if historical else (Operation.source == source)
        )
    if agreement_id is not None:
        stmt = stmt.where(Operation.agreement_id == agreement_id)
    if state_id is not None:
        took_part = exists(
            select(OperationState.state_id).where(
                OperationState.operation_id == Operation.id,
                OperationState.state_id == state_id,
                OperationState.response == "joined",
            )
        )
        contributed = exists(
            select(OperationDeployment.id).where(
                OperationDeployment.operation_id == Operation.id,
                OperationDeployment.state_id == state_id,
            )
        )
        stmt = stmt.where(or_(took_part, contributed, Operation.lead_state_id == state_id))
    if text:
        escaped = text.lower().replace("/", "//").replace("%", "/%").replace("_", "/_")
        like = f"%{escaped}%"
        stmt = stmt.where(
            or_(
                func.lower(Operation.name).like(like, escape="/"),
                func.lower(Operation.threat_name).like(like, escape="/"),
                func.lower(Operation.threat_value).like(like, escape="/"),
            )
        )
    return stmt


def count(session: Session, stmt: Select[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)


def page(session: Session, stmt: Select[Any], *, limit: int, offset: int) -> list[Operation]:
    """Newest first: by start, those without a start after the rest on both databases (they
    would come first on PostgreSQL, last on SQLite), then by id so pages do not overlap."""
    ordered = stmt.order_by(Operation.starts.desc().nulls_last(), Operation.id)
    return list(session.scalars(ordered.limit(limit).offset(offset)))


# --- what belongs to operations already read through the policy ------------------------


def answers_of(session: Session, operation_ids: Iterable[int]) -> dict[int, list[OperationState]]:
    out: dict[int, list[OperationState]] = defaultdict(list)
    ids = sorted(set(operation_ids))
    if ids:
        stmt = (
            select(OperationState)
            .where(OperationState.operation_id.in_(ids))
            .order_by(OperationState.operation_id, OperationState.decided_at)
        )
        for row in session.scalars(stmt):
            out[row.operation_id].append(row)
    return out


def answer(session: Session, operation_id: int, state_id: int) -> OperationState | None:
    stmt = select(OperationState).where(
        OperationState.operation_id == operation_id, OperationState.state_id == state_id
    )
    return session.scalars(stmt).first()


def contributing_states(session: Session, operation_ids: Iterable[int]) -> dict[int, list[int]]:
    """The states that contributed to each operation of the record, in any year."""
    out: dict[int, list[int]] = defaultdict(list)
    ids = sorted(set(operation_ids))
    if ids:
        stmt = (
            select(OperationDeployment.operation_id, OperationDeployment.state_id)
            .where(OperationDeployment.operation_id.in_(ids))
            .distinct()
            .order_by(OperationDeployment.operation_id, OperationDeployment.state_id)
        )
        for operation_id, state_id in session.execute(stmt):
            out[operation_id].append(state_id)
    return out


def tasks_of(session: Session, operation_id: int) -> list[OperationTask]:
    stmt = (
        select(OperationTask)
        .where(OperationTask.operation_id == operation_id)
        .order_by(OperationTask.starts, OperationTask.id)
    )
    return list(session.scalars(stmt))


def intel_ids_of(session: Session, operation_id: int) -> list[str]:
    stmt = (
        select(OperationIntel.stix_id)
        .where(OperationIntel.operation_id == operation_id)
        .order_by(OperationIntel.linked_at, OperationIntel.stix_id)
    )
    return list(session.scalars(stmt))


def contributors_of(
    session: Session, operation_id: int
) -> list[tuple[int, int, int, int, int, int | None]]:
    """(state, first year, last year, years, records, largest troops_peak) per contributor."""
    d = OperationDeployment
    stmt = (
        select(
            d.state_id,
            func.min(d.year),
            func.max(d.year),
            func.count(),
            func.sum(d.records),
            func.max(d.troops_peak),
        )
        .where(d.operation_id == operation_id)
        .group_by(d.state_id)
        .order_by(func.sum(d.records).desc(), d.state_id)
    )
    return [(r[0], r[1], r[2], r[3], int(r[4]), r[5]) for r in session.execute(stmt)]


# --- the record's question: who served alongside whom ------------------------------------


def _visible_ids(principal: Principal, day: date) -> Select[Any]:
    return restrict(select(Operation.id), principal, Action.VIEW, policy=policy(day))


def alongside(
    session: Session,
    principal: Principal,
    day: date,
    state_id: int,
    *,
    year: int | None,
) -> list[tuple[int, int, str, int]]:
    """(partner state, operation, its name, year) for each mission-year in which ``state_id``
    and another state both contributed, in operations ``principal`` may see."""
    mine, theirs = aliased(OperationDeployment), aliased(OperationDeployment)
    stmt = (
        select(theirs.state_id, Operation.id, Operation.name, mine.year)
        .join(theirs, and_(theirs.operation_id == mine.operation_id, theirs.year == mine.year))
        .join(Operation, Operation.id == mine.operation_id)
        .where(
            mine.state_id == state_id,
            theirs.state_id != state_id,
            Operation.id.in_(_visible_ids(principal, day)),
        )
    )
    if year is not None:
        stmt = stmt.where(mine.year == year)
    return [(r[0], r[1], r[2], r[3]) for r in session.execute(stmt)]


def dyad(
    session: Session,
    principal: Principal,
    day: date,
    a: int,
    b: int,
    *,
    year: int | None,
) -> list[Sequence[Any]]:
    """(operation, name, year, a's records, b's records, a's troops_peak, b's) for each
    mission-year in which both contributed, in operations ``principal`` may see."""
    da, db = aliased(OperationDeployment), aliased(OperationDeployment)
    stmt = (
        select(
            Operation.id,
            Operation.name,
            da.year,
            da.records,
            db.records,
            da.troops_peak,
            db.troops_peak,
        )
        .join(db, and_(db.operation_id == da.operation_id, db.year == da.year))
        .join(Operation, Operation.id == da.operation_id)
        .where(da.state_id == a, db.state_id == b, Operation.id.in_(_visible_ids(principal, day)))
        .order_by(da.year, Operation.name)
    )
    if year is not None:
        stmt = stmt.where(da.year == year)
    return [tuple(r) for r in session.execute(stmt)]


def missions_of(
    session: Session, principal: Principal, day: date, state_id: int, *, year: int | None
) -> int:
    """How many operations ``principal`` may see in which ``state_id`` contributed."""
    stmt = select(func.count(func.distinct(OperationDeployment.operation_id))).where(
        OperationDeployment.state_id == state_id,
        OperationDeployment.operation_id.in_(_visible_ids(principal, day)),
    )
    if year is not None:
        stmt = stmt.where(OperationDeployment.year == year)
    return int(session.scalar(stmt) or 0)


# --- the importer's reads -----------------------------------------------------------------


def ids_by_source_id(
    session: Session, principal: Principal, day: date, source: str
) -> dict[str, int]:
    """The ids of one source's operations by source id (the importer, a system principal,
    reads them back after writing them)."""
    stmt = restrict(
        select(Operation.source_id, Operation.id), principal, Action.VIEW, policy=policy(day)
    ).where(Operation.source == source)
    return {r[0]: r[1] for r in session.execute(stmt)}
