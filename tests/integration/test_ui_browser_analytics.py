"""The analytics pages in a real browser (issue 12): a live node on 127.0.0.1 with the real
data, driven through Debian's chromium by Playwright.

The issue's flow: an analyst opens the network for 1955 (its picture loads), goes to a
state's profile from the measures' table and opens the state's report. axe's rules on the
analytics pages in English and Arabic; the screenshot of the network (``network.png``, the
README's) and of a state's profile. Every flow ends with no request off the node, no error
answer and no console error (a Content-Security-Policy violation is one)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from .ui_browser_helpers import Tab, expect, heading, screenshot, signed_in, unavailable

SERIOUS = {"serious", "critical"}
REPORT = re.compile(r".*/analytics/reports/state/640\?from=1946&to=\d{4}$")


def _loaded(tab: Tab, alt: str) -> None:
    """The picture whose ``alt`` starts with ``alt`` is shown: loaded, with a width."""
    picture = tab.page.locator(f'main img[alt^="{alt}"]')
    expect(picture).to_be_visible()
    tab.page.wait_for_function("img => img.complete", arg=picture.element_handle())
    assert picture.evaluate("img => img.naturalWidth") > 0


def test_an_analyst_opens_the_network_for_1955_and_a_states_report(
    tab: Tab, screenshot_folders: list[Path]
) -> None:
    page = tab.page
    signed_in(tab)
    page.get_by_role("navigation").get_by_role("link", name="Analytics", exact=True).click()
    expect(heading(tab, "Analytics")).to_be_visible()
    page.get_by_role("link", name="the network in 1955", exact=True).click()
    expect(heading(tab, "The partnership network in 1955")).to_be_visible()
    assert tab.path == "/analytics/network?year=1955"
    _loaded(tab, "The partnership network in 1955")
    screenshot(tab, "network", "The partnership network in 1955", screenshot_folders)

    page.get_by_label("Order by").select_option("degree")
    page.get_by_role("button", name="Order", exact=True).click()
    expect(heading(tab, "States by Partners (degree)", level=2)).to_be_visible()
    page.get_by_role("link", name="Turkey (TUR)", exact=True).click()
    expect(heading(tab, f"Turkey: partners 1946–{_this_year(tab)}")).to_be_visible()
    _loaded(tab, "Turkey: partners per year")
    screenshot(tab, "analytics-state", page.locator("h1").inner_text(), screenshot_folders)
    tab.assert_clean()

    report = page.get_by_role("link", name="The report on Turkey (one HTML page)", exact=True)
    report.click()
    page.wait_for_url(REPORT)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Turkey (TUR): partnerships")
    expect(page.locator("svg").first).to_be_visible()  # its pictures, inline


def test_a_report_opened_from_the_ui_breaks_no_policy(tab: Tab) -> None:
    signed_in(tab)
    tab.go("/analytics/reports/state/TUR?from=1950&to=1960")
    expect(tab.page.get_by_role("heading", level=1)).to_contain_text("Turkey (TUR)")
    tab.assert_clean()


def test_a_dyads_timeline_from_a_states_profile(tab: Tab) -> None:
    page = tab.page
    signed_in(tab)
    tab.go("/analytics")
    page.get_by_label("State (name, ISO code or COW code)").fill("Pakistan")
    page.get_by_role("button", name="Show the profile", exact=True).click()
    expect(page.locator("h1")).to_contain_text("Pakistan: partners 1946–")
    page.get_by_label("From (year)").fill("1950")
    page.get_by_label("To (year)").fill("1960")
    page.get_by_role("button", name="Show these years", exact=True).click()
    expect(heading(tab, "Pakistan: partners 1950–1960")).to_be_visible()
    page.get_by_role("link", name="Turkey (TUR)", exact=True).click()
    expect(heading(tab, "Pakistan and Turkey, 1815–" + _this_year(tab))).to_be_visible()
    _loaded(tab, "Timeline of everything joining Pakistan and Turkey")
    expect(page.get_by_role("cell", name="ATOP 5.1 3275").first).to_be_visible()
    tab.go("/analytics/states/Atlantis")
    expect(page.get_by_role("alert")).to_contain_text("State")
    tab.assert_clean("404 /analytics/states/Atlantis")


def _this_year(tab: Tab) -> str:
    year: int = tab.page.evaluate("() => new Date().getFullYear()")
    return str(year)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_analytics_pages_have_no_serious_accessibility_violation(tab: Tab, lang: str) -> None:
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        unavailable("axe-playwright-python is not installed: no accessibility test")
    axe = Axe()
    found: dict[str, list[str]] = {}
    signed_in(tab, lang=lang)
    for path in (
        "/analytics",
        "/analytics/network?year=1955",
        "/analytics/states/TUR?from=1950&to=1960",
        "/analytics/dyads/TUR/PAK",
        "/analytics/sscores",
        "/analytics/blocs/OIC?from=1990&to=2000",
        "/analytics/network?year=3000",
    ):
        tab.go(path)
        expect(tab.page.locator("h1")).to_be_visible()
        for image in tab.page.locator("main img").all():
            tab.page.wait_for_function("img => img.complete", arg=image.element_handle())
        serious = _serious(axe.run(tab.page).response)
        if serious:
            found[path] = serious
    assert found == {}, found
    assert tab.page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    tab.assert_clean("400 /analytics/network?year=3000")


def _serious(response: dict[str, Any]) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
        for v in response["violations"]
        if v["impact"] in SERIOUS
    ]


def test_the_dashboard_counts_my_states_partners(tab: Tab) -> None:
    signed_in(tab)
    figure = tab.page.locator("#analytics-partners")
    expect(figure).to_contain_text("My state has")  # swapped in by htmx once shown
    tab.page.get_by_role("link", name="Profile of Turkey over time", exact=True).click()
    expect(tab.page.locator("h1")).to_contain_text("Turkey: partners 1946–")
    tab.assert_clean()
