"""The agreements pages on a live node (both backends): the list shows the real record,
filtered and paginated by the database as the REST API is; an htmx request gets the results
only; the detail page shows an agreement's parties and provisions; a confidential agreement
is listed for its parties' users, and for anyone else its page is the same 404 page as a
reference that names nothing; signed out, the pages send to the sign-in page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from .analytics_helpers import PACT_TITLE, record_secret_pact
from .conftest import PASSWORD, Node

BAGHDAD_PACT = "ATOP 3275"
_ID = re.compile(r'href="/agreements/(\d+)"')
_TOTAL = re.compile(r"of ([\d,]+)</p>")


def sign_in(node: Node, username: str) -> TestClient:
    """A browser of its own for ``username``, signed in through the sign-in form."""
    client = TestClient(node.client.app, follow_redirects=False)
    assert client.get("/sign-in").status_code == 200
    token = client.cookies.get("taawun_csrf")  # the form's double-submit token
    assert token
    answer = client.post(
        "/sign-in",
        data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/"},
    )
    assert answer.status_code == 303, answer.text
    assert client.cookies.get("taawun_session")
    return client


@pytest.fixture(scope="module")
def pact(node: Node) -> str:
    """A confidential Turkey–Pakistan pact recorded on the node: its reference."""
    with Session(node.engine) as session:
        ref = record_secret_pact(session)
        session.commit()
    return ref


@pytest.fixture(scope="module")
def turkish(node: Node) -> Iterator[TestClient]:
    with sign_in(node, "tr.liaison") as client:
        yield client


@pytest.fixture(scope="module")
def saudi(node: Node) -> Iterator[TestClient]:
    with sign_in(node, "sa.liaison") as client:
        yield client


def ids(html: str) -> list[int]:
    return [int(i) for i in _ID.findall(html)]


def results(html: str) -> str:
    """The results of a list page (without the filter form, which echoes the query)."""
    start = html.index('<section id="agreement-results"')
    return html[start : html.index("</section>", start)]


def main(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


def total(html: str) -> int:
    found = _TOTAL.search(html)
    assert found, "the total is shown"
    return int(found[1].replace(",", ""))


def api_page(node: Node, username: str, query: str) -> dict[str, Any]:
    answer = node.client.get(f"/api/v1/agreements?{query}", headers=node.auth(username))
    assert answer.status_code == 200, answer.text
    page: dict[str, Any] = answer.json()
    return page


def test_signed_out_the_pages_send_to_sign_in(node: Node) -> None:
    browser = TestClient(node.client.app, follow_redirects=False)
    for path in ("/agreements?q=Baghdad", f"/agreements/{quote(BAGHDAD_PACT)}"):
        answer = browser.get(path)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/sign-in?next=")
        assert "Baghdad" not in answer.text


def test_the_list_shows_the_real_record_paginated_by_the_database(
    node: Node, turkish: TestClient
) -> None:
    first = turkish.get("/agreements")
    assert first.status_code == 200
    assert "<html" in first.text and 'id="agreement-results"' in first.text
    api = api_page(node, "tr.liaison", "limit=50&offset=0")
    assert total(first.text) == api["total"] > 1000  # ATOP alone has more than a thousand
    assert ids(first.text) == [a["id"] for a in api["items"]]

    second = turkish.get("/agreements?page=2")
    assert second.status_code == 200
    on_second = ids(second.text)
    assert len(on_second) == 50 and not set(on_second) & set(ids(first.text))
    api2 = api_page(node, "tr.liaison", "limit=50&offset=50")
    assert on_second == [a["id"] for a in api2["items"]]
    assert 'href="/agreements?page=3"' in second.text and 'href="/agreements"' in second.text


def test_filters_narrow_as_the_api_does(node: Node, turkish: TestClient) -> None:
    everything = total(turkish.get("/agreements").text)
    turkey = turkish.get("/agreements?party=TUR")
    by_turkey = total(turkey.text)
    assert 0 < by_turkey < everything
    assert by_turkey == api_page(node, "tr.liaison", "party=TUR")["total"]
    for query in ("party=TUR&domain=mutual_defense", "party=TUR&party=IRQ&in_force=1956"):
        narrower = turkish.get(f"/agreements?{query}")
        expected = api_page(node, "tr.liaison", query)
        assert ids(narrower.text) == [a["id"] for a in expected["items"]]
        assert 0 < total(narrower.text) == expected["total"] < by_turkey
    assert "Baghdad Pact" in narrower.text
    titled = turkish.get("/agreements?q=Baghdad")
    assert "Baghdad Pact" in titled.text and total(titled.text) < by_turkey
    # the filters are kept in the form and in the pages' links
    assert 'value="TUR"' in turkey.text and "party=TUR&amp;page=2" in turkey.text
    unknown = turkish.get("/agreements?party=Atlantis")
    assert unknown.status_code == 400 and not ids(unknown.text)
    assert 'aria-invalid="true"' in unknown.text


def test_an_htmx_request_gets_the_results_only(turkish: TestClient) -> None:
    htmx = {"HX-Request": "true"}
    part = turkish.get("/agreements?party=TUR&page=2", headers=htmx)
    assert part.status_code == 200
    assert "<html" not in part.text and "<form" not in part.text
    assert part.text.lstrip().startswith('<section id="agreement-results"')
    assert ids(part.text)
    whole = turkish.get("/agreements?party=TUR&page=2")
    assert ids(whole.text) == ids(part.text) and "<form" in whole.text
    restore = turkish.get(
        "/agreements?party=TUR&page=2", headers={**htmx, "HX-History-Restore-Request": "true"}
    )
    assert "<html" in restore.text  # a history restore replaces the whole body
    assert "HX-Request" in part.headers["vary"]
    emptied = turkish.get("/agreements?q=&party=TUR&party=&domain=&page=2", headers=htmx)
    assert emptied.headers["hx-push-url"] == "/agreements?party=TUR&page=2"  # the URL kept
    refused = turkish.get("/agreements?party=Atlantis", headers=htmx)
    assert refused.status_code == 200 and 'role="alert"' in refused.text  # htmx swaps a 200


def test_the_detail_page_shows_the_baghdad_pact(node: Node, turkish: TestClient) -> None:
    answer = turkish.get(f"/agreements/{quote(BAGHDAD_PACT)}")
    assert answer.status_code == 200
    page = answer.text
    assert "<h1>Pact of Mutual Co-operation between Iraq and Turkey (Baghdad Pact)</h1>" in page
    read = node.client.get(
        f"/api/v1/agreements/{quote(BAGHDAD_PACT)}", headers=node.auth("tr.liaison")
    ).json()
    names = {p["state"]["name"] for p in read["party_spells"]}
    assert {"Turkey", "Iraq", "Pakistan", "Iran", "United Kingdom"} <= names
    for name in names:
        assert name in page
    assert "Consultation" in page and "Non-aggression" in page  # its domains (ATOP)
    assert "Military contact" in page and "named organization with regularly" in page
    assert "ATOP 5.1 3275" in page and "Timeline" in page and "1955" in page
    by_id = turkish.get(f"/agreements/{read['id']}")
    assert by_id.status_code == 200 and main(by_id.text) == main(page)


def test_a_confidential_agreement_is_a_404_for_a_third_state(
    node: Node, pact: str, turkish: TestClient, saudi: TestClient
) -> None:
    query = "/agreements?q=" + quote(PACT_TITLE)
    assert PACT_TITLE in results(turkish.get(query).text)
    pakistani = sign_in(node, "pk.liaison")
    listed = pakistani.get(query).text
    assert PACT_TITLE in results(listed) and total(listed) == 1
    pact_id = ids(listed)[0]
    assert pakistani.get(f"/agreements/{pact_id}").status_code == 200

    not_listed = saudi.get(query)
    assert not_listed.status_code == 200 and PACT_TITLE not in results(not_listed.text)
    assert not ids(not_listed.text)

    hidden = saudi.get(f"/agreements/{pact_id}")
    missing = saudi.get(f"/agreements/{pact_id + 1_000_000}")
    assert hidden.status_code == missing.status_code == 404
    assert PACT_TITLE not in hidden.text
    assert "Not found" in hidden.text
    # the same page, but for the reference the user typed (which they know already)
    assert hidden.text.replace(str(pact_id), "REF") == missing.text.replace(
        str(pact_id + 1_000_000), "REF"
    )
    by_source = saudi.get(f"/agreements/{quote(pact)}")
    other = saudi.get(f"/agreements/{quote(pact[:-4] + '0000')}")
    assert by_source.status_code == other.status_code == 404
    assert by_source.text.replace(quote(pact), "REF").replace(pact, "REF") == other.text.replace(
        quote(pact[:-4] + "0000"), "REF"
    ).replace(pact[:-4] + "0000", "REF")


def test_the_pages_in_arabic(turkish: TestClient) -> None:
    turkish.cookies.set("taawun_lang", "ar")
    try:
        listed = turkish.get("/agreements?party=TUR")
        shown = turkish.get(f"/agreements/{quote(BAGHDAD_PACT)}")
    finally:
        turkish.cookies.delete("taawun_lang")
    for answer in (listed, shown):
        assert answer.status_code == 200
        assert '<html lang="ar" dir="rtl">' in answer.text
    assert ids(listed.text) and "Baghdad Pact" in shown.text


def test_the_list_offers_to_propose_to_those_who_may(node: Node, turkish: TestClient) -> None:
    """A liaison is offered the proposal form; a viewer, who takes no step of consent, is
    not (and the form refuses them: ``test_ui_proposals``)."""
    assert 'href="/agreements/new"' in turkish.get("/agreements").text
    with sign_in(node, "sa.viewer") as viewer:
        listed = viewer.get("/agreements").text
        assert 'href="/agreements/new"' not in listed and 'href="/proposals"' in listed
        form = viewer.get("/agreements/new")
    assert form.status_code == 200 and "Only a liaison or an administrator" in form.text
    new = turkish.get("/agreements/new")
    assert new.status_code == 200 and "<h1>Propose an agreement</h1>" in new.text
    assert "Only a liaison or an administrator" not in new.text
