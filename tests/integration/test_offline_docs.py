"""The interactive docs work on a node without network (issue 9): ``/docs`` and ``/redoc`` are
served with everything they load from the node itself (``web/docs.py``), under the docs
pages' Content-Security-Policy (``web/headers.py``).

The HTML tests run everywhere. The browser test loads the pages in Chromium through
Playwright, with every request to another host than the node refused, and needs both: where
either is missing it is skipped, with the reason in pytest's summary (``-ra``), except in CI
(``TAAWUN_REQUIRE_BROWSER``, set by ``.ci/run``, which installs both), where it fails."""

from __future__ import annotations

import re
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from taawun.web.app import create_app
from taawun.web.docs import ASSETS, ASSETS_PACKAGE, REDOC_LOGO

from ..conftest import new_database
from .ui_browser_helpers import launch_chromium, open_page, serve

PAGES = ["/docs", "/docs/oauth2-redirect", "/redoc"]
CONTENT_TYPES = {  # by the asset's extension: with nosniff, the browser holds them to it
    ".js": ("text/javascript", "application/javascript"),
    ".css": ("text/css",),
    ".png": ("image/png",),
    ".svg": ("image/svg+xml",),
    ".json": ("application/json",),
}
# What each bundle must define for its page to render (not an empty file of the right name).
BUNDLE_MARKERS = {
    "swagger-ui-bundle.js": b"SwaggerUIBundle",
    "swagger-ui.css": b".swagger-ui",
    "redoc.standalone.js": b"Redoc",
}
_ATTRIBUTE = re.compile(r"""\b(?:src|href|spec-url)\s*=\s*["']([^"']*)["']""", re.I)
_INIT_URL = re.compile(r"""\burl:\s*'([^']*)'""")  # SwaggerUIBundle({url: '/openapi.json', …})


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """The app as ``taawun serve`` builds it; the docs do not depend on the backend."""
    engine = new_database("sqlite", "docs", tmp_path_factory.mktemp("docs"))
    yield create_app(engine=engine)
    engine.dispose()


@pytest.fixture(scope="module")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


def _references(html: str) -> list[str]:
    """Every URL the page loads or links to: attributes, and Swagger UI's spec URL."""
    return _ATTRIBUTE.findall(html) + _INIT_URL.findall(html)


def _page(client: TestClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, path
    assert page.headers["content-type"].startswith("text/html"), path
    return page.text


@pytest.mark.parametrize("path", PAGES)
def test_docs_pages_name_no_other_host(client: TestClient, path: str) -> None:
    html = _page(client, path)
    assert "http://" not in html and "https://" not in html, path
    for url in _references(html):
        assert url.startswith("/") and not url.startswith("//"), (path, url)


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_everything_a_docs_page_loads_is_served(client: TestClient, path: str) -> None:
    urls = _references(_page(client, path))
    assert any(url.startswith(f"{ASSETS}/") and url.endswith(".js") for url in urls), urls
    assert "/openapi.json" in urls
    for url in urls:
        answer = client.get(url)
        assert answer.status_code == 200, url
        _assert_type(answer, url)
        marker = BUNDLE_MARKERS.get(url.rsplit("/", 1)[-1])
        if marker:
            assert marker in answer.content, url


def _assert_type(answer: Response, url: str) -> None:
    extension = Path(urlsplit(url).path).suffix
    media_type = answer.headers["content-type"].split(";")[0].strip().lower()
    assert media_type in CONTENT_TYPES[extension], (url, media_type)
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_redoc_finds_its_logo_on_the_node(client: TestClient) -> None:
    """Upstream's ReDoc bundle loads its logo from a CDN; the package's asks the page's own
    URL plus ``/logo-mini.svg``, which the node serves."""
    bundle = client.get(f"{ASSETS}/redoc/redoc.standalone.js").content
    assert b'window.location.pathname+"/logo-mini.svg"' in bundle
    assert b"cdn.redoc.ly" not in bundle
    logo = client.get(REDOC_LOGO)
    assert logo.status_code == 200 and logo.content.startswith(b"<svg")
    _assert_type(logo, REDOC_LOGO)


def test_the_served_bundles_come_with_their_licences() -> None:
    static = files(ASSETS_PACKAGE).joinpath("static")
    for licence in ("swagger/LICENSE", "redoc/redoc.standalone.js.LICENSE.txt", "fastapi/LICENSE"):
        assert static.joinpath(*licence.split("/")).is_file(), licence


@pytest.mark.parametrize("path", PAGES)
def test_docs_policy_allows_the_node_alone(client: TestClient, path: str) -> None:
    """Every source in the docs pages' policy is a keyword, a hash or a scheme: no host."""
    policy = client.get(path).headers["content-security-policy"]
    for directive in filter(None, (part.strip() for part in policy.split(";"))):
        _, *sources = directive.split()
        for source in sources:
            assert source.startswith("'") or source in {"data:", "blob:"}, (directive, source)


def test_behind_a_proxy_prefix_the_pages_load_from_under_it(app: FastAPI) -> None:
    with TestClient(app, root_path="/node") as client:
        for path in ("/docs", "/redoc"):
            urls = _references(_page(client, path))
            assert urls and all(url.startswith("/node/") for url in urls), urls


# --- In a browser, with every other host out of reach -------------------------------------


@pytest.fixture(scope="module")
def served(app: FastAPI) -> Iterator[str]:
    """The app served by uvicorn on a free port of 127.0.0.1; its base URL."""
    with serve(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_chromium("the docs pages") as browser:
        yield browser


def test_swagger_ui_renders_the_operations_offline(browser: Any, served: str) -> None:
    page, browsed = open_page(browser, f"{served}/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=30_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert len(paths) > 20, paths
    assert "/health" in paths and "/api/v1/me" in paths, paths
    assert page.locator(".swagger-ui .info .title").inner_text().startswith("taawun")
    assert browsed.refused == []
    assert browsed.errors == []  # a CSP violation is reported as a console error
    page.close()


def test_redoc_renders_the_operations_offline(browser: Any, served: str) -> None:
    page, browsed = open_page(browser, f"{served}/redoc")
    page.wait_for_selector("[data-section-id]", timeout=30_000)  # a section per operation
    page.wait_for_function("document.querySelectorAll('[data-section-id]').length > 20")
    assert page.locator("h1").first.inner_text().startswith("taawun")
    assert browsed.refused == []
    assert browsed.errors == []
    page.close()
