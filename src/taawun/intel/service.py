"""Intel reads: TAXII pages and manifests, list and search, show, export.

Every read goes through ``repository`` (and so through ``policy``); a hidden
object answers ``NotFound`` exactly like a missing one, and the refusal is
audited. Reads of CONFIDENTIAL and above are audited with the agreement that
allowed them; every write is audited.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import orjson
from sqlalchemy import Select
from sqlalchemy.orm import Session

from taawun.access import service as access
from taawun.core.clock import Clock, SystemClock
from taawun.core.errors import InvalidInput, PermissionDenied
from taawun.core.ids import IdFactory, RandomIds
from taawun.core.principal import Clearance, Principal
from taawun.intel import hooks, repository
from taawun.intel._common import audit_reads, refused, require_member
from taawun.intel.markings import (
    EXTENSION_DEFINITION,
    NODE_IDENTITY_OBJECT,
    TLP_BY_ID,
    Tlp,
    banner,
    tlp_marking_definition,
)
from taawun.intel.repository import Filters, Scope
from taawun.intel.schemas import (
    IntelPage,
    IntelRead,
    IntelReferrer,
    IntelSearchPage,
    IntelSummary,
    ReferrerPage,
)
from taawun.intel.times import format_us, parse_us
from taawun.registry import service as registry

MAX_LIMIT = 10_000
EXPORT_PAGE = 1000  # objects an export reads, holds and sends at a time
SUMMARY_COLUMNS = (
    "seq",
    "stix_id",
    "type",
    "version_us",
    "added_us",
    "owner_agency_id",
    "tlp",
    "classification",
    "label",
    "revoked",
    "owner_state_id",
)


@dataclass(frozen=True, slots=True)
class RawPage:
    """Object bodies exactly as stored, comma-joined, oldest added first (the TAXII hot path).
    ``sensitive``: it holds CONFIDENTIAL-and-above rows, which ``audit_page`` must record."""

    objects: bytes
    count: int
    first_added: int | None
    last_added: int | None
    more: bool
    sensitive: bool = False


def raw_page(
    principal: Principal,
    session: Session,
    *,
    scope: Scope,
    filters: Filters,
    limit: int,
    clock: Clock | None = None,
    how: str = "taxii",
) -> RawPage:
    """A page, its reads of CONFIDENTIAL and above audited."""
    clock = clock or SystemClock()
    page = read_page(principal, session, scope=scope, filters=filters, limit=limit, clock=clock)
    audit_page(principal, session, page, scope=scope, filters=filters, clock=clock, how=how)
    return page


def read_page(
    principal: Principal,
    session: Session,
    *,
    scope: Scope,
    filters: Filters,
    limit: int,
    clock: Clock,
) -> RawPage:
    """A page, read only: the caller must pass it to ``audit_page`` (``raw_page`` does both;
    the TAXII read endpoints split them so that the read can run where reads are cheapest and
    the audit write where a write may wait, see ``inline_reads`` in ``web/app.py``)."""
    require_member(principal)
    day = clock.now().date()
    page = repository.joined_page(
        session, principal, day, scope=scope, filters=filters, limit=limit
    )
    return RawPage(
        objects=page.objects,
        count=page.count,
        first_added=page.first_added,
        last_added=page.last_added,
        more=page.more,
        sensitive=page.highest_classification >= int(Clearance.CONFIDENTIAL),
    )


def audit_page(
    principal: Principal,
    session: Session,
    page: RawPage,
    *,
    scope: Scope,
    filters: Filters,
    clock: Clock,
    how: str,
) -> None:
    """Record the page's reads of CONFIDENTIAL and above, with what allowed each."""
    if not page.sensitive or page.last_added is None:
        return
    day = clock.now().date()
    sensitive = repository.audit_rows(
        session,
        principal,
        day,
        scope=scope,
        filters=filters,
        last_added=page.last_added,
        at_least=int(Clearance.CONFIDENTIAL),
    )
    audit_reads(principal, session, day, sensitive, clock=clock, how=how)


def manifest_page(
    principal: Principal,
    session: Session,
    *,
    scope: Scope,
    filters: Filters,
    limit: int,
    clock: Clock | None = None,
) -> tuple[list[tuple[str, int, int]], bool]:
    """(id, date_added µs, version µs) records, oldest added first (TAXII 2.1 §5.3)."""
    require_member(principal)
    day = (clock or SystemClock()).now().date()
    rows, more = repository.page(
        session,
        principal,
        day,
        scope=scope,
        filters=filters,
        limit=limit,
        columns=("stix_id", "added_us", "version_us"),
    )
    return [(r[0], r[1], r[2]) for r in rows], more


def _summary(row: Any) -> IntelSummary:
    return IntelSummary(
        id=row.stix_id,
        type=row.type,
        version=format_us(row.version_us),
        date_added=format_us(row.added_us),
        owner_agency_id=row.owner_agency_id,
        tlp=Tlp(row.tlp).label,
        classification=Clearance(row.classification).name,
        label=row.label,
        revoked=row.revoked,
    )


# How far a page's ``total`` counts unless an exact count is asked for.
COUNT_CAP = 1_000
MAX_SEARCH_DEPTH = 100_000  # rows a text search may read (``search_depth``)


def list_intel(
    principal: Principal,
    session: Session,
    *,
    types: Sequence[str] = (),
    text: str | None = None,
    owner: str | None = None,
    agreement: str | None = None,
    added_after: str | None = None,
    added_before: str | None = None,
    newest_first: bool = False,
    include_revoked: bool = False,
    limit: int = 50,
    exact_count: bool = False,
    search_depth: int | None = None,
    clock: Clock | None = None,
) -> IntelPage:
    """What the principal may read, newest version of each object, oldest added first (or
    newest first with ``newest_first``, as the web UI's feed shows it).

    ``added_after`` and ``added_before`` are timestamps; the ``next`` of a page is where the
    next one starts: its ``added_after``, or with ``newest_first`` its ``added_before``.
    ``text`` matches names, pattern text and observable values; ``owner`` is an agency;
    ``agreement`` limits to what was released under it. ``total`` counts what matches up to
    ``COUNT_CAP`` (``total_capped`` when there is more), or all of it with ``exact_count``:
    a count walks every readable row, and done for every page it grew with the store until
    it was most of a node's work under load (``benchmarks/load.py``).

    ``text`` is a substring no index serves: every readable row is read until a page is
    found. With ``search_depth`` (newest first only: the web UI's feed) it reads at most that
    many, newest added first: the page, and ``total``, are of the matches among them;
    ``searched_to`` says where the search stopped when older rows remain, and ``next``
    goes on from there (a search takes the same time whatever the store's size).
    """
    require_member(principal)
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit: must be between 1 and {MAX_LIMIT}", field="limit", value=limit)
    clock = clock or SystemClock()
    day = clock.now().date()
    owner_id = access.find_agency(principal, session, ref=owner).id if owner else None
    agreement_id = (
        registry.get_agreement(principal, session, ref=agreement).id if agreement else None
    )
    filters = Filters(
        added_after_us=parse_us(added_after, field="added_after") if added_after else None,
        added_before_us=parse_us(added_before, field="added_before") if added_before else None,
        types=tuple(types),
        text=text,
        owner_agency_id=owner_id,
        include_revoked=include_revoked,
        newest_first=newest_first,
    )
    scope = Scope(agreement_id=agreement_id)
    floor = None
    if text and search_depth is not None and newest_first:
        if not 1 <= search_depth <= MAX_SEARCH_DEPTH:
            raise InvalidInput(
                f"search_depth: must be between 1 and {MAX_SEARCH_DEPTH}",
                field="search_depth",
                value=search_depth,
            )
        floor = repository.window_floor(
            session,
            principal,
            day,
            scope=scope,
            filters=replace(filters, text=None),
            depth=search_depth,
        )
        filters = replace(filters, added_from_us=floor)
    rows, more = repository.page(
        session, principal, day, scope=scope, filters=filters, limit=limit, columns=SUMMARY_COLUMNS
    )
    audit_reads(
        principal,
        session,
        day,
        [(r.seq, r.stix_id, r.version_us, r.classification, r.owner_state_id) for r in rows],
        clock=clock,
        how="list",
    )
    cap = None if exact_count else COUNT_CAP
    if not more and added_after is None and added_before is None:
        total = len(rows)  # a first page holding every match: no second walk to count them
    else:
        total = repository.count(
            session,
            principal,
            day,
            scope=scope,
            filters=Filters(
                types=tuple(types),
                text=text,
                owner_agency_id=owner_id,
                include_revoked=include_revoked,
                added_from_us=floor,
            ),
            at_most=None if cap is None else cap + 1,
        )
    capped = cap is not None and total > cap
    after: str | None = None
    if more and rows:
        after = format_us(rows[-1].added_us)
    elif floor is not None:  # the window searched, and older rows remain: go on below it
        after = format_us(floor)
    page = IntelPage(
        items=[_summary(r) for r in rows],
        total=cap if capped and cap is not None else total,
        total_capped=capped,
        limit=limit,
        next=after,
    )
    if search_depth is None:
        return page
    return IntelSearchPage(**dict(page), searched_to=None if floor is None else format_us(floor))


def readable_summaries(
    principal: Principal,
    session: Session,
    *,
    stix_ids: Sequence[str],
    clock: Clock | None = None,
) -> list[IntelSummary]:
    """Of ``stix_ids``, the newest version of each object ``principal`` may read now, in one
    query through the release policy; the rest are left out as missing ones are. For the
    records that link intel (a combined operation's), so each reader is shown only what it
    may read, and no count of the rest. Reads of CONFIDENTIAL and above are audited as a
    list's are. Nobody in particular and the node itself read no intel: an empty list."""
    if principal.agency_id is None or principal.state_id is None or not stix_ids:
        return []
    clock = clock or SystemClock()
    day = clock.now().date()
    ids = tuple(dict.fromkeys(stix_ids))
    rows, _ = repository.page(
        session,
        principal,
        day,
        scope=Scope(),
        filters=Filters(ids=ids),
        # one row per owner of an id (each agency's objects are a namespace of their own)
        limit=min(MAX_LIMIT, 10 * len(ids)),
        columns=SUMMARY_COLUMNS,
    )
    audit_reads(
        principal,
        session,
        day,
        [(r.seq, r.stix_id, r.version_us, r.classification, r.owner_state_id) for r in rows],
        clock=clock,
        how="linked",
    )
    return [_summary(r) for r in rows]


def referring(
    principal: Principal,
    session: Session,
    *,
    stix_id: str,
    limit: int = 50,
    clock: Clock | None = None,
) -> ReferrerPage:
    """The objects ``principal`` may read now whose current version refers to ``stix_id``
    (``_references`` says by which properties), each with the property, the most recently
    stored first, at most ``limit``, and whether there are more. One query through the
    release policy: a referrer the principal may not read is left out as a missing one is,
    and nothing counts them. ``stix_id`` itself need not be readable: a referrer it may
    read names that id in its own body anyway. Reads of CONFIDENTIAL and above are audited
    as a list's are."""
    require_member(principal)
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit: must be between 1 and {MAX_LIMIT}", field="limit", value=limit)
    clock = clock or SystemClock()
    day = clock.now().date()
    rows, more = repository.referring(
        session, principal, day, ref_id=stix_id, columns=SUMMARY_COLUMNS, limit=limit
    )
    read = {
        r.seq: (r.seq, r.stix_id, r.version_us, r.classification, r.owner_state_id) for r in rows
    }
    audit_reads(principal, session, day, list(read.values()), clock=clock, how="referring")
    return ReferrerPage(items=[_referrer(r) for r in rows], more=more)


_OTHER_END = {"source_ref": "target_ref", "target_ref": "source_ref"}


def _referrer(row: Any) -> IntelReferrer:
    """A row of ``repository.referring``: the summary, the property, and for a relationship
    (whose body came with it, ``relation``) its type and other end."""
    relation = orjson.loads(row.relation) if row.relation is not None else {}
    other = _OTHER_END.get(row.property)
    return IntelReferrer(
        **_summary(row).model_dump(),
        property=row.property,
        relationship_type=relation.get("relationship_type"),
        other_ref=relation.get(other) if other else None,
    )


def show(
    principal: Principal,
    session: Session,
    *,
    stix_id: str,
    version: str | None = None,
    clock: Clock | None = None,
) -> IntelRead:
    """One object version (the newest readable one by default) with its markings banner."""
    require_member(principal)
    clock = clock or SystemClock()
    day = clock.now().date()
    wanted = None if version is None else parse_us(version, field="version")
    found = repository.newest_readable(session, principal, day, stix_id, version_us=wanted)
    if found is None:
        refused(principal, session, stix_id, clock)
    every = Filters(ids=(stix_id,), versions=("all",))
    count = repository.count(session, principal, day, scope=Scope(), filters=every)
    audit_reads(
        principal,
        session,
        day,
        [(found.seq, found.stix_id, found.version_us, found.classification, found.owner_state_id)],
        clock=clock,
        how="show",
    )
    mine = found.owner_agency_id == principal.agency_id
    releases = repository.releases_of(session, [found.seq]).get(found.seq, [])
    granted = repository.granting_agreements(session, principal, day, [found.seq])
    return IntelRead(
        **_summary(found).model_dump(),
        banner=banner(Tlp(found.tlp), Clearance(found.classification)),
        released_under=releases if mine else sorted(set(granted.values())),
        recipients=repository.recipients_of(session, [found.seq]).get(found.seq, [])
        if mine
        else [],
        versions=count,
        object=orjson.loads(found.body),
    )


@dataclass(frozen=True, slots=True)
class ExportQuery:
    """What an export reads: settled, and refused if it must be, before its first byte."""

    scope: Scope
    types: tuple[str, ...]
    bundle_id: str


def export_query(
    principal: Principal,
    session: Session,
    *,
    types: Sequence[str] = (),
    agreement: str | None = None,
    ids: IdFactory | None = None,
) -> ExportQuery:
    """Check the caller and the agreement (``NotFound`` if hidden) and name the bundle."""
    require_member(principal)
    agreement_id = (
        registry.get_agreement(principal, session, ref=agreement).id if agreement else None
    )
    return ExportQuery(
        scope=Scope(agreement_id=agreement_id),
        types=tuple(types),
        bundle_id=f"bundle--{(ids or RandomIds()).uuid()}",
    )


def export_page(
    principal: Principal,
    session: Session,
    *,
    query: ExportQuery,
    after: int | None,
    clock: Clock,
) -> RawPage:
    """The next ``EXPORT_PAGE`` objects of an export, added after ``after`` (µs), read
    through the release policy; its reads of CONFIDENTIAL and above are audited in
    ``session``, which the caller commits before the page is sent."""
    return raw_page(
        principal,
        session,
        scope=query.scope,
        filters=Filters(added_after_us=after, types=query.types),
        limit=EXPORT_PAGE,
        clock=clock,
        how="export",
    )


def _levels_used(objects: bytes, known: set[Tlp]) -> set[Tlp]:
    """The TLP levels the comma-joined ``objects`` mark in ``object_marking_refs``. The page
    is parsed only if a marking definition of a level not yet ``known`` occurs in it."""
    if all(level in known or ref.encode() not in objects for ref, level in TLP_BY_ID.items()):
        return set()
    return {
        TLP_BY_ID[ref]
        for obj in orjson.loads(b"[" + objects + b"]")
        for ref in obj.get("object_marking_refs", ())
        if ref in TLP_BY_ID
    }


def export_chunks(query: ExportQuery, pages: Callable[[int | None], RawPage]) -> Iterator[bytes]:
    """A STIX 2.1 bundle (§8) in pieces, one page of objects at a time, so that memory does
    not grow with the answer: ``{"type":"bundle","id":...,"objects":[``, each page that
    ``pages(after)`` gives (keyset paging on ``date_added``), then the TLP marking
    definitions the objects reference (§7.2.1), the node's identity and its extension
    definition (§7.3), and ``]}``. Definitions last: they are known once every object is."""
    yield orjson.dumps({"type": "bundle", "id": query.bundle_id})[:-1] + b',"objects":['
    used: set[Tlp] = set()
    comma = b""
    after: int | None = None
    while True:
        page = pages(after)
        if page.count:
            yield comma + page.objects
            comma = b","
            used |= _levels_used(page.objects, used)
        if not page.more or page.last_added is None:
            break
        after = page.last_added
    extras = [orjson.dumps(tlp_marking_definition(t)) for t in sorted(used)]
    extras += [orjson.dumps(NODE_IDENTITY_OBJECT), orjson.dumps(EXTENSION_DEFINITION)]
    yield comma + b",".join(extras) + b"]}"


def export_bundle(
    principal: Principal,
    session: Session,
    *,
    types: Sequence[str] = (),
    agreement: str | None = None,
    clock: Clock | None = None,
    ids: IdFactory | None = None,
) -> bytes:
    """A STIX 2.1 bundle of the newest version of everything the principal may read, with the
    TLP marking definitions it references and the node's extension definition, read in
    ``session`` (the REST API streams the same chunks instead: ``export_chunks``)."""
    clock = clock or SystemClock()
    query = export_query(principal, session, types=types, agreement=agreement, ids=ids)

    def page(after: int | None) -> RawPage:
        return export_page(principal, session, query=query, after=after, clock=clock)

    return b"".join(export_chunks(query, page))


# --- what other contexts join to -------------------------------------------------------


def readable_objects(principal: Principal, session: Session, *, clock: Clock) -> Select[Any]:
    """The intel object versions ``principal`` may read today, as a statement (columns
    ``repository.READABLE_COLUMNS``: seq, stix_id, type, version_us, added_us,
    owner_agency_id, owner_state_id, classification, tlp, label) built by the release
    policy, for a query of another context to join to *inside* its own statement (the
    correlation index counts shared threats this way): the one rule, never a second one,
    and nothing fetched to be filtered afterwards."""
    require_member(principal)
    return repository.readable_objects(session, principal, clock.now().date())


def record_reads(
    principal: Principal,
    session: Session,
    rows: Sequence[tuple[int, str, int, int, int]],
    *,
    clock: Clock,
    how: str,
) -> None:
    """Audit what another context has just shown ``principal`` of intel (rows of
    ``readable_objects``: seq, stix_id, version_us, classification, owner_state_id), as
    intel's own reads are: one entry for those of CONFIDENTIAL and above."""
    audit_reads(principal, session, clock.now().date(), rows, clock=clock, how=how)


def current_versions(
    principal: Principal,
    session: Session,
    *,
    after_seq: int,
    limit: int,
    types: Sequence[str],
) -> list[hooks.StoredVersion]:
    """The newest version of every object of ``types`` past ``after_seq``, as ``hooks``
    describes stored versions: for the node itself (a system principal) to rebuild a view a
    listener keeps (``taawun threats reindex``). Never for a user: it reads everything."""
    if not principal.system:
        raise PermissionDenied("only the node itself reads every object version")
    return [
        hooks.StoredVersion(
            seq=r.seq,
            stix_id=r.stix_id,
            type=r.type,
            owner_agency_id=r.owner_agency_id,
            owner_state_id=r.owner_state_id,
            added_us=r.added_us,
            revoked=bool(r.revoked),
            current=True,
            body=bytes(r.body),
        )
        for r in repository.current_versions(session, after_seq=after_seq, limit=limit, types=types)
    ]


# --- what an agency holds: asked before it is removed (``access.service.hold_agencies``) --


def agency_in_intel(session: Session, agency_id: int) -> str | None:
    """Why the intel store keeps ``agency_id`` from being removed: the objects it owns and
    those naming it a TLP:RED recipient (``"owns 3 intel objects"``); None when nothing.

    The counts cover objects the asker may not read; only the node operator ever gets here
    (an admin may remove only their own agency, which is refused first for its users)."""
    owned, named = repository.objects_of_agency(session, agency_id)
    held: list[str] = []
    if owned:
        held.append(f"owns {owned} intel object{'' if owned == 1 else 's'}")
    if named:
        held.append(
            f"is a named recipient of {named} TLP:RED intel object{'' if named == 1 else 's'}"
        )
    return " and ".join(held) or None


access.hold_agencies("intel", agency_in_intel)
