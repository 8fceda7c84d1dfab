"""The analytics pages (issue 12): a state's profile over time, a dyad's timeline, the
network at a year, S-score heat maps and an organisation as a bloc, each with its pictures,
exports and report; and the dashboard's analytics card.

The pages (``profiles.py``, ``views.py``) ask the analytics questions the REST API's routes
ask, for the signed-in user; the files (``files.py``: pictures, CSV/JSON/Parquet/GraphML,
HTML reports) are the API's own route functions called with that user, so both answer the
same for the same user, through the registry's confidentiality rule.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from taawun.access.deps import clock_of
from taawun.core.principal import Principal
from taawun.registry import service as registry
from taawun.web.ui.analytics import files, profiles, views

router = APIRouter(include_in_schema=False)
router.include_router(profiles.router)
router.include_router(views.router)
router.include_router(files.router)


def dashboard_part(request: Request, user: Principal, session: Session) -> dict[str, Any]:
    """What the dashboard shows of this area (``_dashboard_analytics.html.j2``): links to my
    state's profile and to this year's network. One query (my state's codes); the count of
    my state's partners is fetched by the card itself once shown (``/analytics/partners``)."""
    mine = None
    if user.state_id is not None:
        mine = registry.state_refs(session, [user.state_id]).get(user.state_id)
    return {
        "analytics_state": mine if mine is not None and mine.cow_code is not None else None,
        "analytics_year": clock_of(request).now().year,
    }
