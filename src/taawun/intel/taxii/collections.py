"""Collections (§5.1, §5.2): the caller's agency's own, and one per agreement of its state.

A collection the caller cannot see (another agency's, an agreement its state is
not party to, an id that names nothing) is 404 alike. An agreement's collection
can be read only while the agreement is in force and covers
``intelligence_sharing``; what a reader then gets is still decided object by
object by the release policy (``intel/policy.py``) in every query.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import orjson
from fastapi import APIRouter
from sqlalchemy.orm import Session

from taawun.access.deps import ClockDep, PrincipalDep, SessionDep
from taawun.core.errors import NotFound, PermissionDenied
from taawun.core.principal import Principal
from taawun.intel._common import WRITERS
from taawun.intel.collections import Collection, collection_by_ref, collections_for
from taawun.intel.repository import Scope
from taawun.intel.taxii.errors import TaxiiRoute
from taawun.intel.taxii.media import STIX_MEDIA_TYPE, TaxiiResponse

router = APIRouter(route_class=TaxiiRoute)


def can_read(collection: Collection) -> bool:
    return collection.agency_id is not None or (collection.in_force and collection.sharing)


def can_write(collection: Collection, principal: Principal) -> bool:
    return can_read(collection) and principal.role in WRITERS


def scope_of(collection: Collection) -> Scope:
    if collection.agreement_id is not None:
        return Scope(agreement_id=collection.agreement_id)
    return Scope(agency_id=collection.agency_id)


def find(principal: Principal, session: Session, day: date, ref: str) -> Collection:
    """The caller's collection with this id (or alias); 404 when there is none it may see."""
    collection = collection_by_ref(principal, session, day, ref)
    if collection is not None:
        return collection
    raise NotFound(f"collection: no collection {ref!r}", field="collection", value=ref)


def readable(principal: Principal, session: Session, day: date, ref: str) -> Collection:
    """The collection, if the caller may read it (§5.3, §5.4, §5.6, §5.8: else 403)."""
    collection = find(principal, session, day, ref)
    if not can_read(collection):
        raise PermissionDenied(
            f"collection: {collection.title!r} cannot be read: its agreement is not in force "
            "or does not cover intelligence sharing",
            field="collection",
            value=ref,
        )
    return collection


def writable(principal: Principal, session: Session, day: date, ref: str) -> Collection:
    """The collection, if the caller may add to it (§5.5: else 403)."""
    collection = find(principal, session, day, ref)
    if not can_write(collection, principal):
        why = (
            f"a {principal.role.value} may not share intel"
            if can_read(collection)
            else "its agreement is not in force or does not cover intelligence sharing"
        )
        raise PermissionDenied(
            f"collection: cannot add to {collection.title!r}: {why}",
            field="collection",
            value=ref,
        )
    return collection


def resource(collection: Collection, principal: Principal) -> dict[str, Any]:
    """The collection resource (§5.2.1)."""
    return {
        "id": collection.id,
        "title": collection.title,
        "description": collection.description,
        "alias": collection.alias,
        "can_read": can_read(collection),
        "can_write": can_write(collection, principal),
        "media_types": [STIX_MEDIA_TYPE],
    }


@router.get("/root/collections/")
def get_collections(principal: PrincipalDep, session: SessionDep, clock: ClockDep) -> TaxiiResponse:
    """§5.1: the collections resource; ``collections`` is omitted when there are none."""
    found = collections_for(principal, session, clock.now().date())
    body = {"collections": [resource(c, principal) for c in found]} if found else {}
    return TaxiiResponse(orjson.dumps(body))


@router.get("/root/collections/{collection_id}/")
def get_collection(
    *, collection_id: str, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> TaxiiResponse:
    """§5.2: one collection."""
    collection = find(principal, session, clock.now().date(), collection_id)
    return TaxiiResponse(orjson.dumps(resource(collection, principal)))
