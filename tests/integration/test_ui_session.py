"""The web UI's foundation, server side: sign-in and sign-out with server-side sessions,
CSRF, session expiry, the pages' Content-Security-Policy, languages and the 404 page.

A small node per backend (no datasets: the pages here need accounts, not the registry), a
fixed clock that the expiry tests move, and a fresh cookie jar (a browser) per test."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from taawun.access import login_limits, service
from taawun.access.login_limits import MAX_FAILURES_PER_ACCOUNT
from taawun.core.clock import FixedClock
from taawun.web.app import create_app
from taawun.web.headers import API_POLICY, UI_POLICY
from taawun.web.ui import sessions
from taawun.web.ui.models import UiSession

from .small_node import PASSWORD, ROOT, small_node

USERS = ("ui.admin", "ui.other", "ui.gone", "ui.limited")
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
EXPIRED = "This form has expired or is not valid. Reload the page and try again."
LOGIN_FAILED = "Unknown user or wrong password."


@dataclass
class UiNode:
    engine: Engine
    app: FastAPI
    clock: FixedClock


@pytest.fixture(scope="module")
def ui_node(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiNode]:
    clock = FixedClock(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
    tmp = tmp_path_factory.mktemp(f"{backend}-ui")
    engine, _tokens = small_node(backend, "ui", tmp, users=USERS, clock=clock)
    app = create_app(engine=engine, clock=clock)
    with TestClient(app):  # the app's lifespan
        yield UiNode(engine=engine, app=app, clock=clock)
    engine.dispose()


@pytest.fixture
def browser(ui_node: UiNode) -> TestClient:
    """A browser of its own: its own cookie jar, redirects not followed."""
    return TestClient(ui_node.app, follow_redirects=False)


def _token(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(
    browser: TestClient, username: str, password: str = PASSWORD, next_: str = "/"
) -> httpx.Response:
    page = browser.get("/sign-in", params={"next": next_})
    assert page.status_code == 200
    answer: httpx.Response = browser.post(
        "/sign-in",
        data={
            "username": username,
            "password": password,
            "csrf_token": _token(page.text),
            "next": next_,
        },
    )
    return answer


def _session_cookie(browser: TestClient) -> str:
    value = browser.cookies.get(sessions.COOKIE)
    assert isinstance(value, str) and value, "no session cookie"
    return value


def _error_text(html: str) -> str:
    found = re.search(r'<p class="error" role="alert"[^>]*>(.*?)</p>', html, re.S)
    return found.group(1).strip() if found else ""


def test_signed_out_is_sent_to_sign_in_with_next(browser: TestClient) -> None:
    answer = browser.get("/")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/sign-in?next=/"
    page = browser.get("/sign-in?next=/")
    assert "<h1>Sign in</h1>" in page.text
    assert '<label for="username">Username</label>' in page.text
    assert '<label for="password">Password</label>' in page.text


def test_sign_in_opens_the_dashboard(browser: TestClient) -> None:
    answer = sign_in(browser, "ui.admin")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"
    dashboard = browser.get("/")
    assert dashboard.status_code == 200
    assert "<h1>Dashboard</h1>" in dashboard.text
    assert "ui.admin" in dashboard.text
    assert "Sign out" in dashboard.text
    assert "access.login" in dashboard.text  # an admin sees the latest audit events


def test_sign_in_goes_only_to_paths_of_the_node(browser: TestClient) -> None:
    answer = sign_in(browser, "ui.admin", next_="//evil.example/x")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"


def test_failed_sign_in_reads_the_same_for_unknown_and_known_users(ui_node: UiNode) -> None:
    wrong = TestClient(ui_node.app, follow_redirects=False)
    unknown = TestClient(ui_node.app, follow_redirects=False)
    by_wrong = sign_in(wrong, "ui.other", password="not-the-password")
    by_unknown = sign_in(unknown, "nobody.here", password="not-the-password")
    assert by_wrong.status_code == by_unknown.status_code == 401
    assert _error_text(by_wrong.text) == _error_text(by_unknown.text) == LOGIN_FAILED
    assert sessions.COOKIE not in wrong.cookies and sessions.COOKIE not in unknown.cookies
    assert wrong.get("/").status_code == 303  # still signed out


def test_rate_limiting_reaches_the_sign_in_page(browser: TestClient) -> None:
    login_limits.LOGIN_LIMITS.clear()
    try:
        for _ in range(MAX_FAILURES_PER_ACCOUNT):
            assert sign_in(browser, "ui.limited", password="guess").status_code == 401
        refused = sign_in(browser, "ui.limited")  # the right password, past the limit
        assert refused.status_code == 429
        assert _error_text(refused.text) == "Too many failed sign-ins; try again later."
        assert int(refused.headers["retry-after"]) > 0
        assert sessions.COOKIE not in browser.cookies
    finally:
        login_limits.LOGIN_LIMITS.clear()


def test_session_cookie_flags(ui_node: UiNode, browser: TestClient) -> None:
    answer = sign_in(browser, "ui.admin")
    cookie = next(
        c for c in answer.headers.get_list("set-cookie") if c.startswith(sessions.COOKIE + "=")
    )
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/"} <= flags
    assert "secure" not in flags  # plain http here
    secure = TestClient(ui_node.app, base_url="https://testserver", follow_redirects=False)
    over_https = sign_in(secure, "ui.admin")
    cookie = next(
        c for c in over_https.headers.get_list("set-cookie") if c.startswith(sessions.COOKIE)
    )
    assert "secure" in {part.strip().lower() for part in cookie.split(";")[1:]}


def test_the_cookie_holds_a_token_the_node_stores_only_hashed(
    ui_node: UiNode, browser: TestClient
) -> None:
    sign_in(browser, "ui.admin")
    token = _session_cookie(browser)
    with Session(ui_node.engine) as session:
        assert sessions.resolve(session, token=token, clock=ui_node.clock) is not None
        stored = list(session.scalars(select(UiSession.token_hash)))
    assert token not in stored and sessions.digest(token) in stored


def test_csrf_is_required_on_every_post(browser: TestClient) -> None:
    without = browser.post("/sign-in", data={"username": "ui.admin", "password": PASSWORD})
    assert without.status_code == 403
    assert EXPIRED in without.text
    sign_in(browser, "ui.admin")
    page = browser.get("/")
    token = CSRF_META.search(page.text)
    assert token
    missing = browser.post("/sign-out")
    assert missing.status_code == 403 and EXPIRED in missing.text
    wrong = browser.post("/sign-out", data={"csrf_token": token.group(1)[::-1]})
    assert wrong.status_code == 403
    assert browser.get("/").status_code == 200  # still signed in
    by_header = browser.post("/sign-out", headers={"X-CSRF-Token": token.group(1)})
    assert by_header.status_code == 303


def test_the_pre_session_token_is_not_the_session_token(browser: TestClient) -> None:
    before = _token(browser.get("/sign-in").text)
    sign_in(browser, "ui.admin")
    after = CSRF_META.search(browser.get("/").text)
    assert after and after.group(1) != before
    refused = browser.post("/sign-out", data={"csrf_token": before})
    assert refused.status_code == 403


def test_sign_out_ends_the_session(ui_node: UiNode, browser: TestClient) -> None:
    sign_in(browser, "ui.admin")
    old = _session_cookie(browser)
    token = _token(browser.get("/").text)
    answer = browser.post("/sign-out", data={"csrf_token": token})
    assert answer.status_code == 303 and answer.headers["location"] == "/sign-in"
    assert browser.get("/").status_code == 303
    replay = TestClient(ui_node.app, follow_redirects=False, cookies={sessions.COOKIE: old})
    assert replay.get("/").status_code == 303  # the old cookie no longer works


def test_session_expires_when_idle_and_slides_with_use(
    ui_node: UiNode, browser: TestClient
) -> None:
    sign_in(browser, "ui.admin")
    ui_node.clock.advance(minutes=20)
    assert browser.get("/").status_code == 200  # moves the idle expiry on
    assert ui_node.app.state.deferred.flush()
    ui_node.clock.advance(minutes=20)  # 40 minutes after sign-in, 20 after the last page
    assert browser.get("/").status_code == 200
    assert ui_node.app.state.deferred.flush()
    ui_node.clock.advance(minutes=31)
    answer = browser.get("/")
    assert answer.status_code == 303 and answer.headers["location"] == "/sign-in?next=/"


def test_session_ends_at_the_absolute_limit(ui_node: UiNode, browser: TestClient) -> None:
    sign_in(browser, "ui.admin")
    signed_in_at = ui_node.clock.now()
    for _ in range(40):  # a page every 25 minutes: never idle, for more than 12 hours
        ui_node.clock.advance(minutes=25)
        if browser.get("/").status_code != 200:
            break
        assert ui_node.app.state.deferred.flush()
    else:
        pytest.fail("the session outlived its absolute limit")
    lived = ui_node.clock.now() - signed_in_at
    assert sessions.ABSOLUTE <= lived < sessions.ABSOLUTE + timedelta(minutes=25)


def test_a_disabled_users_session_stops_working(ui_node: UiNode, browser: TestClient) -> None:
    assert sign_in(browser, "ui.gone").status_code == 303
    assert browser.get("/").status_code == 200
    with Session(ui_node.engine) as session:
        service.disable_user(ROOT, session, username="ui.gone", clock=ui_node.clock)
        session.commit()
    try:
        answer = browser.get("/")
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/sign-in")
    finally:
        with Session(ui_node.engine) as session:
            service.enable_user(ROOT, session, username="ui.gone", clock=ui_node.clock)
            session.commit()


@pytest.mark.parametrize("path", ["/sign-in", "/", "/no-such-page"])
def test_pages_have_the_strict_policy(browser: TestClient, path: str) -> None:
    if path != "/sign-in":  # signed in, the sign-in page sends on to the dashboard
        sign_in(browser, "ui.admin")
    answer = browser.get(path)
    assert answer.headers["content-type"].startswith("text/html")
    policy = answer.headers["content-security-policy"]
    assert policy == UI_POLICY
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert answer.headers["cache-control"] == "no-store"
    assert not re.search(r"<script(?![^>]*\bsrc=)", answer.text), "an inline script"
    assert not re.search(r"<style|\sstyle=", answer.text), "an inline style"


def test_the_api_and_redirects_keep_the_api_policy(browser: TestClient) -> None:
    answer = browser.get("/api/v1/no-such-thing")
    assert answer.status_code == 404
    assert answer.json()["error"] == "not_found"  # JSON, not the UI's page
    assert answer.headers["content-security-policy"] == API_POLICY
    redirect = browser.get("/")
    assert redirect.status_code == 303
    assert redirect.headers["content-security-policy"] == API_POLICY


def test_arabic_is_laid_out_right_to_left(browser: TestClient) -> None:
    switched = browser.get("/sign-in?lang=ar&next=/")
    assert switched.status_code == 303
    assert switched.headers["location"] == "/sign-in?next=%2F"
    cookie = next(c for c in switched.headers.get_list("set-cookie") if "taawun_lang=ar" in c)
    assert "samesite=strict" in cookie.lower() and "max-age=31536000" in cookie.lower()
    page = browser.get("/sign-in")
    assert '<html lang="ar" dir="rtl">' in page.text
    assert "<h1>تسجيل الدخول</h1>" in page.text
    assert '<label for="username">اسم المستخدم</label>' in page.text
    sign_in(browser, "ui.admin")
    dashboard = browser.get("/")
    assert "<h1>لوحة المتابعة</h1>" in dashboard.text
    assert "تسجيل الخروج" in dashboard.text and "الاتفاقيات" in dashboard.text
    browser.get("/?lang=en")
    assert '<html lang="en" dir="ltr">' in browser.get("/").text


def test_the_language_follows_accept_language(browser: TestClient) -> None:
    arabic = browser.get("/sign-in", headers={"Accept-Language": "ar-SA,ar;q=0.9,en;q=0.5"})
    assert '<html lang="ar" dir="rtl">' in arabic.text
    other = browser.get("/sign-in", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert '<html lang="en" dir="ltr">' in other.text


def test_the_404_page_is_the_same_for_any_missing_page(browser: TestClient) -> None:
    sign_in(browser, "ui.admin")
    first = browser.get("/no-such-page")
    second = browser.get("/nothing/here/42")
    assert first.status_code == second.status_code == 404
    assert "<h1>Not found</h1>" in first.text
    # The path asked for is only in the language switch's link (the same page in Arabic):
    # nothing else tells one missing thing from another.
    assert first.text.count("/no-such-page") == 1
    assert '<a href="/no-such-page?lang=ar"' in first.text
    assert first.text.replace("/no-such-page", "") == second.text.replace("/nothing/here/42", "")
    arabic = browser.get("/no-such-page?lang=ar", follow_redirects=True)
    assert arabic.status_code == 404 and "<h1>غير موجود</h1>" in arabic.text
