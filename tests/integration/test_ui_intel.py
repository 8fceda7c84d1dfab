"""The intel pages on a live node (both backends): the feed shows what the release policy lets
the user read, filtered and paginated as the REST API is; an object's page has its markings
banner, properties, references, versions and where else its values were seen, and for anyone
who may not read it is the same 404 page as an id that names nothing; the share form stores
what is valid and reports every object, and writes nothing when the paste is not JSON;
release and revoke are its owner's alone; every form needs its CSRF token."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from taawun.core.principal import Principal
from taawun.registry import changes
from taawun.registry.schemas import AgreementCreate
from taawun.web.ui import intel as ui_intel

from .conftest import Node
from .test_ui_agreements import main, sign_in

API = "/api/v1/intel"
AMBER = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
_LINK = re.compile(r'href="/intel/((?:[a-z0-9-]+)--[0-9a-f-]{36})"')
MISSING = "indicator--0badc0de-0000-4000-8000-000000000000"


def stix_id(kind: str, n: int) -> str:
    return f"{kind}--1e7e1000-0000-4000-8000-{n:012d}"


def indicator(n: int, address: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": stix_id("indicator", n),
        "created": "2026-02-01T00:00:00.000Z",
        "modified": "2026-02-01T00:00:00.000Z",
        "name": f"C2 server {n}",
        "pattern": f"[ipv4-addr:value = '{address}']",
        "pattern_type": "stix",
        "valid_from": "2026-02-01T00:00:00Z",
        **extra,
    }


def malware(n: int, name: str) -> dict[str, Any]:
    return {
        "type": "malware",
        "spec_version": "2.1",
        "id": stix_id("malware", n),
        "created": "2026-02-01T00:00:00.000Z",
        "modified": "2026-02-01T00:00:00.000Z",
        "name": name,
        "is_family": True,
        "object_marking_refs": [AMBER],
    }


def relationship(n: int, source: str, target: str) -> dict[str, Any]:
    return {
        "type": "relationship",
        "spec_version": "2.1",
        "id": stix_id("relationship", n),
        "created": "2026-02-01T00:00:00.000Z",
        "modified": "2026-02-01T00:00:00.000Z",
        "relationship_type": "indicates",
        "source_ref": source,
        "target_ref": target,
    }


@dataclass
class Shared:
    agreement: int
    title: str
    indicator: str
    malware: str
    relationship: str
    domestic: list[str]


def api_share(node: Node, user: str, objects: list[dict[str, Any]], **marks: Any) -> Any:
    answer = node.client.post(
        f"{API}/share", json={"objects": objects, **marks}, headers=node.auth(user)
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def api_list(node: Node, user: str, **params: Any) -> dict[str, Any]:
    answer = node.client.get(API, params=params, headers=node.auth(user))
    assert answer.status_code == 200, answer.text
    page: dict[str, Any] = answer.json()
    return page


def readable_count(node: Node, user: str) -> int:
    return int(api_list(node, user, exact_count="true", include_revoked="true")["total"])


@pytest.fixture(scope="module")
def shared(node: Node) -> Shared:
    """A Turkey–Pakistan intelligence-sharing agreement (ceiling SECRET), MIT's indicator,
    malware and the relationship between them released under it, and 60 objects MIT keeps
    to its own state (more than a page)."""
    title = "Turkey–Pakistan intelligence sharing (UI test)"
    with Session(node.engine) as session:
        agreement = changes.record_agreement(
            Principal.system_principal("test"),
            session,
            data=AgreementCreate(
                title=title,
                parties=["TUR", "PAK"],
                domains=["intelligence_sharing"],
                in_force=date(2024, 1, 1),
                sharing_ceiling="SECRET",
            ),
        ).id
        session.commit()
    ind = indicator(1, "91.234.56.78")
    mal = malware(2, "Shamoon")
    rel = relationship(3, ind["id"], mal["id"])
    report = api_share(
        node, "tr.liaison", [ind, mal, rel], release_to=[str(agreement)], tlp="amber",
        classification="CONFIDENTIAL",
    )  # fmt: skip
    assert report["stored"] == 3, report
    domestic = [indicator(100 + n, f"10.9.{n // 200}.{n % 200 + 1}") for n in range(60)]
    assert api_share(node, "tr.liaison", domestic)["stored"] == 60
    return Shared(agreement, title, ind["id"], mal["id"], rel["id"], [d["id"] for d in domestic])


@pytest.fixture(scope="module")
def turkish(node: Node) -> Iterator[TestClient]:
    with sign_in(node, "tr.liaison") as client:
        yield client


@pytest.fixture(scope="module")
def pakistani(node: Node) -> Iterator[TestClient]:
    with sign_in(node, "pk.liaison") as client:
        yield client


@pytest.fixture(scope="module")
def saudi(node: Node) -> Iterator[TestClient]:
    with sign_in(node, "sa.liaison") as client:
        yield client


def links(html: str) -> list[str]:
    """The objects a page links to, in order, each once."""
    return list(dict.fromkeys(_LINK.findall(html)))


def results(html: str) -> str:
    start = html.index('<section id="intel-results"')
    return html[start : html.index("</section>", start)]


def csrf(client: TestClient, path: str = "/intel/share") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found
    return found[1]


# --- the feed ---------------------------------------------------------------------------


def test_signed_out_the_pages_send_to_sign_in(node: Node, shared: Shared) -> None:
    browser = TestClient(node.client.app, follow_redirects=False)
    for path in ("/intel", f"/intel/{shared.indicator}", "/intel/share"):
        answer = browser.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/sign-in?next=")
        assert "Shamoon" not in answer.text


def test_the_feed_shows_only_what_the_user_may_read(
    node: Node, shared: Shared, pakistani: TestClient, saudi: TestClient
) -> None:
    page = pakistani.get("/intel")
    assert page.status_code == 200
    seen = links(results(page.text))
    assert set(seen) == {shared.indicator, shared.malware, shared.relationship}
    assert seen == [i["id"] for i in api_list(node, "pk.liaison", newest_first="true")["items"]]
    assert "TLP:AMBER" in page.text and "CONFIDENTIAL" in page.text
    assert "MIT" in page.text  # the owner agency
    assert not set(shared.domestic) & set(seen)  # kept to Turkey
    nothing = saudi.get("/intel")
    assert nothing.status_code == 200
    assert links(results(nothing.text)) == []
    assert "Shamoon" not in nothing.text


def test_the_feed_is_paginated_by_the_database(
    node: Node, shared: Shared, turkish: TestClient
) -> None:
    first = turkish.get("/intel")
    on_first = links(results(first.text))
    api = api_list(node, "tr.liaison", limit=50, newest_first="true")
    assert on_first == [i["id"] for i in api["items"]] and len(on_first) == 50
    oldest_first = [i["id"] for i in api_list(node, "tr.liaison", limit=50)["items"]]
    assert on_first != oldest_first  # the feed is newest first
    found = re.search(r'href="(/intel\?before=[^"]+)" rel="next"', first.text)
    assert found, "a link to the next page"
    second = turkish.get(found[1].replace("&amp;", "&"))
    on_second = links(results(second.text))
    api2 = api_list(node, "tr.liaison", limit=50, newest_first="true", added_before=api["next"])
    assert on_second == [i["id"] for i in api2["items"]]
    assert on_second and not set(on_second) & set(on_first)
    assert "Page 2" in second.text and 'rel="next"' not in second.text  # 63 in all


def test_free_text_is_searched_in_windows_of_the_newest_objects(
    node: Node, shared: Shared, turkish: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A free-text search reads the ``SEARCH_DEPTH`` newest objects the user may read per
    page, says how far back it went, and its next page goes on below: followed to the end,
    the pages give every match once, newest first, as the whole list filtered would."""
    monkeypatch.setattr(ui_intel, "SEARCH_DEPTH", 7)
    readable = api_list(node, "tr.liaison", limit=1000, newest_first="true")["items"]
    assert len(readable) > 14  # more than two windows
    wanted = [i["id"] for i in readable if "server 13" in (i["label"] or "").lower()]
    assert len(wanted) == 10  # C2 server 130 to 139
    first = turkish.get("/intel", params={"q": "Server 13"})
    assert first.status_code == 200
    window = [i["id"] for i in readable[:7]]
    assert links(results(first.text)) == [i for i in wanted if i in window]
    assert "newest objects" in results(first.text)
    found: list[str] = []
    url: str | None = "/intel?q=Server+13"
    for _ in range(len(readable)):  # bounded: each page moves at least one window down
        if url is None:
            break
        answer = turkish.get(url)
        found += links(results(answer.text))
        more = re.search(r'href="(/intel\?[^"]+)" rel="next"', answer.text)
        url = more[1].replace("&amp;", "&") if more else None
    assert found == wanted


def test_filters_narrow_as_the_api_does(
    node: Node, shared: Shared, pakistani: TestClient, turkish: TestClient
) -> None:
    def shown(client: TestClient, query: str) -> set[str]:
        answer = client.get(f"/intel?{query}")
        assert answer.status_code == 200, answer.text
        return set(links(results(answer.text)))

    assert shown(pakistani, "type=malware") == {shared.malware}
    assert shown(pakistani, "q=shamoon") == {shared.malware}
    assert shown(pakistani, "q=91.234.56") == {shared.indicator}
    assert shown(pakistani, f"agreement={shared.agreement}") == {
        shared.indicator,
        shared.malware,
        shared.relationship,
    }
    assert shown(pakistani, "since=2999-01-01") == set()
    assert shown(pakistani, f"since={date.today().isoformat()}") >= {shared.malware}
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    assert shown(pakistani, f"until={yesterday}") == set()  # all of it was added today
    assert shown(pakistani, f"until={date.today().isoformat()}") >= {shared.malware}
    # an observable value, however it is written (defanged here): the correlation index
    assert shown(pakistani, "value=91.234.56[.]78") == {shared.indicator}
    assert shown(pakistani, "value=91.234.56[.]78&type=malware") == set()
    mit = api_list(node, "pk.liaison", limit=1)["items"][0]["owner_agency_id"]
    assert shown(pakistani, f"owner={mit}") >= {shared.malware}
    assert shown(turkish, f"owner={mit}&type=malware") == {shared.malware}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("agreement=999999999", "filter-agreement"),
        ("since=yesterday", "filter-since"),
        ("until=9999-12-31", "filter-until"),
        ("owner=NOSUCH", "filter-owner"),
    ],
)
def test_a_filter_naming_nothing_known_says_so(
    shared: Shared, pakistani: TestClient, query: str, field: str
) -> None:
    answer = pakistani.get(f"/intel?{query}")
    assert answer.status_code == 400
    assert 'role="alert"' in answer.text
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', answer.text, re.S), field
    assert links(results(answer.text)) == []


def test_htmx_gets_the_results_only(shared: Shared, pakistani: TestClient) -> None:
    answer = pakistani.get("/intel?type=malware", headers={"HX-Request": "true"})
    assert answer.status_code == 200
    assert "<html" not in answer.text and 'id="intel-results"' in answer.text
    assert answer.headers["HX-Push-Url"] == "/intel?type=malware"
    assert links(answer.text) == [shared.malware]


# --- one object -------------------------------------------------------------------------


def test_the_object_page_shows_banner_properties_references_and_release(
    shared: Shared, pakistani: TestClient
) -> None:
    page = pakistani.get(f"/intel/{shared.indicator}")
    assert page.status_code == 200
    html = main(page.text)
    assert 'class="banner class-confidential"' in html
    assert "TLP:AMBER" in html and "tlp-amber" in html and "Confidential" in html
    assert "[ipv4-addr:value = &#39;91.234.56.78&#39;]" in html  # the pattern
    assert f'href="/agreements/{shared.agreement}"' in html and shared.title in html
    assert "Change the release" not in html and "Revoke this object" not in html  # not its owner
    rel = main(pakistani.get(f"/intel/{shared.relationship}").text)
    assert f'href="/intel/{shared.indicator}"' in rel and f'href="/intel/{shared.malware}"' in rel
    assert "indicates" in rel


def test_a_hidden_object_is_the_same_404_page_as_a_missing_one(
    shared: Shared, saudi: TestClient
) -> None:
    hidden = saudi.get(f"/intel/{shared.indicator}")
    missing = saudi.get(f"/intel/{MISSING}")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.text.replace(shared.indicator, "ID") == missing.text.replace(MISSING, "ID")
    assert "Shamoon" not in hidden.text and "91.234" not in hidden.text


def test_where_else_its_values_were_seen(
    node: Node, shared: Shared, pakistani: TestClient, turkish: TestClient, saudi: TestClient
) -> None:
    """Pakistan reports the same address; Turkey, who may read it, sees it on its object."""
    mine = indicator(500, "91.234.56.78", name="Pakistani sighting")
    report = api_share(node, "pk.liaison", [mine], release_to=[str(shared.agreement)], tlp="green")
    assert report["stored"] == 1
    page = main(turkish.get(f"/intel/{shared.indicator}").text)
    seen = page[page.index('id="seen-heading"') :]
    assert "91.234.56.78" in seen and f'href="/intel/{mine["id"]}"' in seen
    # A state that may read neither gets the 404 page for both.
    assert saudi.get(f"/intel/{mine['id']}").status_code == 404


def test_versions_are_listed_and_each_can_be_shown(
    node: Node, shared: Shared, turkish: TestClient
) -> None:
    first = indicator(600, "91.234.56.79")
    second = {**first, "modified": "2026-03-01T00:00:00.000Z", "name": "C2 server, renamed"}
    assert api_share(node, "tr.liaison", [first])["stored"] == 1
    assert api_share(node, "tr.liaison", [second])["stored"] == 1
    page = turkish.get(f"/intel/{first['id']}").text
    assert "2 versions you may read." in page and "C2 server, renamed" in page
    older = re.search(rf'href="(/intel/{first["id"]}\?version=[^"]+)"', page)
    assert older, "a link to the older version"
    shown = turkish.get(older[1].replace("&amp;", "&"))
    assert shown.status_code == 200 and "C2 server 600" in shown.text


# --- share -------------------------------------------------------------------------------


def test_the_share_form_offers_the_agreements_of_my_state(
    shared: Shared, turkish: TestClient, saudi: TestClient
) -> None:
    form = turkish.get("/intel/share")
    assert form.status_code == 200
    assert f'name="release_to" value="{shared.agreement}"' in form.text
    assert shared.title not in saudi.get("/intel/share").text


def test_a_mixed_bundle_is_reported_object_by_object(
    node: Node, shared: Shared, turkish: TestClient, pakistani: TestClient
) -> None:
    good = indicator(700, "91.234.56.80")
    bad = {"type": "indicator", "id": stix_id("indicator", 701), "spec_version": "2.1"}
    bundle = {"type": "bundle", "id": "bundle--1e7e1000-0000-4000-8000-000000000001"}
    bundle["objects"] = [good, bad]  # type: ignore[assignment]
    before = readable_count(node, "tr.liaison")
    answer = turkish.post(
        "/intel/share",
        data={
            "csrf_token": csrf(turkish),
            "objects": orjson.dumps(bundle).decode(),
            "release_to": str(shared.agreement),
            "tlp": "green",
            "classification": "RESTRICTED",
        },
        files={"bundle": ("", b"", "application/octet-stream")},
    )
    assert answer.status_code == 200, answer.text
    report = answer.text[answer.text.index('id="share-report"') :]
    assert "1 stored, 0 already here, 1 refused, of 2 objects." in report
    assert f'<a href="/intel/{good["id"]}">' in report  # accepted: a link to it
    assert f"<code>{bad['id']}</code>" in report and "Refused" in report
    assert "created" in report  # the reason names what is missing
    assert readable_count(node, "tr.liaison") == before + 1
    shown = pakistani.get(f"/intel/{good['id']}")  # released to Pakistan with the markings
    assert shown.status_code == 200 and "TLP:GREEN" in shown.text


def test_a_bundle_file_can_be_uploaded(node: Node, shared: Shared, turkish: TestClient) -> None:
    good = indicator(710, "91.234.56.81")
    bundle = {"type": "bundle", "id": "bundle--1e7e1000-0000-4000-8000-000000000002"}
    answer = turkish.post(
        "/intel/share",
        data={"csrf_token": csrf(turkish), "tlp": "amber", "classification": "UNCLASSIFIED"},
        files={
            "bundle": ("c2.json", orjson.dumps({**bundle, "objects": [good]}), "application/json")
        },
    )
    assert answer.status_code == 200, answer.text
    assert "1 stored, 0 already here, 0 refused, of 1 objects." in answer.text
    assert turkish.get(f"/intel/{good['id']}").status_code == 200


@pytest.mark.parametrize(
    ("fields", "field", "says"),
    [
        ({"objects": '{"type": "bundle", "objects": [ '}, "objects", "not valid JSON"),
        ({"objects": "42"}, "objects", "give a STIX bundle"),
        ({"objects": "", "tlp": "amber"}, "objects", "there is nothing to share"),
        ({"tlp": "purple"}, "tlp", "unknown TLP level"),
        ({"classification": "COSMIC"}, "classification", "classification"),
        ({"tlp": "amber", "release_to_all": "on"}, "release_to_all", "only TLP:CLEAR"),
    ],
)
def test_a_refused_submission_names_the_field_and_writes_nothing(
    node: Node,
    shared: Shared,
    turkish: TestClient,
    fields: dict[str, str],
    field: str,
    says: str,
) -> None:
    objects = orjson.dumps([indicator(720, "91.234.56.82")]).decode()
    before = readable_count(node, "tr.liaison")
    answer = turkish.post(
        "/intel/share",
        data={"csrf_token": csrf(turkish), "objects": objects, **fields},
        files={"bundle": ("", b"", "application/octet-stream")},
    )
    assert answer.status_code == 400, answer.text
    assert says in answer.text and 'role="alert"' in answer.text
    assert (
        re.search(rf'name="{field}"[^>]*aria-invalid="true"', answer.text)
        or re.search(rf'aria-invalid="true"[^>]*name="{field}"', answer.text)
        or (
            field == "objects"
            and 'aria-invalid="true" aria-describedby="share-error"' in answer.text
        )
    )
    assert readable_count(node, "tr.liaison") == before
    assert turkish.get(f"/intel/{stix_id('indicator', 720)}").status_code == 404


def test_an_upload_over_the_limit_is_refused_before_it_is_read(turkish: TestClient) -> None:
    from taawun.web.bodies import MAX_BODY_BYTES

    answer = turkish.post(
        "/intel/share",
        content=b"x" * 10,
        headers={
            "content-type": "multipart/form-data; boundary=x",
            "content-length": str(MAX_BODY_BYTES + 1),
        },
    )
    assert answer.status_code == 413


def test_a_viewer_may_not_share(node: Node, shared: Shared) -> None:
    with sign_in(node, "sa.viewer") as viewer:
        answer = viewer.post(
            "/intel/share",
            data={
                "csrf_token": csrf(viewer),
                "objects": orjson.dumps(indicator(730, "1.2.3.4")).decode(),
            },
            files={"bundle": ("", b"", "application/octet-stream")},
        )
    assert answer.status_code == 403


# --- release, revoke, CSRF ----------------------------------------------------------------


def test_release_by_its_owner_and_by_no_one_else(
    node: Node, shared: Shared, turkish: TestClient, pakistani: TestClient, saudi: TestClient
) -> None:
    obj = malware(800, "Released and narrowed")
    assert api_share(node, "tr.liaison", [obj], release_to=[str(shared.agreement)])["stored"] == 1
    path = f"/intel/{obj['id']}"
    owner_page = turkish.get(path).text
    assert "Change the release" in owner_page and "Revoke this object" in owner_page
    # Pakistan may read it but not change it; Saudi Arabia may not even read it.
    refused = pakistani.post(f"{path}/release", data={"csrf_token": csrf(pakistani, path)})
    assert refused.status_code == 403 and "only its owner" in refused.text
    hidden = saudi.post(f"{path}/release", data={"csrf_token": csrf(saudi)})
    assert hidden.status_code == 404
    assert pakistani.get(path).status_code == 200
    # The owner narrows it to nothing: Pakistan loses it at once; then releases it again.
    narrowed = turkish.post(f"{path}/release", data={"csrf_token": csrf(turkish, path)})
    assert narrowed.status_code == 303 and narrowed.headers["location"].startswith(path)
    assert pakistani.get(path).status_code == 404
    again = turkish.post(
        f"{path}/release",
        data={"csrf_token": csrf(turkish, path), "release_to": str(shared.agreement)},
    )
    assert again.status_code == 303
    assert pakistani.get(path).status_code == 200


def test_a_refused_release_shows_why_and_changes_nothing(
    node: Node, shared: Shared, turkish: TestClient, pakistani: TestClient
) -> None:
    obj = malware(810, "Kept under one agreement")
    assert api_share(node, "tr.liaison", [obj], release_to=[str(shared.agreement)])["stored"] == 1
    path = f"/intel/{obj['id']}"
    answer = turkish.post(
        f"{path}/release",
        data={"csrf_token": csrf(turkish, path), "release_to": "ATOP 3275"},  # Baghdad Pact
    )
    assert answer.status_code in (400, 403)  # the Baghdad Pact ended long ago
    assert "Change the release" in answer.text and 'role="alert"' in answer.text
    assert "release_to: your state is not a party to" in answer.text
    assert pakistani.get(path).status_code == 200  # still released under the agreement


def test_revoke_by_its_owner(
    node: Node, shared: Shared, turkish: TestClient, pakistani: TestClient
) -> None:
    obj = malware(820, "To be revoked")
    assert api_share(node, "tr.liaison", [obj], release_to=[str(shared.agreement)])["stored"] == 1
    path = f"/intel/{obj['id']}"
    assert (
        pakistani.post(f"{path}/revoke", data={"csrf_token": csrf(pakistani, path)}).status_code
        == 403
    )
    answer = turkish.post(f"{path}/revoke", data={"csrf_token": csrf(turkish, path)})
    assert answer.status_code == 303 and answer.headers["location"] == path
    page = turkish.get(path).text
    assert "Revoked by its owner." in page and "It is revoked." in page
    assert "Revoked by its owner." in pakistani.get(path).text  # the new version reaches them
    again = turkish.post(f"{path}/revoke", data={"csrf_token": csrf(turkish, path)})
    assert again.status_code == 400 and "already revoked" in again.text


@pytest.mark.parametrize("action", ["share", "release", "revoke"])
def test_a_form_without_its_csrf_token_is_refused(
    node: Node, shared: Shared, turkish: TestClient, action: str
) -> None:
    path = "/intel/share" if action == "share" else f"/intel/{shared.malware}/{action}"
    before = readable_count(node, "tr.liaison")
    answer = turkish.post(
        path,
        data={"objects": orjson.dumps(indicator(900, "1.2.3.5")).decode(), "release_to": ""},
        files={"bundle": ("", b"", "application/octet-stream")},
    )
    assert answer.status_code == 403
    assert readable_count(node, "tr.liaison") == before
    assert "Revoked by its owner." not in turkish.get(f"/intel/{shared.malware}").text


# --- the dashboard ------------------------------------------------------------------------


def test_the_dashboard_shows_intel_released_to_my_agency(
    shared: Shared, pakistani: TestClient, turkish: TestClient, saudi: TestClient
) -> None:
    pk = pakistani.get("/").text
    part = pk[pk.index('id="intel-new-heading"') :]
    assert f'href="/intel/{shared.malware}"' in part and "Shamoon" in part
    tr = turkish.get("/").text
    assert shared.malware not in tr[tr.index('id="intel-new-heading"') :]  # its own
    sa = saudi.get("/").text
    assert "Shamoon" not in sa and "No intel was released to my agency lately." in sa


def test_the_api_lists_newest_first_on_request(node: Node, shared: Shared) -> None:
    """The feed's order, in the REST API too: newest added first, paged by ``added_before``
    (the ``next`` of the page before), together the oldest-first list reversed."""
    oldest = [i["id"] for i in api_list(node, "pk.liaison", limit=200)["items"]]
    newest: list[str] = []
    params: dict[str, Any] = {"newest_first": "true", "limit": 2}
    for _ in range(len(oldest)):  # bounded: a page of two at least per round
        page = api_list(node, "pk.liaison", **params)
        newest += [i["id"] for i in page["items"]]
        if not page["next"]:
            break
        params["added_before"] = page["next"]
    assert len(oldest) >= 3 and newest == oldest[::-1]


# --- what refers to an object ---------------------------------------------------------------


def referred(html: str) -> str:
    """The object page's "Referred to by" section."""
    start = html.index('<section id="referrers"')
    return html[start : html.index("</section>", start)]


def report_of(n: int, refs: list[str]) -> dict[str, Any]:
    return {
        "type": "report",
        "spec_version": "2.1",
        "id": stix_id("report", n),
        "created": "2026-02-01T00:00:00.000Z",
        "modified": "2026-02-01T00:00:00.000Z",
        "name": f"Report {n}",
        "published": "2026-02-01T00:00:00Z",
        "object_refs": refs,
    }


def test_an_object_page_shows_what_refers_to_it_as_the_user_may_read_it(
    node: Node, shared: Shared, turkish: TestClient, pakistani: TestClient
) -> None:
    """The malware's page: the indicator that indicates it (the relationship released to
    Pakistan), and Turkey's own report on it, which only Turkey reads; a relationship whose
    other end Pakistan may not read names it without a link; past 50, a note."""
    kept = report_of(1000, [shared.malware])
    assert api_share(node, "tr.liaison", [kept])["stored"] == 1  # kept to Turkey
    hidden_end = indicator(1001, "91.234.56.90")
    assert api_share(node, "tr.liaison", [hidden_end])["stored"] == 1
    half = relationship(1002, hidden_end["id"], shared.malware)
    assert api_share(node, "tr.liaison", [half], release_to=[str(shared.agreement)])["stored"] == 1

    pk = referred(main(pakistani.get(f"/intel/{shared.malware}").text))
    assert f'<a href="/intel/{shared.relationship}">indicates</a>' in pk
    assert f'href="/intel/{shared.indicator}"' in pk and "this object" in pk
    assert f"<code>{hidden_end['id']}</code>" in pk and "not shared with you" in pk
    assert f'href="/intel/{hidden_end["id"]}"' not in pk
    assert kept["id"] not in pk  # Turkey's own report
    tr = referred(main(turkish.get(f"/intel/{shared.malware}").text))
    assert f'href="/intel/{kept["id"]}"' in tr and "<code>object_refs</code>" in tr
    assert f'href="/intel/{hidden_end["id"]}"' in tr
    # From the indicator's page the relationship goes out: this object, then the malware.
    out = referred(main(pakistani.get(f"/intel/{shared.indicator}").text))
    row = out[out.index(f'href="/intel/{shared.relationship}"') - 200 :]
    assert row.index("this object") < row.index(f'href="/intel/{shared.malware}"')
    nothing = referred(main(turkish.get(f"/intel/{kept['id']}").text))
    assert "No object you may read refers to this one." in nothing

    many = [report_of(1100 + n, [hidden_end["id"]]) for n in range(51)]
    assert api_share(node, "tr.liaison", many)["stored"] == 51
    crowded = referred(main(turkish.get(f"/intel/{hidden_end['id']}").text))
    assert "Only the latest 50 referring objects are shown." in crowded
    assert links(crowded) == [r["id"] for r in many[:0:-1]]  # the latest 50, newest first

    # The REST API answers the same question with the same rule.
    def api_referrers(user: str, stix_id: str) -> list[str]:
        answer = node.client.get(f"{API}/{stix_id}/referrers", headers=node.auth(user))
        assert answer.status_code == 200, answer.text
        return [r["id"] for r in answer.json()["items"]]

    assert set(api_referrers("pk.liaison", shared.malware)) >= {shared.relationship}
    assert kept["id"] not in api_referrers("pk.liaison", shared.malware)
    assert kept["id"] in api_referrers("tr.liaison", shared.malware)
    assert api_referrers("sa.liaison", shared.malware) == []


def test_the_api_names_a_bad_added_before(node: Node, shared: Shared) -> None:
    answer = node.client.get(
        API,
        params={"newest_first": "true", "added_before": "soon"},
        headers=node.auth("pk.liaison"),
    )
    assert answer.status_code == 422 and answer.json()["field"] == "added_before"
