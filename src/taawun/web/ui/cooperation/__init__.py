"""The cooperation pages (issue 12): shared threats, combined operations, training and its
reciprocity ledger, joint exercises, arms transfers; and the area's overview.

Each part is a module of its own with its router (``threats``, ``operations``, ``training``,
``exercises`` with ``exercise_changes``, ``transfers``; ``operations`` and ``transfers``
include the routers of their own parts, ``alongside``, ``operation_proposals`` and
``transfer_reference``), over the same service functions as the REST API; every page
carries the area's sub-navigation (``templates/cooperation/_layout.html.j2``). The overview
(``/cooperation``) and the dashboard's part show a few rows of each, through the same
services, with bounded queries.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse

from taawun.cooperation.exercises import service as exercises_service
from taawun.cooperation.training import service as training_service
from taawun.core.errors import PermissionDenied
from taawun.core.principal import Principal
from taawun.web.ui.cooperation import _common as common
from taawun.web.ui.cooperation import (
    exercise_changes,
    exercises,
    operations,
    threats,
    training,
    transfers,
)
from taawun.web.ui.deps import PageSessionDep, PageUserDep, clock_of
from taawun.web.ui.templates import render

router = APIRouter(include_in_schema=False)
for part in (threats, operations, training, exercises, exercise_changes, transfers):
    router.include_router(part.router)


def _my_threats(request: Request, user: Principal, session: Session) -> dict[str, Any]:
    """My state's top shared threats, or None for a user of no agency (who reads no intel)."""
    try:
        return {"coop_threats": threats.top_mine(request, user, session)}
    except PermissionDenied:
        return {"coop_threats": None}


def dashboard_part(request: Request, user: Principal, session: Session) -> dict[str, Any]:
    """What the dashboard shows of this area: context for ``_dashboard_cooperation.html.j2``:
    my state's top shared threats and the operations it takes part in (five of each)."""
    return {
        **_my_threats(request, user, session),
        **operations.dashboard_rows(request, user, session),
    }


@router.get("/cooperation")
def overview(request: Request, user: PageUserDep, session: PageSessionDep) -> HTMLResponse:
    """The area at a glance: shared threats, operations, training programmes and coming
    exercises of my state, each a few rows with a link to its page."""
    year = clock_of(request).now().year
    mine = common.my_state_key(session, user)
    programmes = training_service.list_programmes(
        user, session, limit=common.DASHBOARD_ROWS, clock=clock_of(request)
    )
    coming = (
        exercises_service.list_exercises(
            user, session, state=mine, year_from=year, limit=common.DASHBOARD_ROWS
        )
        if mine
        else None
    )
    return render(
        request,
        "cooperation/overview.html.j2",
        {
            **dashboard_part(request, user, session),
            "programmes": programmes,
            "exercises": coming,
        },
    )
