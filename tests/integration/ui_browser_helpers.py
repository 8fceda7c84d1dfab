"""A live node in a real browser: the app served by uvicorn on 127.0.0.1 and Debian's chromium
driven by Playwright, with every request to another host than the node refused.

Where Playwright or chromium is missing, a browser test is skipped with the reason in pytest's
summary (``-ra``), except in CI (``TAAWUN_REQUIRE_BROWSER``, set by ``.ci/run``, which installs
both), where it fails: a missing browser never passes for a tested page."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy.orm import Session

from taawun.access import login_limits
from taawun.core.clock import SystemClock
from taawun.registry.importers.run import import_all
from taawun.web.app import create_app

from ..accounts import create_accounts
from ..conftest import new_database
from .conftest import ACCOUNTS, PASSWORD

START_TIMEOUT = 30  # seconds for uvicorn to start on a loaded machine


def chromium() -> str | None:
    """The system's chromium (``playwright install`` cannot download browsers here)."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def unavailable(reason: str) -> NoReturn:
    """Skip where the browser is missing; fail where it must be there (CI installs both and
    sets ``TAAWUN_REQUIRE_BROWSER``), so a missing browser never passes for a tested page."""
    if os.environ.get("TAAWUN_REQUIRE_BROWSER"):
        pytest.fail(f"{reason} (TAAWUN_REQUIRE_BROWSER is set)")
    pytest.skip(reason)


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """``app`` served by uvicorn on a free port of 127.0.0.1; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@contextmanager
def launch_chromium(what: str) -> Iterator[Any]:
    """A headless chromium (Playwright's ``Browser``); ``what`` names the tests it is for, in
    the reason given when it cannot run."""
    try:
        from playwright import sync_api
    except ImportError:
        unavailable(f"Playwright is not installed: no browser test of {what}")
    executable = chromium()
    if executable is None:
        unavailable(f"no chromium on PATH: no browser test of {what}")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Browsed:
    """What a page did in the browser: requests refused, console errors (a Content-Security-
    Policy violation is one) and uncaught exceptions, and the node's answers that were errors
    (``"404 http://127.0.0.1:…/path"``)."""

    refused: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def watch(page: Any) -> Browsed:
    """Abort and record every request of ``page`` to another host than 127.0.0.1, and record
    its console errors, uncaught exceptions and answers with an error status."""
    browsed = Browsed()

    def only_the_node(route: Any) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            browsed.refused.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_node)
    page.on("console", lambda m: browsed.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: browsed.errors.append(str(error)))
    page.on(
        "response",
        lambda r: browsed.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    return browsed


def open_page(browser: Any, url: str) -> tuple[Any, Browsed]:
    """A new page at ``url``, watched (``watch``)."""
    page = browser.new_page()
    browsed = watch(page)
    page.goto(url)
    return page, browsed


# --- The pages' tests: a node, a browser, tabs, screenshots -----------------------------------

WAIT = 20_000  # ms: the longest any step may take on a loaded machine
VIEWPORT = {"width": 1280, "height": 800}
USER = "tr.liaison"

TEXTS = {
    "en": {
        "sign_in": "Sign in",
        "username": "Username",
        "password": "Password",
        "dashboard": "Dashboard",
        "agreements": "Agreements",
        "sign_out": "Sign out",
        "not_found": "Not found",
    },
    "ar": {
        "sign_in": "تسجيل الدخول",
        "username": "اسم المستخدم",
        "password": "كلمة المرور",
        "dashboard": "لوحة المتابعة",
        "agreements": "الاتفاقيات",
        "sign_out": "تسجيل الخروج",
        "not_found": "غير موجود",
    },
}

# --- The node and the browser ---------------------------------------------------------------


@pytest.fixture(scope="module")
def app(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """The node's app over a database of ``backend`` with the real data and the accounts of
    the integration tests (``conftest.ACCOUNTS``, all with ``PASSWORD``)."""
    login_limits.LOGIN_LIMITS.clear()  # the node-wide counts of failed sign-ins: ours alone
    engine = new_database(backend, "ui_browser", tmp_path_factory.mktemp(f"{backend}-ui"))
    with Session(engine) as session:
        import_all(session)
        create_accounts(
            session, ACCOUNTS, password=PASSWORD, clock=SystemClock(), qualified_names=False
        )
        session.commit()
    yield create_app(engine=engine)
    engine.dispose()


@pytest.fixture(scope="module")
def served(app: FastAPI) -> Iterator[str]:
    with serve(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_chromium("the web UI") as browser:
        yield browser


class Tab:
    """A page of a fresh browser context (no cookies), watched (``ui_browser_helpers.watch``)."""

    def __init__(self, context: Any, base: str) -> None:
        self.context = context
        self.base = base
        self.page = context.new_page()
        self.browsed: Browsed = watch(self.page)

    def go(self, path: str) -> Any:
        response = self.page.goto(self.base + path)
        assert response is not None, path
        return response

    @property
    def path(self) -> str:
        """The page's path and query, without the node's base URL."""
        url: str = self.page.url
        assert url.startswith(self.base + "/"), url
        return url[len(self.base) :]

    def cookie(self, name: str) -> dict[str, Any] | None:
        return next((c for c in self.context.cookies() if c["name"] == name), None)

    def assert_clean(self, *expected: str) -> None:
        """No request left the node; the node answered with an error only the ``expected``
        requests (``"404 /path"``, in order); and no console error but the browser's notes
        of those answers (it logs a page answered 4xx as a resource that failed to load)."""
        assert self.browsed.refused == []
        assert self.browsed.failed == [
            f"{status} {self.base}{path}" for status, path in (e.split(" ", 1) for e in expected)
        ]
        noted = "Failed to load resource: the server responded with a status of "
        errors = [e for e in self.browsed.errors if not e.startswith(noted)]
        assert errors == [], errors  # a CSP violation is reported as a console error


@contextmanager
def new_tab(browser: Any, base: str, locale: str) -> Iterator[Tab]:
    """A tab of a fresh context whose browser asks for ``locale`` (``Accept-Language``)."""
    context = browser.new_context(locale=locale, viewport=VIEWPORT)
    context.set_default_timeout(WAIT)
    context.set_default_navigation_timeout(WAIT)
    try:
        yield Tab(context, base)
    finally:
        context.close()


@pytest.fixture
def tab(browser: Any, served: str) -> Iterator[Tab]:
    with new_tab(browser, served, "en-US") as tab:
        yield tab


def expect(actual: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(actual)


def heading(tab: Tab, name: str, level: int = 1) -> Any:
    return tab.page.get_by_role("heading", name=name, exact=True, level=level)


def sign_in(tab: Tab, username: str = USER, *, lang: str = "en", lands_on: str = "/") -> None:
    """Sign in by mouse on the sign-in page the tab shows."""
    texts = TEXTS[lang]
    page = tab.page
    expect(heading(tab, texts["sign_in"])).to_be_visible()
    page.get_by_label(texts["username"], exact=True).click()
    page.get_by_label(texts["username"], exact=True).fill(username)
    page.get_by_label(texts["password"], exact=True).click()
    page.get_by_label(texts["password"], exact=True).fill(PASSWORD)
    page.get_by_role("button", name=texts["sign_in"], exact=True).click()
    page.wait_for_url(tab.base + lands_on)


def signed_in(tab: Tab, *, lang: str = "en") -> None:
    """Sign in (as ``USER``) from the sign-in page, in ``lang``; the tab shows the dashboard."""
    tab.go(f"/sign-in?lang={lang}")
    sign_in(tab, lang=lang)
    expect(heading(tab, TEXTS[lang]["dashboard"])).to_be_visible()


def main_nav(tab: Tab, lang: str) -> Any:
    """The site's navigation: the one with the link to the dashboard."""
    dashboard = tab.page.get_by_role("link", name=TEXTS[lang]["dashboard"], exact=True)
    return tab.page.get_by_role("navigation").filter(has=dashboard)


@pytest.fixture
def screenshot_folders(tmp_path: Path) -> list[Path]:
    """Where the screenshots go: the test's folder, and ``$TAAWUN_SCREENSHOTS`` if set."""
    folders = [tmp_path / "screenshots"]
    if extra := os.environ.get("TAAWUN_SCREENSHOTS"):
        folders.append(Path(extra))
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
    return folders


def screenshot(tab: Tab, name: str, title: str, folders: list[Path]) -> None:
    """A screenshot of the window, once its ``<h1>`` ``title`` is in view, written to every
    folder and checked there: a PNG of the window's size, not blank."""
    import matplotlib.image

    expect(heading(tab, title)).to_be_visible()
    expect(heading(tab, title)).to_be_in_viewport()
    png: bytes = tab.page.screenshot(animations="disabled")
    for folder in folders:
        path = folder / f"{name}.png"
        path.write_bytes(png)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path
        pixels = matplotlib.image.imread(path)
        assert pixels.shape[:2] == (VIEWPORT["height"], VIEWPORT["width"]), pixels.shape
        # Colours in 0..1: a blank window is 0, one heading alone about 0.02, a page 0.06+.
        assert float(pixels[..., :3].std()) > 0.03, f"{path}: blank"
