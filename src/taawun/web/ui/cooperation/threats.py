"""The shared threats' pages: my state's, an agreement's or a pair of states' shared threats
(ranked, "new since" a day), where one value was seen, and the common values (the
warninglists, the node's entries, a value's check; an admin adds and removes entries).

Every read is the REST API's service call (``threats.service``, ``threats.seen``,
``threats.common_service``), so every count is of intel the reader may read, and a reading
of CONFIDENTIAL evidence is audited as the API's is. Reference knowledge (the MISP
threat-actor galaxy) is shown apart and labelled as such: it is nobody's intel.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Form, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, Response

from taawun.cooperation.threats import common_service, seen, service
from taawun.cooperation.threats.common_schemas import CommonEntryCreate, CommonEntryRemove
from taawun.cooperation.threats.schemas import SharedThreat, SharedThreatPage
from taawun.core.errors import TaawunError
from taawun.core.principal import Principal
from taawun.web.ui.cooperation import _common as common
from taawun.web.ui.deps import CsrfDep, PageSessionDep, PageUserDep, clock_of
from taawun.web.ui.paging import page_number
from taawun.web.ui.templates import render

router = APIRouter(include_in_schema=False)

PATH: Final = "/cooperation/threats"
SIGHTINGS: Final = 100  # object versions shown for a value (the API's default)
Text = Annotated[str, Query(max_length=200)]
Value = Annotated[str, Query(max_length=2000)]
FormText = Annotated[str, Form(max_length=512)]


def _question(
    request: Request, user: Principal, session: Session, filters: dict[str, str], number: int
) -> SharedThreatPage:
    """The question the filters ask: an agreement's, a pair's, or mine."""
    clock = clock_of(request)
    since = filters["since"] or None
    limit, offset = common.PAGE_SIZE, common.offset(number)
    if filters["agreement"]:
        return service.agreement_threats(
            user, session, agreement=filters["agreement"], since=since, limit=limit,
            offset=offset, clock=clock,
        )  # fmt: skip
    if filters["a"] or filters["b"]:
        return service.dyad_threats(
            user, session, a=filters["a"], b=filters["b"], since=since, limit=limit,
            offset=offset, clock=clock,
        )  # fmt: skip
    return service.my_threats(user, session, since=since, limit=limit, offset=offset, clock=clock)


@router.get(PATH)
def threats_page(
    request: Request,
    user: PageUserDep,
    session: PageSessionDep,
    *,
    agreement: Text = "",
    a: Text = "",
    b: Text = "",
    since: Text = "",
    page: Text = "1",
) -> HTMLResponse:
    """Shared threats, best first (most states, then most recent), 50 a page: of an
    agreement (``agreement``), of a pair (``a``, ``b``), else of my state."""
    filters = {
        "agreement": agreement.strip(),
        "a": a.strip(),
        "b": b.strip(),
        "since": since.strip(),
    }
    number = page_number(page)
    found, error = common.attempt(lambda: _question(request, user, session, filters, number))
    listing = common.Listing.of(PATH, filters, number, found, error)
    return common.list_page(
        request,
        ("cooperation/threats.html.j2", "cooperation/_threats_results.html.j2"),
        listing,
        {"found": found},
    )


def top_mine(request: Request, user: Principal, session: Session) -> list[SharedThreat]:
    """My state's top shared threats (the dashboard's and the overview's few rows)."""
    found = service.my_threats(user, session, limit=common.DASHBOARD_ROWS, clock=clock_of(request))
    return list(found.items)


@router.get(PATH + "/seen")
def seen_page(
    request: Request,
    user: PageUserDep,
    session: PageSessionDep,
    value: Value = "",
    kind: Text = "",
) -> HTMLResponse:
    """Where a value was seen, in what the user may read; a common value flagged, with why."""
    form = {"value": value.strip(), "kind": kind.strip()}
    found: Any = None
    error: TaawunError | None = None
    if form["value"]:
        found, error = common.attempt(
            lambda: seen.where_seen(
                user,
                session,
                value=form["value"],
                kind=form["kind"] or None,
                limit=SIGHTINGS,
                clock=clock_of(request),
            )
        )
    return render(
        request,
        "cooperation/threat_seen.html.j2",
        {"form": form, "found": found, **common.refusal(error)},
        status_code=common.status_of(error),
    )


# --- Common values ------------------------------------------------------------------------


def _common_page(
    request: Request,
    user: Principal,
    session: Session,
    *,
    value: str = "",
    form: dict[str, str] | None = None,
    error: TaawunError | None = None,
    action: str | None = None,
) -> HTMLResponse:
    check, check_error = (None, None)
    if value:
        check, check_error = common.attempt(
            lambda: common_service.check(user, session, value=value, kind=None)
        )
    shown = error or check_error
    return render(
        request,
        "cooperation/common_values.html.j2",
        {
            "lists": common_service.list_lists(user, session),
            "entries": common_service.list_entries(user, session),
            "value": value,
            "check": check,
            "form": form or {},
            "action": action or ("check" if check_error else None),
            **common.refusal(shown),
        },
        status_code=common.status_of(shown),
    )


@router.get(PATH + "/common")
def common_values_page(
    request: Request, user: PageUserDep, session: PageSessionDep, value: Text = ""
) -> HTMLResponse:
    """The warninglists and the node's entries; ``value``: whether it is common, and why."""
    return _common_page(request, user, session, value=value.strip())


@router.post(PATH + "/common/{verb}", dependencies=[CsrfDep])
def change_common(
    request: Request,
    verb: Literal["add", "remove"],
    user: PageUserDep,
    session: PageSessionDep,
    *,
    value: FormText = "",
    scope: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """An admin makes a value common on this node (``add``) or not (``remove``): audited by
    the service; the page of the value's check once done."""
    form = {"value": value, "scope": scope, "reason": reason}
    fields = {
        "value": value.strip(),
        "scope": scope.strip() or None,
        "reason": reason.strip() or None,
    }
    clock = clock_of(request)
    try:
        if verb == "add":
            added = common.validated(CommonEntryCreate, fields)
            common_service.add_common(user, session, data=added, clock=clock)
        else:
            removed = common.validated(CommonEntryRemove, fields)
            common_service.remove_common(user, session, data=removed, clock=clock)
    except TaawunError as refused:
        if not common.is_refusal(refused):
            raise
        return _common_page(request, user, session, form=form, error=refused, action=verb)
    return common.see_other(common.list_url(PATH + "/common", {"value": fields["value"]}))
