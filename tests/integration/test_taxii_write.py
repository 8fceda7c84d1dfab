"""Writing over TAXII 2.1, and who sees what was written: add objects and their status,
delete, the release policy across states, suspension (TAXII-CHECKLIST.md lines 20–22,
24; OASIS TAXII 2.1 sections in brackets)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from taawun.core.principal import Principal
from taawun.registry import lifecycle

from .taxii_conftest import ROOT, TAXII, Taxii, indicator, malware, taxii_node

OWNER = "tr.liaison"
PARTNER = "pk.liaison"
OUTSIDER = "sa.liaison"


@pytest.fixture(scope="module")
def taxii(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Taxii]:
    yield from taxii_node(backend, tmp_path_factory, "taxii_write")


def _objects_path(collection: str) -> str:
    return f"{ROOT}collections/{collection}/objects/"


def _found(taxii: Taxii, user: str, collection: str, object_id: str) -> bool:
    response = taxii.objects(user, collection, {"match[id]": object_id, "match[version]": "all"})
    assert response.status_code == 200, response.text
    return bool(response.json())


# 20 -----------------------------------------------------------------------------------------
def test_c20_post_answers_202_and_a_status(taxii: Taxii) -> None:
    """[5.5]"""
    obj = indicator()
    response = taxii.post(OWNER, taxii.shared(), [obj])
    assert response.status_code == 202
    assert response.headers["content-type"] == TAXII
    status = response.json()
    assert status["status"] == "complete" and status["success_count"] == 1
    assert _found(taxii, PARTNER, taxii.shared(), obj["id"])


def test_c20_post_needs_accept(taxii: Taxii) -> None:
    """[5.5] No Accept, or one without TAXII: 406, nothing stored."""
    obj = indicator()
    request = taxii.client.build_request(
        "POST",
        _objects_path(taxii.own(OWNER)),
        json={"objects": [obj]},
        headers={"Authorization": f"Bearer {taxii.tokens[OWNER]}", "Content-Type": TAXII},
    )
    del request.headers["accept"]
    assert taxii.client.send(request).status_code == 406
    wrong = taxii.client.post(
        _objects_path(taxii.own(OWNER)),
        json={"objects": [obj]},
        headers=taxii.headers(OWNER, **{"Content-Type": TAXII, "Accept": "application/json"}),
    )
    assert wrong.status_code == 406 and wrong.json()["http_status"] == "406"
    assert not _found(taxii, OWNER, taxii.own(OWNER), obj["id"])


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "application/json",
        "application/stix+json;version=2.1",
        "application/taxii+json;version=2.0",
    ],
)
def test_c20_wrong_content_type_is_415(taxii: Taxii, content_type: str | None) -> None:
    """[5.5, 4.2.1]"""
    obj = indicator()
    request = taxii.client.build_request(
        "POST",
        _objects_path(taxii.own(OWNER)),
        content=b'{"objects": [' + __import__("json").dumps(obj).encode() + b"]}",
        headers=taxii.headers(OWNER),
    )
    if content_type is None:
        request.headers.pop("content-type", None)
    else:
        request.headers["content-type"] = content_type
    response = taxii.client.send(request)
    assert response.status_code == 415 and response.json()["http_status"] == "415"
    assert not _found(taxii, OWNER, taxii.own(OWNER), obj["id"])


def test_c20_a_body_over_max_content_length_is_413(taxii: Taxii) -> None:
    """[4.2.1] Judged on Content-Length, and on the bytes read when there is none."""
    limit = taxii.get(OWNER, ROOT).json()["max_content_length"]
    obj = indicator(description="x" * limit)
    headers = taxii.headers(OWNER, **{"Content-Type": TAXII})
    declared = taxii.client.post(
        _objects_path(taxii.own(OWNER)), json={"objects": [obj]}, headers=headers
    )
    assert declared.status_code == 413

    def chunks() -> Iterator[bytes]:
        yield b'{"objects": ['
        for _ in range(limit // 65536 + 2):
            yield b" " * 65536
        yield b"]}"

    streamed = taxii.client.post(_objects_path(taxii.own(OWNER)), content=chunks(), headers=headers)
    assert streamed.status_code == 413
    just_under = taxii.client.post(
        _objects_path(taxii.own(OWNER)),
        content=b'{"objects": []}' + b" " * (limit - 15),
        headers=headers,
    )
    assert just_under.status_code == 202 and just_under.json()["total_count"] == 0


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"no_objects": []}',
        b'{"objects": {"0": OBJ}}',
        b'[{"objects": [OBJ]}]',
        b'{"objects": OBJ}',
    ],
)
def test_c20_a_malformed_envelope_is_422_and_stores_nothing(taxii: Taxii, body: bytes) -> None:
    """[4.2.1, 3.7.1]"""
    obj = indicator()
    import json

    response = taxii.client.post(
        _objects_path(taxii.own(OWNER)),
        content=body.replace(b"OBJ", json.dumps(obj).encode()),
        headers=taxii.headers(OWNER, **{"Content-Type": TAXII}),
    )
    assert response.status_code == 422, response.text
    assert response.json()["http_status"] == "422"
    assert not _found(taxii, OWNER, taxii.own(OWNER), obj["id"])


# 21 -----------------------------------------------------------------------------------------
def test_c21_reposting_an_identical_object_is_not_a_failure(taxii: Taxii) -> None:
    """[5.5]"""
    obj = indicator()
    taxii.share(OWNER, taxii.shared(), [obj])
    again = taxii.post(OWNER, taxii.shared(), [obj]).json()
    assert again["success_count"] == 1 and again["failure_count"] == 0
    assert again["successes"][0]["id"] == obj["id"]
    versions = taxii.get(PARTNER, f"{_objects_path(taxii.shared())}{obj['id']}/versions/")
    assert versions.json()["versions"] == ["2026-01-01T00:00:00.000000Z"]


# 22 -----------------------------------------------------------------------------------------
def test_c22_status_counts_add_up_and_details_name_id_and_version(taxii: Taxii) -> None:
    """[4.3]"""
    good, dup, bad = indicator(), indicator(), indicator(pattern="[ipv4-addr:value = ")
    taxii.share(OWNER, taxii.shared(), [dup])
    status = taxii.post(OWNER, taxii.shared(), [good, dup, bad, "not an object"]).json()
    assert status["status"] in {"complete", "pending"}
    assert status["total_count"] == 4
    assert status["success_count"] + status["failure_count"] + status["pending_count"] == 4
    assert (status["success_count"], status["failure_count"], status["pending_count"]) == (2, 2, 0)
    assert "pendings" not in status  # lists are never empty
    assert [d["id"] for d in status["successes"]] == [good["id"], dup["id"]]
    assert status["failures"][0]["id"] == bad["id"]
    assert status["failures"][0]["message"].startswith("objects[2]: pattern")
    for detail in status["successes"] + status["failures"]:
        assert {"id", "version"} <= detail.keys()
    assert status["successes"][0]["version"] == "2026-01-01T00:00:00.000000Z"
    fetched = taxii.get(OWNER, f"{ROOT}status/{status['id']}/")
    assert fetched.status_code == 200 and fetched.json() == status


def test_c22_status_is_kept_for_its_agency_only_and_at_least_24_hours(taxii: Taxii) -> None:
    """[4.3] Another agency (even of the same state, or the partner) gets 404, as for an
    unknown id; the status is still there a day and an hour later."""
    status = taxii.share(OWNER, taxii.shared(), [indicator()])
    path = f"{ROOT}status/{status['id']}/"
    assert taxii.get("tr.viewer", path).status_code == 200  # same agency
    for other in ("tr.mod", PARTNER, OUTSIDER):
        response = taxii.get(other, path)
        assert response.status_code == 404 and response.json()["http_status"] == "404"
    assert (
        taxii.get(OWNER, f"{ROOT}status/00000000-0000-4000-8000-000000000000/").status_code == 404
    )
    taxii.clock.advance(hours=25)
    try:
        later = taxii.get(OWNER, path)
    finally:
        taxii.clock.advance(hours=-25)
    assert later.status_code == 200 and later.json() == status


# 24 -----------------------------------------------------------------------------------------
def test_c24_a_deleted_object_is_gone_everywhere(taxii: Taxii) -> None:
    """[5.7] Every version, from objects, manifest, the object and its versions."""
    v1 = indicator()
    v2 = {**v1, "modified": "2026-02-01T00:00:00.000Z"}
    taxii.share(OWNER, taxii.shared(), [v1, v2])
    path = f"{_objects_path(taxii.shared())}{v1['id']}/"
    assert taxii.get(PARTNER, path).status_code == 200
    deleted = taxii.client.delete(path, headers=taxii.headers(OWNER))
    assert deleted.status_code == 200 and deleted.headers["content-type"] == TAXII
    for user in (OWNER, PARTNER):
        assert taxii.get(user, path).status_code == 404
        assert taxii.get(user, f"{path}versions/").status_code == 404
        assert not _found(taxii, user, taxii.shared(), v1["id"])
        manifest = taxii.manifest(
            user, taxii.shared(), {"match[id]": v1["id"], "match[version]": "all"}
        )
        assert manifest.json() == {}
    assert taxii.client.delete(path, headers=taxii.headers(OWNER)).status_code == 404


def test_c24_delete_deletes_every_version_so_narrowing_filters_are_400(taxii: Taxii) -> None:
    """[5.7] This node deletes an object whole; a request for part of it is refused."""
    obj = indicator()
    taxii.share(OWNER, taxii.shared(), [obj])
    path = f"{_objects_path(taxii.shared())}{obj['id']}/"
    for params in ({"match[version]": "first"}, {"match[spec_version]": "2.1"}):
        response = taxii.client.delete(path, params=params, headers=taxii.headers(OWNER))
        assert response.status_code == 400
    assert _found(taxii, OWNER, taxii.shared(), obj["id"])
    ok = taxii.client.delete(path, params={"match[version]": "all"}, headers=taxii.headers(OWNER))
    assert ok.status_code == 200


def test_a_refused_request_leaves_no_write_behind(taxii: Taxii) -> None:
    """The request's unit of work is rolled back on a TAXII error (the refused delete audits
    the refusal inside it, and that entry goes with the rest)."""
    obj = indicator()
    taxii.share(OWNER, taxii.shared(), [obj])
    with Session(taxii.engine) as session:
        before = session.scalar(select(func.count()).select_from(text("audit_entry")))
    path = f"{_objects_path(taxii.shared())}{obj['id']}/"
    assert taxii.client.delete(path, headers=taxii.headers(PARTNER)).status_code == 403
    with Session(taxii.engine) as session:
        after = session.scalar(select(func.count()).select_from(text("audit_entry")))
    assert after == before
    assert _found(taxii, PARTNER, taxii.shared(), obj["id"])


# The release policy over TAXII -------------------------------------------------------------
def test_a_bilateral_release_shows_nothing_to_a_third_state(taxii: Taxii) -> None:
    """What Turkey releases under its agreement with Pakistan: Pakistan reads it; Saudi Arabia
    sees neither the objects, nor a count in a manifest, nor the collection."""
    released, private = indicator(), malware()
    status = taxii.share(OWNER, taxii.shared(), [released])
    taxii.share(OWNER, taxii.own(OWNER), [private])
    assert _found(taxii, PARTNER, taxii.shared(), released["id"])
    assert _found(taxii, "tr.mod", taxii.shared(), released["id"])  # same state
    assert not _found(taxii, PARTNER, taxii.shared(), private["id"])
    outsider = taxii.get(OUTSIDER, f"{ROOT}collections/").json()["collections"]
    assert outsider[0]["id"] == taxii.own(OUTSIDER)
    assert not {taxii.shared(), taxii.own(OWNER), taxii.own(PARTNER)} & {c["id"] for c in outsider}
    for tail in (
        "objects/",
        "manifest/",
        f"objects/{released['id']}/",
        f"objects/{released['id']}/versions/",
        "",
    ):
        for collection in (taxii.shared(), taxii.own(OWNER)):
            response = taxii.get(OUTSIDER, f"{ROOT}collections/{collection}/{tail}")
            assert response.status_code == 404, tail
    own = taxii.own(OUTSIDER)
    for obj in (released, private):
        assert not _found(taxii, OUTSIDER, own, obj["id"])
        assert taxii.get(OUTSIDER, f"{_objects_path(own)}{obj['id']}/").status_code == 404
    assert taxii.manifest(OUTSIDER, own).json() == {}
    assert taxii.get(OUTSIDER, f"{ROOT}status/{status['id']}/").status_code == 404


def _outcome(status: dict[str, object]) -> dict[str, object]:
    """A status as it would read for any id: its counts and each detail without the id."""
    keys = ("status", "total_count", "success_count", "failure_count", "pending_count")
    details = {
        part: [{k: v for k, v in d.items() if k != "id"} for d in status.get(part, [])]
        for part in ("successes", "failures", "pendings")
    }
    return {**{k: status[k] for k in keys}, **details}


def test_posting_an_id_another_agency_holds_answers_as_for_a_new_id(taxii: Taxii) -> None:
    """An agency's objects are its own: a third state posting the id of Turkey's object it
    cannot read gets the answer a new id gets (nothing tells it the id exists), stores an
    object of its own, and Turkey's object and its readers are untouched."""
    turkish = indicator()
    taxii.share(OWNER, taxii.shared(), [turkish])
    own = taxii.own(OUTSIDER)
    version = "2026-09-01T00:00:00.000Z"
    guessed = taxii.post(OUTSIDER, own, [{**turkish, "modified": version}])
    fresh = taxii.post(OUTSIDER, own, [{**indicator(), "modified": version}])
    assert guessed.status_code == fresh.status_code == 202
    assert _outcome(guessed.json()) == _outcome(fresh.json())
    assert guessed.json()["success_count"] == 1
    # The Saudi object is Saudi Arabia's alone; Turkey's partner still sees only Turkey's.
    assert _found(taxii, OUTSIDER, own, turkish["id"])
    seen = taxii.objects(
        PARTNER, taxii.shared(), {"match[id]": turkish["id"], "match[version]": "all"}
    ).json()["objects"]
    assert [o["modified"] for o in seen] == [turkish["modified"]]
    # Turkey adds a version of its own object as before; the Saudi one does not block it.
    newer = {**turkish, "modified": "2026-10-01T00:00:00.000Z"}
    assert taxii.post(OWNER, taxii.shared(), [newer]).json()["success_count"] == 1
    latest = taxii.objects(PARTNER, taxii.shared(), {"match[id]": turkish["id"]}).json()
    assert [o["modified"] for o in latest["objects"]] == [newer["modified"]]
    # Sending the same id and version again is a duplicate for each owner alone.
    again = taxii.post(OUTSIDER, own, [{**turkish, "modified": version}]).json()
    assert again["success_count"] == 1 and again["failure_count"] == 0


def test_an_sco_without_created_or_modified_is_versioned_by_date_added(taxii: Taxii) -> None:
    """STIX 2.1 SCOs carry neither ``created`` nor ``modified``: their one version is their
    date_added (TAXII 2.1 §3.4.1), and sending them again is a duplicate, not a new version."""
    sco = {
        "type": "ipv4-addr",
        "spec_version": "2.1",
        "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd",
        "value": "198.51.100.3",
    }
    response = taxii.post(OWNER, taxii.own(OWNER), [sco])
    assert response.status_code == 202, response.text
    assert response.json()["success_count"] == 1
    again = taxii.post(OWNER, taxii.own(OWNER), [sco])
    assert again.json()["success_count"] == 1 and again.json()["failure_count"] == 0
    versions = taxii.get(
        OWNER, f"{ROOT}collections/{taxii.own(OWNER)}/objects/{sco['id']}/versions/"
    ).json()["versions"]
    assert len(versions) == 1


def test_suspending_the_agreement_empties_the_partners_next_get(taxii: Taxii) -> None:
    """The rule is evaluated at query time: once suspended, the partner reads nothing more."""
    obj = indicator()
    suspendable = taxii.shared("suspendable")
    taxii.share(OWNER, suspendable, [obj])
    assert _found(taxii, PARTNER, suspendable, obj["id"])
    with Session(taxii.engine) as session:
        lifecycle.suspend_agreement(
            Principal.system_principal("test"),
            session,
            ref=taxii.agreements["suspendable"],
            on=taxii.clock.now().date(),
            clock=taxii.clock,
        )
        session.commit()
    collection = taxii.get(PARTNER, f"{ROOT}collections/{suspendable}/").json()
    assert collection["can_read"] is False and collection["can_write"] is False
    for tail in ("objects/", "manifest/", f"objects/{obj['id']}/"):
        response = taxii.get(PARTNER, f"{ROOT}collections/{suspendable}/{tail}")
        assert response.status_code == 403 and "objects" not in response.json()
    assert not _found(taxii, PARTNER, taxii.own(PARTNER), obj["id"])
    assert not _found(taxii, PARTNER, taxii.shared(), obj["id"])
    assert _found(taxii, OWNER, taxii.own(OWNER), obj["id"])  # the owner keeps it
