"""The interactive API docs, served from the node itself: Swagger UI at ``/docs`` (with its
OAuth2 redirect page) and ReDoc at ``/redoc``.

FastAPI's own docs pages load Swagger UI and ReDoc from a CDN, so on a node without network
(the README promises that none is needed) they come up blank. These are the same pages, built
by FastAPI's ``get_*_html`` functions, pointing at the copies of Swagger UI and ReDoc that the
``fastapi-standalone-docs`` package ships with their licences (``static/swagger/``,
``static/redoc/``, and FastAPI's favicon in ``static/fastapi/``), served here under
``/static/docs/``. Nothing on the pages names another host: Swagger UI's online validator is
off, ReDoc gets no Google fonts, and the package's ReDoc bundle asks for its logo at
``/redoc/logo-mini.svg`` (upstream's asks a CDN), which is served too.

The app must be made with ``docs_url=None, redoc_url=None`` so that FastAPI does not add its
CDN pages first. ``web/headers.py`` gives these pages (``PAGES``) their Content-Security-Policy.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

SWAGGER_UI = "/docs"
OAUTH2_REDIRECT = "/docs/oauth2-redirect"
REDOC = "/redoc"
PAGES = (SWAGGER_UI, OAUTH2_REDIRECT, REDOC)
ASSETS = "/static/docs"  # under web/headers.py's STATIC_PREFIXES: cacheable
ASSETS_PACKAGE = "fastapi_standalone_docs"  # its folder static/ is served at ASSETS
SWAGGER_UI_PARAMETERS: dict[str, Any] = {"validatorUrl": None}  # no badge from swagger.io
REDOC_LOGO = f"{REDOC}/logo-mini.svg"  # where the package's ReDoc bundle looks for it


def install(app: FastAPI) -> None:
    """Serve the docs pages and their assets on ``app`` (made without FastAPI's own pages)."""
    if app.docs_url or app.redoc_url:
        raise ValueError("make the app with docs_url=None and redoc_url=None")
    openapi_url = app.openapi_url or "/openapi.json"
    parameters = {**SWAGGER_UI_PARAMETERS, **(app.swagger_ui_parameters or {})}
    logo = files(ASSETS_PACKAGE).joinpath("static", "redoc", "logo-mini.svg").read_bytes()
    app.mount(ASSETS, StaticFiles(packages=[(ASSETS_PACKAGE, "static")]), name="docs-assets")

    async def swagger_ui(request: Request) -> HTMLResponse:
        root = _root(request)
        return get_swagger_ui_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=root + OAUTH2_REDIRECT,
            swagger_js_url=f"{root}{ASSETS}/swagger/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS}/swagger/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS}/fastapi/favicon.png",
            swagger_ui_parameters=parameters,
        )

    async def oauth2_redirect(_request: Request) -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    async def redoc(request: Request) -> HTMLResponse:
        root = _root(request)
        return get_redoc_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{ASSETS}/redoc/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS}/fastapi/favicon.png",
            with_google_fonts=False,
        )

    async def redoc_logo(_request: Request) -> Response:
        return Response(logo, media_type="image/svg+xml")

    app.add_route(SWAGGER_UI, swagger_ui, include_in_schema=False)
    app.add_route(OAUTH2_REDIRECT, oauth2_redirect, include_in_schema=False)
    app.add_route(REDOC, redoc, include_in_schema=False)
    app.add_route(REDOC_LOGO, redoc_logo, include_in_schema=False)


def _root(request: Request) -> str:
    """The prefix the node is served under behind a proxy (``--root-path``), taken as
    FastAPI's own docs pages take it."""
    return str(request.scope.get("root_path", "")).rstrip("/")
