"""The intel REST API on a live node (SQLite and PostgreSQL): share, search, show, revoke,
release and export, each answering only what the release policy lets the caller read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session
from stix2validator import validate_string

from taawun.core.principal import Principal
from taawun.registry import changes
from taawun.registry.schemas import AgreementCreate

from ..unit.intel.conftest import indicator
from .conftest import Node

URL = "/api/v1/intel"
AMBER = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"


@dataclass
class Shared:
    agreement: int
    indicators: list[str]
    malware: str
    domestic: str


def malware(n: int, name: str) -> dict[str, Any]:
    return {
        "type": "malware",
        "spec_version": "2.1",
        "id": f"malware--00000000-0000-4000-8000-{n:012d}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": name,
        "is_family": True,
        "object_marking_refs": [AMBER],
    }


def share(node: Node, user: str, objects: list[dict[str, Any]], **markings: Any) -> Any:
    body = {"objects": objects, **markings}
    response = node.client.post(f"{URL}/share", json=body, headers=node.auth(user))
    return response


def not_found(stix_id: str) -> dict[str, str]:
    return {
        "error": "not_found",
        "message": f"id: no object {stix_id!r}",
        "field": "id",
        "value": stix_id,
    }


def intel_rows(node: Node) -> int:
    with node.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM intel_object")).scalar_one())


@pytest.fixture(scope="module")
def shared(node: Node) -> Shared:
    """A Turkey–Pakistan sharing agreement (ceiling SECRET) and MIT's objects released under it,
    plus one object MIT keeps to its own state."""
    with Session(node.engine) as session:
        agreement = changes.record_agreement(
            Principal.system_principal("test"),
            session,
            data=AgreementCreate(
                title="Turkey–Pakistan intelligence sharing (test)",
                parties=["TUR", "PAK"],
                domains=["intelligence_sharing"],
                in_force=date(2024, 1, 1),
                sharing_ceiling="SECRET",  # type: ignore[arg-type]
            ),
        ).id
        session.commit()
    objects = [indicator(n) for n in range(1, 6)] + [malware(900, "Shamoon")]
    report = share(
        node, "tr.liaison", objects, release_to=[str(agreement)], tlp="amber",
        classification="CONFIDENTIAL",
    )  # fmt: skip
    assert report.status_code == 200, report.text
    assert report.json()["stored"] == 6
    domestic = indicator(800, name="domestic only")
    assert share(node, "tr.liaison", [domestic]).json()["stored"] == 1
    return Shared(
        agreement=agreement,
        indicators=[o["id"] for o in objects[:5]],
        malware=objects[5]["id"],
        domestic=domestic["id"],
    )


def listing(node: Node, user: str, **params: Any) -> Any:
    response = node.client.get(URL, params=params, headers=node.auth(user))
    assert response.status_code == 200, response.text
    return response.json()


def test_share_stores_markings_and_show_has_the_banner(node: Node, shared: Shared) -> None:
    got = node.client.get(f"{URL}/{shared.malware}", headers=node.auth("pk.liaison")).json()
    assert got["banner"] == "CONFIDENTIAL // TLP:AMBER"
    assert (got["tlp"], got["classification"]) == ("TLP:AMBER", "CONFIDENTIAL")
    assert got["released_under"] == [shared.agreement]
    assert got["object"]["name"] == "Shamoon"
    mine = node.client.get(f"{URL}/{shared.domestic}", headers=node.auth("tr.admin")).json()
    assert mine["banner"] == "UNCLASSIFIED // TLP:AMBER"
    assert mine["released_under"] == []


def test_search_by_type_text_observable_owner_and_agreement(node: Node, shared: Shared) -> None:
    def ids(**params: Any) -> set[str]:
        return {i["id"] for i in listing(node, "pk.liaison", **params)["items"]}

    assert ids(type="malware") == {shared.malware}
    assert ids(type=["malware", "indicator"]) >= {shared.malware, *shared.indicators}
    assert ids(q="Shamoon") == {shared.malware}
    assert ids(q="10.0.0.3") == {shared.indicators[2]}  # an ipv4 inside a pattern
    assert ids(owner="MIT") >= {shared.malware, *shared.indicators}
    assert ids(owner="ISI") == set()
    assert ids(agreement=str(shared.agreement)) >= {shared.malware, *shared.indicators}
    assert shared.domestic not in ids()  # not released to Pakistan


def test_paging_with_next_walks_everything_once(node: Node, shared: Shared) -> None:
    whole = listing(node, "tr.liaison", limit=1000)
    seen: list[str] = []
    after: str | None = None
    while True:
        page = listing(node, "tr.liaison", limit=2, **({"added_after": after} if after else {}))
        assert page["total"] == whole["total"]
        seen += [i["id"] for i in page["items"]]
        after = page["next"]
        if after is None:
            break
    assert seen == [i["id"] for i in whole["items"]]
    assert len(seen) >= 7


def test_a_third_state_sees_nothing_of_a_turkey_pakistan_release(
    node: Node, shared: Shared
) -> None:
    page = listing(node, "sa.liaison")
    assert page == {"items": [], "total": 0, "total_capped": False, "limit": 50, "next": None}
    assert listing(node, "sa.liaison", q="Shamoon")["total"] == 0
    hidden = node.client.get(f"{URL}/{shared.malware}", headers=node.auth("sa.liaison"))
    missing_id = "malware--00000000-0000-4000-8000-999999999999"
    missing = node.client.get(f"{URL}/{missing_id}", headers=node.auth("sa.liaison"))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == not_found(shared.malware)
    assert missing.json() == not_found(missing_id)
    bundle = node.client.get(f"{URL}/export", headers=node.auth("sa.liaison")).json()
    assert not [o for o in bundle["objects"] if o["type"] in ("indicator", "malware")]


def test_revoke_makes_a_revoked_version_hidden_from_lists(node: Node, shared: Shared) -> None:
    target = shared.indicators[4]
    other = node.client.post(f"{URL}/{target}/revoke", headers=node.auth("pk.liaison"))
    assert other.status_code == 403  # Pakistan may read it, and is told it is not the owner
    assert "only its owner may revoke it" in other.json()["message"]
    outsider = node.client.post(f"{URL}/{target}/revoke", headers=node.auth("sa.liaison"))
    assert outsider.status_code == 404 and outsider.json() == not_found(target)
    done = node.client.post(f"{URL}/{target}/revoke", headers=node.auth("tr.liaison"))
    assert done.status_code == 200, done.text
    assert done.json()["revoked"] is True and done.json()["object"]["revoked"] is True
    assert done.json()["versions"] == 2
    assert target not in {i["id"] for i in listing(node, "pk.liaison")["items"]}
    revoked = listing(node, "pk.liaison", include_revoked="true")["items"]
    assert {i["id"]: i["revoked"] for i in revoked}[target] is True
    again = node.client.post(f"{URL}/{target}/revoke", headers=node.auth("tr.liaison"))
    assert again.status_code == 422


def test_only_the_owner_changes_a_release(node: Node, shared: Shared) -> None:
    target = f"{URL}/{shared.indicators[0]}"
    body = {"release_to": []}
    assert (
        node.client.put(f"{target}/release", json=body, headers=node.auth("pk.liaison")).status_code
        == 403
    )
    assert (
        node.client.put(f"{target}/release", json=body, headers=node.auth("sa.viewer")).status_code
        == 403
    )
    done = node.client.put(f"{target}/release", json=body, headers=node.auth("tr.liaison"))
    assert done.status_code == 200, done.text
    assert done.json()["release_to"] == []
    assert node.client.get(target, headers=node.auth("pk.liaison")).status_code == 404
    back = {"release_to": [str(shared.agreement)]}
    restored = node.client.put(f"{target}/release", json=back, headers=node.auth("tr.liaison"))
    assert restored.json()["release_to"] == [shared.agreement]
    assert node.client.get(target, headers=node.auth("pk.liaison")).status_code == 200


def test_export_is_a_valid_bundle_of_only_what_the_reader_may_read(
    node: Node, shared: Shared
) -> None:
    response = node.client.get(f"{URL}/export", headers=node.auth("pk.liaison"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/stix+json;version=2.1"
    assert validate_string(response.text).is_valid
    objects = orjson.loads(response.content)["objects"]
    content = {o["id"] for o in objects if o["type"] in ("indicator", "malware")}
    readable = {i["id"] for i in listing(node, "pk.liaison", limit=1000)["items"]}
    assert content <= readable | {shared.indicators[4]}  # the revoked one is exported, revoked
    assert shared.malware in content and shared.domestic not in content
    assert AMBER in {o["id"] for o in objects}  # the definition of the TLP the malware carries
    only = node.client.get(
        f"{URL}/export", params={"type": "malware"}, headers=node.auth("pk.liaison")
    )
    assert {o["type"] for o in only.json()["objects"]} - {
        "marking-definition",
        "identity",
        "extension-definition",
    } == {"malware"}


def test_definitions_publish_the_extension_identity_and_tlp(node: Node) -> None:
    response = node.client.get(f"{URL}/definitions", headers=node.auth("sa.viewer"))
    objects = response.json()["objects"]
    assert [o["type"] for o in objects].count("marking-definition") == 5
    assert {"identity", "extension-definition"} <= {o["type"] for o in objects}
    assert validate_string(response.text).is_valid


@pytest.mark.parametrize(
    ("markings", "field"),
    [
        ({"tlp": "purple"}, "tlp"),
        ({"classification": "ULTRA"}, "classification"),
        ({"tlp": "amber", "release_to_all": True}, "release_to_all"),
    ],
)
def test_bad_defaults_refuse_the_whole_request(
    node: Node, shared: Shared, markings: dict[str, Any], field: str
) -> None:
    before = intel_rows(node)
    response = share(node, "tr.liaison", [indicator(700)], **markings)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert intel_rows(node) == before


def test_bad_objects_fail_alone_with_their_reasons(node: Node, shared: Shared) -> None:
    before = intel_rows(node)
    not_sharing = share(node, "tr.liaison", [indicator(701)], release_to=["curated:shusha-2021"])
    assert not_sharing.status_code == 200
    report = not_sharing.json()
    assert (report["stored"], report["failed"]) == (0, 1)
    assert "does not cover intelligence_sharing" in report["outcomes"][0]["reasons"][0]
    above = share(
        node,
        "tr.liaison",
        [indicator(702)],
        release_to=[str(shared.agreement)],
        classification="TOP_SECRET",
    )
    assert "above your clearance" in above.json()["outcomes"][0]["reasons"][0]
    not_objects = node.client.post(
        f"{URL}/share", json={"objects": [1, "x"]}, headers=node.auth("tr.liaison")
    )
    assert not_objects.status_code == 422
    assert (
        node.client.post(
            f"{URL}/share", json={"objects": {}}, headers=node.auth("tr.liaison")
        ).status_code
        == 422
    )
    assert intel_rows(node) == before


def test_delete_is_for_the_owner_only(node: Node, shared: Shared) -> None:
    obj = indicator(600)
    assert (
        share(node, "tr.liaison", [obj], release_to=[str(shared.agreement)]).json()["stored"] == 1
    )
    target = f"{URL}/{obj['id']}"
    assert node.client.delete(target, headers=node.auth("pk.liaison")).status_code == 403
    assert node.client.delete(target, headers=node.auth("sa.liaison")).status_code == 404
    done = node.client.delete(target, headers=node.auth("tr.liaison"))
    assert done.json() == {"id": obj["id"], "versions_deleted": 1}
    assert node.client.get(target, headers=node.auth("tr.liaison")).status_code == 404


def test_sharing_needs_a_writer_of_an_agency(node: Node) -> None:
    response = share(node, "sa.viewer", [indicator(500)])
    assert response.status_code == 403
