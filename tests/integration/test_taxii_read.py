"""Reading over TAXII 2.1: ordering, headers, paging, filters, manifest, one object and its
versions (TAXII-CHECKLIST.md lines 8, 9, 11–19, 23, 25; OASIS TAXII 2.1 sections in
brackets). Each test posts its own objects and looks only at them (``match[id]`` or an
``added_after`` just before them), so the tests share one node without seeing each other."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from taawun.access.models import AuditEntry
from taawun.intel.markings import EXTENSION_ID
from taawun.intel.times import format_us, parse_us

from .taxii_conftest import ROOT, STIX, Taxii, as_posted, indicator, malware, taxii_node

OWNER = "tr.liaison"
READER = "pk.liaison"  # the partner, reading the agreement's collection


@pytest.fixture(scope="module")
def taxii(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Taxii]:
    yield from taxii_node(backend, tmp_path_factory, "taxii_read")


def _ids(response: Any) -> list[str]:
    return [o["id"] for o in response.json().get("objects", [])]


def _before(taxii: Taxii, objects: list[dict[str, Any]]) -> str:
    """An ``added_after`` just before the first of ``objects`` was added."""
    ids = ",".join(o["id"] for o in objects)
    manifest = taxii.manifest(OWNER, taxii.shared(), {"match[id]": ids, "match[version]": "all"})
    return format_us(parse_us(manifest.headers["x-taxii-date-added-first"]) - 1)


def _object_path(taxii: Taxii, object_id: str, tail: str = "") -> str:
    return f"{ROOT}collections/{taxii.shared()}/objects/{object_id}/{tail}"


# 8 ------------------------------------------------------------------------------------------
def test_c08_objects_and_manifest_are_oldest_added_first(taxii: Taxii) -> None:
    """[3.3] Three in one envelope, one more later: listed in the order they were added."""
    batch = [indicator(), malware(), indicator()]
    later = indicator(created="2020-01-01T00:00:00.000Z", modified="2020-01-01T00:00:00.000Z")
    taxii.share(OWNER, taxii.shared(), batch)
    taxii.share(OWNER, taxii.shared(), [later])
    expected = [o["id"] for o in [*batch, later]]
    after = {"added_after": _before(taxii, batch)}
    assert _ids(taxii.objects(READER, taxii.shared(), after)) == expected
    manifest = taxii.manifest(READER, taxii.shared(), after).json()["objects"]
    assert [r["id"] for r in manifest] == expected
    added = [r["date_added"] for r in manifest]
    assert added == sorted(added) and len(set(added)) == len(added)


def test_c08_order_holds_when_another_index_finds_the_rows(taxii: Taxii) -> None:
    """[3.3] The page's bodies are joined by the database; whether the type index (two types)
    or the id index (named ids, ids not in date order) finds them, they come date_added first."""
    batch = [indicator() if i % 2 else malware() for i in range(24)]
    taxii.share(OWNER, taxii.shared(), batch)
    expected = [o["id"] for o in batch]
    after = _before(taxii, batch)
    typed = {"added_after": after, "match[type]": "indicator,malware"}
    assert _ids(taxii.objects(READER, taxii.shared(), typed)) == expected
    named = {"match[id]": ",".join(sorted(expected, reverse=True))}
    assert _ids(taxii.objects(READER, taxii.shared(), named)) == expected
    paged: list[str] = []
    params: dict[str, str] = {**typed, "limit": "5"}
    while True:
        body = taxii.objects(READER, taxii.shared(), params).json()
        paged += [o["id"] for o in body["objects"]]
        if not body["more"]:
            break
        params = {**typed, "limit": "5", "next": body["next"]}
    assert paged == expected


# 9 ------------------------------------------------------------------------------------------
def test_c09_date_added_headers_on_every_listing(taxii: Taxii) -> None:
    """[3.2] First and last item's date_added, on objects, manifest, object and versions."""
    v1 = indicator()
    v2 = {**v1, "modified": "2026-02-01T00:00:00.000Z", "name": "second version"}
    other = malware()
    taxii.share(OWNER, taxii.shared(), [v1, other, v2])
    records = taxii.manifest(
        READER, taxii.shared(), {"match[id]": f"{v1['id']},{other['id']}", "match[version]": "all"}
    ).json()["objects"]
    added = [r["date_added"] for r in records]
    assert len(added) == 3
    responses = {
        "objects": (
            taxii.objects(READER, taxii.shared(), {"match[id]": v1["id"], "match[version]": "all"}),
            (added[0], added[2]),
        ),
        "manifest": (
            taxii.manifest(READER, taxii.shared(), {"added_after": _before(taxii, [v1])}),
            (added[1], added[2]),  # the last version of each by default: v1 is not listed
        ),
        "object": (taxii.get(READER, _object_path(taxii, v1["id"])), (added[2], added[2])),
        "versions": (
            taxii.get(READER, _object_path(taxii, v1["id"], "versions/")),
            (added[0], added[2]),
        ),
    }
    for name, (response, (first, last)) in responses.items():
        assert response.status_code == 200, name
        assert response.headers["x-taxii-date-added-first"] == first, name
        assert response.headers["x-taxii-date-added-last"] == last, name


# 11 -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "params",
    [
        [("limit", "0")],
        [("limit", "ten")],
        [("limit", "-5")],
        [("limit", "1"), ("limit", "2")],
        [("added_after", "2026-01-01T00:00:00Z"), ("added_after", "2026-01-02T00:00:00Z")],
        [("added_after", "yesterday")],
        [("match[type]", "indicator"), ("match[type]", "malware")],
        [("match[id]", "indicator--x"), ("match[id]", "indicator--x")],
        [("match[version]", "all,last")],
        [("match[version]", "all,2026-01-01T00:00:00.000Z")],
        [("match[version]", "newest")],
        [("match[type]", "indicator,,malware")],
        [("match[colour]", "red")],
        [("next", "not-a-token")],
    ],
)
def test_c11_malformed_parameters_are_400(taxii: Taxii, params: list[tuple[str, str]]) -> None:
    """[3.4, 3.4.1]"""
    for response in (
        taxii.objects(READER, taxii.shared(), params),
        taxii.manifest(READER, taxii.shared(), params),
    ):
        assert response.status_code == 400, response.text
        assert response.json()["http_status"] == "400"


# 12 -----------------------------------------------------------------------------------------
def test_c12_never_more_than_limit_and_more_when_more_exist(taxii: Taxii) -> None:
    """[3.4, 3.5]"""
    batch = [indicator() for _ in range(5)]
    taxii.share(OWNER, taxii.shared(), batch)
    ids = {"match[id]": ",".join(o["id"] for o in batch)}
    for limit, more in ((1, True), (2, True), (4, True), (5, False), (50, False)):
        body = taxii.objects(READER, taxii.shared(), {**ids, "limit": str(limit)}).json()
        assert len(body["objects"]) == min(limit, 5)
        assert body["more"] is more
        assert ("next" in body) is more
        manifest = taxii.manifest(READER, taxii.shared(), {**ids, "limit": str(limit)}).json()
        assert len(manifest["objects"]) == min(limit, 5) and manifest["more"] is more


# 13 -----------------------------------------------------------------------------------------
def test_c13_added_after_the_last_header_continues_one_envelope_of_many(taxii: Taxii) -> None:
    """[3.5] 25 objects posted in one envelope each get their own date_added, so re-querying
    with added_after = the last X-TAXII-Date-Added-Last pages through all of them."""
    batch = [indicator() for _ in range(25)]
    taxii.share(OWNER, taxii.shared(), batch)
    expected = [o["id"] for o in batch]
    params = {"match[id]": ",".join(expected), "limit": "7"}
    seen: list[str] = []
    after: str | None = None
    for _ in range(10):
        response = taxii.objects(
            READER, taxii.shared(), {**params, **({"added_after": after} if after else {})}
        )
        body = response.json()
        seen += _ids(response)
        if not body["more"]:
            break
        after = response.headers["x-taxii-date-added-last"]
    assert seen == expected
    manifest = taxii.manifest(READER, taxii.shared(), {"match[id]": params["match[id]"]})
    assert len({r["date_added"] for r in manifest.json()["objects"]}) == 25


def test_c13_next_continues_the_listing(taxii: Taxii) -> None:
    """[3.5] The same walk with the opaque ``next``."""
    batch = [indicator() for _ in range(12)]
    taxii.share(OWNER, taxii.shared(), batch)
    params: dict[str, str] = {"match[id]": ",".join(o["id"] for o in batch), "limit": "5"}
    seen: list[str] = []
    for path in ("objects", "manifest"):
        seen = []
        page: dict[str, str] = {}
        while True:
            getter = taxii.objects if path == "objects" else taxii.manifest
            body = getter(READER, taxii.shared(), {**params, **page}).json()
            seen += [o["id"] for o in body["objects"]]
            if not body["more"]:
                break
            page = {"next": body["next"]}
        assert seen == [o["id"] for o in batch], path


# 14 -----------------------------------------------------------------------------------------
def test_c14_added_after_is_strictly_after(taxii: Taxii) -> None:
    """[3.4]"""
    batch = [indicator(), indicator(), indicator()]
    taxii.share(OWNER, taxii.shared(), batch)
    ids = {"match[id]": ",".join(o["id"] for o in batch)}
    records = taxii.manifest(READER, taxii.shared(), ids).json()["objects"]
    after_second = taxii.objects(
        READER, taxii.shared(), {**ids, "added_after": records[1]["date_added"]}
    )
    assert _ids(after_second) == [batch[2]["id"]]
    assert _ids(taxii.objects(READER, taxii.shared(), ids)) == [o["id"] for o in batch]


# 15 -----------------------------------------------------------------------------------------
def test_c15_commas_are_or_fields_are_and_any_type_is_fine(taxii: Taxii) -> None:
    """[3.4, 3.4.1]"""
    ind, mal = indicator(), malware()
    taxii.share(OWNER, taxii.shared(), [ind, mal])
    both = f"{ind['id']},{mal['id']}"
    assert _ids(taxii.objects(READER, taxii.shared(), {"match[id]": both})) == [
        ind["id"],
        mal["id"],
    ]
    typed = {"match[id]": both, "match[type]": "indicator,malware"}
    assert len(_ids(taxii.objects(READER, taxii.shared(), typed))) == 2
    only = {"match[id]": both, "match[type]": "malware"}
    assert _ids(taxii.objects(READER, taxii.shared(), only)) == [mal["id"]]
    none = taxii.objects(READER, taxii.shared(), {"match[id]": ind["id"], "match[type]": "malware"})
    assert none.status_code == 200 and none.json() == {}
    stix21_types = (
        "attack-pattern,campaign,course-of-action,grouping,identity,incident,indicator,"
        "infrastructure,intrusion-set,location,malware,malware-analysis,note,observed-data,"
        "opinion,report,threat-actor,tool,vulnerability,relationship,sighting,artifact,"
        "autonomous-system,directory,domain-name,email-addr,email-message,file,ipv4-addr,"
        "ipv6-addr,mac-addr,mutex,network-traffic,process,software,url,user-account,"
        "windows-registry-key,x509-certificate,marking-definition,language-content,"
        "extension-definition,x-no-such-type"
    )
    for types in (stix21_types, *stix21_types.split(",")):
        response = taxii.objects(READER, taxii.shared(), {"match[type]": types, "limit": "1"})
        assert response.status_code == 200, types


# 16 -----------------------------------------------------------------------------------------
def test_c16_match_version_last_by_default_first_all_and_timestamps(taxii: Taxii) -> None:
    """[3.4.1]"""
    v1 = indicator()
    v2 = {**v1, "modified": "2026-02-01T00:00:00.000Z", "name": "v2"}
    v3 = {**v1, "modified": "2026-03-01T00:00:00.000Z", "name": "v3"}
    taxii.share(OWNER, taxii.shared(), [v1, v2, v3])

    def names(version: str | None) -> list[str]:
        params = {"match[id]": v1["id"], **({"match[version]": version} if version else {})}
        body = taxii.objects(READER, taxii.shared(), params).json()
        return [o["name"] for o in body.get("objects", [])]

    assert names(None) == ["v3"]
    assert names("last") == ["v3"]
    assert names("first") == [v1["name"]]
    assert names("all") == [v1["name"], "v2", "v3"]
    assert names("2026-02-01T00:00:00.000Z") == ["v2"]
    assert names("2026-02-01T00:00:00Z,first") == [v1["name"], "v2"]
    assert names("2025-01-01T00:00:00.000Z") == []


def test_c16_objects_without_modified_are_versioned_by_created(taxii: Taxii) -> None:
    """[3.4.1] A marking definition has ``created`` and no ``modified``."""
    statement = {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": "marking-definition--00000000-0000-4000-8000-00000000c016",
        "created": "2026-04-05T06:07:08.900Z",
        "definition_type": "statement",
        "definition": {"statement": "Copyright taawun test"},
    }
    own = taxii.own(OWNER)
    taxii.share(OWNER, own, [statement])
    manifest = taxii.manifest(OWNER, own, {"match[id]": statement["id"]}).json()
    assert manifest["objects"][0]["version"] == "2026-04-05T06:07:08.900000Z"
    exact = {"match[id]": statement["id"], "match[version]": "2026-04-05T06:07:08.900Z"}
    assert _ids(taxii.objects(OWNER, own, exact)) == [statement["id"]]


# 17 -----------------------------------------------------------------------------------------
def test_c17_match_spec_version_filters(taxii: Taxii) -> None:
    """[3.4.1] Everything here is STIX 2.1: the default and ``2.1`` find it, ``2.0`` does not."""
    obj = indicator()
    taxii.share(OWNER, taxii.shared(), [obj])
    ids = {"match[id]": obj["id"]}
    for spec, found in ((None, True), ("2.1", True), ("2.0,2.1", True), ("2.0", False)):
        params = {**ids, **({"match[spec_version]": spec} if spec else {})}
        for response in (
            taxii.objects(READER, taxii.shared(), params),
            taxii.manifest(READER, taxii.shared(), params),
            taxii.get(
                READER,
                _object_path(taxii, obj["id"]),
                params={k: v for k, v in params.items() if k != "match[id]"},
            ),
        ):
            assert response.status_code == 200
            assert bool(response.json()) is found, (spec, response.json())


# 18 -----------------------------------------------------------------------------------------
def test_c18_manifest_filters_apply_to_the_objects_and_records_are_complete(taxii: Taxii) -> None:
    """[5.3.1]"""
    v1, mal = indicator(), malware()
    v2 = {**v1, "modified": "2026-05-01T00:00:00.000Z"}
    taxii.share(OWNER, taxii.shared(), [v1, mal, v2])
    both = f"{v1['id']},{mal['id']}"
    collection = taxii.get(READER, f"{ROOT}collections/{taxii.shared()}/").json()
    records = taxii.manifest(READER, taxii.shared(), {"match[id]": both}).json()["objects"]
    assert [(r["id"], r["version"]) for r in records] == [
        (mal["id"], "2026-01-01T00:00:00.000000Z"),
        (v1["id"], "2026-05-01T00:00:00.000000Z"),
    ]
    for record in records:
        assert {"id", "date_added", "version"} <= record.keys()
        assert record["media_type"] in collection["media_types"] and record["media_type"] == STIX
    typed = taxii.manifest(READER, taxii.shared(), {"match[id]": both, "match[type]": "malware"})
    assert [r["id"] for r in typed.json()["objects"]] == [mal["id"]]
    every = taxii.manifest(READER, taxii.shared(), {"match[id]": both, "match[version]": "all"})
    assert len(every.json()["objects"]) == 3


# 19 -----------------------------------------------------------------------------------------
def test_c19_no_results_is_an_empty_envelope(taxii: Taxii) -> None:
    """[2, 5.4] ``{}`` and no X-TAXII headers; never an empty list."""
    obj = indicator()
    taxii.share(OWNER, taxii.shared(), [obj])
    unknown = {"match[id]": "indicator--00000000-0000-4000-8000-0000deadbeef"}
    late = {"added_after": "2100-01-01T00:00:00.000000Z"}
    for response in (
        taxii.objects(READER, taxii.shared(), unknown),
        taxii.manifest(READER, taxii.shared(), unknown),
        taxii.objects(READER, taxii.shared(), late),
        taxii.get(
            READER,
            _object_path(taxii, obj["id"]),
            params={"match[version]": "first,2020-01-01T00:00:00Z"}
            and {"match[version]": "2020-01-01T00:00:00Z"},
        ),
        taxii.get(READER, _object_path(taxii, obj["id"], "versions/"), params=late),
    ):
        assert response.status_code == 200
        assert response.content == b"{}"
        assert "x-taxii-date-added-first" not in response.headers


# 23 -----------------------------------------------------------------------------------------
def test_c23_get_an_object_is_an_envelope_and_takes_only_version_filters(taxii: Taxii) -> None:
    """[5.6]"""
    v1 = indicator()
    v2 = {**v1, "modified": "2026-06-01T00:00:00.000Z", "name": "newer"}
    taxii.share(OWNER, taxii.shared(), [v1, v2])
    path = _object_path(taxii, v1["id"])
    last = taxii.get(READER, path).json()
    assert last["more"] is False and as_posted(last["objects"], [v2])
    every = taxii.get(READER, path, params={"match[version]": "all", "match[spec_version]": "2.1"})
    assert as_posted(every.json()["objects"], [v1, v2])
    paged = taxii.get(READER, path, params={"match[version]": "all", "limit": "1"}).json()
    assert paged["more"] is True and as_posted(paged["objects"], [v1])
    for bad in ({"match[id]": v1["id"]}, {"match[type]": "indicator"}):
        assert taxii.get(READER, path, params=bad).status_code == 400
    missing = taxii.get(
        READER, _object_path(taxii, "indicator--00000000-0000-4000-8000-0000000dead0")
    )
    assert missing.status_code == 404 and missing.json()["http_status"] == "404"


def test_c23_an_object_outside_the_collection_is_404(taxii: Taxii) -> None:
    """Kept in its agency's own collection, the object is not in the agreement's."""
    private = indicator()
    taxii.share(OWNER, taxii.own(OWNER), [private])
    assert taxii.get(OWNER, _object_path(taxii, private["id"])).status_code == 404
    assert taxii.get(READER, _object_path(taxii, private["id"])).status_code == 404
    own_path = f"{ROOT}collections/{taxii.own(OWNER)}/objects/{private['id']}/"
    assert as_posted(taxii.get(OWNER, own_path).json()["objects"], [private])


# 25 -----------------------------------------------------------------------------------------
def test_c25_versions_supports_paging_spec_version_and_headers(taxii: Taxii) -> None:
    """[5.8]"""
    v1 = indicator()
    versions = [v1] + [
        {**v1, "modified": f"2026-0{m}-01T00:00:00.000Z", "name": f"v{m}"} for m in (2, 3, 4)
    ]
    taxii.share(OWNER, taxii.shared(), versions)
    path = _object_path(taxii, v1["id"], "versions/")
    full = taxii.get(READER, path)
    expected = [format_us(parse_us(v["modified"])) for v in versions]
    assert full.json() == {"more": False, "versions": expected}
    first = taxii.get(READER, path, params={"limit": "3"})
    assert first.json() == {"more": True, "versions": expected[:3]}
    rest = taxii.get(READER, path, params={"added_after": first.headers["x-taxii-date-added-last"]})
    assert rest.json() == {"more": False, "versions": expected[3:]}
    token = str(parse_us(first.headers["x-taxii-date-added-last"]))
    assert taxii.get(READER, path, params={"next": token}).json()["versions"] == expected[3:]
    assert (
        taxii.get(READER, path, params={"match[spec_version]": "2.1"}).json()["versions"]
        == expected
    )
    assert taxii.get(READER, path, params={"match[spec_version]": "2.0"}).content == b"{}"
    assert taxii.get(READER, path, params={"match[version]": "all"}).status_code == 400
    assert full.headers["x-taxii-date-added-first"] < full.headers["x-taxii-date-added-last"]
    unknown = _object_path(taxii, "indicator--00000000-0000-4000-8000-0000000dead1", "versions/")
    assert taxii.get(READER, unknown).status_code == 404


def test_reads_of_confidential_and_above_are_audited_with_their_basis(taxii: Taxii) -> None:
    """A partner's TAXII reads of a SECRET object (listing and by id) are each recorded with
    the agreement that allowed them; an UNCLASSIFIED read in the same page is not."""
    secret = indicator(
        extensions={
            EXTENSION_ID: {"extension_type": "property-extension", "classification": "SECRET"}
        }
    )
    plain = indicator()
    taxii.share(OWNER, taxii.shared(), [secret, plain])

    def reads() -> list[dict[str, Any]]:
        with Session(taxii.engine) as session:
            stmt = select(AuditEntry).where(AuditEntry.action == "intel.read")
            return [o for e in session.scalars(stmt) for o in e.detail["objects"]]

    before = len(reads())
    listed = taxii.objects(READER, taxii.shared(), {"match[id]": f"{secret['id']},{plain['id']}"})
    assert set(_ids(listed)) == {secret["id"], plain["id"]}
    one = taxii.get(READER, _object_path(taxii, secret["id"]))
    assert _ids(one) == [secret["id"]]
    new = reads()[before:]
    assert [r["id"] for r in new] == [secret["id"], secret["id"]]
    assert {r["basis"] for r in new} == {f"agreement:{taxii.agreements['sharing']}"}
