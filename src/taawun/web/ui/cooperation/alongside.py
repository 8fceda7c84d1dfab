""" "Who served alongside whom" in the record of combined operations (Geo-PKO, UN
peacekeeping in Africa): the states that served alongside one state, or each mission-year a
pair of states shared.

Every read is the REST API's service call (``operations.service.alongside`` and
``dyad_deployments``), with the node's clock, so only what the reader may see is counted.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Query, Request
from starlette.responses import HTMLResponse

from taawun.cooperation.operations import service
from taawun.core.errors import TaawunError
from taawun.web.ui.cooperation import _common as common
from taawun.web.ui.deps import PageSessionDep, PageUserDep, clock_of
from taawun.web.ui.templates import render

router = APIRouter(include_in_schema=False)

PATH: Final = "/cooperation/operations/alongside"
Text = Annotated[str, Query(max_length=200)]


@router.get(PATH)
def alongside_page(
    request: Request,
    user: PageUserDep,
    session: PageSessionDep,
    *,
    state: Text = "",
    other: Text = "",
    year: Text = "",
) -> HTMLResponse:
    """The states that served alongside ``state`` in UN missions, or each mission-year a
    pair of states shared (``other``)."""
    form = {"state": state.strip(), "other": other.strip(), "year": year.strip()}
    found: Any = None
    error: TaawunError | None = None
    if form["state"]:
        clock = clock_of(request)
        try:
            when = common.number(form["year"], "year")
            if form["other"]:
                found = service.dyad_deployments(
                    user, session, a=form["state"], b=form["other"], year=when, clock=clock
                )
            else:
                found = service.alongside(
                    user, session, state=form["state"], year=when, clock=clock
                )
        except TaawunError as refused:
            if not common.is_refusal(refused):
                raise
            error = refused
    return render(
        request,
        "cooperation/alongside.html.j2",
        {"form": form, "found": found, "pair": bool(form["other"]), **common.refusal(error)},
        status_code=common.status_of(error),
    )
