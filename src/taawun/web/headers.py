"""Security headers on every answer of the node, as pure ASGI middleware.

Every response gets ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer``,
``X-Frame-Options: DENY`` and a Content-Security-Policy; every response but ``/health`` and
static assets also gets ``Cache-Control: no-store``, since nearly all of them carry intel,
account data or a token (a shared cache, a proxy or the browser's disk must not keep them).

The API answers JSON and never needs to load anything: its policy allows nothing at all.
The interactive docs (``/docs``, its OAuth2 redirect page, ``/redoc``: see ``web/docs.py``)
are HTML pages that load their scripts and styles from the node itself and run an inline
script: their policy allows ``'self'`` and no other host, inline styles (ReDoc writes its
styles at run time), ``data:`` images (Swagger UI's icons), ``blob:`` workers (ReDoc's
search), and exactly the inline scripts of the page being answered, by hash. An analytics
report (``/api/v1/analytics/reports/...``) is a self-contained HTML page with no script: its
policy allows only its own inline styles (the page's ``<style>`` and the inline SVG's
``style`` attributes) and nothing else. The web UI's pages (``web/ui/``: every path that is
not the API's, TAXII's, a static asset's, the docs' or ``/health``, answered in HTML) load
their scripts, styles, fonts and images from the node itself and nothing inline:
``UI_POLICY``. A redirect or any other answer there gets the API's policy.

Pure ASGI (not ``BaseHTTPMiddleware``): the body is passed on as it comes, so a streamed
answer stays streamed; only the docs pages, small and generated, are held to hash their
scripts. Install it last (``install(app)`` after the other ``add_middleware`` calls) so it
is the outermost and sees the answers the TAXII fast lane gives itself.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from taawun.web import docs

API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
REPORT_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'none'"
)
UI_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
REPORT_PREFIXES = (  # analytics/_api_pictures.py; the pages' copy: web/ui/analytics/files.py
    "/api/v1/analytics/reports/",
    "/analytics/reports/",
)
CACHEABLE_PATHS = frozenset({"/health"})
STATIC_PREFIXES = ("/static/",)  # where static assets (the docs' scripts and styles) are served

# The roots that are not the web UI's: everything else is a page (or the UI's 404 page).
NOT_UI = ("/api", "/taxii2", "/static", "/docs", "/redoc", "/health", "/openapi.json")


def is_ui_path(path: str) -> bool:
    """Whether ``path`` is the web UI's (a page, or a page that does not exist)."""
    return not any(path == root or path.startswith(root + "/") for root in NOT_UI)


_ALWAYS: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]
_NO_STORE = (b"cache-control", b"no-store")
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script\s*>", re.S | re.I)


def _is_html(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    return any(
        k.lower() == b"content-type" and v.lower().startswith(b"text/html") for k, v in headers
    )


def docs_policy(script_hashes: Iterable[str]) -> str:
    """The policy of a docs page whose inline scripts have these ``'sha256-…'`` sources."""
    scripts = " ".join(["'self'", *script_hashes])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            "style-src 'self' 'unsafe-inline'",
            "font-src 'self'",
            "img-src 'self' data:",
            "worker-src 'self' blob:",  # redoc's search worker
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def inline_script_hashes(html: bytes) -> list[str]:
    """The CSP hash source of each inline ``<script>`` in ``html``, in order."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii") + "'"
        for body in _INLINE_SCRIPT.findall(html)
    ]


class SecurityHeaders:
    """ASGI middleware: the headers above on every HTTP response."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        docs_paths: Iterable[str] = docs.PAGES,
        cacheable_paths: Iterable[str] = CACHEABLE_PATHS,
        static_prefixes: tuple[str, ...] = STATIC_PREFIXES,
    ) -> None:
        self.app = app
        self.docs_paths = frozenset(docs_paths)
        self.cacheable_paths = frozenset(cacheable_paths)
        self.static_prefixes = static_prefixes
        self._api_headers = [*_ALWAYS, (b"content-security-policy", API_POLICY.encode())]
        self._report_headers = [*_ALWAYS, (b"content-security-policy", REPORT_POLICY.encode())]
        self._ui_headers = [*_ALWAYS, (b"content-security-policy", UI_POLICY.encode())]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        root = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :] or "/"
        no_store = path not in self.cacheable_paths and not path.startswith(self.static_prefixes)
        if path in self.docs_paths:
            await self._docs_page(scope, receive, send, no_store=no_store)
            return
        report = path.startswith(REPORT_PREFIXES)
        ours = self._report_headers if report else self._api_headers
        added = [*ours, _NO_STORE] if no_store else ours
        page = is_ui_path(path) and path not in self.cacheable_paths
        added_to_page = [*self._ui_headers, _NO_STORE] if no_store else self._ui_headers

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", ())
                # A page of the UI (HTML on a UI path) gets UI_POLICY; anything else, the API's.
                # A report (200) keeps its own policy; its error page is a UI page.
                html = page and _is_html(headers) and not (report and message["status"] == 200)
                message["headers"] = self._with(headers, added_to_page if html else added)
            await send(message)

        await self.app(scope, receive, send_secured)

    async def _docs_page(
        self, scope: Scope, receive: Receive, send: Send, *, no_store: bool
    ) -> None:
        """Hold the (small) page until it is whole, to allow exactly its inline scripts."""
        start: Message | None = None
        body = bytearray()

        async def send_held(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            body.extend(message.get("body", b""))
            if message.get("more_body", False):
                return
            policy = docs_policy(inline_script_hashes(bytes(body)))
            added = [*_ALWAYS, (b"content-security-policy", policy.encode())]
            if no_store:
                added.append(_NO_STORE)
            start["headers"] = self._with(start.get("headers", ()), added)
            await send(start)
            await send({"type": "http.response.body", "body": bytes(body), "more_body": False})

        await self.app(scope, receive, send_held)

    @staticmethod
    def _with(
        headers: Iterable[tuple[bytes, bytes]], added: list[tuple[bytes, bytes]]
    ) -> list[tuple[bytes, bytes]]:
        """``headers`` without any of ours the endpoint may have set, then ours."""
        names = {name for name, _ in added}
        return [(k, v) for k, v in headers if k.lower() not in names] + added


def install(app: FastAPI) -> None:
    """Add the middleware to ``app``; call it after every other ``add_middleware``."""
    app.add_middleware(SecurityHeaders, docs_paths=docs.PAGES)
