"""`/api/v1/exercises` on a live node holding the real registry and the MME record: the
public record, live exercises seen only by the states they concern, flags, bad input,
the one error shape, audit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from taawun.access.models import AuditEntry
from taawun.cooperation.exercises.models import Exercise
from taawun.cooperation.importers import mme
from taawun.core.clock import SystemClock
from taawun.core.principal import Clearance, Role
from taawun.registry.importers.report import ImportReport
from taawun.registry.importers.run import default_data_dir, import_all, import_sources
from taawun.web.app import create_app

from ..accounts import create_accounts
from ..conftest import new_database
from .conftest import Node

ACCOUNTS = {
    "tr.liaison": ("TUR", "MIT", Role.LIAISON, Clearance.SECRET),
    "tr.analyst": ("TUR", "MIT", Role.ANALYST, Clearance.SECRET),
    "pk.liaison": ("PAK", "ISI", Role.LIAISON, Clearance.SECRET),
    "sa.liaison": ("SAU", "GIP", Role.LIAISON, Clearance.SECRET),
}
URL = "/api/v1/exercises"


@pytest.fixture(scope="module")
def node(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    engine = new_database(backend, "exercises_api", tmp_path_factory.mktemp(f"{backend}-ex"))
    clock = SystemClock()
    with Session(engine) as session:
        import_all(session)
        sources, notes = mme.plan(session, default_data_dir(), clock)
        import_sources(session, sources, ImportReport(notes=notes), clock=clock)
        _, tokens = create_accounts(
            session, ACCOUNTS, password="exercises-api-1", clock=clock, qualified_names=False
        )
        session.commit()
    with TestClient(create_app(engine=engine)) as client:
        yield Node(engine=engine, client=client, tokens=tokens)
    engine.dispose()


def _get(node: Node, user: str, path: str = "", **params: Any) -> Any:
    response = node.client.get(URL + path, params=params, headers=node.auth(user))
    return response


def _draft(**more: object) -> dict[str, object]:
    return {
        "name": "Anatolian Star 2026",
        "start": "2026-06-01",
        "end": "2026-06",
        "location": "Konya, Turkey",
        "domains": ["air", "command-post"],
        "participants": [{"state": "TUR", "role": "host"}, {"state": "Pakistan"}],
        **more,
    }


def _live_rows(node: Node) -> tuple[int, int]:
    with Session(node.engine) as session:
        return (
            session.scalar(select(func.count()).where(Exercise.source == "taawun")) or 0,
            session.scalar(select(func.count()).select_from(AuditEntry)) or 0,
        )


def test_the_public_record_is_listed_filtered_and_paginated(node: Node) -> None:
    page = _get(node, "sa.liaison", state="TUR", partner="PAK", year_from=2000, limit=2)
    assert page.status_code == 200
    body = page.json()
    assert body["total"] == 10 and len(body["items"]) == 2 and body["limit"] == 2
    assert all({"TUR", "PAK"} <= set(e["states"]) for e in body["items"])
    assert all(e["start"] >= "2000" for e in body["items"])
    second = _get(node, "sa.liaison", state="TUR", partner="PAK", year_from=2000, limit=2, offset=2)
    assert {e["id"] for e in second.json()["items"]}.isdisjoint(e["id"] for e in body["items"])
    turkey = _get(node, "sa.liaison", state="TUR", source="imported", limit=1).json()
    assert turkey["total"] == 331  # PROVENANCE §6
    series = _get(node, "sa.liaison", series="cobra gold", limit=100).json()
    assert series["total"] == 28 and all(e["series"] == "Cobra Gold" for e in series["items"])
    partners = _get(node, "sa.liaison", "/partners/TUR", year_to=2000).json()
    assert partners["partners"][0] == {
        "state_id": partners["partners"][0]["state_id"],
        "state": "USA",
        "exercises": 105,
        "first_year": 1980,
        "last_year": 2000,
    }


def test_one_exercise_and_an_ambiguous_reference(node: Node) -> None:
    shown = _get(node, "sa.liaison", "/mme88").json()
    assert (shown["start"], shown["start_precision"], shown["host"]) == ("1980-01", "month", "EGY")
    assert shown["coverage"] == "unassessed" and shown["public"] is True
    twice = _get(node, "sa.liaison", "/mme3458")
    assert twice.status_code == 422 and twice.json()["error"] == "ambiguous"
    assert twice.json()["candidates"] == [
        "mme3458-1 (Ulan Eagle 2000, 2000)",
        "mme3458-2 (Kindred Sword, 2007)",
    ]


def test_a_live_exercise_is_seen_only_by_the_states_it_concerns(node: Node) -> None:
    made = node.client.post(URL, json=_draft(), headers=node.auth("tr.liaison"))
    assert made.status_code == 201, made.text
    body = made.json()
    # No agreement on this node covers joint exercises: recorded, and flagged.
    assert (body["coverage"], body["agreement"], body["host"]) == ("outside", None, "TUR")
    ref = body["id"]
    assert _get(node, "pk.liaison", f"/{ref}").json()["name"] == "Anatolian Star 2026"
    flagged = _get(node, "pk.liaison", coverage="outside", source="live").json()
    assert ref in {e["id"] for e in flagged["items"]}

    hidden, missing = _get(node, "sa.liaison", f"/{ref}"), _get(node, "sa.liaison", "/99999999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["error"] == missing.json()["error"] == "not_found"
    assert set(hidden.json()) == set(missing.json())
    assert _get(node, "sa.liaison", source="live").json()["total"] == 0
    assert _get(node, "sa.liaison", "/partners/PAK", source="live").json()["partners"] == []

    before = _live_rows(node)
    patched = node.client.patch(
        f"{URL}/{ref}", json={"name": "Renamed"}, headers=node.auth("sa.liaison")
    )
    assert patched.status_code == 404
    cancelled = node.client.post(f"{URL}/{ref}/cancel", headers=node.auth("sa.liaison"))
    assert cancelled.status_code == 404
    assert _live_rows(node) == before

    renamed = node.client.patch(
        f"{URL}/{ref}", json={"name": "Anatolian Star 26"}, headers=node.auth("pk.liaison")
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "Anatolian Star 26"
    done = node.client.post(
        f"{URL}/{ref}/cancel", json={"reason": "postponed"}, headers=node.auth("pk.liaison")
    )
    assert done.status_code == 200 and done.json()["status"] == "cancelled"
    again = node.client.post(f"{URL}/{ref}/cancel", headers=node.auth("pk.liaison"))
    assert again.status_code == 409
    with Session(node.engine) as session:
        actions = session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.target_type == "exercise", AuditEntry.target_id == str(ref))
            .order_by(AuditEntry.seq)
        ).all()
    assert actions == ["exercise.record", "exercise.update", "exercise.cancel"]


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"domains": ["air", "space"]}, 422, "domains"),
        ({"participants": [{"state": "TUR"}, {"state": "Atlantis"}]}, 404, "participants"),
        ({"end": "2026-05-30"}, 422, "end"),
        ({"participants": [{"state": "TUR", "role": "umpire"}, {"state": "PAK"}]}, 422, None),
        ({"participants": [{"state": "PAK"}, {"state": "SAU"}]}, 403, "participants"),
        ({"agreement": "ATOP 4965"}, 422, "agreement"),
        ({"colour": "blue"}, 422, "colour"),
    ],
)
def test_bad_input_is_refused_whole_naming_the_field(
    node: Node, change: dict[str, object], status: int, field: str | None
) -> None:
    before = _live_rows(node)
    response = node.client.post(URL, json=_draft(**change), headers=node.auth("tr.liaison"))
    assert response.status_code == status, response.text
    body = response.json()
    assert {"error", "message"} <= set(body)
    if field is not None:
        assert body["field"].startswith(field)
    assert _live_rows(node) == before


def test_who_may_write(node: Node) -> None:
    analyst = node.client.post(URL, json=_draft(), headers=node.auth("tr.analyst"))
    assert analyst.status_code == 403
    nobody = node.client.post(URL, json=_draft())
    assert nobody.status_code == 401
    record = node.client.patch(
        f"{URL}/mme2181", json={"name": "Atta Turk 3"}, headers=node.auth("tr.liaison")
    )
    assert record.status_code == 403 and "historical record" in record.json()["message"]
