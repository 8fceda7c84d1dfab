"""Status resources (§4.3): the outcome of one POST of objects, kept for its agency.

taawun judges and stores a submission before answering, so a status is always
``complete`` with nothing pending. Statuses are never purged, so they outlive the
24 hours §4.3 asks for; only users of the submitting agency can read one, anyone
else gets 404 exactly as for an unknown id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from taawun.access.deps import PrincipalDep, SessionDep
from taawun.core.errors import InvalidInput, NotFound, PermissionDenied
from taawun.core.ids import IdFactory, RandomIds
from taawun.core.principal import Principal
from taawun.intel import repository
from taawun.intel.models import TaxiiStatus
from taawun.intel.schemas import ObjectOutcome, ShareReport
from taawun.intel.taxii.errors import TaxiiRoute
from taawun.intel.taxii.media import TaxiiResponse
from taawun.intel.times import format_us, parse_us, to_us

router = APIRouter(route_class=TaxiiRoute)


async def ids_dep(request: Request) -> IdFactory:
    """The application's id factory (``app.state.ids``) when it has one."""
    ids: IdFactory | None = getattr(request.app.state, "ids", None)
    return ids or RandomIds()


def _version(text: str | None) -> str:
    """A version in the TAXII timestamp form (§2), or as sent when it is no timestamp."""
    if text is None:
        return ""
    try:
        return format_us(parse_us(text))
    except InvalidInput:
        return text


def _detail(outcome: ObjectOutcome) -> dict[str, str]:
    """A status-details entry (§4.3.1): ``id``, ``version`` and, where useful, a message."""
    detail = {"id": outcome.id or "", "version": _version(outcome.version)}
    if not outcome.ok:
        detail["message"] = f"objects[{outcome.index}]: " + "; ".join(outcome.reasons)
    elif outcome.duplicate:
        detail["message"] = "already stored: same id and version"
    return detail


def record(
    principal: Principal,
    session: Session,
    *,
    collection_id: str,
    report: ShareReport,
    requested: datetime,
    ids: IdFactory,
) -> TaxiiStatus:
    """Store the status of a submission that ``service.share`` has just judged."""
    if principal.user_id is None or principal.agency_id is None:
        raise PermissionDenied("objects are added by users of an agency")
    successes = [_detail(o) for o in report.outcomes if o.ok]
    failures = [_detail(o) for o in report.outcomes if not o.ok]
    status = TaxiiStatus(
        id=str(ids.uuid()),
        user_id=principal.user_id,
        agency_id=principal.agency_id,
        collection=collection_id,
        status="complete",
        request_timestamp=requested,
        total_count=report.total,
        success_count=len(successes),
        failure_count=len(failures),
        pending_count=0,
        successes=successes,
        failures=failures,
        pendings=[],
    )
    repository.add_status(session, status)
    return status


def resource(status: TaxiiStatus) -> dict[str, Any]:
    """The status resource (§4.3.1); empty detail lists are left out."""
    body: dict[str, Any] = {
        "id": status.id,
        "status": status.status,
        "request_timestamp": format_us(to_us(status.request_timestamp)),
        "total_count": status.total_count,
        "success_count": status.success_count,
        "failure_count": status.failure_count,
        "pending_count": status.pending_count,
    }
    for key in ("successes", "failures", "pendings"):
        if details := getattr(status, key):
            body[key] = details
    return body


@router.get("/root/status/{status_id}/")
def get_status(status_id: str, principal: PrincipalDep, session: SessionDep) -> TaxiiResponse:
    """§4.3: a status of the caller's agency; 404 for any other."""
    found = (
        repository.status_for(session, status_id, principal.agency_id)
        if principal.agency_id is not None
        else None
    )
    if found is None:
        raise NotFound(f"status: no status {status_id!r}", field="status", value=status_id)
    return TaxiiResponse(orjson.dumps(resource(found)))
