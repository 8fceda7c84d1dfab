"""The manifest of a collection (§5.3): one record per object version the caller may read.

The filters apply to the objects the records describe, exactly as on the objects
endpoint, so a record exists only for a version the caller could fetch.
"""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request

from taawun.access.deps import ClockDep, PrincipalDep, SessionDep
from taawun.intel import service
from taawun.intel.taxii import collections
from taawun.intel.taxii.errors import TaxiiRoute
from taawun.intel.taxii.media import STIX_MEDIA_TYPE, TaxiiResponse
from taawun.intel.taxii.pages import EMPTY, date_added_headers
from taawun.intel.taxii.params import LISTING, next_token, page_query
from taawun.intel.times import format_us

router = APIRouter(route_class=TaxiiRoute)


@router.get("/root/collections/{collection_id}/manifest/")
def get_manifest(
    *,
    collection_id: str,
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
) -> TaxiiResponse:
    """§5.3: ``more``, ``next`` and the manifest records, oldest ``date_added`` first."""
    collection = collections.readable(principal, session, clock.now().date(), collection_id)
    query = page_query(request.query_params, fields=LISTING)
    rows, more = service.manifest_page(
        principal,
        session,
        scope=collections.scope_of(collection),
        filters=query.filters,
        limit=query.limit,
        clock=clock,
    )
    if not rows:
        return TaxiiResponse(EMPTY)
    added = [r[1] for r in rows]
    body: dict[str, object] = {"more": more}
    if token := next_token(added, more):
        body["next"] = token
    body["objects"] = [
        {
            "id": stix_id,
            "date_added": format_us(date_added),
            "version": format_us(version),
            "media_type": STIX_MEDIA_TYPE,
        }
        for stix_id, date_added, version in rows
    ]
    return TaxiiResponse(orjson.dumps(body), headers=date_added_headers(added))
