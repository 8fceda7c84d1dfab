"""Reads of the correlation index, and the warninglists' re-flagging of values.

Every read that shows anything to a user joins the occurrences to the intel object versions
the reader may read (``intel.service.readable_objects``, the release policy's own
statement) inside one query: what a reader may not read is neither listed nor counted
(docs/architecture.md, "Cooperation"). The indexer's writes are in ``_store.py``; no other
module builds statements on the index's tables.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    Subquery,
    Table,
    and_,
    bindparam,
    case,
    func,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session

from taawun.cooperation.threats.models import ThreatOccurrence, ThreatValue
from taawun.cooperation.threats.normalize import Value

_VALUES = cast(Table, ThreatValue.__table__)
_OCCURRENCES = cast(Table, ThreatOccurrence.__table__)
_CHUNK = 400  # (kind, value) pairs or ids per IN list


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# --- common values (the warninglists' module re-flags values through these) -------------


def set_common(
    session: Session,
    values: Sequence[int] | ColumnElement[bool],
    *,
    common: bool,
    reason: str | None,
    note: str | None = None,
    keep_note: bool = True,
) -> int:
    """Flag values common (or not) with a reason: by ids, or every value matching a SQL
    criterion on ``ThreatValue``. ``note`` replaces the note unless ``keep_note``. Returns
    how many rows changed."""
    changes: dict[str, Any] = {"common": common, "common_reason": reason if common else None}
    if not keep_note:
        changes["note"] = note
    if isinstance(values, ColumnElement):
        result = session.connection().execute(update(_VALUES).where(values).values(**changes))
        return int(result.rowcount or 0)
    changed = 0
    for chunk in _chunks(list(values)):
        result = session.connection().execute(
            update(_VALUES).where(_VALUES.c.id.in_(list(chunk))).values(**changes)
        )
        changed += int(result.rowcount or 0)
    return changed


def values_page(
    session: Session, *, kinds: Sequence[str] = (), after_id: int = 0, limit: int = 10_000
) -> list[tuple[int, str, str, bool | None, str | None, str | None]]:
    """(id, kind, value, common, common_reason, note) of values past ``after_id``, in id
    order (``common`` None: not judged yet, ``index.py``): for walking the whole index.
    Values are not intel: they say nothing of who holds them."""
    stmt = select(
        ThreatValue.id,
        ThreatValue.kind,
        ThreatValue.value,
        ThreatValue.common,
        ThreatValue.common_reason,
        ThreatValue.note,
    ).where(ThreatValue.id > after_id)
    if kinds:
        stmt = stmt.where(ThreatValue.kind.in_(list(kinds)))
    rows = session.execute(stmt.order_by(ThreatValue.id).limit(limit))
    return [(i, k, v, None if c is None else bool(c), r, n) for i, k, v, c, r, n in rows]


# --- reads through the release policy ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Window:
    """Evidence of ``state_id`` counts when it was added from ``from_us`` to ``to_us``
    (µs, both included; None: unbounded): a party's spell within the agreement's force."""

    state_id: int
    from_us: int | None = None
    to_us: int | None = None

    def criterion(self) -> ColumnElement[bool]:
        o = ThreatOccurrence
        terms: list[ColumnElement[bool]] = [o.state_id == self.state_id]
        if self.from_us is not None:
            terms.append(o.added_us >= self.from_us)
        if self.to_us is not None:
            terms.append(o.added_us <= self.to_us)
        return and_(*terms)


@dataclass(frozen=True, slots=True)
class Question:
    """Which shared threats: values held by at least ``at_least`` of the ``windows``' states
    (``mine``: one of them ``mine``, the others any state), outside common values and the
    ``cap``, new since ``since_us`` when given."""

    windows: tuple[Window, ...]
    cap: int
    mine: int | None = None
    since_us: int | None = None
    at_least: int = 2

    @property
    def states(self) -> list[int]:
        return sorted({w.state_id for w in self.windows})

    def evidence(self) -> ColumnElement[bool]:
        if self.mine is not None:
            return true()
        bounded = [w for w in self.windows if w.from_us is not None or w.to_us is not None]
        if not bounded:
            return ThreatOccurrence.state_id.in_(self.states)
        return and_(
            ThreatOccurrence.state_id.in_(self.states), or_(*(w.criterion() for w in self.windows))
        )


def _candidates(question: Question) -> Select[Any]:
    """Values that may be shared threats of ``question``, from the occurrences flagged
    ``multi`` (the partial index) of its states: held, by *any* reader's measure, by two of
    them (or by mine and another). A superset of the answer, never shown: the counts come
    from the occurrences the reader may read."""
    o = ThreatOccurrence
    # Written as the partial index's condition is (``multi = 1`` on SQLite, ``multi`` on
    # PostgreSQL), so that each database sees the index applies.
    multi = o.multi == true()
    if question.mine is not None:
        return select(o.value_id).where(multi, o.state_id == question.mine).distinct()
    return (
        select(o.value_id)
        .where(multi, o.state_id.in_(question.states))
        .group_by(o.value_id)
        .having(func.count(func.distinct(o.state_id)) >= question.at_least)
    )


def _not_common(cap: int) -> ColumnElement[bool]:
    return and_(ThreatValue.common.is_(False), ThreatValue.agencies <= cap)


def shared(
    session: Session,
    readable: Select[Any],
    question: Question,
    *,
    limit: int,
    offset: int,
) -> list[Any]:
    """One page of shared threats, ranked by how many states saw each, then by how recently;
    each row: value id, kind, value, states, objects, first and last ``date_added`` (µs),
    the highest classification of the evidence (for the audit), and ``total`` (how many
    shared threats the question has, the same on every row). One statement: the
    candidates, the occurrences, and the reader's readable objects."""
    lateral = session.get_bind().dialect.name == "postgresql"
    return list(session.execute(_shared_statement(readable, question, limit, offset, lateral)))


@lru_cache(maxsize=256)
def _shared_statement(
    readable: Select[Any], question: Question, limit: int, offset: int, lateral: bool
) -> Select[Any]:
    """Built once per reader's statement (``readable`` is the same object for the same
    reader, grants and day: ``intel.repository.readable_objects``) and question: building
    it, the release policy's criterion with it, costs more than running it.

    Three steps: the candidates (``_candidates``), their readable evidence counted per value
    (``_counted``), and only then the values' rows, for the common flag and the cap: joined
    to the few values counted, each is a probe of the value's key."""
    counted = _counted(readable, question, lateral)
    value: Any = ThreatValue
    if lateral:  # a probe of the value's key per value counted, never a scan of all values
        value = (
            select(ThreatValue.kind, ThreatValue.value)
            .where(ThreatValue.id == counted.c.value_id, _not_common(question.cap))
            .limit(1)  # one row anyway; keeps PostgreSQL from making it a join it may hash
            .lateral("value")
        ).c
    columns: list[Any] = [
        counted.c.value_id,
        value.kind,
        value.value,
        counted.c.states,
        counted.c.objects,
        counted.c.first_us,
        counted.c.last_us,
        counted.c.highest,
        func.count().over().label("total"),
    ]
    stmt: Select[Any] = select(*columns).select_from(counted)
    if lateral:
        stmt = stmt.join(value.kind.table, true())
    else:
        stmt = stmt.join(ThreatValue, ThreatValue.id == counted.c.value_id).where(
            _not_common(question.cap)
        )
    return (
        stmt.order_by(counted.c.states.desc(), counted.c.last_us.desc(), counted.c.value_id)
        .limit(limit)
        .offset(offset)
    )


def _counted(readable: Select[Any], question: Question, lateral: bool) -> Subquery:
    """Per candidate value, its evidence the reader may read: how many of the states saw it,
    in how many objects, first and last seen, the highest classification; only the values
    that pass the question (two states; one of them mine; new since).

    On PostgreSQL each candidate's evidence is counted in a ``LATERAL`` subquery: its
    planner, misjudging how many candidates a ``HAVING`` leaves (5,432 for 950), hashed
    every occurrence of the states (a scan of the whole table: 130 ms at 1,000,000
    occurrences) where probing each candidate's few is what is needed (``benchmarks/
    correlation.py``). SQLite probes them as written, and has no ``LATERAL``."""
    o = ThreatOccurrence
    r = readable.subquery("readable")
    candidates = _candidates(question).cte("candidates")
    states = func.count(func.distinct(o.state_id))
    mine = func.sum(case((o.state_id == (question.mine or 0), 1), else_=0))
    before = func.count(
        func.distinct(case((o.added_us < (question.since_us or 0), o.state_id), else_=None))
    )
    aggregates: list[Any] = [
        states.label("states"),
        func.count().label("objects"),
        func.min(o.added_us).label("first_us"),
        func.max(o.added_us).label("last_us"),
        func.max(r.c.classification).label("highest"),
        mine.label("mine"),
        before.label("before"),
    ]
    if lateral:
        evidence = (
            select(*aggregates)
            .select_from(o)
            .join(r, r.c.seq == o.object_seq)
            .where(o.value_id == candidates.c.value_id, question.evidence())
            .lateral("evidence")
        )
        stmt = select(candidates.c.value_id.label("value_id"), *evidence.c).join(evidence, true())
        tested: list[Any] = [evidence.c.states, evidence.c.mine, evidence.c.before]
    else:
        stmt = (
            select(o.value_id.label("value_id"), *aggregates)
            .select_from(candidates)
            .join(o, o.value_id == candidates.c.value_id)
            .join(r, r.c.seq == o.object_seq)
            .where(question.evidence())
            .group_by(o.value_id)
        )
        tested = [states, mine, before]
    conditions: list[ColumnElement[bool]] = [tested[0] >= question.at_least]
    if question.mine is not None:
        conditions.append(tested[1] > 0)
    if question.since_us is not None:
        conditions.append(tested[2] < question.at_least)
    stmt = stmt.where(*conditions) if lateral else stmt.having(*conditions)
    return stmt.subquery("counted")


def seen_by_state(
    session: Session, readable: Select[Any], question: Question, ids: Sequence[int]
) -> list[tuple[int, int, int, int, int]]:
    """(value, state, objects, first µs, last µs) of the values ``ids`` in what the reader
    may read, for the states and windows of ``question``."""
    if not ids:
        return []
    stmt = _seen_statement(readable, question)
    rows = session.execute(stmt, {"ids": list(ids)})
    return [(v, s, n, f, la) for v, s, n, f, la in rows]


@lru_cache(maxsize=256)
def _seen_statement(readable: Select[Any], question: Question) -> Select[Any]:
    o = ThreatOccurrence
    r = readable.subquery("readable")
    columns: list[Any] = [o.value_id, o.state_id, func.count()]
    stmt: Select[Any] = (
        select(*columns, func.min(o.added_us), func.max(o.added_us))
        .select_from(o)
        .join(r, r.c.seq == o.object_seq)
        .where(o.value_id.in_(bindparam("ids", expanding=True)), question.evidence())
        .group_by(o.value_id, o.state_id)
    )
    return stmt


def _any_of(values: Sequence[Value]) -> ColumnElement[bool]:
    """``threat_value`` is one of ``values``: (value, kind) pairs ORed, each a probe of the
    unique index. A row-value ``(kind, value) IN (...)`` reads the same on PostgreSQL, but
    SQLite plans it as a scan of every occurrence (benchmarks/ui.py: a second at 1M)."""
    v = ThreatValue
    return or_(*(and_(v.value == text, v.kind == kind) for kind, text in values))


def sightings(
    session: Session, readable: Select[Any], values: Sequence[Value], *, limit: int
) -> list[Any]:
    """The readable object versions holding any of ``values``, newest first: ``value_id``
    and the object's ``READABLE_COLUMNS``."""
    if not values:
        return []
    o = ThreatOccurrence
    v = ThreatValue
    r = readable.subquery("readable")
    stmt = (
        select(o.value_id, *r.c)
        .select_from(v)
        .join(o, o.value_id == v.id)
        .join(r, r.c.seq == o.object_seq)
        .where(_any_of(values))
        .order_by(r.c.added_us.desc(), r.c.seq.desc())
        .limit(limit)
    )
    return list(session.execute(stmt))


def sighting_counts(session: Session, readable: Select[Any], values: Sequence[Value]) -> list[Any]:
    """Per value of ``values`` and state, in what the reader may read: the value's row
    (``value_id``, kind, value, common, common_reason, note, agencies) with ``state_id``,
    ``objects``, ``first_us``, ``last_us``."""
    if not values:
        return []
    o = ThreatOccurrence
    v = ThreatValue
    r = readable.subquery("readable")
    columns = (v.id, v.kind, v.value, v.common, v.common_reason, v.note, v.agencies)
    stmt = (
        select(
            v.id.label("value_id"),
            *columns[1:],
            o.state_id,
            func.count().label("objects"),
            func.min(o.added_us).label("first_us"),
            func.max(o.added_us).label("last_us"),
        )
        .select_from(v)
        .join(o, o.value_id == v.id)
        .join(r, r.c.seq == o.object_seq)
        .where(_any_of(values))
        .group_by(*columns, o.state_id)
        .order_by(v.id, o.state_id)
    )
    return list(session.execute(stmt))


def indexed_objects(session: Session) -> tuple[int, int]:
    """How many values and occurrences the index holds (for the benchmark and the operator;
    counts of rows, never of what anyone may read)."""
    return (
        int(session.scalar(select(func.count()).select_from(ThreatValue)) or 0),
        int(session.scalar(select(func.count()).select_from(ThreatOccurrence)) or 0),
    )


def holders(
    session: Session, readable: Select[Any], *, from_us: int, to_us: int, cap: int
) -> list[tuple[int, int]]:
    """(value, state) for every value, outside common values and the ``cap``, that two or
    more states hold (the ``multi`` occurrences), seen in what the reader may read with a
    ``date_added`` from ``from_us`` to ``to_us`` (µs, both included): the states that
    reported each value in a window, for the partnership network's shared threats."""
    o = ThreatOccurrence
    r = readable.subquery("readable")
    stmt = (
        select(o.value_id, o.state_id)
        .select_from(o)
        .join(r, r.c.seq == o.object_seq)
        .join(ThreatValue, ThreatValue.id == o.value_id)
        .where(o.multi == true(), o.added_us >= from_us, o.added_us <= to_us, _not_common(cap))
        .distinct()
    )
    return [(int(v), int(s)) for v, s in session.execute(stmt)]
