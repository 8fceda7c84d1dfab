"""Objects of a collection: list (§5.4), one object (§5.6), delete it (§5.7), its versions
(§5.8). Adding objects is ``submit.py``.

Every read is ``service.read_page`` (audited by ``service.audit_page``) or
``manifest_page`` over the collection's scope, so
the release policy decides object by object, paging included: ``more``, ``next``
and the headers count only what the caller may read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial

import orjson
from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams

from taawun.access.deps import ClockDep, PrincipalDep, SessionDep, WorkDep
from taawun.core.clock import Clock
from taawun.core.errors import NotFound, PermissionDenied
from taawun.core.principal import Principal
from taawun.intel import changes, service
from taawun.intel._common import record_refusal
from taawun.intel.collections import Collection
from taawun.intel.repository import Filters, Scope
from taawun.intel.service import RawPage
from taawun.intel.taxii import collections
from taawun.intel.taxii.errors import TaxiiRoute, bad_parameter
from taawun.intel.taxii.media import TaxiiResponse
from taawun.intel.taxii.pages import EMPTY, date_added_headers, envelope
from taawun.intel.taxii.params import LISTING, ONE_OBJECT, VERSIONS, page_query
from taawun.intel.times import format_us

COLLECTION = "/root/collections/{collection_id}"


@dataclass(frozen=True, slots=True)
class Read:
    """A page read for one request, with what its audit needs."""

    page: RawPage
    scope: Scope
    filters: Filters


router = APIRouter(route_class=TaxiiRoute)


def _require_object(
    principal: Principal,
    session: Session,
    collection: Collection,
    object_id: str,
    clock: Clock,
) -> None:
    """404 unless some version of ``object_id`` in ``collection`` is readable by the caller
    (the refusal is audited, as for any refused read)."""
    rows, _ = service.manifest_page(
        principal,
        session,
        scope=collections.scope_of(collection),
        filters=Filters(ids=(object_id,), versions=("all",)),
        limit=1,
        clock=clock,
    )
    if not rows:
        record_refusal(principal, session, object_id, clock)
        raise NotFound(
            f"id: no object {object_id!r} in this collection", field="id", value=object_id
        )


@router.get(f"{COLLECTION}/objects/")
async def get_objects(
    *,
    collection_id: str,
    request: Request,
    work: WorkDep,
    clock: ClockDep,
) -> TaxiiResponse:
    """§5.4: an envelope of the objects, oldest ``date_added`` first."""
    return await _envelope(
        request, work.principal, work.session, clock, collection_id=collection_id
    )


@router.get(f"{COLLECTION}/objects/{{object_id}}/")
async def get_object(
    *,
    collection_id: str,
    object_id: str,
    request: Request,
    work: WorkDep,
    clock: ClockDep,
) -> TaxiiResponse:
    """§5.6: an envelope of the object's versions (the last by default)."""
    return await _envelope(
        request,
        work.principal,
        work.session,
        clock,
        collection_id=collection_id,
        object_id=object_id,
    )


def read_objects(
    principal: Principal,
    session: Session,
    clock: Clock,
    params: QueryParams,
    *,
    collection_id: str,
    object_id: str | None = None,
) -> Read:
    """A page of a collection's objects (§5.4), or of one object's versions (§5.6), read
    only: a sensitive page must then go to ``audit_read``. Naming an object that has no
    readable version in the collection is 404."""
    collection = collections.readable(principal, session, _today(clock), collection_id)
    fields = LISTING if object_id is None else ONE_OBJECT
    query = page_query(params, fields=fields, object_id=object_id)
    scope = collections.scope_of(collection)
    page = service.read_page(
        principal, session, scope=scope, filters=query.filters, limit=query.limit, clock=clock
    )
    if object_id is not None and not page.count:
        _require_object(principal, session, collection, object_id, clock)
    return Read(page, scope, query.filters)


def audit_read(principal: Principal, session: Session, clock: Clock, read: Read) -> None:
    """Record a page's reads of CONFIDENTIAL and above (it writes: a worker thread's job)."""
    service.audit_page(
        principal, session, read.page, scope=read.scope, filters=read.filters, clock=clock,
        how="taxii",
    )  # fmt: skip


async def _envelope(
    request: Request,
    principal: Principal,
    session: Session,
    clock: Clock,
    *,
    collection_id: str,
    object_id: str | None = None,
) -> TaxiiResponse:
    return await answer_objects(
        principal,
        session,
        clock,
        request.query_params,
        collection_id=collection_id,
        object_id=object_id,
        inline=request.app.state.inline_reads,
    )


async def answer_objects(
    principal: Principal,
    session: Session,
    clock: Clock,
    params: QueryParams,
    *,
    collection_id: str,
    object_id: str | None,
    inline: bool,
) -> TaxiiResponse:
    """The two object reads (§5.4, §5.6), for their endpoints and for the fast lane
    (``fastlane.py``) alike: read the page where reads are cheapest (``inline``: on the
    event loop, see ``inline_reads`` in ``web/app.py``; else in a worker thread), record its reads
    of CONFIDENTIAL and above in a worker thread (that writes), and answer the envelope."""
    read_page = partial(
        read_objects,
        principal,
        session,
        clock,
        params,
        collection_id=collection_id,
        object_id=object_id,
    )
    read = read_page() if inline else await run_in_threadpool(read_page)
    if read.page.sensitive:
        await run_in_threadpool(audit_read, principal, session, clock, read)
    return envelope(read.page)


@router.delete(f"{COLLECTION}/objects/{{object_id}}/")
def delete_object(
    *,
    collection_id: str,
    object_id: str,
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
) -> TaxiiResponse:
    """§5.7: delete every version of an object; only the agency that owns it may.

    Neither read nor write on the collection is 404; one without the other is 403, as
    is an object the caller can read but does not own.
    """
    if any(v != "all" for v in request.query_params.getlist("match[version]")) or (
        "match[spec_version]" in request.query_params
    ):
        raise bad_parameter(
            "match[version]: this node deletes every version of an object at once",
            field="match[version]",
        )
    collection = collections.find(principal, session, _today(clock), collection_id)
    readable = collections.can_read(collection)
    writable = collections.can_write(collection, principal)
    if not (readable or writable):
        raise NotFound(f"collection: no collection {collection_id!r}", field="collection")
    _require_object(principal, session, collection, object_id, clock)
    if not writable:
        raise PermissionDenied(f"a {principal.role.value} may not delete intel")
    try:
        changes.delete(principal, session, stix_id=object_id, clock=clock)
    except NotFound:
        raise PermissionDenied(
            "id: only the agency that shared an object may delete it", field="id", value=object_id
        ) from None
    return TaxiiResponse(EMPTY)


@router.get(f"{COLLECTION}/objects/{{object_id}}/versions/")
def get_versions(
    *,
    collection_id: str,
    object_id: str,
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
) -> TaxiiResponse:
    """§5.8: the object's versions the caller may read, oldest ``date_added`` first."""
    collection = collections.readable(principal, session, _today(clock), collection_id)
    query = page_query(
        request.query_params, fields=VERSIONS, default_versions=("all",), object_id=object_id
    )
    rows, more = service.manifest_page(
        principal,
        session,
        scope=collections.scope_of(collection),
        filters=query.filters,
        limit=query.limit,
        clock=clock,
    )
    if not rows:
        _require_object(principal, session, collection, object_id, clock)
        return TaxiiResponse(EMPTY)
    body = {"more": more, "versions": [format_us(version) for _, _, version in rows]}
    return TaxiiResponse(orjson.dumps(body), headers=date_added_headers([r[1] for r in rows]))


def _today(clock: Clock) -> date:
    return clock.now().date()
