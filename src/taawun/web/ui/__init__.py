"""The node's web UI: server-rendered pages over the same service functions as the API.

``router`` holds every page (``pages.py``: sign-in, sign-out, the dashboard; and
``agreements.py``); ``install(app)`` serves ``static/`` at ``/static/ui``, answers the
pages' signals (sign in first, a refused CSRF token, a language switch) and gives UI paths
HTML error pages instead of the API's JSON ones. Nothing of it is in the OpenAPI.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from taawun.web.ui import agreements, errors, pages
from taawun.web.ui.assets import STATIC, URL
from taawun.web.ui.deps import switch_language

router = APIRouter(dependencies=[Depends(switch_language)], include_in_schema=False)
router.include_router(pages.router)
router.include_router(agreements.router)


def install(app: FastAPI) -> None:
    """Serve the pages and their static assets on ``app`` (after ``web.errors.install``)."""
    app.mount(URL, StaticFiles(directory=STATIC), name="ui-static")
    errors.install(app)
    app.include_router(router)
