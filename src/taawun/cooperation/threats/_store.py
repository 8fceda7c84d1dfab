"""The indexer's statements on the correlation index (``index.py`` is their one caller).

The hot path of ingest, so these are written for it: a few statements per batch of objects,
never one per object, and lists go in as one parameter each (a JSON array on SQLite, arrays
on PostgreSQL) in SQL written here, rather than as hundreds of bound parameters SQLAlchemy
would expand on every call (ten times the time, measured with ``benchmarks/correlation.py``).
Nothing here is read by a user: the reads, all through the release policy, are in
``repository.py``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import lru_cache
from itertools import chain
from typing import Any, NamedTuple, cast

import orjson
from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.orm import Session

from taawun.cooperation.threats.models import ThreatOccurrence, ThreatValue
from taawun.cooperation.threats.normalize import Value

_VALUES = cast(Table, ThreatValue.__table__)
_OCCURRENCES = cast(Table, ThreatOccurrence.__table__)
_CHUNK = 400  # ids per IN list


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _postgresql(session: Session) -> bool:
    return session.connection().dialect.name == "postgresql"


class Known(NamedTuple):
    """A value the index holds: its id, how many agencies and states hold it, and whether it
    was judged against the common values (``index.py``: once two or more states hold it)."""

    id: int
    agencies: int
    states: int
    judged: bool


def value_ids(session: Session, values: Sequence[Value]) -> dict[Value, Known]:
    """The values of ``values`` the index holds: one SELECT for the batch, probing the unique
    (value, kind) index once per value. The value leads the index so that PostgreSQL probes
    it by value whatever its statistics say of the kinds (with stale ones, a (kind, value)
    index was read for the kind alone: every value of the kind, each time)."""
    if not values:
        return {}
    texts = sorted({value for _, value in values})
    pg = _postgresql(session)
    rows = (
        session.connection()
        .exec_driver_sql(_VALUE_IDS[pg], (texts if pg else orjson.dumps(texts),))
        .fetchall()
    )  # at once: iterating the result fetches one row a call
    wanted = set(values)
    return {
        (kind, value): Known(vid, a, s, common is not None)
        for kind, value, vid, a, s, common in rows
        if (kind, value) in wanted
    }


_VALUE_IDS = (
    "SELECT kind, value, id, agencies, states, common FROM threat_value "
    "WHERE value IN (SELECT value FROM json_each(?))",
    "SELECT kind, value, id, agencies, states, common FROM threat_value "
    "WHERE value = ANY(%s::varchar[])",
)


_VALUE_COLUMNS = "kind, value, common, common_reason, note, agencies, states"


def insert_values(session: Session, rows: Sequence[tuple[Any, ...]]) -> dict[Value, int]:
    """Insert new values, each a tuple of every column but ``id`` (``_VALUE_COLUMNS``);
    returns their ids. One statement for the whole batch, answering with the ids it gave: no
    second look-up."""
    out: dict[Value, int] = {}
    pg = _postgresql(session)
    for chunk in _chunks(rows, 1000):
        if pg:
            params: tuple[Any, ...] = tuple(list(column) for column in zip(*chunk, strict=True))
            sql = _INSERT_VALUES_PG
        else:
            params = tuple(chain.from_iterable(chunk))
            sql = _insert_values_sqlite(len(chunk))
        found = session.connection().exec_driver_sql(sql, params).fetchall()
        out.update(((kind, value), vid) for vid, kind, value in found)
    return out


@lru_cache(maxsize=64)
def _insert_values_sqlite(rows: int) -> str:
    """A multi-row INSERT ... RETURNING of ``rows`` values (7 parameters a row, far below
    SQLite's 32,766 for a chunk of 1,000)."""
    values = ",".join(["(?,?,?,?,?,?,?)"] * int(rows))  # placeholders only: nothing of a value
    return f"INSERT INTO threat_value ({_VALUE_COLUMNS}) VALUES {values} RETURNING id, kind, value"  # noqa: S608


_INSERT_VALUES_PG = (
    "INSERT INTO threat_value (kind, value, common, common_reason, note, agencies, states) "
    "SELECT * FROM unnest(%s::varchar[], %s::varchar[], %s::boolean[], %s::varchar[], "
    "%s::varchar[], %s::integer[], %s::integer[]) RETURNING id, kind, value"
)


def held(
    session: Session, triples: Sequence[tuple[int, int, int]]
) -> list[tuple[int, int, int, bool, bool]]:
    """For each (value, state, agency): whether that agency, and whether that state, holds
    the value now (a probe of the occurrences' key each)."""
    if not triples:
        return []
    if _postgresql(session):
        params: tuple[Any, ...] = tuple([t[i] for t in triples] for i in range(3))
        sql = _HELD[1]
    else:
        params, sql = (orjson.dumps([list(t) for t in triples]),), _HELD[0]
    rows = session.connection().exec_driver_sql(sql, params).fetchall()
    return [(v, s, a, bool(by_agency), bool(by_state)) for v, s, a, by_agency, by_state in rows]


_HELD = (
    "SELECT t.v, t.s, t.a, "
    "EXISTS (SELECT 1 FROM threat_occurrence o "
    "WHERE o.value_id = t.v AND o.state_id = t.s AND o.agency_id = t.a), "
    "EXISTS (SELECT 1 FROM threat_occurrence o WHERE o.value_id = t.v AND o.state_id = t.s) "
    "FROM (SELECT json_extract(j.value, '$[0]') AS v, json_extract(j.value, '$[1]') AS s, "
    "json_extract(j.value, '$[2]') AS a FROM json_each(?) AS j) AS t",
    "SELECT t.v, t.s, t.a, "
    "EXISTS (SELECT 1 FROM threat_occurrence o "
    "WHERE o.value_id = t.v AND o.state_id = t.s AND o.agency_id = t.a), "
    "EXISTS (SELECT 1 FROM threat_occurrence o WHERE o.value_id = t.v AND o.state_id = t.s) "
    "FROM unnest(%s::bigint[], %s::integer[], %s::integer[]) AS t(v, s, a)",
)


def _write_many(
    session: Session,
    statements: tuple[str, str],
    rows: Sequence[tuple[Any, ...]],
    *,
    id_last: bool = False,
) -> None:
    """Run ``statements`` (SQLite's, PostgreSQL's) for ``rows``: on SQLite with the driver's
    ``executemany`` (each row's first item moved last with ``id_last``, for an UPDATE's
    ``WHERE id = ?``), on PostgreSQL once, over one array per column."""
    if not rows:
        return
    if _postgresql(session):
        columns = tuple(list(column) for column in zip(*rows, strict=True))
        session.connection().exec_driver_sql(statements[1], columns)
    else:
        params = [(*r[1:], r[0]) for r in rows] if id_last else list(rows)
        session.connection().exec_driver_sql(statements[0], params)


def insert_occurrences(
    session: Session, rows: Sequence[tuple[int, int, int, int, int, bool]]
) -> None:
    """Insert occurrences: (value, state, agency, object seq, added µs, multi) each; on SQLite
    with the driver's ``executemany``, on PostgreSQL as one statement over arrays."""
    _write_many(session, _INSERT_OCCURRENCES, rows)


_INSERT_OCCURRENCES = (
    "INSERT INTO threat_occurrence (value_id, state_id, agency_id, object_seq, added_us, multi) "
    "VALUES (?, ?, ?, ?, ?, ?)",
    "INSERT INTO threat_occurrence (value_id, state_id, agency_id, object_seq, added_us, multi) "
    "SELECT * FROM unnest(%s::bigint[], %s::integer[], %s::integer[], %s::bigint[], "
    "%s::bigint[], %s::boolean[])",
)


def set_multi(session: Session, ids: Sequence[int], multi: bool) -> None:
    """Flag every occurrence of the values ``ids`` as of a value two or more states hold (or
    not), in one statement."""
    if not ids:
        return
    if _postgresql(session):
        session.connection().exec_driver_sql(_SET_MULTI[1], (multi, list(ids), multi))
    else:
        session.connection().exec_driver_sql(_SET_MULTI[0], (multi, orjson.dumps(list(ids)), multi))


_SET_MULTI = (
    "UPDATE threat_occurrence SET multi = ? "
    "WHERE value_id IN (SELECT value FROM json_each(?)) AND multi != ?",
    "UPDATE threat_occurrence SET multi = %s WHERE value_id = ANY(%s::bigint[]) AND multi <> %s",
)


def set_flags(session: Session, rows: Sequence[tuple[int, bool, str | None, str | None]]) -> None:
    """Write the judgement of values: (value, common, reason, note) each."""
    _write_many(session, _SET_FLAGS, rows, id_last=True)


_SET_FLAGS = (
    "UPDATE threat_value SET common = ?, common_reason = ?, note = ? WHERE id = ?",
    "UPDATE threat_value AS v SET common = u.c, common_reason = u.r, note = u.n "
    "FROM unnest(%s::bigint[], %s::boolean[], %s::varchar[], %s::varchar[]) AS u(i, c, r, n) "
    "WHERE v.id = u.i",
)


def update_counts(session: Session, rows: Sequence[tuple[int, int, int]]) -> None:
    """Set how many agencies and states hold each value: (value, agencies, states)."""
    _write_many(session, _UPDATE_COUNTS, rows, id_last=True)


_UPDATE_COUNTS = (
    "UPDATE threat_value SET agencies = ?, states = ? WHERE id = ?",
    "UPDATE threat_value AS v SET agencies = u.a, states = u.s "
    "FROM unnest(%s::bigint[], %s::integer[], %s::integer[]) AS u(i, a, s) WHERE v.id = u.i",
)


def occurrences_of_objects(
    session: Session, seqs: Sequence[int]
) -> list[tuple[int, int, int, int]]:
    """(value, state, agency, how many) of the occurrences in the object versions ``seqs``."""
    out: list[tuple[int, int, int, int]] = []
    o = ThreatOccurrence
    for chunk in _chunks(seqs):
        stmt = (
            select(o.value_id, o.state_id, o.agency_id, func.count())
            .where(o.object_seq.in_(list(chunk)))
            .group_by(o.value_id, o.state_id, o.agency_id)
        )
        out.extend((v, s, a, n) for v, s, a, n in session.execute(stmt))
    return out


def counts_of(session: Session, ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """(agencies, states) of the values ``ids`` as stored."""
    out: dict[int, tuple[int, int]] = {}
    for chunk in _chunks(ids):
        stmt = select(ThreatValue.id, ThreatValue.agencies, ThreatValue.states).where(
            ThreatValue.id.in_(list(chunk))
        )
        out.update((i, (a, s)) for i, a, s in session.execute(stmt))
    return out


def delete_occurrences(session: Session, seqs: Sequence[int]) -> None:
    for chunk in _chunks(seqs):
        session.connection().execute(
            delete(_OCCURRENCES).where(_OCCURRENCES.c.object_seq.in_(list(chunk)))
        )


def clear(session: Session) -> None:
    """Empty the index of occurrences (the values stay, with their flags), for a rebuild."""
    session.connection().execute(delete(_OCCURRENCES))
    session.connection().execute(update(_VALUES).values(agencies=0, states=0))
