"""The intel REST router: share, list and search, show, revoke, release, delete, export.

One service call per endpoint; every read answers only what the release policy lets the caller
read (a hidden object is a 404 exactly like a missing one). Bundles are served with the STIX 2.1
media type (STIX 2.1 §1.6, TAXII 2.1 §1.6.8).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import iterate_in_threadpool

from taawun.access.deps import ClockDep, PrincipalDep, SessionDep
from taawun.core.error_body import COMMON, error_responses
from taawun.intel import changes, service
from taawun.intel.markings import (
    EXTENSION_DEFINITION,
    EXTENSION_ID,
    NODE_IDENTITY_OBJECT,
    Tlp,
    tlp_marking_definition,
)
from taawun.intel.schemas import (
    IntelPage,
    IntelRead,
    ReferrerPage,
    ReleaseChange,
    ReleaseRead,
    ShareReport,
    ShareRequest,
)
from taawun.storage.deferred import attach

router = APIRouter(prefix="/api/v1/intel", tags=["intel"], responses=error_responses(*COMMON))

STIX_MEDIA_TYPE = "application/stix+json;version=2.1"
STIX_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {STIX_MEDIA_TYPE: {}}, "description": "a STIX 2.1 bundle"}
}


Types = Annotated[
    list[str] | None, Query(alias="type", description="STIX type; repeat for several")
]


class DeleteRead(BaseModel):
    id: str
    versions_deleted: int


@router.post("/share", responses=error_responses(400))
def share(
    data: ShareRequest, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> ShareReport:
    """Store every valid, permitted object; each refused object is reported with its reasons.

    The markings given here apply to objects that carry none of their own. Bad defaults (an
    unknown TLP or classification, everyone-release of a non-CLEAR object) refuse the whole
    request with 422 and nothing is written.
    """
    defaults = changes.marking_defaults(data)
    return changes.share(principal, session, objects=data.objects, defaults=defaults, clock=clock)


@router.get("")
@router.get("/", include_in_schema=False)
def list_intel(
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
    types: Types = None,
    q: Annotated[str | None, Query(description="names, pattern text, observable values")] = None,
    owner: Annotated[str | None, Query(description="agency id or name")] = None,
    agreement: Annotated[str | None, Query(description="id or 'ATOP 4965'")] = None,
    added_after: Annotated[
        str | None, Query(description="a timestamp, or the `next` of the previous page")
    ] = None,
    added_before: Annotated[
        str | None,
        Query(description="a timestamp, or the `next` of the previous page with `newest_first`"),
    ] = None,
    newest_first: Annotated[bool, Query(description="the newest added first")] = False,
    include_revoked: bool = False,
    limit: Annotated[int, Query(ge=1, le=service.MAX_LIMIT)] = 50,
    exact_count: Annotated[
        bool,
        Query(
            description=f"count every match for `total` (by default counting stops at "
            f"{service.COUNT_CAP:,}: see `total_capped`)"
        ),
    ] = False,
) -> IntelPage:
    """What you may read (newest version of each object), oldest added first, or newest
    first with `newest_first` (then a page's `next` is the next one's `added_before`)."""
    return service.list_intel(
        principal,
        session,
        types=types or (),
        text=q,
        owner=owner,
        agreement=agreement,
        added_after=added_after,
        added_before=added_before,
        newest_first=newest_first,
        include_revoked=include_revoked,
        limit=limit,
        exact_count=exact_count,
        clock=clock,
    )


@router.get("/export", response_class=Response, responses=STIX_RESPONSE)
def export(
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
    types: Types = None,
    agreement: Annotated[str | None, Query(description="id or 'ATOP 4965'")] = None,
) -> StreamingResponse:
    """A STIX 2.1 bundle of the newest version of everything you may read, streamed.

    What is refused (the caller, a hidden agreement) is refused before the first byte. The
    bundle is then sent a page at a time (``service.export_chunks``), so memory does not grow
    with the answer. The request's session is committed and closed when this returns, before
    the body is sent: each page is read in a transaction of its own, in a worker thread, as
    the same principal, and its reads of CONFIDENTIAL and above are recorded (by the
    deferred writer: a read never writes) before the page is sent."""
    query = service.export_query(principal, session, types=types or (), agreement=agreement)
    sessions: sessionmaker[Session] = request.app.state.sessionmaker
    deferred = request.app.state.deferred

    def page(after: int | None) -> service.RawPage:
        with sessions() as page_session, page_session.begin():
            attach(page_session, deferred, writes=False)  # its audit, like any read's
            return service.export_page(
                principal, page_session, query=query, after=after, clock=clock
            )

    chunks = iterate_in_threadpool(service.export_chunks(query, page))
    return StreamingResponse(chunks, media_type=STIX_MEDIA_TYPE)


@router.get("/definitions", response_class=Response, responses=STIX_RESPONSE)
def definitions(_principal: PrincipalDep) -> Response:
    """The node's identity, its release-marking extension definition (STIX 2.1 §7.3) and the
    five TLP 2.0 marking definitions its objects reference."""
    objects = [NODE_IDENTITY_OBJECT, EXTENSION_DEFINITION]
    objects += [tlp_marking_definition(level) for level in Tlp]
    bundle = {
        "type": "bundle",
        "id": f"bundle--{uuid.uuid5(uuid.NAMESPACE_URL, EXTENSION_ID)}",
        "objects": objects,
    }
    return Response(content=orjson.dumps(bundle), media_type=STIX_MEDIA_TYPE)


@router.get("/{stix_id}")
def show(
    stix_id: str,
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
    version: Annotated[str | None, Query(description="a `modified` timestamp")] = None,
) -> IntelRead:
    """One object version (the newest you may read by default), with its markings banner."""
    return service.show(principal, session, stix_id=stix_id, version=version, clock=clock)


@router.get("/{stix_id}/referrers")
def referrers(
    stix_id: str,
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
    limit: Annotated[int, Query(ge=1, le=service.MAX_LIMIT)] = 50,
) -> ReferrerPage:
    """The objects you may read that refer to this id (a relationship's ends, a report's
    `object_refs`, a sighting's refs, `created_by_ref`), newest first, with the property."""
    return service.referring(principal, session, stix_id=stix_id, limit=limit, clock=clock)


@router.post("/{stix_id}/revoke")
def revoke(
    stix_id: str, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> IntelRead:
    """Revoke your object: a new version with ``revoked: true`` (STIX 2.1 §3.6.2)."""
    return changes.revoke(principal, session, stix_id=stix_id, clock=clock)


@router.put("/{stix_id}/release", responses=error_responses(400))
def change_release(
    stix_id: str,
    data: ReleaseChange,
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
) -> ReleaseRead:
    """Replace the agreements your object is released under (originator control)."""
    return changes.change_release(
        principal, session, stix_id=stix_id, release_to=data.release_to, clock=clock
    )


@router.delete("/{stix_id}")
def delete(
    stix_id: str, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> DeleteRead:
    """Delete every version of your object."""
    n = changes.delete(principal, session, stix_id=stix_id, clock=clock)
    return DeleteRead(id=stix_id, versions_deleted=n)
