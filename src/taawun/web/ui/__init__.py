"""The node's web UI: server-rendered pages over the same service functions as the API.

``router`` holds every page (``pages.py``: sign-in, sign-out, the dashboard;
``agreements.py``, ``intel.py``, ``cooperation/``, ``analytics/``, ``admin/``); each area
also gives the dashboard its part (``dashboard_part``, shown by ``_dashboard_<area>``).
``install(app)`` serves ``static/`` at ``/static/ui``, answers the
pages' signals (sign in first, a refused CSRF token, a language switch) and gives UI paths
HTML error pages instead of the API's JSON ones. Nothing of it is in the OpenAPI.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from taawun.web.ui import admin, agreements, analytics, cooperation, errors, intel, pages
from taawun.web.ui.assets import STATIC, URL
from taawun.web.ui.deps import switch_language

router = APIRouter(dependencies=[Depends(switch_language)], include_in_schema=False)
router.include_router(pages.router)
router.include_router(agreements.router)
router.include_router(intel.router)
router.include_router(cooperation.router)
router.include_router(analytics.router)
router.include_router(admin.router)


def install(app: FastAPI) -> None:
    """Serve the pages and their static assets on ``app`` (after ``web.errors.install``)."""
    app.mount(URL, StaticFiles(directory=STATIC), name="ui-static")
    errors.install(app)
    app.include_router(router)
