"""The intel pages in a real browser (issue 12): a Turkish liaison shares a bundle under a
Turkey–Pakistan intelligence-sharing agreement through the share form, a Pakistani liaison
sees it on the dashboard and opens it, a Saudi user gets the 404 page for the same URL; axe
finds no serious or critical violation on the feed, an object and the share form in English
and Arabic; screenshots of the feed and of an object (``intel-feed.png``,
``intel-object.png``). Every flow ends with no CSP violation and no request off the node."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session

from taawun.access import service as access
from taawun.core.clock import SystemClock
from taawun.core.principal import Clearance, Principal
from taawun.intel import changes
from taawun.intel.markings import MarkingDefaults, Tlp
from taawun.registry import changes as registry
from taawun.registry.schemas import AgreementCreate

from .conftest import PASSWORD
from .ui_browser_helpers import (
    TEXTS,
    Tab,
    expect,
    heading,
    new_tab,
    screenshot,
    sign_in,
    unavailable,
)

TITLE = "Turkey–Pakistan intelligence sharing (browser test)"
SERIOUS = {"serious", "critical"}
SEED = "indicator--5eed0000-0000-4000-8000-000000000001"


def _stix(kind: str, n: int, **fields: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "spec_version": "2.1",
        "id": f"{kind}--b0a5e000-0000-4000-8000-{n:012d}",
        "created": "2026-02-01T09:30:00.000Z",
        "modified": "2026-02-01T09:30:00.000Z",
        **fields,
    }


INDICATOR = _stix(
    "indicator",
    1,
    name="Shamoon wiper C2 (Ankara campaign)",
    description="Command-and-control address seen in the wiper's beacons against energy firms.",
    pattern="[ipv4-addr:value = '185.141.62.123'] OR [domain-name:value = 'update-sync.example']",
    pattern_type="stix",
    valid_from="2026-02-01T09:30:00Z",
    indicator_types=["malicious-activity"],
    labels=["c2", "wiper"],
)
MALWARE = _stix("malware", 2, name="Shamoon", is_family=True, malware_types=["wiper"])
RELATIONSHIP = _stix(
    "relationship",
    3,
    relationship_type="indicates",
    source_ref=INDICATOR["id"],
    target_ref=MALWARE["id"],
)
BUNDLE = {
    "type": "bundle",
    "id": "bundle--b0a5e000-0000-4000-8000-000000000000",
    "objects": [INDICATOR, MALWARE, RELATIONSHIP],
}


@pytest.fixture(scope="module")
def agreement(app: FastAPI) -> int:
    """The agreement, recorded by the node; and one object Turkey keeps to itself (for the
    pages' accessibility checks, whatever runs first)."""
    with Session(app.state.engine) as session:
        found = registry.record_agreement(
            Principal.system_principal("test"),
            session,
            data=AgreementCreate(
                title=TITLE,
                parties=["TUR", "PAK"],
                domains=["intelligence_sharing"],
                in_force=date(2024, 1, 1),
                sharing_ceiling="SECRET",
            ),
        )
        turk = access.authenticate_password(
            session, username="tr.liaison", password=PASSWORD, clock=SystemClock()
        )
        seed = {**INDICATOR, "id": SEED, "name": "Seed indicator"}
        defaults = MarkingDefaults(tlp=Tlp.GREEN, classification=Clearance.UNCLASSIFIED)
        assert changes.share(turk, session, objects=[seed], defaults=defaults).stored == 1
        session.commit()
    return found.id


def test_a_turk_shares_a_pakistani_reads_a_saudi_gets_404(
    tab: Tab, browser: Any, served: str, agreement: int, screenshot_folders: list[Path]
) -> None:
    page = tab.page
    tab.go("/intel/share")
    sign_in(tab, "tr.liaison", lands_on="/intel/share")
    expect(heading(tab, "Share intel")).to_be_visible()
    page.get_by_label("Or paste a bundle, a list of objects or one object").fill(
        orjson.dumps(BUNDLE, option=orjson.OPT_INDENT_2).decode()
    )
    page.get_by_label(re.compile(re.escape(TITLE))).check()
    page.get_by_label("TLP (for objects that carry none)").select_option("amber")
    page.get_by_label("Classification (for objects that carry none)").select_option("CONFIDENTIAL")
    page.get_by_role("button", name="Share", exact=True).click()
    expect(heading(tab, "What was shared", level=2)).to_be_visible()
    expect(page.get_by_text("3 stored, 0 already here, 0 refused, of 3 objects.")).to_be_visible()
    page.get_by_role("link", name=INDICATOR["id"]).click()
    page.wait_for_url(f"{tab.base}/intel/{INDICATOR['id']}")
    expect(heading(tab, INDICATOR["name"])).to_be_visible()
    expect(page.get_by_role("button", name="Revoke this object")).to_be_visible()
    tab.assert_clean()

    url = f"/intel/{INDICATOR['id']}"
    with new_tab(browser, served, "en-US") as pakistani:
        pakistani.go("/")
        sign_in(pakistani, "pk.liaison")
        part = pakistani.page.locator(
            "section", has=heading(pakistani, "Intel newly released to my agency", 2)
        )
        link = part.get_by_role("link", name=INDICATOR["name"])
        expect(link).to_be_visible()
        screenshot(pakistani, "dashboard-liaison", "Dashboard", screenshot_folders)
        link.click()
        pakistani.page.wait_for_url(served + url)
        expect(heading(pakistani, INDICATOR["name"])).to_be_visible()
        banner = pakistani.page.locator("p.banner")
        expect(banner).to_contain_text("Confidential")
        expect(banner).to_contain_text("TLP:AMBER")
        expect(pakistani.page.get_by_role("link", name=TITLE)).to_be_visible()
        expect(pakistani.page.get_by_role("button", name="Revoke this object")).to_have_count(0)
        screenshot(pakistani, "intel-object", INDICATOR["name"], screenshot_folders)
        pakistani.go("/intel")
        expect(pakistani.page.locator("main table tbody tr")).to_have_count(3)
        screenshot(pakistani, "intel-feed", "Intel", screenshot_folders)
        pakistani.assert_clean()

    with new_tab(browser, served, "en-US") as saudi:
        saudi.go("/")
        sign_in(saudi, "sa.liaison")
        answer = saudi.go(url)
        assert answer.status == 404
        expect(heading(saudi, "Not found")).to_be_visible()
        assert "Shamoon" not in saudi.page.content()
        saudi.assert_clean(f"404 {url}")


def test_the_feed_filters_in_place(tab: Tab, agreement: int) -> None:
    page = tab.page
    tab.go("/intel")
    sign_in(tab, "tr.liaison", lands_on="/intel")
    expect(heading(tab, "Intel")).to_be_visible()
    page.evaluate("() => { window.notReloaded = true; }")
    page.get_by_text("Filters", exact=True).click()  # the filters are folded away
    with page.expect_request(lambda r: "/intel?" in r.url) as asked:
        page.locator("#filter-type").select_option("indicator")
        page.get_by_role("button", name="Filter", exact=True).click()
    assert asked.value.headers.get("hx-request") == "true"
    page.wait_for_url(re.compile(r".*/intel\?(.*&)?type=indicator(&.*)?$"))
    expect(
        page.locator("main table tbody").get_by_role("link", name="Seed indicator")
    ).to_be_visible()
    assert page.evaluate("window.notReloaded === true")
    tab.assert_clean()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_intel_pages_have_no_serious_accessibility_violation(
    tab: Tab, lang: str, agreement: int
) -> None:
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        unavailable("axe-playwright-python is not installed: no accessibility test")
    axe = Axe()
    found: dict[str, list[str]] = {}
    tab.go(f"/sign-in?lang={lang}")
    sign_in(tab, "tr.liaison", lang=lang)
    expect(heading(tab, TEXTS[lang]["dashboard"])).to_be_visible()
    for name, path in (("feed", "/intel"), ("object", f"/intel/{SEED}"), ("share", "/intel/share")):
        tab.go(path)
        expect(tab.page.locator("h1")).to_be_visible()
        serious = [
            f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
            for v in axe.run(tab.page).response["violations"]
            if v["impact"] in SERIOUS
        ]
        if serious:
            found[name] = serious
    assert found == {}, found
    tab.assert_clean()
