"""The agencies page: the node's agencies, adding one, removing one added by mistake.

Through ``access.service`` as the REST API (``list_agencies``, ``create_agency``,
``remove_agency``); the state is named as on the command line (ISO3, COW code, name) and
resolved by ``registry.service.get_state``. Every agency is seen by all; an admin adds
agencies and may remove only their own, which the service refuses while it has users (the
409 reason is shown with the list).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from taawun.access import policy
from taawun.access import service as access
from taawun.access.schemas import AgencyKind
from taawun.core.errors import Conflict, PermissionDenied, TaawunError
from taawun.core.integers import INT32_MAX
from taawun.core.principal import Principal
from taawun.registry import service as registry
from taawun.web.ui.admin._common import AdminDep, FormText, refusal
from taawun.web.ui.deps import CsrfDep, PageSessionDep, clock_of
from taawun.web.ui.templates import N_, render

router = APIRouter()

KIND_LABELS = {
    AgencyKind.INTELLIGENCE.value: N_("Intelligence"),
    AgencyKind.DEFENCE.value: N_("Defence"),
    AgencyKind.INTERIOR.value: N_("Interior"),
    AgencyKind.FOREIGN_AFFAIRS.value: N_("Foreign affairs"),
    AgencyKind.CERT.value: N_("CERT"),
    AgencyKind.OTHER.value: N_("Other"),
}
assert set(KIND_LABELS) == {k.value for k in AgencyKind}

AgencyId = Annotated[int, Path(ge=1, le=INT32_MAX)]


def _page(
    request: Request,
    user: Principal,
    session: Session,
    *,
    error: TaawunError | None = None,
    form: dict[str, str] | None = None,
    removing: int | None = None,
) -> Response:
    agencies = access.list_agencies(user, session)
    states = registry.state_refs(session, {a.state_id for a in agencies})
    context: dict[str, Any] = {
        "agencies": agencies,
        "states": states,
        "kinds": KIND_LABELS,
        "removable": {a.id for a in agencies if policy.administers(user, a.id)},
        "form": form or {"state": "", "name": "", "kind": AgencyKind.OTHER.value},
        "removing": removing,
        **refusal(error),
    }
    return render(
        request, "admin/agencies.html.j2", context, status_code=error.http_status if error else 200
    )


@router.get("/admin/agencies")
def agencies_page(request: Request, user: AdminDep, session: PageSessionDep) -> Response:
    """Every agency of the node, with its state and kind; the form to add one."""
    return _page(request, user, session)


@router.post("/admin/agencies", dependencies=[CsrfDep])
def add_agency(
    request: Request,
    user: AdminDep,
    session: PageSessionDep,
    *,
    state: FormText = "",
    name: FormText = "",
    kind: FormText = AgencyKind.OTHER.value,
) -> Response:
    form = {"state": state, "name": name, "kind": kind}
    try:
        found = registry.get_state(user, session, name=state, field="state")
        access.create_agency(
            user, session, state_id=found.id, name=name, kind=kind, clock=clock_of(request)
        )
    except TaawunError as refused:
        return _page(request, user, session, error=refused, form=form)
    return RedirectResponse("/admin/agencies", 303)


@router.post("/admin/agencies/{agency_id}/remove", dependencies=[CsrfDep])
def remove_agency(
    request: Request, agency_id: AgencyId, user: AdminDep, session: PageSessionDep
) -> Response:
    """Remove an agency; the service's refusal (it has users, intel names it, not one's
    own) is shown with the list, naming the agency; a missing one is the 404 page."""
    try:
        access.remove_agency(user, session, agency_id=agency_id, clock=clock_of(request))
    except (Conflict, PermissionDenied) as refused:
        return _page(request, user, session, error=refused, removing=agency_id)
    return RedirectResponse("/admin/agencies", 303)
