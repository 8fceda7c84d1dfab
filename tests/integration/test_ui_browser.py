"""The web UI in a real browser (issue 12): a live node on 127.0.0.1, loaded with the real
data and accounts of real states, driven through Debian's chromium by Playwright.

Every request to another host than the node is aborted and recorded, and every page of every
flow is held to no console error (a Content-Security-Policy violation is one) and no
uncaught exception. The flows: sign in and out by mouse and by keyboard alone, a wrong
password that tells nothing about which usernames exist, a form without its CSRF token
refused, the Arabic pages laid out right to left, the agreements list filtered by htmx
without a reload and a detail page opened, axe's accessibility rules on the main pages in
both languages, and screenshots of the main pages (checked: a PNG, not blank, the page's
heading on it), also written to ``$TAAWUN_SCREENSHOTS`` when that names a folder.

Where Playwright or chromium is missing the tests are skipped, except in CI
(``TAAWUN_REQUIRE_BROWSER``), where they fail (``ui_browser_helpers``)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from .conftest import PASSWORD
from .ui_browser_helpers import (
    TEXTS,
    USER,
    VIEWPORT,
    Tab,
    expect,
    heading,
    main_nav,
    new_tab,
    screenshot,
    sign_in,
    signed_in,
    unavailable,
)

LOGIN_FAILED = "Unknown user or wrong password."
EXPIRED_FORM = "This form has expired or is not valid. Reload the page and try again."
PAGE_POLICY = {
    "default-src": "'none'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
}
SERIOUS = {"serious", "critical"}


# --- Signing in and out ---------------------------------------------------------------------


def test_sign_in_and_out_by_mouse(tab: Tab) -> None:
    first = tab.go("/")
    assert first.status == 200 and urlsplit(tab.path).path == "/sign-in", tab.path
    assert parse_qs(urlsplit(tab.path).query)["next"] == ["/"]
    sign_in(tab)
    expect(heading(tab, "Dashboard")).to_be_visible()
    expect(tab.page.get_by_text(f"Signed in as {USER}.")).to_be_visible()

    session = tab.cookie("taawun_session")
    assert session is not None
    assert session["httpOnly"] and session["sameSite"] == "Strict", session
    assert session["path"] == "/" and not session["secure"], session  # plain http here

    tab.page.get_by_role("button", name="Sign out", exact=True).click()
    tab.page.wait_for_url(re.compile(r".*/sign-in.*"))
    expect(heading(tab, "Sign in")).to_be_visible()
    assert tab.cookie("taawun_session") is None
    # The session ended on the node, not only in this browser: its cookie no longer works.
    tab.context.add_cookies([session])
    tab.go("/")
    assert tab.path.startswith("/sign-in"), tab.path
    tab.assert_clean()


def test_sign_in_returns_to_the_page_asked_for(tab: Tab) -> None:
    tab.go("/agreements?party=PAK")
    assert urlsplit(tab.path).path == "/sign-in"
    assert parse_qs(urlsplit(tab.path).query)["next"] == ["/agreements?party=PAK"]
    sign_in(tab, lands_on="/agreements?party=PAK")
    expect(heading(tab, "Agreements")).to_be_visible()
    tab.assert_clean()


@pytest.mark.parametrize("elsewhere", ["https://example.org/", "//example.org/", "/\\example.org"])
def test_sign_in_never_leads_to_another_host(tab: Tab, elsewhere: str) -> None:
    tab.go(f"/sign-in?{urlencode({'next': elsewhere})}")
    sign_in(tab, lands_on="/")
    expect(heading(tab, "Dashboard")).to_be_visible()
    tab.assert_clean()  # nothing was asked of example.org


def test_keyboard_only_sign_in(tab: Tab) -> None:
    """Tab to the username field (bounded: the page may have put the focus there), type, Tab
    to the password, type, Enter; then, on the dashboard, the first Tab reaches the skip link,
    and Enter on it moves the focus to the content. Every focused control shows its focus."""
    page = tab.page
    tab.go("/sign-in")
    for _ in range(20):
        if page.evaluate("document.activeElement.name") == "username":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "username"
    assert _focus_is_visible(page)
    page.keyboard.type(USER)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "password"
    assert _focus_is_visible(page)
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(tab.base + "/")
    expect(heading(tab, "Dashboard")).to_be_visible()

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content", exact=True)
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    assert _focus_is_visible(page)
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
    tab.assert_clean()


def _focus_is_visible(page: Any) -> bool:
    """The focused element draws an outline or a focus ring (box shadow)."""
    return bool(
        page.evaluate(
            """() => {
              const style = getComputedStyle(document.activeElement);
              const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
              return outline || style.boxShadow !== 'none';
            }"""
        )
    )


def test_wrong_password_says_the_same_as_an_unknown_user(tab: Tab) -> None:
    """The same answer, status and message for a known user with a wrong password and for
    a user that does not exist; the password is not sent back in the page."""
    answers = []
    for username in ("sa.viewer", "no.such.user"):
        tab.go("/sign-in")
        page = tab.page
        page.get_by_label("Username", exact=True).fill(username)
        page.get_by_label("Password", exact=True).fill("not-the-password-1")
        with page.expect_response(lambda r: r.request.method == "POST") as posted:
            page.get_by_role("button", name="Sign in", exact=True).click()
        page.wait_for_load_state()
        expect(page.get_by_text(LOGIN_FAILED, exact=True)).to_be_visible()
        expect(heading(tab, "Sign in")).to_be_visible()
        assert page.get_by_label("Password", exact=True).input_value() == ""
        assert "not-the-password-1" not in page.content()
        assert tab.cookie("taawun_session") is None
        main = page.locator("main").inner_text().replace(username, "<username>")
        answers.append((posted.value.status, main))
    assert answers[0] == answers[1], answers
    status = answers[0][0]
    tab.assert_clean(f"{status} /sign-in", f"{status} /sign-in")


# --- CSRF and the pages' policy -------------------------------------------------------------


def test_a_form_without_its_csrf_token_is_refused(tab: Tab) -> None:
    signed_in(tab)
    page = tab.page
    # The sign-out form with its token taken out of the page (field and meta), sent by mouse.
    page.evaluate(
        """() => document.querySelectorAll(
             'input[name="csrf_token"], meta[name="csrf-token"]').forEach(e => e.remove())"""
    )
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Sign out", exact=True).click()
    assert posted.value.status == 403
    assert EXPIRED_FORM in posted.value.text()
    # Sent from the browser's context (its cookies) with a forged token, or with none.
    for form in ({"csrf_token": "forged-token-forged-token-forged"}, {}):
        refused = page.request.post(f"{tab.base}/sign-out", form=form, max_redirects=0)
        assert refused.status == 403, (form, refused.status)
    tab.go("/")
    expect(heading(tab, "Dashboard")).to_be_visible()  # still signed in
    # With the page's token, the same request from the same context is accepted.
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    accepted = page.request.post(
        f"{tab.base}/sign-out", form={"csrf_token": token}, max_redirects=0
    )
    assert accepted.status == 303, accepted.status
    tab.go("/")
    assert tab.path.startswith("/sign-in"), tab.path
    tab.assert_clean("403 /sign-out")


def test_the_sign_in_form_without_its_csrf_token_is_refused(tab: Tab) -> None:
    tab.go("/sign-in")
    page = tab.page
    page.evaluate("""() => document.querySelector('input[name="csrf_token"]').remove()""")
    page.get_by_label("Username", exact=True).fill(USER)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Sign in", exact=True).click()
    assert posted.value.status == 403
    page.wait_for_load_state()
    expect(page.get_by_text(EXPIRED_FORM)).to_be_visible()
    assert tab.cookie("taawun_session") is None
    tab.assert_clean("403 /sign-in")


def test_the_pages_policy_is_in_force_in_the_browser(tab: Tab) -> None:
    """The sign-in page comes with the pages' policy, and the browser holds the page to it:
    an inline script is refused and reported on the console, as the flows' checks expect."""
    answer = tab.go("/sign-in")
    policy = dict(
        part.strip().split(" ", 1)
        for part in answer.headers["content-security-policy"].split(";")
        if part.strip()
    )
    assert policy == PAGE_POLICY, policy
    page = tab.page
    tab.assert_clean()
    page.evaluate(
        """() => { const s = document.createElement('script');
                   s.textContent = 'window.inlineRan = true';
                   document.body.appendChild(s); }"""
    )
    assert page.evaluate("window.inlineRan === undefined")
    assert any("Content Security Policy" in e for e in tab.browsed.errors), tab.browsed.errors


# --- Arabic, right to left ------------------------------------------------------------------


def test_the_arabic_pages_are_laid_out_right_to_left(tab: Tab) -> None:
    page = tab.page
    tab.go("/sign-in?lang=ar")
    assert tab.path == "/sign-in"  # the language is remembered, the parameter dropped
    lang = tab.cookie("taawun_lang")
    assert lang is not None and lang["value"] == "ar" and lang["sameSite"] == "Strict", lang
    assert lang["expires"] - time.time() > 364 * 24 * 3600, lang  # kept for a year
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == [
        "ar",
        "rtl",
    ]
    sign_in(tab, lang="ar")
    expect(heading(tab, "لوحة المتابعة")).to_be_visible()
    assert page.evaluate("document.documentElement.dir") == "rtl"
    expect(main_nav(tab, "ar").get_by_role("link", name="الاتفاقيات", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="تسجيل الخروج", exact=True)).to_be_visible()
    assert _starts_at_the_right(tab, "ar")

    tab.go("/?lang=en")  # and back: the same page left to right
    expect(heading(tab, "Dashboard")).to_be_visible()
    assert page.evaluate("document.documentElement.dir") in ("ltr", "")
    assert not _starts_at_the_right(tab, "en")

    tab.go("/agreements?lang=ar")
    expect(heading(tab, "الاتفاقيات")).to_be_visible()
    assert _starts_at_the_right(tab, "ar")
    tab.go("/agreements/999999999")
    expect(heading(tab, "غير موجود")).to_be_visible()
    tab.assert_clean("404 /agreements/999999999")


def test_a_browser_asking_for_arabic_gets_it(browser: Any, served: str) -> None:
    """With no language chosen, the browser's ``Accept-Language`` decides."""
    with new_tab(browser, served, "ar-SA") as tab:
        tab.go("/sign-in")
        expect(heading(tab, "تسجيل الدخول")).to_be_visible()
        assert tab.page.evaluate("document.documentElement.dir") == "rtl"
        assert tab.cookie("taawun_lang") is None  # nothing chosen, nothing remembered
        tab.assert_clean()


def _starts_at_the_right(tab: Tab, lang: str) -> bool:
    """Whether the page's lines start at the right: the nav's first link (the brand) is in
    the right half of the window, and the ``<h1>``'s text ends at its box's right edge."""
    nav = main_nav(tab, lang)
    expect(nav).to_be_visible()
    first = nav.get_by_role("link").first.bounding_box()
    assert first is not None
    nav_right = first["x"] + first["width"] / 2 > VIEWPORT["width"] / 2
    text_right = tab.page.evaluate(
        """() => {
          const h1 = document.querySelector('h1');
          const range = document.createRange();
          range.selectNodeContents(h1);
          const text = range.getBoundingClientRect();
          const box = h1.getBoundingClientRect();
          const style = getComputedStyle(h1);
          const right = box.right - parseFloat(style.paddingRight);
          const left = box.left + parseFloat(style.paddingLeft);
          return Math.abs(text.right - right) < 2 && text.left - left > 10;
        }"""
    )
    assert nav_right == text_right, (lang, nav_right, text_right)
    return bool(nav_right)


# --- Agreements: htmx, detail ---------------------------------------------------------------


def test_the_agreements_list_filters_in_place_and_opens_a_detail(tab: Tab) -> None:
    """The list's pages and filters are swapped in by htmx (no reload, the URL follows, Back
    shows the earlier list), and a row opens the agreement's page."""
    signed_in(tab)
    page = tab.page
    main_nav(tab, "en").get_by_role("link", name="Agreements", exact=True).click()
    page.wait_for_url(tab.base + "/agreements")
    expect(heading(tab, "Agreements")).to_be_visible()
    rows = page.locator("main table tbody tr")
    expect(rows.first).to_be_visible()
    first_page = rows.all_inner_texts()
    assert len(first_page) == 50, len(first_page)  # a page of 50, not the whole list
    _instrument(page)
    _swapped(page, lambda: page.get_by_role("link", name="Next page", exact=True).click())
    page.wait_for_url(re.compile(r".*/agreements\?(.*&)?page=2(&.*)?$"))
    second_page = rows.all_inner_texts()
    assert len(second_page) == 50 and not set(second_page) & set(first_page), second_page
    assert page.evaluate("window.notReloaded === true")
    # Back: htmx keeps no copy of a page (historyCacheSize 0), so the browser shows the
    # earlier list again as the node answers it, whole.
    page.go_back()
    page.wait_for_url(tab.base + "/agreements")
    expect(heading(tab, "Agreements")).to_be_visible()
    expect(rows.first).to_have_text(first_page[0])
    assert rows.all_inner_texts() == first_page

    _instrument(page)

    party = page.get_by_label("Party (state)", exact=True)
    _swapped(page, lambda: (party.fill("PAK"), party.press("Enter")))
    page.wait_for_url(re.compile(r".*/agreements\?(.*&)?party=PAK(&.*)?$"))
    filtered = rows.all_inner_texts()
    assert filtered and filtered != first_page
    assert all("PAK" in row for row in filtered), filtered  # Pakistan among the parties
    assert page.evaluate("window.notReloaded === true")
    # htmx keeps no copy of the pages in the browser's storage (it would outlive sign-out).
    assert page.evaluate("() => localStorage.getItem('htmx-history-cache')") is None

    link = page.locator("main table tbody a").first
    title = link.inner_text()
    link.click()
    page.wait_for_url(re.compile(r".*/agreements/\d+$"))
    expect(heading(tab, title)).to_be_visible()
    expect(heading(tab, "Parties", level=2)).to_be_visible()
    expect(page.locator("main table tbody").get_by_text("(PAK)").first).to_be_visible()

    missing = tab.go("/agreements/999999999")
    assert missing.status == 404
    expect(heading(tab, "Not found")).to_be_visible()
    tab.assert_clean("404 /agreements/999999999")


def _instrument(page: Any) -> None:
    """A marker on the page that a full reload would wipe, and a count of htmx's swaps."""
    page.evaluate(
        """() => { window.notReloaded = true; window.swaps = 0;
                   document.body.addEventListener('htmx:afterSwap', () => window.swaps++); }"""
    )


def _swapped(page: Any, action: Callable[[], object]) -> None:
    """Do ``action`` and wait for the htmx request it makes and htmx's swap of its answer."""
    page.evaluate("() => { window.swaps = 0; }")
    with page.expect_request(lambda r: "/agreements?" in r.url) as asked:
        action()
    assert asked.value.headers.get("hx-request") == "true"  # asked by htmx, not a navigation
    page.wait_for_function("() => window.swaps > 0")  # a function: no eval under the policy


# --- Accessibility --------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_main_pages_have_no_serious_accessibility_violation(tab: Tab, lang: str) -> None:
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        unavailable("axe-playwright-python is not installed: no accessibility test")
    axe = Axe()
    found: dict[str, list[str]] = {}

    def check(name: str) -> None:
        results = axe.run(tab.page)
        serious = [
            f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
            for v in results.response["violations"]
            if v["impact"] in SERIOUS
        ]
        if serious:
            found[name] = serious

    texts = TEXTS[lang]
    tab.go(f"/sign-in?lang={lang}")
    expect(heading(tab, texts["sign_in"])).to_be_visible()
    check("sign-in")
    sign_in(tab, lang=lang)
    expect(heading(tab, texts["dashboard"])).to_be_visible()
    check("dashboard")
    tab.go("/agreements")
    expect(heading(tab, texts["agreements"])).to_be_visible()
    check("agreements")
    tab.page.locator("main table tbody a").first.click()
    tab.page.wait_for_url(re.compile(r".*/agreements/\d+$"))
    check("agreement")
    tab.go("/agreements/999999999")
    expect(heading(tab, texts["not_found"])).to_be_visible()
    check("not found")
    assert found == {}, found
    tab.assert_clean("404 /agreements/999999999")


# --- Screenshots ----------------------------------------------------------------------------


def test_screenshots_of_the_main_pages(tab: Tab, screenshot_folders: list[Path]) -> None:
    page = tab.page
    tab.go("/sign-in")
    screenshot(tab, "sign-in", "Sign in", screenshot_folders)
    sign_in(tab)
    screenshot(tab, "dashboard", "Dashboard", screenshot_folders)
    tab.go("/agreements?party=PAK&party=TUR")
    screenshot(tab, "agreements", "Agreements", screenshot_folders)
    link = page.locator("main table tbody a").first
    title = link.inner_text()
    link.click()
    page.wait_for_url(re.compile(r".*/agreements/\d+$"))
    screenshot(tab, "agreement", title, screenshot_folders)
    tab.go("/?lang=ar")
    screenshot(tab, "dashboard-ar", "لوحة المتابعة", screenshot_folders)
    for folder in screenshot_folders:
        names = {p.name for p in folder.glob("*.png")}
        assert {"sign-in.png", "dashboard.png", "dashboard-ar.png"} <= names, names
    tab.assert_clean()
