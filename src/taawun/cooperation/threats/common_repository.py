"""The statements on the common-value tables (``models_common.py``).

The lists and node entries are reference data every user may read (no ``restrict``: there
is nothing here one user may see and another not). The lookups take a whole batch and
chunk its keys, so that a batch of thousands of values costs a few statements.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import orjson
from sqlalchemy import ColumnElement, and_, bindparam, delete, insert, or_, select, update
from sqlalchemy.orm import Session

from taawun.cooperation.threats import kinds
from taawun.cooperation.threats.models import ThreatValue
from taawun.cooperation.threats.models_common import (
    CommonEntry,
    CommonExact,
    CommonHost,
    CommonList,
    CommonNetwork,
    CommonPattern,
)
from taawun.registry.importers._sync import table_of

CHUNK = 2000  # keys a statement: far below SQLite's 32,766 parameters and PostgreSQL's 65,535
T = TypeVar("T")


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True, slots=True)
class ListInfo:
    id: int
    key: str
    name: str
    effect: str
    namespace: bool
    sha256: str

    @property
    def label(self) -> str:
        return f"{self.name} [{self.key}]"


@dataclass(frozen=True, slots=True)
class EntryInfo:
    id: int
    kind: str
    scope: str
    value: str
    effect: str
    reason: str
    created_at: datetime
    created_by: str

    @property
    def label(self) -> str:
        return f"{self.reason} [node entry {self.id}]"


# --- lookups (matching) --------------------------------------------------------------------


def list_token(session: Session) -> tuple[tuple[int, str], ...]:
    """(id, sha256) of every list loaded: what the process holds of them is keyed by it."""
    rows = session.connection().exec_driver_sql("SELECT id, sha256 FROM common_list ORDER BY id")
    return tuple((int(i), str(sha)) for i, sha in rows)


def listed_exact(session: Session) -> Iterator[tuple[str, str]]:
    """(kind, value) of every exact value of the lists (for ``_common_held.py``)."""
    sql = "SELECT kind, value FROM common_exact WHERE list_id IS NOT NULL"
    rows = session.connection().exec_driver_sql(sql)
    return ((str(kind), str(value)) for kind, value in rows)


def listed_hosts(session: Session) -> Iterator[str]:
    """Every host name of the lists (for ``_common_held.py``)."""
    sql = "SELECT host FROM common_host WHERE list_id IS NOT NULL"
    rows = session.connection().exec_driver_sql(sql)
    return (str(host) for (host,) in rows)


def lists(session: Session) -> dict[int, ListInfo]:
    c = CommonList
    rows = session.execute(select(c.id, c.key, c.name, c.effect, c.namespace, c.sha256))
    return {r.id: ListInfo(r.id, r.key, r.name, r.effect, r.namespace, r.sha256) for r in rows}


def entries(session: Session, ids: Collection[int] | None = None) -> dict[int, EntryInfo]:
    """Node entries by id: those of ``ids``, or every one (``None``)."""
    if ids is not None and not ids:
        return {}
    stmt = select(CommonEntry).order_by(CommonEntry.id)
    if ids is not None:
        stmt = stmt.where(CommonEntry.id.in_(sorted(ids)))
    return {e.id: _entry_info(e) for e in session.scalars(stmt)}


def _entry_info(e: CommonEntry) -> EntryInfo:
    return EntryInfo(e.id, e.kind, e.scope, e.value, e.effect, e.reason, e.created_at, e.created_by)


# The two lookups of the lists for a batch of the matcher (``_common_match.py``), in SQL
# with the batch's keys as one parameter (a JSON array on SQLite, arrays on PostgreSQL), as
# ``_store.py`` does: through SQLAlchemy's expanding ``IN``, compiling hundreds of bound
# parameters cost more than the lookups. SQLite: (kind, value) pairs, or names; PostgreSQL
# the same as arrays. The node's entries are read apart, all of them (``entry_rows``).
_EXACT_ROWS = (
    "SELECT e.kind, e.value, e.list_id FROM json_each(?) AS j "
    "JOIN common_exact AS e ON e.kind = json_extract(j.value, '$[0]') "
    "AND e.value = json_extract(j.value, '$[1]') WHERE e.list_id IS NOT NULL",
    "SELECT e.kind, e.value, e.list_id "
    "FROM unnest(%s::varchar[], %s::varchar[]) AS t(kind, value) "
    "JOIN common_exact AS e ON e.kind = t.kind AND e.value = t.value "
    "WHERE e.list_id IS NOT NULL",
)
_HOST_ROWS = (
    "SELECT host, list_id FROM common_host "
    "WHERE host IN (SELECT value FROM json_each(?)) AND list_id IS NOT NULL",
    "SELECT host, list_id FROM common_host WHERE host = ANY(%s::varchar[]) AND list_id IS NOT NULL",
)


def _rows(session: Session, sql: tuple[str, str], keys: Sequence[Any]) -> list[Any]:
    """The rows of one of the lookups above for ``keys`` (strings, or pairs of them)."""
    if not keys:
        return []
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        params: tuple[Any, ...] = (
            tuple(list(column) for column in zip(*keys, strict=True))
            if isinstance(keys[0], tuple)
            else (list(keys),)
        )
        return list(connection.exec_driver_sql(sql[1], params))
    return list(connection.exec_driver_sql(sql[0], (orjson.dumps(keys),)))


def exact_rows(session: Session, pairs: Sequence[tuple[str, str]]) -> list[tuple[str, str, int]]:
    """(kind, value, list id) of every exact value of the lists among ``pairs``."""
    return [(kind, value, list_id) for kind, value, list_id in _rows(session, _EXACT_ROWS, pairs)]


def host_rows(session: Session, hosts: Sequence[str]) -> list[tuple[str, int]]:
    """(host, list id) of every host name of the lists among ``hosts``."""
    return [(host, list_id) for host, list_id in _rows(session, _HOST_ROWS, hosts)]


# Every match row of the node's entries, through their partial indexes: (scope, kind, value
# or host or network hex, family, prefix, entry id).
_ENTRY_ROWS = (
    "SELECT 'exact', kind, value, 0, 0, entry_id FROM common_exact WHERE entry_id IS NOT NULL "
    "UNION ALL SELECT 'host', '', host, 0, 0, entry_id FROM common_host "
    "WHERE entry_id IS NOT NULL "
    "UNION ALL SELECT 'network', '', network, family, prefix, entry_id FROM common_network "
    "WHERE entry_id IS NOT NULL"
)
EntryRow = tuple[str, str, str, int, int, int]


def entry_rows(session: Session) -> list[EntryRow]:
    """The match rows of every node entry (few; changed at any time, so read per batch)."""
    return [tuple(r) for r in session.connection().exec_driver_sql(_ENTRY_ROWS)]


# A network row: (prefix, network hex, list id, node entry id); with its family first.
NetRow = tuple[int, str, int | None, int | None]
FamilyNetRow = tuple[int, int, str, int | None, int | None]


def network_rows(session: Session) -> list[FamilyNetRow]:
    """Every network of the lists (the matcher holds them per process: ``_common_held.py``)."""
    n = CommonNetwork
    stmt = select(n.family, n.prefix, n.network, n.list_id, n.entry_id).where(
        n.list_id.is_not(None)
    )
    return [tuple(r) for r in session.execute(stmt)]  # type: ignore[misc]


def list_networks_at(session: Session, family: int, networks: Sequence[str]) -> list[FamilyNetRow]:
    """The lists' rows whose network address is one of ``networks`` (hex): for a few
    addresses, cheaper than reading every network into the process."""
    n = CommonNetwork
    found: list[FamilyNetRow] = []
    for part in chunks(networks):
        stmt = select(n.family, n.prefix, n.network, n.list_id, n.entry_id).where(
            n.family == family, n.network.in_(part), n.list_id.is_not(None)
        )
        found.extend(tuple(r) for r in session.execute(stmt))  # type: ignore[misc]
    return found


def rows_within(
    session: Session, family: int, ranges: Sequence[tuple[str, str, int]]
) -> list[NetRow]:
    """Listed networks inside the given ranges (first, last address as hex, and the range's
    prefix: only longer prefixes are inside), for network values that contain them."""
    found: list[NetRow] = []
    for part in chunks(ranges, 200):
        inside = or_(
            *(
                and_(
                    CommonNetwork.network >= low,
                    CommonNetwork.network <= high,
                    CommonNetwork.prefix > prefix,
                )
                for low, high, prefix in part
            )
        )
        stmt = select(
            CommonNetwork.prefix,
            CommonNetwork.network,
            CommonNetwork.list_id,
            CommonNetwork.entry_id,
        ).where(CommonNetwork.family == family, CommonNetwork.list_id.is_not(None), inside)
        found.extend(tuple(r) for r in session.execute(stmt))  # type: ignore[misc]
    return found


def pattern_rows(
    session: Session, kinds: Collection[str] | None
) -> list[tuple[str, str, str, int]]:
    """(kind, match, pattern, list id) of the substring and regex lists for ``kinds`` (every
    kind: ``None``)."""
    if kinds is not None and not kinds:
        return []
    stmt = select(
        CommonPattern.kind, CommonPattern.match, CommonPattern.pattern, CommonPattern.list_id
    ).order_by(CommonPattern.id)
    if kinds is not None:
        stmt = stmt.where(CommonPattern.kind.in_(sorted(kinds)))
    return [tuple(r) for r in session.execute(stmt)]  # type: ignore[misc]


# --- the lists, as shown -------------------------------------------------------------------


def list_rows(session: Session) -> list[CommonList]:
    return list(session.scalars(select(CommonList).order_by(CommonList.effect, CommonList.key)))


# --- node entries --------------------------------------------------------------------------


def entry_by_key(session: Session, *, scope: str, kind: str, value: str) -> EntryInfo | None:
    found = session.scalars(
        select(CommonEntry).where(
            CommonEntry.scope == scope, CommonEntry.kind == kind, CommonEntry.value == value
        )
    ).first()
    return None if found is None else _entry_info(found)


def insert_entry(
    session: Session,
    *,
    kind: str,
    scope: str,
    value: str,
    effect: str,
    reason: str,
    created_at: datetime,
    created_by: str,
    match: dict[str, object],
) -> EntryInfo:
    """Write a node entry and its match row (``match``: the columns of ``common_exact``,
    ``common_host`` or ``common_network``, by ``scope``)."""
    entry_id = session.execute(
        insert(CommonEntry)
        .values(
            kind=kind,
            scope=scope,
            value=value,
            effect=effect,
            reason=reason,
            created_at=created_at,
            created_by=created_by,
        )
        .returning(CommonEntry.id)
    ).scalar_one()
    session.execute(insert(MATCH_TABLES[scope]).values(entry_id=entry_id, **match))
    found = entries(session, [entry_id])
    return found[entry_id]


def delete_entry(session: Session, entry: EntryInfo) -> None:
    session.execute(delete(MATCH_TABLES[entry.scope]).where(_of_entry(entry)))
    session.execute(delete(CommonEntry).where(CommonEntry.id == entry.id))


def _of_entry(entry: EntryInfo) -> ColumnElement[bool]:
    table = MATCH_TABLES[entry.scope]
    return table.entry_id == entry.id


MATCH_TABLES: dict[str, type[CommonExact] | type[CommonHost] | type[CommonNetwork]] = {
    "exact": CommonExact,
    "suffix": CommonHost,
    "network": CommonNetwork,
}


# --- the index's values, re-flagged --------------------------------------------------------

# An index value as re-flagging reads it: (id, kind, value, common, common_reason, note).
IndexRow = tuple[int, str, str, bool, str | None, str | None]


def index_rows(
    session: Session, *, where: ColumnElement[bool] | None = None, after: int = 0, limit: int
) -> list[IndexRow]:
    """The next ``limit`` values of the correlation index after id ``after`` (keyset
    pages), those ``where`` selects, of those the index has judged (``common`` not NULL)."""
    stmt = (
        select(
            ThreatValue.id,
            ThreatValue.kind,
            ThreatValue.value,
            ThreatValue.common,
            ThreatValue.common_reason,
            ThreatValue.note,
        )
        .where(ThreatValue.id > after, ThreatValue.common.is_not(None))
        .order_by(ThreatValue.id)
        .limit(limit)
    )
    if where is not None:
        stmt = stmt.where(where)
    return [tuple(r) for r in session.execute(stmt)]  # type: ignore[misc]


def affected_by(entry: EntryInfo) -> ColumnElement[bool]:
    """The index values a node entry may change the flag of (a superset: each is judged
    again). A suffix: the host, its subdomains and URLs naming it; a network: the addresses
    and networks of its family, narrowed to its leading octets when it has whole ones."""
    kind, value = ThreatValue.kind, ThreatValue.value
    if entry.scope == "exact":
        return and_(kind == entry.kind, value == entry.value)
    if entry.scope == "suffix":
        return or_(
            and_(
                kind == kinds.DOMAIN,
                or_(value == entry.value, value.endswith("." + entry.value, autoescape=True)),
            ),
            and_(kind == kinds.URL, value.contains(entry.value, autoescape=True)),
        )
    network = ipaddress.ip_network(entry.value)
    if network.version == 6:
        return kind.in_((kinds.IPV6, kinds.CIDR6))
    octets = network.prefixlen // 8
    family = kind.in_((kinds.IPV4, kinds.CIDR4))
    if not octets:
        return family
    lead = ".".join(str(network.network_address).split(".")[:octets])
    return and_(family, or_(value == lead, value.startswith(lead + ".", autoescape=True)))


def set_flags(session: Session, changes: Sequence[dict[str, object]]) -> None:
    """Write ``common``, ``common_reason`` and ``note`` of index values by id, in one
    executemany (keys ``_id``, ``_common``, ``_reason``, ``_note``)."""
    if not changes:
        return
    table = table_of(ThreatValue)
    session.execute(
        update(table)
        .where(table.c.id == bindparam("_id"))
        .values(
            common=bindparam("_common"),
            common_reason=bindparam("_reason"),
            note=bindparam("_note"),
        ),
        list(changes),
        execution_options={"synchronize_session": False},
    )
