"""The analytics index, a state's profile over time and a dyad's timeline.

Each page asks the analytics questions the API's routes ask (``questions.state_history``,
``questions.dyad_history``) for the signed-in user, so a confidential agreement counts only
for those who may see it; its picture, exports and report are ``files.py``'s. A question
refused (a name that names no state, a year out of the record) is shown on its page naming
the field: 404 for a name, 400 for anything else.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Path, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, RedirectResponse, Response

from taawun.analytics import pictures, questions
from taawun.core.errors import InvalidInput
from taawun.core.principal import Principal
from taawun.registry import service as registry
from taawun.web.ui.analytics._shared import (
    DEFAULT_SSCORES,
    REFUSED,
    path_part,
    problem,
    refused,
    year_of,
    years_query,
)
from taawun.web.ui.deps import PageSessionDep, PageUserDep, clock_of
from taawun.web.ui.templates import N_, render

router = APIRouter(prefix="/analytics", include_in_schema=False)

Name = Annotated[str, Path(min_length=1, max_length=100)]
Text = Annotated[str, Query(max_length=100)]
EVENTS_SHOWN: Final = 200
"""A dyad's events shown on its page (its export holds them all)."""
NETWORK_YEARS: Final = (1914, 1939, 1955, 1991, 2018)
"""The networks the index offers at a click: the world wars' eves, the Baghdad Pact, the
Soviet Union's end, ATOP 5.1's last year."""
BLOCS: Final = questions.BLOCS
EVENT_KINDS: Final[dict[str, str]] = {
    "agreement": N_("Agreement"),
    "obligation": N_("Obligation"),
    "exercise": N_("Exercise"),
    "transfer": N_("Arms transfer"),
    "operation": N_("Operation"),
    "training": N_("Training"),
    "shared_threat": N_("Shared threat"),
}


@router.get("")
def index(request: Request, user: PageUserDep, session: PageSessionDep) -> HTMLResponse:
    """Pick a state, a dyad, a year of the network, states to compare, a bloc."""
    return render(request, "analytics/index.html.j2", _index_context(request, user, session))


def _index_context(request: Request, user: Principal, session: Session) -> dict[str, Any]:
    mine = registry.state_refs(session, [user.state_id]) if user.state_id is not None else {}
    return {
        "my_state": mine.get(user.state_id) if user.state_id is not None else None,
        "this_year": clock_of(request).now().year,
        "network_years": NETWORK_YEARS,
        "blocs": BLOCS,
        "sscores_year": DEFAULT_SSCORES[0],
        "sscores_states": DEFAULT_SSCORES[1],
        **problem(None),
    }


def _asked(request: Request, user: Principal, session: Session, field: str) -> HTMLResponse:
    """The index again, the empty ``field`` named (400)."""
    what = "an organisation's key or name" if field == "org" else "a state's name or code"
    error = InvalidInput(f"{field}: {what} is required", field=field)
    context = {**_index_context(request, user, session), **problem(error)}
    return render(request, "analytics/index.html.j2", context, 400)


@router.get("/states")
def find_state(
    request: Request, user: PageUserDep, session: PageSessionDep, state: Text = ""
) -> Response:
    """The index's state form (a plain GET): to the state's page."""
    if not state.strip():
        return _asked(request, user, session, "state")
    return RedirectResponse(f"/analytics/states/{path_part(state.strip())}", 303)


@router.get("/dyads")
def find_dyad(
    request: Request, user: PageUserDep, session: PageSessionDep, a: Text = "", b: Text = ""
) -> Response:
    """The index's dyad form: to the dyad's page."""
    for field, value in (("a", a), ("b", b)):
        if not value.strip():
            return _asked(request, user, session, field)
    target = f"/analytics/dyads/{path_part(a.strip())}/{path_part(b.strip())}"
    return RedirectResponse(target, 303)


@router.get("/blocs")
def find_bloc(
    request: Request, user: PageUserDep, session: PageSessionDep, org: Text = ""
) -> Response:
    """The index's bloc form: to the bloc's page."""
    if not org.strip():
        return _asked(request, user, session, "org")
    return RedirectResponse(f"/analytics/blocs/{path_part(org.strip())}", 303)


@router.get("/states/{state}")
def state_page(
    request: Request,
    user: PageUserDep,
    session: PageSessionDep,
    *,
    state: Name,
    first: Annotated[str, Query(alias="from", max_length=10)] = "",
    last: Annotated[str, Query(alias="to", max_length=10)] = "",
) -> HTMLResponse:
    """A state's partners year by year (default 1946 to this year), the partners it gained
    and lost, its partners in the last year; its picture, exports and report."""
    context: dict[str, Any] = {
        "query": state,
        "action": f"/analytics/states/{path_part(state)}",
        "first_value": first,
        "last_value": last,
    }
    try:
        window = pictures.span(year_of(first, "from"), year_of(last, "to"), clock_of(request))
        found = registry.get_state(user, session, name=state, field="state")
        history = questions.state_history(
            user, session, state=state, first=window[0], last=window[1], clock=clock_of(request)
        )
    except REFUSED as error:
        return refused(request, "analytics/state.html.j2", error, context)
    key = path_part(history.state.ccode)
    years = years_query(*window)
    changes = sorted(history.changes, key=lambda c: (-c.year, c.partner.abbrev))
    context |= {
        "state": found,
        "history": history,
        "years": list(reversed(history.years.rows())),
        "partners": history.partners.get(window[1], []),
        "changes": changes,
        "first_value": window[0],
        "last_value": window[1],
        "picture_url": f"/analytics/pictures/state/{key}.svg{years}",
        "export_url": f"/analytics/export/states/{key}/history{years}",
        "report_url": f"/analytics/reports/state/{key}{years}",
        **problem(None),
    }
    return render(request, "analytics/state.html.j2", context)


@router.get("/dyads/{a}/{b}")
def dyad_page(
    request: Request,
    user: PageUserDep,
    session: PageSessionDep,
    *,
    a: Name,
    b: Name,
    first: Annotated[str, Query(alias="from", max_length=10)] = "",
    last: Annotated[str, Query(alias="to", max_length=10)] = "",
) -> HTMLResponse:
    """Everything joining two states, on one timeline; its picture, exports and report."""
    context: dict[str, Any] = {
        "action": f"/analytics/dyads/{path_part(a)}/{path_part(b)}",
        "first_value": first,
        "last_value": last,
    }
    try:
        first_year, last_year = year_of(first, "from"), year_of(last, "to")
        state_a = registry.get_state(user, session, name=a, field="a")
        state_b = registry.get_state(user, session, name=b, field="b")
        history = questions.dyad_history(
            user, session, a=a, b=b, first=first_year, last=last_year, clock=clock_of(request)
        )
    except REFUSED as error:
        return refused(request, "analytics/dyad.html.j2", error, context)
    pair = f"{path_part(history.a.ccode)}/{path_part(history.b.ccode)}"
    years = years_query(first_year, last_year)
    context |= {
        "state_a": state_a,
        "state_b": state_b,
        "history": history,
        "events": history.events[:EVENTS_SHOWN],
        "first_value": history.first,
        "last_value": history.last,
        "kinds": EVENT_KINDS,
        "picture_url": f"/analytics/pictures/dyad/{pair}.svg{years}",
        "export_url": f"/analytics/export/dyads/{pair}/history{years}",
        "report_url": f"/analytics/reports/dyad/{pair}{years}",
        **problem(None),
    }
    return render(request, "analytics/dyad.html.j2", context)


@router.get("/partners")
def my_partners(request: Request, user: PageUserDep, session: PageSessionDep) -> HTMLResponse:
    """The dashboard's figure, fetched once the dashboard is shown (htmx): my state's
    partners this year (one year of ``state_history``)."""
    year = clock_of(request).now().year
    history = None
    if user.state_id is not None:
        mine = registry.state_refs(session, [user.state_id]).get(user.state_id)
        if mine is not None and mine.cow_code is not None:
            history = questions.state_history(
                user,
                session,
                state=str(mine.cow_code),
                first=year,
                last=year,
                clock=clock_of(request),
            )
    row = history.years.rows()[0] if history is not None and len(history.years) else None
    return render(request, "analytics/_partners.html.j2", {"row": row, "year": year})
