"""``GET /api/v1/intel/export`` streams its STIX 2.1 bundle (issue 8): one page at a time,
each read through the release policy in a session of its own in a worker thread, with the
reads of CONFIDENTIAL and above audited as before. What it answers is what the export
answered when it built the whole bundle in memory, the definitions after the objects.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from stix2validator import validate_string

from taawun.access.authentication import principal_for_username
from taawun.access.models import AuditEntry
from taawun.core.principal import Principal
from taawun.intel import demo_content, service
from taawun.intel.markings import (
    EXTENSION_DEFINITION,
    EXTENSION_ID,
    NODE_IDENTITY_OBJECT,
    TLP_BY_ID,
    tlp_marking_definition,
)
from taawun.intel.repository import Filters, Scope

from .taxii_conftest import Taxii, taxii_node

URL = "/api/v1/intel/export"
OWNER = "tr.liaison"
PARTNER = "pk.liaison"
OUTSIDER = "sa.liaison"


@pytest.fixture(scope="module")
def taxii(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Taxii]:
    yield from taxii_node(backend, tmp_path_factory, "export_stream")


@pytest.fixture(scope="module")
def demo(taxii: Taxii) -> list[dict[str, Any]]:
    """The demo content (MISP galaxies, 439 objects), shared by Turkey under its agreement
    with Pakistan: the first half CONFIDENTIAL, the rest UNCLASSIFIED; each object keeps its
    own TLP marking."""
    objects = [d.obj for d in demo_content.from_galaxies()]
    for obj in objects:
        obj.pop("extensions", None)  # the demo's own release markings name demo agreements
    half = len(objects) // 2
    for part, classification in (
        (objects[:half], "CONFIDENTIAL"),
        (objects[half:], "UNCLASSIFIED"),
    ):
        response = taxii.client.post(
            "/api/v1/intel/share",
            json={
                "objects": part,
                "release_to": [str(taxii.agreements["sharing"])],
                "classification": classification,
            },
            headers=auth(taxii, OWNER),
        )
        assert response.status_code == 200, response.text
        report = response.json()
        assert report["stored"] == len(part), [o for o in report["outcomes"] if not o["ok"]][:3]
    return objects


def auth(taxii: Taxii, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {taxii.tokens[username]}"}


def principal(taxii: Taxii, username: str) -> Principal:
    with Session(taxii.engine) as session:
        return principal_for_username(session, username=username)


def old_export(taxii: Taxii, username: str, types: tuple[str, ...] = ()) -> list[Any]:
    """The objects of the bundle as ``service.export_bundle`` built it before it streamed:
    every page joined in memory, the definitions first. Its audit entries are rolled back."""
    reader = principal(taxii, username)
    with Session(taxii.engine) as session:
        chunks: list[bytes] = []
        after: int | None = None
        while True:
            page = service.raw_page(
                reader,
                session,
                scope=Scope(),
                filters=Filters(added_after_us=after, types=types),
                limit=5000,
                clock=taxii.clock,
                how="export",
            )
            if page.count:
                chunks.append(page.objects)
            if not page.more or page.last_added is None:
                break
            after = page.last_added
        session.rollback()
    used = {
        TLP_BY_ID[ref]
        for chunk in chunks
        for obj in orjson.loads(b"[" + chunk + b"]")
        for ref in obj.get("object_marking_refs", ())
        if ref in TLP_BY_ID
    }
    extras = [orjson.dumps(tlp_marking_definition(t)) for t in sorted(used)]
    extras += [orjson.dumps(NODE_IDENTITY_OBJECT), orjson.dumps(EXTENSION_DEFINITION)]
    objects: list[Any] = orjson.loads(b"[" + b",".join(extras + chunks) + b"]")
    return objects


def definitions_last(objects: list[Any]) -> list[Any]:
    """The old order of a bundle's objects, with its definitions moved to the end."""
    definitions = {"marking-definition", "extension-definition"}
    first = [o for o in objects if o["type"] in definitions or o == NODE_IDENTITY_OBJECT]
    return [o for o in objects if o not in first] + first


def export(taxii: Taxii, username: str, **params: Any) -> Any:
    response = taxii.client.get(URL, params=params, headers=auth(taxii, username))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/stix+json;version=2.1"
    assert "content-length" not in response.headers  # streamed
    return response


@pytest.mark.parametrize(
    ("username", "types"),
    [(PARTNER, ()), (OWNER, ()), (PARTNER, ("malware", "relationship")), (OUTSIDER, ())],
)
def test_the_streamed_bundle_is_the_old_one(
    taxii: Taxii,
    demo: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    username: str,
    types: tuple[str, ...],
) -> None:
    monkeypatch.setattr(service, "EXPORT_PAGE", 37)  # many pages, a short last one
    response = export(taxii, username, type=list(types))
    bundle = orjson.loads(response.content)
    assert bundle.keys() == {"type", "id", "objects"}
    assert bundle["type"] == "bundle" and bundle["id"].startswith("bundle--")
    assert bundle["objects"] == definitions_last(old_export(taxii, username, types))
    content = [o for o in bundle["objects"] if o["type"] not in {"marking-definition"}]
    if username == OUTSIDER:
        assert len(content) == 2  # the node's identity and extension definition
    elif not types:
        assert len(content) == len(demo) + 2
    assert validate_string(response.text).is_valid


def test_each_page_is_read_apart_in_a_worker_thread(
    taxii: Taxii, demo: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The request's session is closed once the endpoint returns, before the body is sent:
    each page opens its own, off the event loop."""
    monkeypatch.setattr(service, "EXPORT_PAGE", 100)
    seen: list[tuple[int, bool]] = []
    read = service.export_page

    def spy(reader: Principal, session: Session, **kwargs: Any) -> service.RawPage:
        try:
            asyncio.get_running_loop()
            on_loop = True
        except RuntimeError:
            on_loop = False
        seen.append((id(session), on_loop))
        return read(reader, session, **kwargs)

    monkeypatch.setattr(service, "export_page", spy)
    objects = orjson.loads(export(taxii, PARTNER).content)["objects"]
    pages = -(-len(demo) // 100)
    assert len(objects) > len(demo)
    assert len(seen) == pages
    assert not any(on_loop for _, on_loop in seen)


def test_reads_of_confidential_objects_are_audited(
    taxii: Taxii, demo: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "EXPORT_PAGE", 50)

    def exports_audited() -> list[AuditEntry]:
        with Session(taxii.engine) as session:
            entries = session.scalars(
                select(AuditEntry).where(AuditEntry.action == "intel.read").order_by(AuditEntry.seq)
            ).all()
        return [e for e in entries if (e.detail or {}).get("via") == "export"]

    before = len(exports_audited())
    objects = orjson.loads(export(taxii, PARTNER).content)["objects"]
    entries = exports_audited()[before:]
    audited = {o["id"] for e in entries for o in (e.detail or {})["objects"]}
    confidential = {
        o["id"]
        for o in objects
        if o.get("extensions", {}).get(EXTENSION_ID, {}).get("classification")
        in {"CONFIDENTIAL", "SECRET"}
    }
    assert len(entries) > 1 and len(confidential) >= len(demo) // 2  # derived ones too
    assert audited == confidential
    assert all(e.actor == PARTNER for e in entries)


def test_a_refusal_comes_before_the_first_byte(taxii: Taxii, demo: list[dict[str, Any]]) -> None:
    response = taxii.client.get(
        URL, params={"agreement": "no such agreement"}, headers=auth(taxii, PARTNER)
    )
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
