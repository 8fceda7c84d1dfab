"""The cooperation pages in a real browser (issue 12): an operation proposed and joined (a
Turkish liaison proposes it in the form, the Pakistani liaison joins it in a browser of
its own, the lead activates it, and a Saudi liaison gets the 404 page for its URL); a
training programme recorded, seats taken and the reciprocity ledger flagging the
imbalance in words; an exercise recorded and changed in its forms (a refusal naming the
field); axe's accessibility rules on the area's main pages in English and Arabic (the
cooperation record imported, so the reference pages have their tables); screenshots of the
shared threats and of an operation.

Every flow ends with ``assert_clean``: no request left the node, no console error (a
Content-Security-Policy violation is one)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session

from taawun.cooperation.importers.run import import_all as import_cooperation

from .test_ui_cooperation import record_pact
from .ui_browser_helpers import (
    Tab,
    expect,
    heading,
    new_tab,
    screenshot,
    sign_in,
    unavailable,
)

PACT = "Turkey–Pakistan cooperation pact (browser tests)"
SERIOUS = {"serious", "critical"}
_OPERATION = re.compile(r".*/cooperation/operations/\d+$")
_PROGRAMME = re.compile(r".*/cooperation/training/[0-9a-f-]{36}$")
_EXERCISE = re.compile(r".*/cooperation/exercises/\d+$")


@pytest.fixture(scope="module")
def pact(app: FastAPI) -> int:
    with Session(app.state.engine) as session:
        import_cooperation(session)
        found = record_pact(session, parties=["TUR", "PAK"], title=PACT)
        session.commit()
    return found


def signed_in_as(tab: Tab, username: str, path: str) -> None:
    """Sign ``username`` in on the tab, landing on ``path``."""
    tab.go(f"/sign-in?next={path}")
    sign_in(tab, username, lands_on=path)


def propose_in_the_form(tab: Tab, pact: int, name: str) -> str:
    """Fill the proposal form by mouse and send it; the operation's path."""
    page = tab.page
    tab.go("/cooperation/operations/new")
    expect(heading(tab, "Propose an operation")).to_be_visible()
    page.get_by_label("Name", exact=True).fill(name)
    page.locator("select#f-agreement").select_option(str(pact))
    page.get_by_label("Threat (name)", exact=True).fill("Kimsuky spear-phishing")
    page.get_by_role("button", name="Propose", exact=True).click()
    page.wait_for_url(_OPERATION)
    expect(heading(tab, name)).to_be_visible()
    return tab.path


def parties(tab: Tab) -> list[str]:
    """The parties' table as text rows."""
    section = tab.page.get_by_role("region", name="Parties")
    rows: list[str] = section.locator("tbody tr").all_inner_texts()
    return rows


def test_an_operation_proposed_and_joined(
    tab: Tab, browser: Any, served: str, pact: int, screenshot_folders: list[Path]
) -> None:
    name = "Operation Crescent Watch (browser)"
    signed_in_as(tab, "tr.liaison", "/cooperation/operations")
    path = propose_in_the_form(tab, pact, name)
    expect(tab.page.get_by_text("Not answered yet")).to_be_visible()
    assert any("PAK" in row and "Not answered yet" in row for row in parties(tab))

    with new_tab(browser, served, "en-US") as pakistani:
        signed_in_as(pakistani, "pk.liaison", path)
        expect(heading(pakistani, name)).to_be_visible()
        pakistani.page.get_by_role("button", name="Join the operation", exact=True).click()
        pakistani.page.wait_for_url(served + path)
        expect(pakistani.page.get_by_text("Pakistan joined")).to_be_visible()
        pakistani.assert_clean()

    tab.go(path)
    tab.page.get_by_role("button", name="Activate the operation", exact=True).click()
    tab.page.wait_for_url(served + path)
    expect(tab.page.locator("p.status strong")).to_have_text("Active")
    rows = parties(tab)
    assert len(rows) == 2 and all("Joined" in row for row in rows), rows
    assert any("TUR" in row and "Lead" in row for row in rows), rows
    screenshot(tab, "operation", name, screenshot_folders)
    tab.assert_clean()

    with new_tab(browser, served, "en-US") as saudi:
        signed_in_as(saudi, "sa.liaison", "/cooperation")
        saudi.go(path)
        expect(heading(saudi, "Not found")).to_be_visible()
        assert name not in saudi.page.content()
        saudi.assert_clean(f"404 {path}")


def test_a_programme_and_the_ledger(tab: Tab, browser: Any, served: str, pact: int) -> None:
    page = tab.page
    signed_in_as(tab, "tr.liaison", "/cooperation/training/new")
    page.get_by_label("Subject", exact=True).fill("Counter-IED course (browser)")
    page.get_by_label("Agreement (id or reference)", exact=True).fill(str(pact))
    page.get_by_label("First day", exact=True).fill("2030-03-01")
    page.get_by_label("Last day", exact=True).fill("2030-03-20")
    page.get_by_label("Guest state 1", exact=True).fill("PAK")
    page.get_by_label("Seats for guest state 1", exact=True).fill("4")
    page.get_by_role("button", name="Record the programme", exact=True).click()
    page.wait_for_url(_PROGRAMME)
    path = tab.path
    expect(heading(tab, "Counter-IED course (browser)")).to_be_visible()

    with new_tab(browser, served, "en-US") as pakistani:
        signed_in_as(pakistani, "pk.liaison", path)
        pakistani.page.get_by_label("Seats", exact=True).fill("3")
        pakistani.page.get_by_role("button", name="Take the seats", exact=True).click()
        pakistani.page.wait_for_url(served + path)
        expect(pakistani.page.get_by_text("3 taken of 4 offered")).to_be_visible()
        pakistani.assert_clean()

    tab.go("/cooperation/training/ledger")
    expect(heading(tab, "The reciprocity ledger")).to_be_visible()
    page.get_by_label("A state", exact=True).fill("TUR")
    page.get_by_label("Another state", exact=True).fill("PAK")
    page.get_by_role("button", name="Show the ledger", exact=True).click()
    page.wait_for_url(re.compile(r".*/cooperation/training/ledger\?.*a=TUR.*"))
    row = page.locator("main table tbody tr").first
    expect(row).to_contain_text("Imbalanced")  # said in words, not by colour alone
    expect(row).to_contain_text("3/4")
    tab.assert_clean()


def test_an_exercise_recorded_and_changed(tab: Tab, served: str, pact: int) -> None:
    page = tab.page
    signed_in_as(tab, "tr.liaison", "/cooperation/exercises/new")
    page.get_by_label("Name", exact=True).fill("Indus Shield (browser)")
    page.get_by_label("Start (YYYY-MM-DD, YYYY-MM or YYYY)", exact=True).fill("2031-05")
    page.locator("textarea#f-participants").fill("TUR\nPAK")
    page.get_by_label("air", exact=True).check()
    page.get_by_role("button", name="Record the exercise", exact=True).click()
    page.wait_for_url(_EXERCISE)
    path = tab.path
    expect(page.locator("p.status")).to_contain_text("Under an agreement")

    page.get_by_role("button", name="Change the exercise", exact=True).click()
    page.wait_for_url(served + path + "/edit")
    expect(heading(tab, "Change the exercise")).to_be_visible()
    start = page.get_by_label("Start (YYYY-MM-DD, YYYY-MM or YYYY)", exact=True)
    expect(start).to_have_value("2031-05")
    start.fill("2031-13")
    page.get_by_role("button", name="Save the changes", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("field: start")
    expect(start).to_have_attribute("aria-invalid", "true")

    start.fill("2031-06")
    page.get_by_label("Name", exact=True).fill("Indus Shield II (browser)")
    page.locator("textarea#f-participants").fill("TUR (host)\nPAK\nSAU")
    page.get_by_role("button", name="Save the changes", exact=True).click()
    page.wait_for_url(served + path)
    expect(heading(tab, "Indus Shield II (browser)")).to_be_visible()
    expect(page.locator("p.status")).to_contain_text("Outside any agreement (flagged)")
    expect(page.get_by_text("TUR) — host")).to_be_visible()
    tab.assert_clean(f"400 {path}/edit")  # the refused change, answered 400


MAIN_PAGES = (
    "/cooperation",
    "/cooperation/threats",
    "/cooperation/threats/common",
    "/cooperation/operations",
    "/cooperation/operations/new",
    "/cooperation/training",
    "/cooperation/training/ledger?a=TUR&b=PAK",
    "/cooperation/exercises",
    "/cooperation/exercises/new",
    "/cooperation/exercises/partners?state=TUR",
    "/cooperation/transfers",
    "/cooperation/transfers/new",
    "/cooperation/transfers/items",
    "/cooperation/transfers/allies?state=PAK&year_from=1990&year_to=2000",
)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_cooperation_pages_have_no_serious_accessibility_violation(
    tab: Tab, lang: str, pact: int
) -> None:
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        unavailable("axe-playwright-python is not installed: no accessibility test")
    axe = Axe()
    signed_in_as(tab, "tr.liaison", "/cooperation")
    tab.go(f"/cooperation?lang={lang}")
    assert tab.page.locator("html").get_attribute("lang") == lang
    found: dict[str, list[str]] = {}
    for path in MAIN_PAGES:
        tab.go(path)
        expect(tab.page.locator("h1")).to_be_visible()
        results = axe.run(tab.page)
        serious = [
            f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
            for v in results.response["violations"]
            if v["impact"] in SERIOUS
        ]
        if serious:
            found[path] = serious
    assert found == {}, found
    tab.assert_clean()


def test_screenshot_of_the_shared_threats(tab: Tab, screenshot_folders: list[Path]) -> None:
    signed_in_as(tab, "tr.liaison", "/cooperation/threats")
    expect(tab.page.get_by_role("heading", name="My state's shared threats")).to_be_visible()
    screenshot(tab, "threats", "Shared threats", screenshot_folders)
    tab.assert_clean()
