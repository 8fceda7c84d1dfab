"""The admin pages in a real browser (issue 12): the Turkish MIT's admin adds a user through
the form and disables them; the audit log and its verification; axe's rules on every admin
page in English and Arabic; a screenshot of the audit log (``admin-audit.png``). Every flow
ends with no request off the node, no console error (a CSP violation is one) and no error
answer but those expected (``ui_browser_helpers``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from .conftest import PASSWORD
from .ui_browser_helpers import TEXTS, Tab, expect, heading, screenshot, sign_in, unavailable

ADMIN = "tr.admin"
SERIOUS = {"serious", "critical"}
PAGES = (
    "/admin",
    "/admin/agencies",
    "/admin/users",
    "/admin/users/tr.liaison",
    "/admin/tokens",
    "/admin/audit",
    "/admin/audit/verify",
)


def signed_in_as_admin(tab: Tab, lang: str = "en") -> None:
    tab.go(f"/sign-in?lang={lang}")
    sign_in(tab, ADMIN, lang=lang)
    expect(heading(tab, TEXTS[lang]["dashboard"])).to_be_visible()


def test_an_admin_adds_a_user_and_disables_them(tab: Tab) -> None:
    page = tab.page
    signed_in_as_admin(tab)
    page.get_by_role("link", name="Administration", exact=True).first.click()
    expect(heading(tab, "Administration")).to_be_visible()
    page.get_by_role("main").get_by_role("link", name="Users", exact=True).first.click()
    expect(heading(tab, "Users")).to_be_visible()
    page.get_by_label("Username", exact=True).fill("tr.browser")
    page.get_by_label("Role").select_option("liaison")
    page.get_by_label("Clearance").select_option("CONFIDENTIAL")
    page.get_by_label("Initial password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Add the user", exact=True).click()
    page.wait_for_url(re.compile(r".*/admin/users/tr\.browser\?done=created$"))
    expect(heading(tab, "tr.browser")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("The user was added")
    assert PASSWORD not in page.content()
    page.get_by_role("button", name="Disable this user", exact=True).click()
    page.wait_for_url(re.compile(r".*/admin/users/tr\.browser\?done=disabled$"))
    expect(page.get_by_role("status")).to_contain_text("is disabled")
    expect(page.get_by_role("button", name="Enable this user", exact=True)).to_be_visible()
    tab.go("/admin/users")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="tr.browser"))
    expect(row).to_contain_text("disabled")
    tab.assert_clean()


def test_the_audit_log_and_its_verification(tab: Tab, screenshot_folders: list[Path]) -> None:
    page = tab.page
    signed_in_as_admin(tab)
    tab.go("/admin/audit")
    expect(heading(tab, "Audit log")).to_be_visible()
    expect(page.locator("#audit-results tbody tr").first).to_contain_text("access.login")
    page.get_by_label("Action (exact, or its beginning up to a dot)").fill("access.login")
    with page.expect_request(lambda r: "/admin/audit?" in r.url) as asked:
        page.get_by_role("button", name="Filter", exact=True).click()
    assert asked.value.headers.get("hx-request") == "true"  # swapped in by htmx
    page.wait_for_url(re.compile(r".*/admin/audit\?action=access\.login$"))
    actions = page.locator("#audit-results tbody td code").all_inner_texts()
    assert actions and all(a.startswith("access.login") for a in actions), actions
    screenshot(tab, "admin-audit", "Audit log", screenshot_folders)
    page.get_by_role("button", name="Verify the hash chain", exact=True).click()
    expect(heading(tab, "Verification of the audit log")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Intact:")
    tab.assert_clean()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_admin_pages_have_no_serious_accessibility_violation(tab: Tab, lang: str) -> None:
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        unavailable("axe-playwright-python is not installed: no accessibility test")
    axe = Axe()
    signed_in_as_admin(tab, lang)
    found: dict[str, Any] = {}
    for path in PAGES:
        tab.go(path)
        expect(tab.page.locator("h1")).to_be_visible()
        assert tab.page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
        violations = [
            f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
            for v in axe.run(tab.page).response["violations"]
            if v["impact"] in SERIOUS
        ]
        if violations:
            found[path] = violations
    assert found == {}, found
    tab.assert_clean()
