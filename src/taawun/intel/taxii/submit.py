"""Add objects to a collection (§5.5): an envelope in, a status resource out (202).

The request must accept TAXII (406) and send a TAXII body (415) of at most the API
root's ``max_content_length`` (413, checked on ``Content-Length`` and on the bytes
actually read). A body that is not an envelope, or one of more than ``MAX_OBJECTS``
objects, is 422 and stores nothing; otherwise each object is judged on its own by
``changes.share`` (within the limits of ``intel._stix_limits``: an object that breaks one,
or that no parser could read, is a failure with its reason, §4.3.1) and the status says
which were stored. The endpoint is synchronous, so FastAPI runs the parsing, judging and
storing in a worker thread, never on the event loop. Objects posted to an agreement's
collection are released under it; objects carrying no markings get the submitter
defaults, TLP:AMBER and UNCLASSIFIED.
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request

from taawun.access.deps import ClockDep, PrincipalDep, SessionDep
from taawun.core.ids import IdFactory
from taawun.core.integers import bounded_int, is_ascii_digits
from taawun.intel import changes
from taawun.intel.schemas import ShareDefaults
from taawun.intel.taxii import collections, status
from taawun.intel.taxii.discovery import MAX_CONTENT_LENGTH
from taawun.intel.taxii.errors import TaxiiError, TaxiiRoute
from taawun.intel.taxii.media import TAXII_MEDIA_TYPE, TaxiiResponse, is_taxii_content
from taawun.intel.validate import EnvelopeError, validate_envelope

SUBMITTER_DEFAULTS = changes.marking_defaults(
    ShareDefaults(tlp="amber", classification="UNCLASSIFIED")
)

router = APIRouter(route_class=TaxiiRoute)


def _too_large(size: int | str) -> TaxiiError:
    return TaxiiError(
        413,
        f"the body ({size} bytes) exceeds max_content_length ({MAX_CONTENT_LENGTH} bytes)",
        field="Content-Length",
    )


async def envelope_bytes(request: Request) -> bytes:
    """The request body, once its media type and size are acceptable."""
    content_type = request.headers.get("content-type")
    if not is_taxii_content(content_type):
        raise TaxiiError(
            415,
            f"Content-Type must be {TAXII_MEDIA_TYPE}; got {content_type!r}",
            field="Content-Type",
        )
    declared = request.headers.get("content-length")
    if declared is not None and bounded_int(declared, maximum=MAX_CONTENT_LENGTH) is None:
        raise (
            _too_large(declared)
            if is_ascii_digits(declared)
            else TaxiiError(
                400, "Content-Length: not a number", field="Content-Length", value=declared
            )
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_CONTENT_LENGTH:
            raise _too_large(f"more than {MAX_CONTENT_LENGTH}")
        chunks.append(chunk)
    return b"".join(chunks)


def envelope_objects(body: bytes) -> list[Any]:
    """The ``objects`` of a TAXII envelope (§3.7.1); other properties are ignored (§3.8)."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise EnvelopeError(f"the body is not JSON: {exc}", field="(body)") from None
    if isinstance(data, dict) and isinstance(data.get("objects"), list):
        objects: list[Any] = data["objects"]
        return objects
    validate_envelope(data)  # raises EnvelopeError, naming what is wrong
    raise EnvelopeError("the body is not a TAXII 2.1 envelope", field="(body)")


@router.post("/root/collections/{collection_id}/objects/", status_code=202)
def add_objects(
    *,
    collection_id: str,
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
    ids: Annotated[IdFactory, Depends(status.ids_dep)],
    body: Annotated[bytes, Depends(envelope_bytes)],
) -> TaxiiResponse:
    """§5.5: store what is valid and permitted; answer the status of every object."""
    requested = clock.now()
    collection = collections.writable(principal, session, requested.date(), collection_id)
    report = changes.share(
        principal,
        session,
        objects=envelope_objects(body),
        defaults=SUBMITTER_DEFAULTS,
        clock=clock,
        collection_agreement=collection.agreement_id,
    )
    recorded = status.record(
        principal,
        session,
        collection_id=collection.id,
        report=report,
        requested=requested,
        ids=ids,
    )
    return TaxiiResponse(orjson.dumps(status.resource(recorded)), status_code=202)
