"""TAXII 2.1 over a live node: discovery, API root, media types, authentication,
permissions, collections and the error message (TAXII-CHECKLIST.md lines 1–7, 10,
26–28; section numbers of the OASIS TAXII 2.1 specification in brackets)."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator

import pytest

from .taxii_conftest import PASSWORD, ROOT, STIX, TAXII, Taxii, as_posted, indicator, taxii_node

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


@pytest.fixture(scope="module")
def taxii(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Taxii]:
    yield from taxii_node(backend, tmp_path_factory, "taxii_protocol")


def _is_error(response_json: dict[str, object], status: int) -> None:
    assert isinstance(response_json["title"], str) and response_json["title"]
    assert response_json["http_status"] == str(status)


# 1 ------------------------------------------------------------------------------------------
def test_c01_discovery_has_title_and_default_among_api_roots(taxii: Taxii) -> None:
    """[8.2.1, 4.1.1]"""
    response = taxii.get("pk.liaison", "/taxii2/")
    assert response.status_code == 200
    assert response.headers["content-type"] == TAXII
    body = response.json()
    assert body["title"]
    assert body["default"] in body["api_roots"]
    for root in body["api_roots"]:
        assert root.startswith(("http://", "https://")) or re.match(r"^/[^/]", root)
        assert root.endswith(ROOT)


# 2 ------------------------------------------------------------------------------------------
def test_c02_api_root_has_title_versions_and_max_content_length(taxii: Taxii) -> None:
    """[4.2.1]"""
    response = taxii.get("pk.liaison", ROOT)
    assert response.status_code == 200 and response.headers["content-type"] == TAXII
    body = response.json()
    assert body["title"] == "taawun"
    assert TAXII in body["versions"]
    assert isinstance(body["max_content_length"], int) and body["max_content_length"] > 0


# 3 ------------------------------------------------------------------------------------------
def test_c03_every_path_ends_in_a_slash(taxii: Taxii) -> None:
    """[3.1] The router's paths all end in '/'; without it, a TAXII 404."""
    from taawun.intel.taxii.routes import ENDPOINTS

    assert len(ENDPOINTS) >= 10
    assert all(path.endswith("/") for path, _ in ENDPOINTS)
    for path in (
        "/taxii2/root",
        f"{ROOT}collections",
        f"{ROOT}collections/{taxii.own('pk.liaison')}",
    ):
        response = taxii.get("pk.liaison", path)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == TAXII
        _is_error(response.json(), 404)


# 4 ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "accept",
    [
        TAXII,
        "application/taxii+json",
        "application/taxii+json; version=2.1",
        "*/*",
        "text/html, application/taxii+json;version=2.1;q=0.9",
    ],
)
def test_c04_taxii_accept_is_never_refused(taxii: Taxii, accept: str) -> None:
    """[3.1]"""
    for path in (
        "/taxii2/",
        ROOT,
        f"{ROOT}collections/",
        f"{ROOT}collections/{taxii.own('tr.liaison')}/objects/",
    ):
        response = taxii.get("tr.liaison", path, Accept=accept)
        assert response.status_code == 200, (path, accept)
        assert response.headers["content-type"] == TAXII


@pytest.mark.parametrize(
    "accept",
    [
        "application/json",
        "application/taxii+json;version=2.0",
        "text/html",
        "application/taxii+json;q=0",
    ],
)
def test_c04_other_accept_is_406_with_the_taxii_content_type(taxii: Taxii, accept: str) -> None:
    """[3.1]"""
    response = taxii.get("tr.liaison", ROOT, Accept=accept)
    assert response.status_code == 406
    assert response.headers["content-type"] == TAXII
    _is_error(response.json(), 406)


# 5 ------------------------------------------------------------------------------------------
def test_c05_no_credentials_is_401_with_www_authenticate(taxii: Taxii) -> None:
    """[1.6.9]"""
    own = taxii.own("pk.liaison")
    paths = [
        "/taxii2/",
        ROOT,
        f"{ROOT}collections/",
        f"{ROOT}collections/{own}/",
        f"{ROOT}collections/{own}/objects/",
        f"{ROOT}collections/{own}/manifest/",
        f"{ROOT}status/00000000-0000-4000-8000-000000000000/",
    ]
    for path in paths:
        for headers in (
            {"Accept": TAXII},
            {"Accept": TAXII, "Authorization": "Bearer tw_nonsense"},
        ):
            response = taxii.client.get(path, headers=headers)
            assert response.status_code == 401, path
            assert "Basic" in response.headers["www-authenticate"]
            assert response.headers["content-type"] == TAXII
            _is_error(response.json(), 401)
    posted = taxii.client.post(
        f"{ROOT}collections/{own}/objects/",
        json={"objects": [indicator()]},
        headers={"Accept": TAXII, "Content-Type": TAXII},
    )
    assert posted.status_code == 401


# 6 ------------------------------------------------------------------------------------------
def test_c06_unreadable_collection_is_403_on_every_read(taxii: Taxii) -> None:
    """[5.3–5.8] An agreement without intelligence_sharing: listed, can_read false."""
    training = taxii.shared("training")
    listed = taxii.get("pk.liaison", f"{ROOT}collections/{training}/").json()
    assert listed["can_read"] is False and listed["can_write"] is False
    oid = indicator()["id"]
    for tail in ("objects/", "manifest/", f"objects/{oid}/", f"objects/{oid}/versions/"):
        response = taxii.get("pk.liaison", f"{ROOT}collections/{training}/{tail}")
        assert response.status_code == 403, tail
        _is_error(response.json(), 403)


def test_c06_unwritable_collection_is_403_on_post(taxii: Taxii) -> None:
    """[5.5] A viewer may read but not write; nobody writes to a non-sharing agreement."""
    viewer = taxii.get("pk.viewer", f"{ROOT}collections/{taxii.own('pk.viewer')}/").json()
    assert viewer["can_read"] is True and viewer["can_write"] is False
    assert taxii.post("pk.viewer", taxii.own("pk.viewer"), [indicator()]).status_code == 403
    assert taxii.post("pk.viewer", taxii.shared(), [indicator()]).status_code == 403
    assert taxii.post("pk.liaison", taxii.shared("training"), [indicator()]).status_code == 403


def test_c06_delete_is_404_without_read_and_write_and_403_with_one(taxii: Taxii) -> None:
    """[5.7]"""
    obj = indicator()
    taxii.share("tr.liaison", taxii.shared(), [obj])

    def delete(user: str, collection: str) -> int:
        path = f"{ROOT}collections/{collection}/objects/{obj['id']}/"
        return taxii.client.delete(path, headers=taxii.headers(user)).status_code

    assert delete("pk.liaison", taxii.shared("training")) == 404  # neither read nor write
    assert delete("tr.viewer", taxii.shared()) == 403  # reads, may not write
    assert delete("pk.liaison", taxii.shared()) == 403  # reads and writes, does not own it
    assert delete("sa.liaison", taxii.shared()) == 404  # not even the collection
    assert taxii.objects("pk.liaison", taxii.shared(), {"match[id]": obj["id"]}).json()["objects"]


# 7 ------------------------------------------------------------------------------------------
def test_c07_collections_are_stable_with_required_keys_and_unique_aliases(taxii: Taxii) -> None:
    """[3.3, 5.1.1, 5.2.1]"""
    first = taxii.get("tr.liaison", f"{ROOT}collections/")
    again = taxii.get("tr.liaison", f"{ROOT}collections/")
    assert first.status_code == 200 and first.json() == again.json()
    collections = first.json()["collections"]
    assert collections[0]["id"] == taxii.own("tr.liaison")
    assert {taxii.shared(), taxii.shared("training")} <= {c["id"] for c in collections}
    for collection in collections:
        assert {"id", "title", "can_read", "can_write"} <= collection.keys()
        assert collection["media_types"] == [STIX]
        one = taxii.get("tr.liaison", f"{ROOT}collections/{collection['id']}/")
        assert one.status_code == 200 and one.json() == collection
    aliases = [c["alias"] for c in collections]
    assert len(set(aliases)) == len(aliases)
    assert len({c["id"] for c in collections}) == len(collections)


def test_c07_collections_key_is_omitted_when_there_are_none(taxii: Taxii) -> None:
    """[5.1.1] Every agency has its own collection, so only a caller of no agency has none."""
    from sqlalchemy.orm import Session

    from taawun.core.principal import Principal
    from taawun.intel.taxii.collections import get_collections

    with Session(taxii.engine) as session:
        response = get_collections(principal=Principal.public(), session=session, clock=taxii.clock)
    assert response.body == b"{}"


def test_c07_a_collection_of_another_state_is_404(taxii: Taxii) -> None:
    """A Saudi user does not see the Turkey–Pakistan collections at all."""
    ids = {c["id"] for c in taxii.get("sa.liaison", f"{ROOT}collections/").json()["collections"]}
    assert taxii.shared() not in ids and taxii.own("tr.liaison") not in ids
    for collection in (taxii.shared(), taxii.own("tr.liaison"), "no-such-collection"):
        response = taxii.get("sa.liaison", f"{ROOT}collections/{collection}/objects/")
        assert response.status_code == 404
        _is_error(response.json(), 404)


# 10 -----------------------------------------------------------------------------------------
def test_c10_timestamps_are_utc_with_microseconds(taxii: Taxii) -> None:
    """[2]"""
    obj = indicator(modified="2026-01-02T03:04:05.678Z")
    status = taxii.share("tr.liaison", taxii.own("tr.liaison"), [obj])
    assert TIMESTAMP.match(status["request_timestamp"])
    assert status["successes"][0]["version"] == "2026-01-02T03:04:05.678000Z"
    manifest = taxii.manifest("tr.liaison", taxii.own("tr.liaison"), {"match[id]": obj["id"]})
    record = manifest.json()["objects"][0]
    assert record["version"] == "2026-01-02T03:04:05.678000Z"
    assert TIMESTAMP.match(record["date_added"])
    for header in ("x-taxii-date-added-first", "x-taxii-date-added-last"):
        assert TIMESTAMP.match(manifest.headers[header])
    versions = taxii.get(
        "tr.liaison", f"{ROOT}collections/{taxii.own('tr.liaison')}/objects/{obj['id']}/versions/"
    )
    assert versions.json()["versions"] == ["2026-01-02T03:04:05.678000Z"]


# 26 -----------------------------------------------------------------------------------------
def test_c26_error_bodies_have_title_and_http_status_as_a_string(taxii: Taxii) -> None:
    """[3.6.1] One shape for every status the TAXII endpoints answer with."""
    own = taxii.own("tr.liaison")
    objects = f"{ROOT}collections/{own}/objects/"
    big = b'{"objects": []}' + b" " * (10 * 1024 * 1024)
    cases = {
        400: taxii.client.get(objects, params={"limit": "0"}, headers=taxii.headers("tr.liaison")),
        401: taxii.client.get(objects, headers={"Accept": TAXII}),
        403: taxii.get("tr.liaison", f"{ROOT}collections/{taxii.shared('training')}/objects/"),
        404: taxii.get("tr.liaison", f"{ROOT}status/no-such-status/"),
        405: taxii.client.put(objects, headers=taxii.headers("tr.liaison")),
        406: taxii.get("tr.liaison", objects, Accept="application/xml"),
        413: taxii.client.post(
            objects, content=big, headers=taxii.headers("tr.liaison", **{"Content-Type": TAXII})
        ),
        415: taxii.client.post(
            objects,
            json={"objects": []},
            headers=taxii.headers("tr.liaison", **{"Content-Type": "application/json"}),
        ),
        422: taxii.client.post(
            objects,
            content=b"[1, 2]",
            headers=taxii.headers("tr.liaison", **{"Content-Type": TAXII}),
        ),
    }
    for status, response in cases.items():
        assert response.status_code == status, (status, response.text)
        assert response.headers["content-type"] == TAXII
        _is_error(response.json(), status)
    assert cases[405].headers["allow"] == "GET, POST"


# 27 -----------------------------------------------------------------------------------------
def test_c27_http_basic_is_supported(taxii: Taxii) -> None:
    """[8.5.1]"""
    good = base64.b64encode(f"pk.liaison:{PASSWORD}".encode()).decode()
    response = taxii.client.get(
        f"{ROOT}collections/", headers={"Accept": TAXII, "Authorization": f"Basic {good}"}
    )
    assert response.status_code == 200
    assert response.json()["collections"][0]["id"] == taxii.own("pk.liaison")
    bad = base64.b64encode(b"pk.liaison:not-the-password").decode()
    refused = taxii.client.get(
        f"{ROOT}collections/", headers={"Accept": TAXII, "Authorization": f"Basic {bad}"}
    )
    assert refused.status_code == 401 and "Basic" in refused.headers["www-authenticate"]


# 28 -----------------------------------------------------------------------------------------
def test_c28_required_properties_have_their_exact_key_case(taxii: Taxii) -> None:
    """[3.8] Resources carry the specification's property names, lower case, nothing else."""
    own = taxii.own("tr.liaison")
    obj = indicator()
    status = taxii.share("tr.liaison", own, [obj])
    expected = {
        "/taxii2/": {"title", "description", "default", "api_roots"},
        ROOT: {"title", "description", "versions", "max_content_length"},
        f"{ROOT}collections/{own}/": {
            "id",
            "title",
            "description",
            "alias",
            "can_read",
            "can_write",
            "media_types",
        },
        f"{ROOT}status/{status['id']}/": {
            "id",
            "status",
            "request_timestamp",
            "total_count",
            "success_count",
            "failure_count",
            "pending_count",
            "successes",
        },
    }
    for path, keys in expected.items():
        assert set(taxii.get("tr.liaison", path).json()) == keys, path
    envelope = taxii.objects("tr.liaison", own, {"match[id]": obj["id"]}).json()
    assert set(envelope) == {"more", "objects"} and as_posted(envelope["objects"], [obj])
    record = taxii.manifest("tr.liaison", own, {"match[id]": obj["id"]}).json()["objects"][0]
    assert set(record) == {"id", "date_added", "version", "media_type"}


def test_c28_unknown_custom_properties_are_ignored_or_refused(taxii: Taxii) -> None:
    """[3.8, 7] An unknown property of the envelope is ignored; an object with one is refused
    alone, with the property named in its status (the others are stored)."""
    own = taxii.own("tr.liaison")
    good, custom = indicator(), indicator(x_unknown_property="value")
    response = taxii.client.post(
        f"{ROOT}collections/{own}/objects/",
        json={"objects": [good, custom], "x_envelope_extra": True},
        headers=taxii.headers("tr.liaison", **{"Content-Type": TAXII}),
    )
    assert response.status_code == 202
    status = response.json()
    assert status["success_count"] == 1 and status["failure_count"] == 1
    assert status["failures"][0]["id"] == custom["id"]
    assert "x_unknown_property" in status["failures"][0]["message"]
    stored = taxii.objects("tr.liaison", own, {"match[id]": f"{good['id']},{custom['id']}"})
    assert [o["id"] for o in stored.json()["objects"]] == [good["id"]]
