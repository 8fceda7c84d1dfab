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
from typing import Any, NoReturn
from urllib.parse import urlsplit

import pytest
import uvicorn
from fastapi import FastAPI

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
