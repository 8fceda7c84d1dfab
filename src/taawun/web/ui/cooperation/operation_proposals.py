"""The form to propose a combined operation: under an agreement in force covering combined
operations with the user's state a party (the form offers those; its field also takes any
reference), against a threat, with a lead state, an area and dates.

The proposal is the REST API's service call (``operations.changes.propose_operation``) with
the node's clock; a refused one shows the form again naming the field, nothing written.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import APIRouter, Form, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, Response

from taawun.cooperation.operations import changes, service
from taawun.cooperation.operations.schemas import OperationCreate
from taawun.core.errors import TaawunError
from taawun.core.principal import Principal
from taawun.registry import service as registry
from taawun.registry.schemas import AgreementSummary
from taawun.web.ui.cooperation import _common as common
from taawun.web.ui.deps import CsrfDep, PageSessionDep, PageUserDep, clock_of, my_state
from taawun.web.ui.templates import render

router = APIRouter(include_in_schema=False)

OPERATIONS: Final = "/cooperation/operations"
PATH: Final = OPERATIONS + "/new"
Text = Annotated[str, Query(max_length=200)]
FormText = Annotated[str, Form(max_length=200)]
LongText = Annotated[str, Form(max_length=20_000)]


def _covering(request: Request, user: Principal, session: Session) -> list[AgreementSummary]:
    """The agreements in force today, with the user's state a party, that cover combined
    operations: the proposal form's choices (at most 50; the field also takes a reference)."""
    mine = common.my_state_key(session, user)
    if mine is None:
        return []
    found = registry.list_agreements(
        user,
        session,
        parties=[mine],
        domains=[service.COMBINED_OPERATIONS],
        in_force=clock_of(request).now().date(),
        limit=common.PAGE_SIZE,
    )
    return list(found.items)


def _proposal_form(
    request: Request,
    user: Principal,
    session: Session,
    form: dict[str, str],
    error: TaawunError | None = None,
) -> HTMLResponse:
    return render(
        request,
        "cooperation/operation_new.html.j2",
        {
            "form": form,
            "agreements": _covering(request, user, session),
            "mine": my_state(session, user),
            **common.refusal(error),
        },
        status_code=common.status_of(error),
    )


PROPOSAL_FIELDS: Final = (
    "name",
    "agreement",
    "threat",
    "threat_kind",
    "threat_value",
    "lead",
    "area",
    "starts",
    "ends",
)


@router.get(PATH)
def proposal_page(
    request: Request, user: PageUserDep, session: PageSessionDep, agreement: Text = ""
) -> HTMLResponse:
    """The form to propose an operation under an agreement covering combined operations."""
    form = dict.fromkeys(PROPOSAL_FIELDS, "") | {"description": "", "agreement": agreement}
    return _proposal_form(request, user, session, form)


@router.post(PATH, dependencies=[CsrfDep])
def propose(
    request: Request,
    user: PageUserDep,
    session: PageSessionDep,
    *,
    name: FormText = "",
    agreement: FormText = "",
    threat: FormText = "",
    threat_kind: Annotated[str, Form(max_length=40)] = "",
    threat_value: Annotated[str, Form(max_length=2000)] = "",
    lead: FormText = "",
    area: Annotated[str, Form(max_length=2000)] = "",
    starts: FormText = "",
    ends: FormText = "",
    description: LongText = "",
) -> Response:
    """Propose the operation (``changes.propose_operation``); its page once done."""
    form = {
        "name": name,
        "agreement": agreement,
        "threat": threat,
        "threat_kind": threat_kind,
        "threat_value": threat_value,
        "lead": lead,
        "area": area,
        "starts": starts,
        "ends": ends,
        "description": description,
    }
    try:
        data = common.validated(
            OperationCreate,
            {k: v.strip() or None for k, v in form.items() if k not in ("name", "agreement")}
            | {"name": name.strip(), "agreement": agreement.strip()},
        )
        created = changes.propose_operation(user, session, data=data, clock=clock_of(request))
    except TaawunError as refused:
        if not common.is_refusal(refused):
            raise
        return _proposal_form(request, user, session, form, refused)
    return common.see_other(f"{OPERATIONS}/{created.id}")
