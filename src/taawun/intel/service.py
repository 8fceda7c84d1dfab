"""Intel use cases: share, list and search, show, revoke, change a release, export, TAXII pages.

Every read goes through ``repository`` (and so through ``policy``); a hidden
object answers ``NotFound`` exactly like a missing one, and the refusal is
audited. Reads of CONFIDENTIAL and above are audited with the agreement that
allowed them; every write is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson
from sqlalchemy.orm import Session

from taawun.access import audit
from taawun.core.clock import Clock, SystemClock
from taawun.core.errors import InvalidInput, NotFound, PermissionDenied
from taawun.core.principal import Clearance, Principal, Role
from taawun.intel import _ingest, repository
from taawun.intel._release import ReleaseChecker
from taawun.intel.markings import (
    EXTENSION_DEFINITION,
    NODE_IDENTITY_OBJECT,
    TLP_BY_ID,
    MarkingDefaults,
    Tlp,
    banner,
    tlp_marking_definition,
)
from taawun.intel.models import IntelObject
from taawun.intel.repository import Filters, Scope
from taawun.intel.schemas import (
    IntelPage,
    IntelRead,
    IntelSummary,
    ReleaseRead,
    ShareDefaults,
    ShareReport,
)
from taawun.intel.times import format_us, parse_us, to_us

WRITERS = frozenset({Role.ADMIN, Role.LIAISON, Role.ANALYST})
MAX_LIMIT = 10_000
SUMMARY_COLUMNS = (
    IntelObject.seq,
    IntelObject.stix_id,
    IntelObject.type,
    IntelObject.version_us,
    IntelObject.added_us,
    IntelObject.owner_agency_id,
    IntelObject.tlp,
    IntelObject.classification,
    IntelObject.label,
    IntelObject.revoked,
    IntelObject.owner_state_id,
)


def _require_member(principal: Principal) -> None:
    if principal.agency_id is None or principal.state_id is None:
        raise PermissionDenied("intel is shared by and with agencies: act as a user of one")


def _require_writer(principal: Principal) -> None:
    _require_member(principal)
    if principal.role not in WRITERS:
        raise PermissionDenied(f"a {principal.role.value} may not share intel")


def marking_defaults(data: ShareDefaults) -> MarkingDefaults:
    """The defaults of a submission, refused whole (before any object is judged) when bad."""
    tlp = Tlp.parse(data.tlp)
    if data.release_to_all and tlp is not Tlp.CLEAR:
        raise InvalidInput(
            "release_to_all: only TLP:CLEAR objects may be released to everyone",
            field="release_to_all",
        )
    try:
        classification = Clearance.parse(data.classification)
    except InvalidInput as exc:
        message = exc.message.removeprefix("clearance: ")
        raise InvalidInput(
            f"classification: {message}", field="classification", value=data.classification
        ) from None
    return MarkingDefaults(
        tlp=tlp,
        classification=classification,
        release_to=tuple(data.release_to),
        recipients=tuple(data.recipients),
        release_to_all=data.release_to_all,
    )


# --- writes ------------------------------------------------------------------------------


def share(
    principal: Principal,
    session: Session,
    *,
    objects: Sequence[Any],
    defaults: MarkingDefaults,
    clock: Clock | None = None,
    collection_agreement: int | None = None,
) -> ShareReport:
    """Store what is valid and permitted; each bad object fails alone with its reasons.

    Objects posted to an agreement's collection are released under that agreement
    besides whatever they carry. Re-sending an identical version is not a failure.
    """
    _require_writer(principal)
    clock = clock or SystemClock()
    now = clock.now()
    checker = ReleaseChecker(principal, session, now.date())
    sub = _ingest.stage(checker, objects, defaults, collection_agreement)
    with session.begin_nested():
        _ingest.store(principal, session, sub, now=now)
        audit.record(
            session,
            principal=principal,
            action="intel.share",
            target_type="agreement" if collection_agreement else "intel",
            target_id=collection_agreement,
            after={"stored": [f"{r['stix_id']}@{format_us(r['version_us'])}" for r in sub.stored]},
            detail={"failed": [o.id for o in sub.outcomes if not o.ok]},
            clock=clock,
        )
    added = [r["added_us"] for r in sub.stored]
    return ShareReport(
        total=len(sub.outcomes),
        stored=len(sub.stored),
        duplicates=sum(o.duplicate for o in sub.outcomes),
        failed=sum(not o.ok for o in sub.outcomes),
        outcomes=sub.outcomes,
        date_added_first=format_us(added[0]) if added else None,
        date_added_last=format_us(added[-1]) if added else None,
    )


def revoke(
    principal: Principal, session: Session, *, stix_id: str, clock: Clock | None = None
) -> IntelRead:
    """Revoke an object (STIX 2.1 §3.6.2): a new version with ``revoked: true``; owner only."""
    _require_writer(principal)
    clock = clock or SystemClock()
    owned = repository.owned_versions(session, principal, stix_id)
    if not owned:
        _refused(principal, session, stix_id, clock)
    latest = owned[-1]
    if latest.revoked:
        raise InvalidInput(f"id: {stix_id} is already revoked", field="id", value=stix_id)
    obj = orjson.loads(latest.body)
    now_us = max(to_us(clock.now()), latest.version_us + 1000)
    obj["modified"] = format_us(now_us)[:-4] + "Z"  # millisecond precision, as STIX tools write
    obj["revoked"] = True
    releases = repository.releases_of(session, [latest.seq]).get(latest.seq, [])
    recipients = repository.recipients_of(session, [latest.seq]).get(latest.seq, [])
    defaults = MarkingDefaults(
        tlp=Tlp(latest.tlp),
        classification=Clearance(latest.classification),
        release_to=tuple(str(g) for g in releases),
        recipients=tuple(str(a) for a in recipients),
        release_to_all=latest.released_to_all,
    )
    report = share(principal, session, objects=[obj], defaults=defaults, clock=clock)
    if not report.outcomes[0].ok:
        raise InvalidInput("; ".join(report.outcomes[0].reasons), field="id", value=stix_id)
    return show(principal, session, stix_id=stix_id, clock=clock)


def change_release(
    principal: Principal,
    session: Session,
    *,
    stix_id: str,
    release_to: Sequence[str],
    clock: Clock | None = None,
) -> ReleaseRead:
    """Replace the release list of an object's newest version; only its owner may (originator
    control). Every agreement is checked as at sharing time."""
    _require_writer(principal)
    clock = clock or SystemClock()
    owned = repository.owned_versions(session, principal, stix_id)
    if not owned:
        _refused(principal, session, stix_id, clock)
    latest = owned[-1]
    checker = ReleaseChecker(principal, session, clock.now().date())
    marks = MarkingDefaults(tlp=Tlp(latest.tlp), classification=Clearance(latest.classification))
    from taawun.intel.markings import Markings

    ids = checker.check_release(
        Markings(tlp=marks.tlp, classification=marks.classification, release_to=tuple(release_to))
    )
    before = repository.releases_of(session, [latest.seq]).get(latest.seq, [])
    with session.begin_nested():
        repository.replace_release(session, latest.seq, ids)
        audit.record(
            session,
            principal=principal,
            action="intel.release",
            target_type="intel",
            target_id=stix_id,
            before={"release_to": before},
            after={"release_to": ids},
            clock=clock,
        )
    return ReleaseRead(
        id=stix_id, version=format_us(latest.version_us), release_to=ids, changed_at=clock.now()
    )


def delete(
    principal: Principal, session: Session, *, stix_id: str, clock: Clock | None = None
) -> int:
    """Delete every version of an object (TAXII 2.1 §5.7); owner only."""
    _require_writer(principal)
    clock = clock or SystemClock()
    with session.begin_nested():
        n = repository.delete_object(session, principal, stix_id)
        if n == 0:
            _refused(principal, session, stix_id, clock)
        audit.record(
            session,
            principal=principal,
            action="intel.delete",
            target_type="intel",
            target_id=stix_id,
            detail={"versions": n},
            clock=clock,
        )
    return n


# --- reads --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RawPage:
    """Object bodies exactly as stored, oldest added first (the TAXII hot path)."""

    bodies: list[bytes]
    added: list[int]
    more: bool


def _audit_reads(
    principal: Principal,
    session: Session,
    day: date,
    rows: Sequence[tuple[int, str, int, int, int]],
    *,
    clock: Clock,
    how: str,
) -> None:
    """One entry for the CONFIDENTIAL-and-above rows just read, with the agreement that allowed
    each (``own state`` and ``released to all`` name themselves)."""
    sensitive = [r for r in rows if r[3] >= int(Clearance.CONFIDENTIAL)]
    if not sensitive:
        return
    granted = repository.granting_agreements(session, principal, day, [r[0] for r in sensitive])
    reads = [
        {
            "id": stix_id,
            "version": format_us(version_us),
            "basis": f"agreement:{granted[seq]}"
            if seq in granted
            else ("own state" if owner_state == principal.state_id else "released to all"),
        }
        for seq, stix_id, version_us, _, owner_state in sensitive
    ]
    with session.begin_nested():
        audit.record(
            session,
            principal=principal,
            action="intel.read",
            target_type="intel",
            detail={"via": how, "objects": reads},
            clock=clock,
        )


def _refused(principal: Principal, session: Session, stix_id: str, clock: Clock) -> None:
    with session.begin_nested():
        audit.record(
            session,
            principal=principal,
            action="intel.read_refused",
            target_type="intel",
            target_id=stix_id[:80],
            clock=clock,
        )
    raise NotFound(f"id: no object {stix_id!r}", field="id", value=stix_id)


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
    _require_member(principal)
    clock = clock or SystemClock()
    day = clock.now().date()
    rows, more = repository.page(
        session,
        principal,
        day,
        scope=scope,
        filters=filters,
        limit=limit,
        columns=(
            IntelObject.added_us,
            IntelObject.body,
            IntelObject.seq,
            IntelObject.stix_id,
            IntelObject.version_us,
            IntelObject.classification,
            IntelObject.owner_state_id,
        ),
    )
    _audit_reads(
        principal,
        session,
        day,
        [(r[2], r[3], r[4], r[5], r[6]) for r in rows],
        clock=clock,
        how=how,
    )
    return RawPage(bodies=[r[1] for r in rows], added=[r[0] for r in rows], more=more)


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
    _require_member(principal)
    day = (clock or SystemClock()).now().date()
    rows, more = repository.page(
        session,
        principal,
        day,
        scope=scope,
        filters=filters,
        limit=limit,
        columns=(IntelObject.stix_id, IntelObject.added_us, IntelObject.version_us),
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


def list_intel(
    principal: Principal,
    session: Session,
    *,
    types: Sequence[str] = (),
    text: str | None = None,
    owner: str | None = None,
    agreement: str | None = None,
    added_after: str | None = None,
    include_revoked: bool = False,
    limit: int = 50,
    clock: Clock | None = None,
) -> IntelPage:
    """What the principal may read, newest version of each object, oldest added first.

    ``added_after`` is a timestamp (or the ``next`` of a previous page); ``text`` matches
    names, pattern text and observable values; ``owner`` is an agency; ``agreement`` limits
    to what was released under it.
    """
    _require_member(principal)
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit: must be between 1 and {MAX_LIMIT}", field="limit", value=limit)
    clock = clock or SystemClock()
    day = clock.now().date()
    from taawun.access import service as access
    from taawun.registry import service as registry

    owner_id = access.find_agency(principal, session, ref=owner).id if owner else None
    agreement_id = (
        registry.get_agreement(principal, session, ref=agreement).id if agreement else None
    )
    filters = Filters(
        added_after_us=parse_us(added_after, field="added_after") if added_after else None,
        types=tuple(types),
        text=text,
        owner_agency_id=owner_id,
        include_revoked=include_revoked,
    )
    scope = Scope(agreement_id=agreement_id)
    rows, more = repository.page(
        session, principal, day, scope=scope, filters=filters, limit=limit, columns=SUMMARY_COLUMNS
    )
    _audit_reads(
        principal,
        session,
        day,
        [(r.seq, r.stix_id, r.version_us, r.classification, r.owner_state_id) for r in rows],
        clock=clock,
        how="list",
    )
    total = repository.count(
        session,
        principal,
        day,
        scope=scope,
        filters=Filters(
            types=tuple(types), text=text, owner_agency_id=owner_id, include_revoked=include_revoked
        ),
    )
    return IntelPage(
        items=[_summary(r) for r in rows],
        total=total,
        limit=limit,
        next=format_us(rows[-1].added_us) if more and rows else None,
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
    _require_member(principal)
    clock = clock or SystemClock()
    day = clock.now().date()
    versions = ("all",) if version is None else (str(parse_us(version, field="version")),)
    rows, _ = repository.page(
        session,
        principal,
        day,
        scope=Scope(),
        filters=Filters(ids=(stix_id,), versions=versions),
        limit=MAX_LIMIT,
        columns=(IntelObject,),
    )
    if not rows:
        _refused(principal, session, stix_id, clock)
    found: IntelObject = max((r[0] for r in rows), key=lambda o: o.version_us)
    _audit_reads(
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
        banner=banner(Tlp(found.tlp), Clearance(found.classification)),
        id=found.stix_id,
        type=found.type,
        version=format_us(found.version_us),
        date_added=format_us(found.added_us),
        owner_agency_id=found.owner_agency_id,
        tlp=Tlp(found.tlp).label,
        classification=Clearance(found.classification).name,
        revoked=found.revoked,
        released_under=releases if mine else sorted(set(granted.values())),
        recipients=repository.recipients_of(session, [found.seq]).get(found.seq, [])
        if mine
        else [],
        versions=len(rows),
        object=orjson.loads(found.body),
    )


def export_bundle(
    principal: Principal,
    session: Session,
    *,
    types: Sequence[str] = (),
    agreement: str | None = None,
    clock: Clock | None = None,
) -> bytes:
    """A STIX 2.1 bundle of the newest version of everything the principal may read, with the
    TLP marking definitions it references and the node's extension definition."""
    _require_member(principal)
    clock = clock or SystemClock()
    from taawun.registry import service as registry

    agreement_id = (
        registry.get_agreement(principal, session, ref=agreement).id if agreement else None
    )
    bodies: list[bytes] = []
    after: int | None = None
    while True:
        page = raw_page(
            principal,
            session,
            scope=Scope(agreement_id=agreement_id),
            filters=Filters(added_after_us=after, types=tuple(types)),
            limit=5000,
            clock=clock,
            how="export",
        )
        bodies += page.bodies
        if not page.more or not page.added:
            break
        after = page.added[-1]
    used = {
        TLP_BY_ID[ref]
        for body in bodies
        for ref in orjson.loads(body).get("object_marking_refs", ())
        if ref in TLP_BY_ID
    }
    extras = [orjson.dumps(tlp_marking_definition(t)) for t in sorted(used)]
    extras += [orjson.dumps(NODE_IDENTITY_OBJECT), orjson.dumps(EXTENSION_DEFINITION)]
    bundle_id = f"bundle--{(clock.now().timestamp() * 1e6):032.0f}"
    del bundle_id
    import uuid

    head = orjson.dumps({"type": "bundle", "id": f"bundle--{uuid.uuid4()}"})[:-1]
    return head + b',"objects":[' + b",".join(extras + bodies) + b"]}"
