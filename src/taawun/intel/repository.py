"""The only place that builds statements over intel tables.

Every read goes through ``access.restrict`` with ``policy.IntelPolicy``: TAXII,
REST, CLI, export and counts all call the functions below. Two reads are made
as the node itself, explicitly (``Principal.system_principal``): the existing
versions of ids being written (for ownership and duplicates) and the agreement
that allowed a read (for the audit log); neither returns content to a user.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    LargeBinary,
    Select,
    Table,
    aggregate_order_by,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    text,
    true,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import InstrumentedAttribute, Session

from taawun.access.restrict import Action, restrict
from taawun.core.principal import Principal
from taawun.intel.models import (
    IntelObject,
    IntelRecipient,
    IntelReference,
    IntelRelease,
    TaxiiStatus,
)
from taawun.intel.policy import IntelPolicy, release_grants
from taawun.registry import service as registry
from taawun.storage.bulk import insert_rows
from taawun.storage.statistics import GrowthStatistics

_ADVISORY_LOCK_KEY = 7_240_712  # serializes date_added allocation across writers
_CHUNK = 500
SYSTEM = Principal.system_principal("intel")
# Core statements on the hot write path
_OBJECTS = cast(Table, IntelObject.__table__)
_RELEASES = cast(Table, IntelRelease.__table__)
_RECIPIENTS = cast(Table, IntelRecipient.__table__)
_REFERENCES = cast(Table, IntelReference.__table__)
MAX_PAGE = 100_000
Grants = tuple[tuple[int, int, int], ...]
# Columns a page may select, by name ("object": the mapped row).
_COLUMNS: dict[str, Any] = {c.key: getattr(IntelObject, c.key) for c in _OBJECTS.columns}
_COLUMNS["object"] = IntelObject
_AUDIT_COLUMNS = ("seq", "stix_id", "version_us", "classification", "owner_state_id")


@dataclass(frozen=True, slots=True)
class Scope:
    """Which objects a listing is about: an agreement's collection, an agency's own, or all."""

    agreement_id: int | None = None
    agency_id: int | None = None

    def criterion(self, *, by_id: bool = False) -> ColumnElement[bool]:
        """``by_id``: the query names ids, so the ``stix_id`` index must drive it; ``+ 0``
        keeps SQLite from walking the owner index instead (one row per object it owns)."""
        if self.agreement_id is not None:
            return (
                select(IntelRelease.object_seq)
                .where(
                    IntelRelease.object_seq == IntelObject.seq,
                    IntelRelease.agreement_id == self.agreement_id,
                )
                .exists()
            )
        if self.agency_id is not None:
            owner = IntelObject.owner_agency_id + 0 if by_id else IntelObject.owner_agency_id
            return owner == self.agency_id
        return true()


@dataclass(frozen=True, slots=True)
class Filters:
    """TAXII 2.1 §3.4 filters, already parsed.

    ``criteria`` names the values as bound parameters (``values`` gives them), so that the
    statement of a request depends only on which filters are set (``shape``) and can be
    built once and reused: the same query with other ids, types or dates."""

    added_after_us: int | None = None
    added_before_us: int | None = None
    added_from_us: int | None = None  # added at or after (a search's window: ``window_floor``)
    ids: Sequence[str] = ()
    types: Sequence[str] = ()
    versions: Sequence[str] = ("last",)  # "first", "last", "all" or timestamps as µs strings
    spec_versions: Sequence[str] = ()
    text: str | None = None
    owner_agency_id: int | None = None
    include_revoked: bool = True
    newest_first: bool = False  # the order of a page: newest added first (the web UI's feed)

    def _exact_versions(self) -> list[int]:
        return [int(v) for v in self.versions if v not in ("first", "last", "all")]

    def shape(self) -> Filters:
        """These filters with placeholder values: equal (and hashable) for every request that
        sets the same filters, which is all a statement depends on."""
        words = tuple(v for v in ("all", "last", "first") if v in self.versions)
        return Filters(
            added_after_us=0 if self.added_after_us is not None else None,
            added_before_us=0 if self.added_before_us is not None else None,
            added_from_us=0 if self.added_from_us is not None else None,
            ids=("",) if self.ids else (),
            types=("",) if self.types else (),
            versions=words + (("0",) if self._exact_versions() else ()),
            spec_versions=("",) if self.spec_versions else (),
            text="" if self.text is not None else None,
            owner_agency_id=0 if self.owner_agency_id is not None else None,
            include_revoked=self.include_revoked,
            newest_first=self.newest_first,
        )

    def values(self) -> dict[str, Any]:
        text = None
        if self.text is not None:
            escaped = self.text.lower().replace("/", "//").replace("%", "/%").replace("_", "/_")
            text = f"%{escaped}%"
        found = {
            "f_added_after": self.added_after_us,
            "f_added_before": self.added_before_us,
            "f_added_from": self.added_from_us,
            "f_ids": list(self.ids),
            "f_types": list(self.types),
            "f_exact": self._exact_versions(),
            "f_spec": list(self.spec_versions),
            "f_text": text,
            "f_owner": self.owner_agency_id,
        }
        return {k: v for k, v in found.items() if v not in (None, [])}

    def _added(self) -> list[ColumnElement[bool]]:
        """The bounds on ``date_added`` that are set."""
        bounds = (
            (self.added_after_us, "f_added_after", operator.gt),
            (self.added_before_us, "f_added_before", operator.lt),
            (self.added_from_us, "f_added_from", operator.ge),
        )
        return [
            compare(IntelObject.added_us, bindparam(name, type_=BigInteger))
            for value, name, compare in bounds
            if value is not None
        ]

    def criteria(self) -> list[ColumnElement[bool]]:
        out = self._added()
        if self.ids:
            out.append(IntelObject.stix_id.in_(bindparam("f_ids", expanding=True)))
        if self.types:
            out.append(IntelObject.type.in_(bindparam("f_types", expanding=True)))
        if "all" not in self.versions:
            choices: list[ColumnElement[bool]] = []
            if "last" in self.versions:
                choices.append(IntelObject.is_last.is_(True))
            if "first" in self.versions:
                choices.append(IntelObject.is_first.is_(True))
            if self._exact_versions():
                choices.append(IntelObject.version_us.in_(bindparam("f_exact", expanding=True)))
            out.append(or_(*choices))
        if self.spec_versions:
            out.append(IntelObject.spec_version.in_(bindparam("f_spec", expanding=True)))
        if self.text is not None:
            out.append(func.lower(IntelObject.label).like(bindparam("f_text"), escape="/"))
        if self.owner_agency_id is not None:
            out.append(IntelObject.owner_agency_id == bindparam("f_owner", type_=Integer))
        if not self.include_revoked:
            out.append(IntelObject.revoked.is_(False))
        return out


def _grants(session: Session, principal: Principal, day: date) -> Grants | None:
    if principal.state_id is None or principal.system:
        return None
    return tuple(registry.sharing_grants(session, reader_state=principal.state_id, on=day))


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def readable(session: Session, principal: Principal, day: date, *columns: Any) -> Select[Any]:
    """``select(columns)`` over intel_object rows ``principal`` may read on ``day``."""
    grants = _grants(session, principal, day)
    return _readable(principal, day, grants, columns, _dialect(session))


def _readable(
    principal: Principal,
    day: date,
    grants: Grants | None,
    columns: Sequence[Any],
    dialect: str,
) -> Select[Any]:
    stmt = select(*columns) if columns else select(IntelObject)
    policy = IntelPolicy(day, grants, dialect=dialect)
    return restrict(stmt, principal, Action.VIEW, policy=policy)


# What another context may join to (``readable_objects``): an object version's identity,
# owner, date_added and markings; never its body.
READABLE_COLUMNS = (
    "seq",
    "stix_id",
    "type",
    "version_us",
    "added_us",
    "owner_agency_id",
    "owner_state_id",
    "classification",
    "tlp",
    "label",
)


def readable_objects(session: Session, principal: Principal, day: date) -> Select[Any]:
    """The object versions ``principal`` may read on ``day``, columns ``READABLE_COLUMNS``:
    the release policy's statement (``readable``), for a query elsewhere to join to. Built
    once per reader, grants and database (the same statement object, which the caller may
    cache what it builds on under), as pages are (``_page_statement``)."""
    grants = _grants(session, principal, day)
    return _readable_objects(principal, day, grants, _dialect(session))


@lru_cache(maxsize=512)
def _readable_objects(
    principal: Principal, day: date, grants: Grants | None, dialect: str
) -> Select[Any]:
    return _readable(principal, day, grants, [_COLUMNS[c] for c in READABLE_COLUMNS], dialect)


@lru_cache(maxsize=512)
def _page_statement(
    principal: Principal,
    day: date,
    *,
    grants: Grants | None,
    scope: Scope,
    shape: Filters,
    columns: tuple[str, ...],
    limit: int,
    dialect: str,
) -> Select[Any]:
    """The statement of a page, built once per shape and database: who reads (with their
    grants, read afresh for every request, so a suspended agreement is out of the key at
    once), the scope, which filters are set and the columns; the filters' values are bound
    at execution."""
    by_id = bool(shape.ids)
    # Naming ids, sort the few rows found rather than walk the date_added index to find them.
    order = IntelObject.added_us + 0 if by_id else IntelObject.added_us
    return (
        _readable(principal, day, grants, [_COLUMNS[c] for c in columns], dialect)
        .where(scope.criterion(by_id=by_id), *shape.criteria())
        .order_by(order.desc() if shape.newest_first else order)
        # In the SQL text, not bound: with the limit known, PostgreSQL finds its generic plan
        # of a prepared page statement as good as a custom one and stops planning the
        # statement (~0.25 ms with a reader's grants) on every page.
        .limit(literal_column(str(int(limit)), Integer))
    )


def _statement_for(
    session: Session,
    grants: Grants | None,
    principal: Principal,
    day: date,
    *,
    scope: Scope,
    filters: Filters,
    columns: Sequence[str],
    limit: int,
) -> Select[Any]:
    return _page_statement(
        principal,
        day,
        grants=grants,
        scope=scope,
        shape=filters.shape(),
        columns=tuple(columns),
        limit=limit,
        dialect=_dialect(session),
    )


def _run(session: Session, stmt: Select[Any], filters: Filters, *, orm: bool = False) -> list[Any]:
    if orm:
        return list(session.execute(stmt, filters.values()))
    session.flush()  # the Core connection does not autoflush
    return list(session.connection().execute(stmt, filters.values()))


def page(
    session: Session,
    principal: Principal,
    day: date,
    *,
    scope: Scope,
    filters: Filters,
    limit: int,
    columns: Sequence[str] = ("added_us", "body"),
) -> tuple[list[Any], bool]:
    """Up to ``limit`` rows oldest-added first (newest first with ``filters.newest_first``),
    and whether more exist (TAXII §3.3, §3.5).
    ``columns`` are names of ``intel_object`` columns, or ``"object"`` for the whole row."""
    stmt = _statement_for(
        session,
        _grants(session, principal, day),
        principal,
        day,
        scope=scope,
        filters=filters,
        columns=columns,
        limit=limit + 1,
    )
    rows = _run(session, stmt, filters, orm="object" in columns)
    return rows[:limit], len(rows) > limit


@dataclass(frozen=True, slots=True)
class JoinedPage:
    """A page whose object bodies the database joined with commas, oldest added first."""

    objects: bytes
    count: int
    first_added: int | None
    last_added: int | None
    highest_classification: int
    more: bool


def joined_page(
    session: Session,
    principal: Principal,
    day: date,
    *,
    scope: Scope,
    filters: Filters,
    limit: int,
) -> JoinedPage:
    """The TAXII read hot path: the page's bodies concatenated by the database (one value
    fetched instead of a row per object), with the count, the first and last ``date_added``
    and the highest classification (for the audit); ``more`` is one probe past the last."""
    grants = _grants(session, principal, day)
    inner = _statement_for(
        session,
        grants,
        principal,
        day,
        scope=scope,
        filters=filters,
        columns=("added_us", "body", "classification"),
        limit=limit,
    )
    stmt = _joined_statement(inner, _dialect(session))
    count, first, last, highest, objects = _run(session, stmt, filters)[0]  # an aggregate
    more = False
    if count == limit and last is not None:
        after = replace(filters, added_after_us=last)
        probe = _statement_for(
            session,
            grants,
            principal,
            day,
            scope=scope,
            filters=after,
            columns=("added_us",),
            limit=1,
        )
        more = bool(_run(session, probe, after))
    return JoinedPage(
        objects=bytes(objects or b""),
        count=int(count),
        first_added=first,
        last_added=last,
        highest_classification=int(highest or 0),
        more=more,
    )


@lru_cache(maxsize=512)
def _joined_statement(inner: Select[Any], dialect: str) -> Select[Any]:
    page = inner.subquery("page")
    if dialect == "postgresql":
        joined: ColumnElement[Any] = aggregate_order_by(
            func.string_agg(page.c.body, literal(b",", LargeBinary)), page.c.added_us
        )
    else:
        # SQLite (3.40 here) has no ORDER BY inside aggregates; group_concat takes the rows in
        # the order the ordered, limited subquery yields them (tested with interleaved types).
        joined = sql_cast(func.group_concat(page.c.body, ","), LargeBinary)
    return select(
        func.count(),
        func.min(page.c.added_us),
        func.max(page.c.added_us),
        func.max(page.c.classification),
        joined,
    )


def audit_rows(
    session: Session,
    principal: Principal,
    day: date,
    *,
    scope: Scope,
    filters: Filters,
    last_added: int,
    at_least: int,
) -> list[tuple[int, str, int, int, int]]:
    """(seq, id, version, classification, owner state) of the rows of a page just read up to
    ``last_added`` whose classification is at least ``at_least``."""
    stmt = _statement_for(
        session,
        _grants(session, principal, day),
        principal,
        day,
        scope=scope,
        filters=filters,
        columns=_AUDIT_COLUMNS,
        limit=MAX_PAGE,
    )
    stmt = stmt.where(IntelObject.added_us <= last_added, IntelObject.classification >= at_least)
    return [(r[0], r[1], r[2], r[3], r[4]) for r in _run(session, stmt, filters)]


def count(
    session: Session,
    principal: Principal,
    day: date,
    *,
    scope: Scope,
    filters: Filters,
    at_most: int | None = None,
) -> int:
    """How many readable rows match; with ``at_most``, counting stops there (the rows are
    limited before they are counted)."""
    if at_most is None:
        stmt = readable(session, principal, day, func.count(IntelObject.seq)).where(
            scope.criterion(), *filters.criteria()
        )
        return int(session.scalar(stmt, filters.values()) or 0)
    rows = (
        readable(session, principal, day, IntelObject.seq)
        .where(scope.criterion(), *filters.criteria())
        .limit(at_most)
        .subquery()
    )
    return int(session.scalar(select(func.count()).select_from(rows), filters.values()) or 0)


def window_floor(
    session: Session,
    principal: Principal,
    day: date,
    *,
    scope: Scope,
    filters: Filters,
    depth: int,
) -> int | None:
    """The ``added_us`` of the ``depth``-th readable row matching ``filters``, newest added
    first; None when fewer match. A text search, which no index serves, is run over the rows
    from it on (``added_from_us``): the search's window, which does not grow with the store."""
    stmt = (
        readable(session, principal, day, IntelObject.added_us)
        .where(scope.criterion(), *filters.criteria())
        .order_by(IntelObject.added_us.desc())
        .limit(1)
        .offset(depth - 1)
    )
    found = session.scalar(stmt, filters.values())
    return None if found is None else int(found)


def newest_readable(
    session: Session,
    principal: Principal,
    day: date,
    stix_id: str,
    *,
    version_us: int | None = None,
) -> IntelObject | None:
    """The newest version of ``stix_id`` the principal may read (or that version, if it
    may read it); None when there is none."""
    stmt = readable(session, principal, day).where(IntelObject.stix_id == stix_id)
    if version_us is not None:
        stmt = stmt.where(IntelObject.version_us == version_us)
    return session.scalars(stmt.order_by(IntelObject.version_us.desc()).limit(1)).first()


def owned_versions(session: Session, principal: Principal, stix_id: str) -> list[IntelObject]:
    """The versions of ``stix_id`` that ``principal``'s agency owns (may change)."""
    stmt = restrict(select(IntelObject), principal, Action.CHANGE, policy=IntelPolicy(date.min))
    return list(
        session.scalars(stmt.where(IntelObject.stix_id == stix_id).order_by(IntelObject.version_us))
    )


def _pairs(
    session: Session,
    key: InstrumentedAttribute[int],
    value: InstrumentedAttribute[int],
    seqs: Iterable[int],
) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for chunk in _chunks(list(seqs)):
        for seq, item in session.execute(select(key, value).where(key.in_(chunk))):
            out.setdefault(seq, []).append(item)
    return out


def releases_of(session: Session, seqs: Iterable[int]) -> dict[int, list[int]]:
    """Agreement ids on the release lists of rows the caller has already read."""
    return _pairs(session, IntelRelease.object_seq, IntelRelease.agreement_id, seqs)


def recipients_of(session: Session, seqs: Iterable[int]) -> dict[int, list[int]]:
    """TLP:RED recipient agencies of rows the caller has already read."""
    return _pairs(session, IntelRecipient.object_seq, IntelRecipient.agency_id, seqs)


def granting_agreements(
    session: Session, principal: Principal, day: date, seqs: Sequence[int]
) -> dict[int, int]:
    """For rows of other states that ``principal`` has read, one agreement that allowed each
    (for the audit log and the reader's view of an object)."""
    if principal.state_id is None or not seqs:
        return {}
    out: dict[int, int] = {}
    for chunk in _chunks(list(seqs)):
        stmt = (
            select(IntelRelease.object_seq, func.min(IntelRelease.agreement_id))
            .join(IntelObject, IntelObject.seq == IntelRelease.object_seq)
            .where(
                IntelRelease.object_seq.in_(chunk),
                IntelObject.owner_state_id != principal.state_id,
                release_grants(principal.state_id, day),
            )
            .group_by(IntelRelease.object_seq)
        )
        out.update((seq, agreement) for seq, agreement in session.execute(stmt))
    return out


def referring(
    session: Session,
    principal: Principal,
    day: date,
    *,
    ref_id: str,
    columns: Sequence[str],
    limit: int,
) -> tuple[list[Any], bool]:
    """Up to ``limit`` (reference, referring object) rows of the current versions that
    refer to ``ref_id`` and that ``principal`` may read on ``day``, the most recently
    stored first, and whether there are more. The release policy is in the statement: a
    referrer the principal may not read is never fetched. Columns: ``columns`` of
    ``intel_object``, then ``property`` and ``relation``, a relationship's body (None for
    every other type: a report's, with its thousand ``object_refs``, is not read)."""
    relation = case((IntelObject.type == "relationship", IntelObject.body), else_=None)
    stmt = (
        readable(
            session,
            principal,
            day,
            *[_COLUMNS[c] for c in columns],
            IntelReference.property,
            relation.label("relation"),
        )
        .join(IntelReference, IntelReference.object_seq == IntelObject.seq)
        .where(IntelReference.ref_id == ref_id)
        # The key's order (ref_id, object_seq, property): the walk stops at limit + 1.
        .order_by(IntelReference.object_seq.desc(), IntelReference.property)
        .limit(limit + 1)
    )
    rows = list(session.execute(stmt))
    return rows[:limit], len(rows) > limit


# --- writes ------------------------------------------------------------------------------


def lock_for_ingest(session: Session) -> int:
    """Serialize writers and return the last ``date_added`` (µs) on the node."""
    if _dialect(session) == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_LOCK_KEY})
    return int(session.scalar(select(func.max(IntelObject.added_us))) or 0)


def existing_versions(
    session: Session, agency_id: int, stix_ids: Sequence[str]
) -> dict[str, dict[int, tuple[int, int]]]:
    """The stored versions of ``stix_ids`` that ``agency_id`` owns: for each id, its
    versions' ``version_us`` with their (seq, classification).

    An object is its owner's (``intel/models.py``): another agency's object with the same
    id is another object, so nothing here depends on what other agencies hold."""
    out: dict[str, dict[int, tuple[int, int]]] = {}
    base = restrict(
        select(
            IntelObject.stix_id,
            IntelObject.version_us,
            IntelObject.seq,
            IntelObject.classification,
        ),
        SYSTEM,
        Action.VIEW,
        policy=IntelPolicy(date.min),
    ).where(IntelObject.owner_agency_id == agency_id)
    for chunk in _chunks(list(dict.fromkeys(stix_ids))):
        for stix_id, version_us, seq, classification in session.execute(
            base.where(IntelObject.stix_id.in_(chunk))
        ):
            out.setdefault(stix_id, {})[version_us] = (seq, classification)
    return out


def insert_versions(
    session: Session,
    rows: Sequence[dict[str, Any]],
    releases: Sequence[Sequence[int]],
    recipients: Sequence[Sequence[int]],
    *,
    want_seqs: bool = False,
) -> list[int]:
    """Insert object versions with their release lists and recipients; returns their seqs
    (none when nothing refers to them, unless ``want_seqs``). Each row's ``release_ids`` is
    set to its release list, sorted (the copy the PostgreSQL policy reads; see
    ``intel/models.py``).

    The caller holds ``lock_for_ingest`` and gives every row a new ``added_us``, so the
    seqs are read back by those values (unique) instead of a RETURNING per row."""
    if not rows:
        return []
    lists = [sorted(set(gs)) for gs in releases]
    insert_rows(
        session,
        _OBJECTS,
        [{**row, "release_ids": ids} for row, ids in zip(rows, lists, strict=True)],
    )
    if not want_seqs and not any(lists) and not any(recipients):
        return []  # nothing refers to the new rows
    added = [row["added_us"] for row in rows]
    seq_of = dict(
        session.execute(
            restrict(
                select(IntelObject.added_us, IntelObject.seq),
                SYSTEM,
                Action.VIEW,
                policy=IntelPolicy(date.min),
            ).where(IntelObject.added_us.between(min(added), max(added)))
        ).all()
    )
    seqs = [seq_of[us] for us in added]
    insert_rows(
        session,
        _RELEASES,
        [
            {"object_seq": seq, "agreement_id": g}
            for seq, gs in zip(seqs, lists, strict=True)
            for g in gs
        ],
    )
    insert_rows(
        session,
        _RECIPIENTS,
        [
            {"object_seq": seq, "agency_id": a}
            for seq, agencies in zip(seqs, recipients, strict=True)
            for a in agencies
        ],
    )
    return seqs


def replace_references(
    session: Session, superseded: Sequence[int], rows: Sequence[tuple[str, int, str]]
) -> None:
    """Drop the reference rows of the versions ``superseded`` (no longer their object's
    newest) and insert ``rows`` (ref_id, object_seq, property) of the new current ones,
    in one INSERT, in the order of the table's key."""
    for chunk in _chunks(list(superseded)):
        session.execute(delete(IntelReference).where(IntelReference.object_seq.in_(chunk)))
    insert_rows(
        session,
        _REFERENCES,
        [{"ref_id": r, "object_seq": seq, "property": p} for r, seq, p in sorted(rows)],
    )


def refresh_first_last(session: Session, agency_id: int, stix_ids: Iterable[str]) -> None:
    """Recompute ``is_first``/``is_last`` of ``agency_id``'s objects that gained or lost
    versions."""
    o2 = IntelObject.__table__.alias("o2")
    same = (o2.c.stix_id == IntelObject.stix_id) & (o2.c.owner_agency_id == agency_id)
    last = select(func.max(o2.c.version_us)).where(same).scalar_subquery()
    first = select(func.min(o2.c.version_us)).where(same).scalar_subquery()
    for chunk in _chunks(list(dict.fromkeys(stix_ids))):
        session.execute(
            update(IntelObject)
            .where(IntelObject.owner_agency_id == agency_id, IntelObject.stix_id.in_(chunk))
            .values(
                is_last=IntelObject.version_us == last, is_first=IntelObject.version_us == first
            )
        )


def replace_release(session: Session, seq: int, agreement_ids: Sequence[int]) -> None:
    """Replace a row's release list, and its copy ``release_ids``, in the caller's
    transaction."""
    ids = sorted(set(agreement_ids))
    session.execute(delete(IntelRelease).where(IntelRelease.object_seq == seq))
    if ids:
        session.execute(insert(IntelRelease), [{"object_seq": seq, "agreement_id": g} for g in ids])
    session.execute(update(IntelObject).where(IntelObject.seq == seq).values(release_ids=ids))


def delete_object(session: Session, principal: Principal, stix_id: str) -> int:
    """Delete every version of ``stix_id`` the principal's agency owns; returns how many."""
    owned = [o.seq for o in owned_versions(session, principal, stix_id)]
    if owned:
        session.execute(delete(IntelObject).where(IntelObject.seq.in_(owned)))
    return len(owned)


# --- TAXII status ------------------------------------------------------------------------


def add_status(session: Session, status: TaxiiStatus) -> None:
    session.add(status)
    session.flush()


def status_for(session: Session, status_id: str, agency_id: int) -> TaxiiStatus | None:
    stmt = select(TaxiiStatus).where(
        TaxiiStatus.id == status_id, TaxiiStatus.agency_id == agency_id
    )
    return session.scalars(stmt).first()


def _chunks(items: list[Any], size: int = _CHUNK) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def current_versions(
    session: Session, *, after_seq: int, limit: int, types: Sequence[str]
) -> list[Any]:
    """The newest version of each object, of ``types``, past ``after_seq`` in seq order
    (seq, stix_id, type, owner agency and state, added_us, revoked, body): read as the node
    itself, for rebuilding a view derived from the store (``hooks``)."""
    stmt = restrict(
        select(
            IntelObject.seq,
            IntelObject.stix_id,
            IntelObject.type,
            IntelObject.owner_agency_id,
            IntelObject.owner_state_id,
            IntelObject.added_us,
            IntelObject.revoked,
            IntelObject.body,
        ),
        SYSTEM,
        Action.VIEW,
        policy=IntelPolicy(date.min),
    ).where(
        IntelObject.seq > after_seq,
        IntelObject.is_last.is_(True),
        IntelObject.type.in_(list(types)),
    )
    return list(session.execute(stmt.order_by(IntelObject.seq).limit(limit)))


# --- what an agency holds (``service.agency_in_intel``) ----------------------------------


def objects_of_agency(session: Session, agency_id: int) -> tuple[int, int]:
    """How many objects (an owner's STIX id, all its versions counting once) ``agency_id``
    owns, and how many name it a TLP:RED recipient. Counted as the node itself: for the
    node operator removing an agency, never shown to a user."""
    owned = restrict(
        select(func.count(func.distinct(IntelObject.stix_id))),
        SYSTEM,
        Action.VIEW,
        policy=IntelPolicy(date.min),
    ).where(IntelObject.owner_agency_id == agency_id)
    naming = (
        restrict(
            select(IntelObject.owner_agency_id, IntelObject.stix_id),
            SYSTEM,
            Action.VIEW,
            policy=IntelPolicy(date.min),
        )
        .join(IntelRecipient, IntelRecipient.object_seq == IntelObject.seq)
        .where(IntelRecipient.agency_id == agency_id)
        .distinct()
        .subquery()
    )
    named = select(func.count()).select_from(naming)
    return int(session.scalar(owned) or 0), int(session.scalar(named) or 0)


# --- statistics (PostgreSQL) --------------------------------------------------------------

# A store that grew from 200 objects to 6,000 in a minute was still planned as 200 (see
# ``storage/statistics.py``): ingest counts what it inserts, and the intel tables'
# statistics are refreshed past a tenth of growth.
STATISTICS = GrowthStatistics(
    tables=("intel_object", "intel_release", "intel_recipient", "intel_reference"),
    counted="intel_object",
)
note_inserted = STATISTICS.note_inserted
