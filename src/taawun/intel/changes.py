"""Intel changes: share (ingest), revoke, change a release list, delete; every one audited.

Only the owner agency changes an object (originator control); a recipient cannot
re-release what it was given.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import orjson
from sqlalchemy.orm import Session

from taawun.access import audit
from taawun.core.clock import Clock, SystemClock
from taawun.core.errors import InvalidInput, PermissionDenied
from taawun.core.principal import Clearance, Principal
from taawun.intel import _ingest, hooks, repository, service
from taawun.intel._common import refused, require_writer
from taawun.intel._release import ReleaseChecker
from taawun.intel.markings import MarkingDefaults, Markings, Tlp
from taawun.intel.models import IntelObject
from taawun.intel.schemas import IntelRead, ReleaseRead, ShareDefaults, ShareReport
from taawun.intel.times import format_us, to_us


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
    kept_releases: Collection[int] = (),
) -> ShareReport:
    """Store what is valid and permitted; each bad object fails alone with its reasons.

    What judging may cost is bounded (``_stix_limits``, README "Limits on what is shared"):
    an object over a limit fails with a reason naming it; a submission of more than
    ``MAX_OBJECTS`` objects is refused whole (``InvalidInput``) and nothing is written.
    Objects posted to an agreement's collection are released under that agreement
    besides whatever they carry. Re-sending an identical version is not a failure.
    ``kept_releases``: agreements a new version of the owner's object keeps from the last
    (``revoke``), which need no new checks (``ReleaseChecker``).
    """
    require_writer(principal)
    clock = clock or SystemClock()
    now = clock.now()
    checker = ReleaseChecker(principal, session, now.date(), kept=kept_releases)
    sub = _ingest.stage(checker, objects, defaults, collection_agreement)
    with session.begin_nested():
        _ingest.store(principal, session, sub, now=now)
        audit.record(
            session,
            principal=principal,
            action="intel.share",
            target_type="agreement" if collection_agreement else "intel",
            target_id=collection_agreement,
            after={
                "stored": [f"{r['stix_id']}@{format_us(r['version_us'])}" for r in sub.stored],
                **({"released": sub.released} if sub.released else {}),
            },
            detail={"failed": [o.id for o in sub.outcomes if not o.ok]},
            clock=clock,
            clearance=max((int(r["classification"]) for r in sub.stored), default=0),
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
    require_writer(principal)
    clock = clock or SystemClock()
    owned = _owned(principal, session, stix_id, clock, act="revoke")
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
    report = share(
        principal, session, objects=[obj], defaults=defaults, clock=clock, kept_releases=releases
    )
    if not report.outcomes[0].ok:
        raise InvalidInput("; ".join(report.outcomes[0].reasons), field="id", value=stix_id)
    return service.show(principal, session, stix_id=stix_id, clock=clock)


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
    require_writer(principal)
    clock = clock or SystemClock()
    owned = _owned(principal, session, stix_id, clock, act="change the release list of")
    latest = owned[-1]
    before = repository.releases_of(session, [latest.seq]).get(latest.seq, [])
    # Narrowing (keeping or removing what it is released under) is always possible; only
    # an agreement added is checked as at sharing time.
    checker = ReleaseChecker(principal, session, clock.now().date(), kept=before)
    marks = MarkingDefaults(tlp=Tlp(latest.tlp), classification=Clearance(latest.classification))
    ids = checker.check_release(
        Markings(tlp=marks.tlp, classification=marks.classification, release_to=tuple(release_to))
    )
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
            clearance=latest.classification,
        )
    return ReleaseRead(
        id=stix_id, version=format_us(latest.version_us), release_to=ids, changed_at=clock.now()
    )


def delete(
    principal: Principal, session: Session, *, stix_id: str, clock: Clock | None = None
) -> int:
    """Delete every version of an object (TAXII 2.1 §5.7); owner only."""
    require_writer(principal)
    clock = clock or SystemClock()
    owned = _owned(principal, session, stix_id, clock, act="delete")
    with session.begin_nested():
        hooks.deleting(session, [v.seq for v in owned])
        n = repository.delete_object(session, principal, stix_id)
        audit.record(
            session,
            principal=principal,
            action="intel.delete",
            target_type="intel",
            target_id=stix_id,
            detail={"versions": n},
            clock=clock,
            clearance=max((v.classification for v in owned), default=0),
        )
    return n


def _owned(
    principal: Principal, session: Session, stix_id: str, clock: Clock, *, act: str
) -> list[IntelObject]:
    """The versions of ``stix_id`` the principal's agency owns, oldest first. An object the
    principal may read but does not own is refused as such (403): only its owner changes
    it; one it may not read answers as a missing one (404, the refusal recorded)."""
    owned = repository.owned_versions(session, principal, stix_id)
    if owned:
        return owned
    if repository.newest_readable(session, principal, clock.now().date(), stix_id) is not None:
        raise PermissionDenied(
            f"id: {stix_id} is another agency's object; only its owner may {act} it",
            field="id",
            value=stix_id,
        )
    refused(principal, session, stix_id, clock)
