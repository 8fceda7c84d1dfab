"""Proposals in a real browser (issue 12): "a proposal accepted by both parties comes into
force". A Turkish liaison proposes a Turkey–Pakistan agreement by mouse in the form; a
Pakistani liaison finds it on the dashboard and on /proposals and accepts it (after a forged
request without the page's token is refused), and the agreement's page says In force, with
the parties named in Arabic in the Arabic UI; a Saudi liaison gets the 404 page for the
same proposal. A proposal withdrawn by its proposer; axe's rules on the new pages in both
languages; the screenshot ``proposal.png``.

Every flow ends with ``tab.assert_clean()``: no request off the node, no console error (a
Content-Security-Policy violation is one). Skipped where Playwright or chromium is missing,
except in CI (``ui_browser_helpers``)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

from .ui_browser_helpers import Tab, expect, heading, new_tab, screenshot, sign_in, unavailable

SERIOUS = {"serious", "critical"}
_PROPOSAL = re.compile(r".*/proposals/[0-9a-f-]{36}\?done=\w+$")


def _signed_in(tab: Tab, username: str, lang: str = "en") -> None:
    tab.go(f"/sign-in?lang={lang}")
    sign_in(tab, username, lang=lang)


def _propose(tab: Tab, title: str) -> str:
    """Propose a Turkey–Pakistan agreement by mouse from the agreements list; the path of
    the proposal's page it lands on."""
    page = tab.page
    tab.go("/agreements")
    page.get_by_role("button", name="Propose an agreement", exact=True).click()
    expect(heading(tab, "Propose an agreement")).to_be_visible()
    expect(page.get_by_label("Party 1", exact=True)).to_have_value("TUR")  # my state
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Party 2", exact=True).fill("Pakistan")
    page.get_by_label("Intelligence sharing", exact=True).check()
    page.get_by_label("Signed on", exact=True).fill("2025-01-10")
    page.get_by_label("In force from", exact=True).fill("2025-02-01")
    expect(page.get_by_label("Confidential: only its parties see it")).to_be_checked()
    page.get_by_role("button", name="Propose the agreement", exact=True).click()
    page.wait_for_url(_PROPOSAL)
    return tab.path.split("?")[0]


def test_a_proposal_accepted_by_both_parties_comes_into_force(
    browser: Any, served: str, screenshot_folders: list[Path]
) -> None:
    title = f"Accord of the browser {uuid.uuid4().hex[:8]}"
    with new_tab(browser, served, "en-US") as turkish:
        _signed_in(turkish, "tr.liaison")
        proposal = _propose(turkish, title)
        page = turkish.page
        expect(page.get_by_role("status")).to_contain_text("waits for the other parties")
        expect(page.locator("main")).to_contain_text("Awaiting the acceptance of")
        expect(page.get_by_role("button", name="Accept for my state")).to_have_count(0)
        screenshot(turkish, "proposal", f"Proposed as a new agreement: {title}", screenshot_folders)
        turkish.assert_clean()

    with new_tab(browser, served, "en-US") as pakistani:
        _signed_in(pakistani, "pk.liaison")
        page = pakistani.page
        expect(page.locator("main")).to_contain_text(title)  # on the dashboard, awaiting
        pakistani.go("/proposals?show=awaiting")
        page.get_by_role("link", name=title, exact=True).click()
        page.wait_for_url(pakistani.base + proposal)
        forged = page.request.post(pakistani.base + proposal + "/accept", max_redirects=0)
        assert forged.status == 403  # no token: refused
        page.get_by_role("button", name="Accept for my state", exact=True).click()
        page.wait_for_url(re.compile(r".*\?done=accepted$"))
        expect(page.get_by_role("status")).to_have_text("Your state has accepted the proposal.")
        page.get_by_role("link", name=title, exact=True).first.click()
        page.wait_for_url(re.compile(r".*/agreements/\d+$"))
        agreement = pakistani.path
        expect(heading(pakistani, title)).to_be_visible()
        expect(page.locator("p.status strong")).to_have_text("In force")

        pakistani.go(agreement + "?lang=ar")
        parties = page.locator("main table").first
        expect(parties).to_contain_text("تركيا")
        expect(parties).to_contain_text("باكستان")
        assert page.evaluate("document.documentElement.dir") == "rtl"
        pakistani.assert_clean()  # the forged request is no page's: not watched

    with new_tab(browser, served, "en-US") as saudi:
        _signed_in(saudi, "sa.liaison")
        answer = saudi.go(proposal)
        assert answer.status == 404
        expect(heading(saudi, "Not found")).to_be_visible()
        expect(saudi.page.locator("main")).not_to_contain_text(title)
        saudi.assert_clean(f"404 {proposal}")


def test_the_proposer_withdraws_a_proposal(tab: Tab) -> None:
    _signed_in(tab, "tr.liaison")
    title = f"Accord to withdraw {uuid.uuid4().hex[:8]}"
    _propose(tab, title)
    page = tab.page
    page.get_by_role("button", name="Withdraw the proposal", exact=True).click()
    page.wait_for_url(re.compile(r".*\?done=withdrawn$"))
    expect(page.get_by_role("status")).to_have_text("The proposal is withdrawn.")
    expect(page.locator("dl strong")).to_have_text("withdrawn")
    page.get_by_role("link", name=title, exact=True).first.click()
    expect(page.locator("p.status strong")).to_have_text("Withdrawn")
    tab.assert_clean()


def test_the_new_pages_have_no_serious_accessibility_violation(browser: Any, served: str) -> None:
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        unavailable("axe-playwright-python is not installed: no accessibility test")
    axe = Axe()
    found: dict[str, list[str]] = {}
    for lang in ("en", "ar"):
        with new_tab(browser, served, "en-US") as tab:
            _signed_in(tab, "tr.liaison", lang)
            if lang == "en":
                proposal = _propose(tab, f"Accord for axe {uuid.uuid4().hex[:8]}")
            for path in ("/agreements/new", "/proposals?status=any", proposal):
                tab.go(path)
                expect(tab.page.locator("h1")).to_be_visible()
                _check(axe, tab, f"{lang} {path}", found)
            tab.page.locator("main dl a").first.click()  # the proposal's agreement
            tab.page.wait_for_url(re.compile(r".*/agreements/\d+$"))
            _check(axe, tab, f"{lang} agreement", found)
            tab.assert_clean()
    assert found == {}, found


def _check(axe: Any, tab: Tab, name: str, found: dict[str, list[str]]) -> None:
    results = axe.run(tab.page)
    serious = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
        if v["impact"] in SERIOUS
    ]
    if serious:
        found[name] = serious
