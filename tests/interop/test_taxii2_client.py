"""taawun as a TAXII 2.1 server to OASIS's own client, ``taxii2-client`` (v21), over HTTP:
discovery, collections and their permissions, adding objects and their status, the
listing filters, paging, manifest, versions, one object, delete, and who sees what
(OASIS TAXII 2.1 sections in brackets)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import pytest
import requests
from taxii2client.exceptions import AccessError
from taxii2client.v21 import ApiRoot, Collection, Server, as_pages

from .conftest import (
    AGREEMENT_TITLE,
    CREATED,
    OUTSIDER,
    OWNER,
    PARTNER,
    TAXII,
    VIEWER,
    BearerAuth,
    LiveNode,
    envelope,
    indicator,
    malware,
    relationship,
)


def _agreement(root: ApiRoot) -> Collection:
    """The agreement's collection, found the way a user would: by its title."""
    found = [c for c in root.collections if AGREEMENT_TITLE in c.title]
    assert len(found) == 1, [c.title for c in root.collections]
    return found[0]


def _ids(resource: dict[str, Any]) -> list[str]:
    return [o["id"] for o in resource.get("objects", [])]


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _http_status(excinfo: pytest.ExceptionInfo[requests.HTTPError]) -> int:
    return int(excinfo.value.response.status_code)


# Discovery and collections [4.1, 4.2, 5.1, 5.2] -----------------------------------------------
def test_discovery_leads_to_the_api_root(node: LiveNode) -> None:
    server = node.server(OWNER)
    assert server.title
    assert [r.url for r in server.api_roots] == [node.api_root_url]
    assert server.default is not None and server.default.url == node.api_root_url
    root = server.api_roots[0]
    assert TAXII in root.versions
    assert root.max_content_length > 0


def test_bearer_tokens_work_as_well_as_basic(node: LiveNode) -> None:
    """[1.6.9] The client's ``auth`` hook carries a Bearer token instead of a password."""
    server = Server(node.discovery_url, auth=BearerAuth(node.tokens[PARTNER]))
    ids = {c.id for c in server.api_roots[0].collections}
    assert {node.agreement_collection_id(), node.own_collection_id(PARTNER)} <= ids


def test_no_credentials_is_refused(node: LiveNode) -> None:
    with pytest.raises(requests.HTTPError) as excinfo:
        Server(node.discovery_url).refresh()
    assert _http_status(excinfo) == 401


def test_a_liaison_may_read_and_write_both_collections(node: LiveNode) -> None:
    root = node.api_root(OWNER)
    shared = _agreement(root)
    own = next(c for c in root.collections if c.id == node.own_collection_id(OWNER))
    assert shared.id == node.agreement_collection_id()
    assert (shared.can_read, shared.can_write) == (True, True)
    assert (own.can_read, own.can_write) == (True, True)


def test_a_viewer_may_read_but_not_write(node: LiveNode) -> None:
    root = node.api_root(VIEWER)
    shared = _agreement(root)
    own = next(c for c in root.collections if c.id == node.own_collection_id(VIEWER))
    assert (shared.can_read, shared.can_write) == (True, False)
    assert (own.can_read, own.can_write) == (True, False)
    with pytest.raises(AccessError):  # the client believes can_write
        shared.add_objects(envelope(indicator(0, "viewer")))


def test_the_server_refuses_a_viewer_who_posts_anyway(node: LiveNode) -> None:
    """[5.5] A client that ignores ``can_write`` is refused by the server, and nothing is kept."""
    shared = node.collection(VIEWER, node.agreement_collection_id(), claim=True)
    obj = indicator(1, "viewer-forged")
    with pytest.raises(requests.HTTPError) as excinfo:
        shared.add_objects(envelope(obj))
    assert _http_status(excinfo) in {403, 404}
    with pytest.raises(requests.HTTPError) as excinfo:
        _agreement(node.api_root(OWNER)).get_object(obj.id)
    assert _http_status(excinfo) == 404


# Adding objects and their status [5.5, 4.3] ---------------------------------------------------
def test_add_objects_answers_a_complete_status(node: LiveNode) -> None:
    root = node.api_root(OWNER)
    shared = _agreement(root)
    implant = malware("status")
    indicators = [indicator(n, "status") for n in range(3)]
    links = [relationship(i, implant) for i in indicators]
    posted = [*indicators, implant, *links]

    status = shared.add_objects(envelope(*posted))

    assert status.status == "complete"
    assert (status.total_count, status.success_count) == (len(posted), len(posted))
    assert (status.failure_count, status.pending_count) == (0, 0)
    assert {d["id"] for d in status.successes} == {o.id for o in posted}
    again = root.get_status(status.id)
    assert (again.id, again.status, again.success_count) == (status.id, "complete", len(posted))
    status.refresh()  # the client's own polling URL works too
    assert status.success_count == len(posted)


def test_an_invalid_object_fails_alone(node: LiveNode) -> None:
    """[4.3.1] The status counts the failure; the valid object beside it is stored."""
    shared = _agreement(node.api_root(OWNER))
    good = indicator(1, "half-bad")
    bad = {"type": "indicator", "spec_version": "2.1", "id": "indicator--not-a-uuid"}
    status = shared.add_objects({"objects": [envelope(good)["objects"][0], bad]})
    assert (status.total_count, status.success_count, status.failure_count) == (2, 1, 1)
    assert [d["id"] for d in status.successes] == [good.id]
    assert _ids(shared.get_object(good.id)) == [good.id]


def test_status_of_another_agency_is_not_found(node: LiveNode) -> None:
    status = _agreement(node.api_root(OWNER)).add_objects(envelope(indicator(1, "status-other")))
    with pytest.raises(requests.HTTPError) as excinfo:
        node.api_root(PARTNER).get_status(status.id)
    assert _http_status(excinfo) == 404


# Reading [5.3, 5.4, 5.6, 5.8] ---------------------------------------------------------------
def test_get_objects_filters_by_type_and_id(node: LiveNode) -> None:
    shared = _agreement(node.api_root(OWNER))
    implant = malware("filters")
    first, second = indicator(1, "filters"), indicator(2, "filters")
    shared.add_objects(envelope(first, second, implant, relationship(first, implant)))

    malwares = shared.get_objects(type="malware")["objects"]
    assert malwares and {o["type"] for o in malwares} == {"malware"}
    assert implant.id in _ids({"objects": malwares})
    assert _ids(shared.get_objects(id=first.id)) == [first.id]
    both = shared.get_objects(id=[first.id, implant.id], type=["indicator", "malware"])
    assert sorted(_ids(both)) == sorted([first.id, implant.id])
    assert shared.get_objects(id=first.id, type="malware") == {}  # fields AND [3.4.1]
    assert shared.get_objects(type="x-nobody-stores-this") == {}


def test_added_after_is_strictly_after(node: LiveNode) -> None:
    """[3.4] Using the manifest's ``date_added`` as the cut."""
    shared = _agreement(node.api_root(OWNER))
    shared.add_objects(envelope(*(indicator(n, "added-after") for n in range(4))))
    records = shared.get_manifest()["objects"]
    cut = records[-3]["date_added"]
    later = shared.get_objects(added_after=cut)
    assert _ids(later) == [r["id"] for r in records[-2:]]
    assert shared.get_objects(added_after=records[-1]["date_added"]) == {}


def test_as_pages_walks_every_object_exactly_once(node: LiveNode) -> None:
    """[3.5] 120 objects in one envelope, walked 25 at a time by the client's pager."""
    shared = _agreement(node.api_root(OWNER))
    posted = [indicator(n, "paging") for n in range(120)]
    assert shared.add_objects(envelope(*posted)).success_count == len(posted)
    expected = [r["id"] for r in shared.get_manifest()["objects"]]

    pages = list(as_pages(shared.get_objects, per_request=25))

    walked = [i for page in pages for i in _ids(page)]
    assert walked == expected  # every object once, oldest date_added first
    assert {o.id for o in posted} <= set(walked)
    assert len(pages) == math.ceil(len(expected) / 25)
    assert all(len(page["objects"]) <= 25 for page in pages)
    assert [page["more"] for page in pages] == [True] * (len(pages) - 1) + [False]


def test_as_pages_walks_the_manifest_too(node: LiveNode) -> None:
    shared = _agreement(node.api_root(OWNER))
    shared.add_objects(envelope(*(indicator(n, "manifest-paging") for n in range(30))))
    whole = [r["id"] for r in shared.get_manifest()["objects"]]
    walked = [
        r["id"] for page in as_pages(shared.get_manifest, per_request=7) for r in page["objects"]
    ]
    assert walked == whole and len(set(walked)) == len(walked)


def test_manifest_describes_the_objects(node: LiveNode) -> None:
    """[5.3.1] One record per object, with its version and media type, oldest first."""
    shared = _agreement(node.api_root(OWNER))
    shared.add_objects(envelope(indicator(1, "manifest"), malware("manifest")))
    records = shared.get_manifest(type="malware")["objects"]
    assert records and all(set(r) >= {"id", "date_added", "version", "media_type"} for r in records)
    assert {r["media_type"] for r in records} == {"application/stix+json;version=2.1"}
    assert [r["id"] for r in records] == _ids(shared.get_objects(type="malware"))
    added = [_when(r["date_added"]) for r in records]
    assert added == sorted(added)


def test_versions_of_an_object(node: LiveNode) -> None:
    """[5.8, 3.4.1] A second version is listed by ``object_versions`` and selectable."""
    shared = _agreement(node.api_root(OWNER))
    first = indicator(1, "versions")
    second = first.new_version(
        name="versions indicator 1, revised", modified=CREATED + timedelta(days=1)
    )
    shared.add_objects(envelope(first))
    shared.add_objects(envelope(second))

    versions = shared.object_versions(first.id)["versions"]
    assert [_when(v) for v in versions] == [first.modified, second.modified]
    latest = shared.get_object(first.id)["objects"]
    assert [o["name"] for o in latest] == [second.name]
    every = shared.get_objects(id=first.id, version="all")["objects"]
    assert sorted(_when(o["modified"]) for o in every) == [first.modified, second.modified]
    assert [o["name"] for o in shared.get_object(first.id, version="first")["objects"]] == [
        first.name
    ]
    exact = shared.get_objects(id=first.id, version=first.modified)["objects"]
    assert [o["name"] for o in exact] == [first.name]


def test_get_object_of_an_unknown_id_is_not_found(node: LiveNode) -> None:
    shared = _agreement(node.api_root(OWNER))
    with pytest.raises(requests.HTTPError) as excinfo:
        shared.get_object(indicator(1, "never-posted").id)
    assert _http_status(excinfo) == 404


# Delete [5.7] -------------------------------------------------------------------------------
def test_delete_object_removes_it(node: LiveNode) -> None:
    own = node.collection(OWNER, node.own_collection_id(OWNER))
    doomed, kept = indicator(1, "delete"), indicator(2, "delete")
    own.add_objects(envelope(doomed, kept))
    own.delete_object(doomed.id)
    with pytest.raises(requests.HTTPError) as excinfo:
        own.get_object(doomed.id)
    assert _http_status(excinfo) == 404
    listed = {r["id"] for r in own.get_manifest().get("objects", [])}
    assert doomed.id not in listed and kept.id in listed


def test_a_partner_cannot_delete_what_it_did_not_share(node: LiveNode) -> None:
    obj = indicator(1, "not-yours")
    _agreement(node.api_root(OWNER)).add_objects(envelope(obj))
    theirs = _agreement(node.api_root(PARTNER))
    with pytest.raises(requests.HTTPError) as excinfo:
        theirs.delete_object(obj.id)
    assert _http_status(excinfo) == 403
    assert _ids(theirs.get_object(obj.id)) == [obj.id]


# Who sees what ------------------------------------------------------------------------------
def test_the_partner_sees_the_release_through_the_same_collection(node: LiveNode) -> None:
    posted = [indicator(1, "release"), malware("release")]
    _agreement(node.api_root(OWNER)).add_objects(envelope(*posted))
    theirs = _agreement(node.api_root(PARTNER))
    assert theirs.id == node.agreement_collection_id()
    seen = _ids(theirs.get_objects(id=[o.id for o in posted]))
    assert sorted(seen) == sorted(o.id for o in posted)
    own = node.collection(PARTNER, node.own_collection_id(PARTNER))
    assert not set(_ids(own.get_objects())) & set(seen)  # released to them, not theirs


def test_an_outsider_sees_neither_the_collection_nor_the_objects(node: LiveNode) -> None:
    obj = indicator(1, "outsider")
    _agreement(node.api_root(OWNER)).add_objects(envelope(obj))
    root = node.api_root(OUTSIDER)
    ids = [c.id for c in root.collections]
    assert node.agreement_collection_id() not in ids
    assert not [c for c in root.collections if AGREEMENT_TITLE in c.title]
    own = node.collection(OUTSIDER, node.own_collection_id(OUTSIDER))
    assert own.get_objects() == {}
    for bearer in (False, True):
        stranger = node.collection(OUTSIDER, node.agreement_collection_id(), bearer=bearer)
        with pytest.raises(requests.HTTPError) as excinfo:
            stranger.refresh()  # the collection resource [5.2]
        assert _http_status(excinfo) == 404
    # A client that skips the collection and goes straight to its endpoints [5.3-5.5, 5.8]
    claimed = node.collection(OUTSIDER, node.agreement_collection_id(), claim=True)
    calls: list[tuple[Any, tuple[Any, ...]]] = [
        (claimed.get_objects, ()),
        (claimed.get_object, (obj.id,)),
        (claimed.object_versions, (obj.id,)),
        (claimed.get_manifest, ()),
        (claimed.add_objects, (envelope(indicator(2, "outsider")),)),
    ]
    for call, args in calls:
        with pytest.raises(requests.HTTPError) as excinfo:
            call(*args)
        assert _http_status(excinfo) in {403, 404}, call.__name__
