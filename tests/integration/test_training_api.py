"""`/api/v1/training` on a live node, both databases: a Turkey–Pakistan training agreement
entered into force by consent over REST, a programme recorded, its seats taken (and
overbooked), its graduates recorded, the ledger read; Saudi Arabia, the third state, sees
nothing; the error shape, authentication and audit are the node's."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from taawun.access.models import AuditEntry

from .conftest import Node

PROGRAMMES = "/api/v1/training/programmes"
MISSING = "00000000-0000-4000-8000-000000000000"


@pytest.fixture(scope="module")
def agreement(node: Node) -> int:
    """Proposed by Turkey's liaison, accepted by Pakistan's: in force since 2025-01-01."""
    proposed = node.client.post(
        "/api/v1/agreements",
        json={
            "title": "Turkey–Pakistan training exchange (training API test)",
            "parties": ["TUR", "PAK"],
            "domains": ["training"],
            "in_force": "2025-01-01",
        },
        headers=node.auth("tr.liaison"),
    )
    assert proposed.status_code == 201, proposed.text
    body = proposed.json()
    accepted = node.client.post(
        f"/api/v1/proposals/{body['proposal']['id']}/accept", headers=node.auth("pk.liaison")
    )
    assert accepted.status_code == 200, accepted.text
    agreement_id = int(body["agreement"]["id"])
    shown = node.client.get(f"/api/v1/agreements/{agreement_id}", headers=node.auth("pk.liaison"))
    assert shown.json()["status"] == "in_force"
    return agreement_id


def _programme(agreement: int, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "subject": "Counter-terrorism investigators' course",
        "agreement": str(agreement),
        "start": "2026-03-01",
        "end": "2026-03-12",
        "offers": [{"guest": "PAK", "seats": 5}],
    }
    body.update(overrides)
    return body


def _count(node: Node, user: str = "tr.admin") -> int:
    found = node.client.get(PROGRAMMES, headers=node.auth(user))
    assert found.status_code == 200, found.text
    return int(found.json()["total"])


def test_a_programme_from_recording_to_graduates(node: Node, agreement: int) -> None:
    made = node.client.post(PROGRAMMES, json=_programme(agreement), headers=node.auth("tr.liaison"))
    assert made.status_code == 201, made.text
    programme = made.json()
    assert (programme["host"], programme["status"], programme["offered"]) == ("TUR", "ended", 5)
    pid = programme["id"]

    taken = node.client.post(
        f"{PROGRAMMES}/{pid}/take", json={"seats": 3}, headers=node.auth("pk.liaison")
    )
    assert taken.status_code == 200 and taken.json()["taken"] == 3
    over = node.client.post(
        f"{PROGRAMMES}/{pid}/take", json={"seats": 3}, headers=node.auth("pk.liaison")
    )
    assert over.status_code == 409
    assert over.json()["error"] == "conflict" and over.json()["field"] == "seats"
    assert "(2 left)" in over.json()["message"]
    host_taking = node.client.post(
        f"{PROGRAMMES}/{pid}/take", json={"seats": 1}, headers=node.auth("tr.liaison")
    )
    assert host_taking.status_code == 403 and host_taking.json()["error"] == "forbidden"

    done = node.client.post(
        f"{PROGRAMMES}/{pid}/graduates",
        json={"graduates": [{"guest": "PAK", "graduates": 3}]},
        headers=node.auth("tr.liaison"),
    )
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["graduates"]) == ("completed", 3)

    ledger = node.client.get(
        "/api/v1/training/ledger",
        params={"a": "PAK", "b": "TUR", "from": "2026-01-01", "to": "2026-12-31"},
        headers=node.auth("pk.liaison"),
    )
    assert ledger.status_code == 200, ledger.text
    (row,) = ledger.json()["rows"]
    assert (row["a"], row["b"], row["balance"], row["imbalanced"]) == ("PAK", "TUR", -3, True)
    assert row["received"] == {"programmes": 1, "offered": 5, "taken": 3, "graduates": 3}

    with Session(node.engine) as session:
        entries = list(
            session.scalars(
                select(AuditEntry).where(AuditEntry.target_id == pid).order_by(AuditEntry.seq)
            )
        )
    assert [(e.action, e.actor, (e.detail or {}).get("for_state")) for e in entries] == [
        ("cooperation.training.record", "tr.liaison", "TUR"),
        ("cooperation.training.take", "pk.liaison", "PAK"),
        ("cooperation.training.graduates", "tr.liaison", "TUR"),
    ]


def test_the_third_state_sees_nothing(node: Node, agreement: int) -> None:
    made = node.client.post(
        PROGRAMMES,
        json=_programme(agreement, subject="Hidden from Riyadh"),
        headers=node.auth("tr.liaison"),
    )
    pid = made.json()["id"]
    node.client.post(f"{PROGRAMMES}/{pid}/take", json={"seats": 2}, headers=node.auth("pk.liaison"))
    for user in ("sa.liaison", "sa.viewer"):
        hidden = node.client.get(f"{PROGRAMMES}/{pid}", headers=node.auth(user))
        missing = node.client.get(f"{PROGRAMMES}/{MISSING}", headers=node.auth(user))
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json()["message"].replace(pid, MISSING) == missing.json()["message"]
        listed = node.client.get(PROGRAMMES, params={"q": "Riyadh"}, headers=node.auth(user))
        assert listed.json()["total"] == 0 and listed.json()["items"] == []
        ledger = node.client.get(
            "/api/v1/training/ledger", params={"a": "TUR", "b": "PAK"}, headers=node.auth(user)
        )
        assert ledger.json()["rows"][0]["total"] == 0
    taking = node.client.post(
        f"{PROGRAMMES}/{pid}/take", json={"seats": 1}, headers=node.auth("sa.liaison")
    )
    assert taking.status_code == 404
    assert (
        node.client.get(f"{PROGRAMMES}/{pid}", headers=node.auth("pk.liaison")).status_code == 200
    )


@pytest.mark.parametrize(
    ("overrides", "status", "field"),
    [
        ({"end": "2026-02-01"}, 422, "end"),
        ({"offers": [{"guest": "Atlantis", "seats": 2}]}, 404, "offers"),
        ({"offers": [{"guest": "SAU", "seats": 2}]}, 422, "offers"),
        ({"offers": [{"guest": "PAK", "seats": 0}]}, 422, None),
        ({"offers": [{"guest": "PAK", "seats": -1}]}, 422, None),
        ({"start": "2024-06-01", "end": "2024-06-02"}, 422, "agreement"),
        ({"host": "SAU"}, 403, "host"),
    ],
)
def test_bad_programmes_answer_the_error_shape_and_write_nothing(
    node: Node, agreement: int, overrides: dict[str, Any], status: int, field: str | None
) -> None:
    before = _count(node)
    refused = node.client.post(
        PROGRAMMES, json=_programme(agreement, **overrides), headers=node.auth("tr.liaison")
    )
    assert refused.status_code == status, refused.text
    body = refused.json()
    assert set(body) >= {"error", "message"}
    if field is not None:
        assert body["field"] == field
    assert _count(node) == before


def test_authentication_and_bad_questions(node: Node, agreement: int) -> None:
    assert node.client.get(PROGRAMMES).status_code == 401
    assert node.client.post(PROGRAMMES, json=_programme(agreement)).status_code == 401
    auth = node.auth("tr.admin")
    assert node.client.get("/api/v1/training/ledger", headers=auth).status_code == 422
    half = node.client.get("/api/v1/training/ledger", params={"a": "TUR"}, headers=auth)
    assert half.status_code == 422 and half.json()["field"] == "b"
    assert node.client.get(f"{PROGRAMMES}/not-an-id", headers=auth).status_code == 404
    bad_status = node.client.get(PROGRAMMES, params={"status": "open"}, headers=auth)
    assert bad_status.status_code == 422 and bad_status.json()["field"] == "status"


def test_a_suspended_agreement_takes_no_more_seats(node: Node, agreement: int) -> None:
    """Last in this module: it leaves the agreement suspended."""
    made = node.client.post(
        PROGRAMMES,
        json=_programme(agreement, subject="Suspended", start="2027-01-10", end="2027-01-20"),
        headers=node.auth("tr.liaison"),
    )
    pid = made.json()["id"]
    suspended = node.client.post(
        f"/api/v1/agreements/{agreement}/suspend", headers=node.auth("tr.liaison")
    )
    assert suspended.status_code == 200, suspended.text
    refused = node.client.post(
        f"{PROGRAMMES}/{pid}/take", json={"seats": 1}, headers=node.auth("pk.liaison")
    )
    assert refused.status_code == 409 and refused.json()["field"] == "agreement"
    again = node.client.post(
        PROGRAMMES,
        json=_programme(agreement, start="2027-02-01", end="2027-02-02"),
        headers=node.auth("tr.liaison"),
    )
    assert again.status_code == 422 and again.json()["field"] == "agreement"
    assert "not in force" in again.json()["message"]
