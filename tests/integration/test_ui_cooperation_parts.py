"""The other cooperation pages on a live node (both backends), with the cooperation record
imported (Geo-PKO, SIPRI, MME, the warninglists): shared threats from intel two states
shared, a value's sightings, the common values and an admin's exclusion; a training
programme recorded in the form, seats taken, and the reciprocity ledger; an exercise and a
transfer recorded in forms, the other side's answer; the record's lists (historical
operations, "who served alongside whom", SIPRI transfers, the flagged ones). A third state
gets the 404 page for what is not its own; refused changes name the field and write
nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from taawun.cooperation.importers.run import import_all as import_cooperation
from taawun.core.clock import SystemClock
from taawun.core.principal import Clearance, Principal
from taawun.registry import changes as registry_changes
from taawun.registry.schemas import AgreementCreate

from .conftest import Node
from .test_ui_agreements import main, sign_in
from .test_ui_cooperation import api, post, record_pact, results

PACT = "Turkey–Pakistan cooperation pact (UI parts tests)"
SHARING = "Turkey–Pakistan intelligence sharing (UI parts tests)"
ADDRESS = "6f1b2a9c4d3e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a"  # no list has it


@pytest.fixture(scope="module")
def agreements(node: Node) -> dict[str, int]:
    """The record imported, and two Turkey–Pakistan agreements: the pact (operations,
    training, exercises) and one for sharing intel."""
    with Session(node.engine) as session:
        import_cooperation(session)
        pact = record_pact(session, parties=["TUR", "PAK"], title=PACT)
        sharing = registry_changes.record_agreement(
            Principal.system_principal("test"),
            session,
            data=AgreementCreate(
                title=SHARING,
                parties=["TUR", "PAK"],
                domains=["intelligence_sharing"],
                in_force=date(2024, 1, 1),
                sharing_ceiling=Clearance.SECRET,
            ),
            clock=SystemClock(),
        ).id
        session.commit()
    return {"pact": pact, "sharing": sharing}


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


@pytest.fixture(scope="module")
def admin(node: Node) -> Iterator[TestClient]:
    with sign_in(node, "tr.admin") as client:
        yield client


def share(node: Node, username: str, n: int, agreement: int) -> None:
    obj = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--00000000-0000-4000-8000-{n:012d}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": f"ui parts indicator {n}",
        "pattern": f"[file:hashes.'SHA-256' = '{ADDRESS}']",
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
    }
    answer = node.client.post(
        "/api/v1/intel/share",
        json={"objects": [obj], "release_to": [str(agreement)]},
        headers=node.auth(username),
    )
    assert answer.status_code == 200, answer.text


def entries(node: Node) -> list[object]:
    answer = node.client.get("/api/v1/common/entries", headers=node.auth("tr.admin"))
    assert answer.status_code == 200, answer.text
    found: list[object] = answer.json()
    return found


# --- Shared threats -----------------------------------------------------------------------


def test_shared_threats_of_mine_a_dyad_and_an_agreement(
    node: Node, agreements: dict[str, int], turkish: TestClient, saudi: TestClient
) -> None:
    share(node, "tr.liaison", 9101, agreements["sharing"])
    share(node, "pk.liaison", 9102, agreements["sharing"])
    mine = turkish.get("/cooperation/threats")
    assert mine.status_code == 200 and ADDRESS in results(mine.text)
    expected = api(node, "tr.liaison", "/threats/mine")
    assert f"of {expected['total']}" in mine.text
    dyad = turkish.get("/cooperation/threats?a=TUR&b=PAK")
    assert ADDRESS in results(dyad.text) and "Reference knowledge, not intel" in dyad.text
    of_pact = turkish.get(f"/cooperation/threats?agreement={agreements['sharing']}")
    assert ADDRESS in results(of_pact.text)
    new = turkish.get("/cooperation/threats?since=2999-01-01")
    assert ADDRESS not in results(new.text)
    bad = turkish.get("/cooperation/threats?since=yesterday")
    assert bad.status_code == 400 and 'id="filter-since"' in bad.text
    assert 'aria-invalid="true"' in bad.text
    # a third state reads none of it
    assert ADDRESS not in saudi.get("/cooperation/threats?a=TUR&b=PAK").text
    public = saudi.get(f"/cooperation/threats?agreement={agreements['sharing']}")
    assert public.status_code == 200 and ADDRESS not in public.text  # the agreement is public
    # the dashboard's part
    assert ADDRESS in turkish.get("/").text


def test_where_a_value_was_seen(
    node: Node, agreements: dict[str, int], turkish: TestClient, saudi: TestClient
) -> None:
    share(node, "tr.liaison", 9103, agreements["sharing"])
    seen = turkish.get(f"/cooperation/threats/seen?value={ADDRESS}")
    assert seen.status_code == 200
    assert "/intel/indicator--00000000-0000-4000-8000-000000009103" in seen.text
    assert (
        "Nothing you may read holds this value."
        in saudi.get(f"/cooperation/threats/seen?value={ADDRESS}").text
    )
    refused = turkish.get("/cooperation/threats/seen?value=%20%21%21")
    assert refused.status_code == 400 and 'role="alert"' in refused.text


def test_an_admin_makes_a_value_common_and_others_may_not(
    node: Node, agreements: dict[str, int], admin: TestClient, turkish: TestClient
) -> None:
    page = turkish.get("/cooperation/threats/common")
    assert page.status_code == 200 and "Warninglists (MISP)" in page.text
    assert "Make a value common" not in page.text  # only admins get the forms
    before = len(entries(node))
    refused = post(
        turkish, "/cooperation/threats/common/add", {"value": "scanner.example", "reason": "x"}
    )
    assert refused.status_code == 403
    no_reason = post(admin, "/cooperation/threats/common/add", {"value": "scanner.example"})
    assert no_reason.status_code == 400 and "field: reason" in no_reason.text
    assert len(entries(node)) == before
    added = post(
        admin,
        "/cooperation/threats/common/add",
        {"value": "scanner.example", "reason": "Our own scanner"},
    )
    assert added.status_code == 303
    checked = admin.get(added.headers["location"])
    assert "Our own scanner" in checked.text and ">Common<" in checked.text
    assert len(entries(node)) == before + 1


# --- Training and the ledger ----------------------------------------------------------------


def test_a_programme_seats_and_the_ledger(
    node: Node,
    agreements: dict[str, int],
    turkish: TestClient,
    pakistani: TestClient,
    saudi: TestClient,
) -> None:
    form = {
        "subject": "Counter-IED course (ui parts)",
        "agreement": str(agreements["pact"]),
        "start": "2030-03-01",
        "end": "2030-03-20",
        "guest": ["PAK", ""],
        "seats": ["4", ""],
    }
    backwards = post(turkish, "/cooperation/training/new", {**form, "end": "2030-02-01"})
    assert backwards.status_code == 400 and "field: end" in backwards.text
    outsider = post(turkish, "/cooperation/training/new", {**form, "guest": ["SAU", ""]})
    assert outsider.status_code in (400, 403, 409) and 'role="alert"' in outsider.text
    assert api(node, "tr.liaison", "/training/programmes")["total"] == 0
    made = post(turkish, "/cooperation/training/new", form)
    assert made.status_code == 303, made.text
    path = made.headers["location"]
    too_many = post(pakistani, f"{path}/take", {"seats": "5"})
    assert too_many.status_code == 409 and 'role="alert"' in too_many.text
    assert post(pakistani, f"{path}/take", {"seats": "3"}).status_code == 303
    assert "3 taken of 4 offered" in main(turkish.get(path).text)
    assert saudi.get(path).status_code == 404
    assert post(saudi, f"{path}/cancel", {}).status_code == 404

    listed = turkish.get("/cooperation/training")
    assert "Counter-IED course (ui parts)" in results(listed.text)
    ledger = turkish.get(f"/cooperation/training/ledger?agreement={agreements['pact']}")
    expected = api(node, "tr.liaison", "/training/ledger", agreement=agreements["pact"])
    assert ledger.status_code == 200 and expected["rows"][0]["imbalanced"]
    assert "Imbalanced" in main(ledger.text) and "3/4" in main(ledger.text)
    half = turkish.get("/cooperation/training/ledger?a=TUR")
    assert half.status_code == 400 and "field: b" in half.text


# --- Exercises and transfers ----------------------------------------------------------------


def test_an_exercise_recorded_and_cancelled(
    node: Node, agreements: dict[str, int], turkish: TestClient, saudi: TestClient
) -> None:
    body = {
        "name": "Anatolian Eagle (ui parts)",
        "start": "2030-06",
        "participants": "TUR\nPAK",
        "domains": ["air"],
    }
    alone = post(turkish, "/cooperation/exercises/new", {**body, "participants": "TUR"})
    assert alone.status_code == 400 and "field: participants" in alone.text
    made = post(turkish, "/cooperation/exercises/new", body)
    assert made.status_code == 303, made.text
    path = made.headers["location"]
    page = main(turkish.get(path).text)
    assert "Anatolian Eagle (ui parts)" in page and PACT in page
    hidden, missing = saudi.get(path), saudi.get("/cooperation/exercises/1999999999")
    assert hidden.status_code == missing.status_code == 404
    assert post(turkish, f"{path}/cancel", {"reason": "Weather"}).status_code == 303
    assert "Cancelled" in main(turkish.get(path).text)
    record = turkish.get("/cooperation/exercises?source=imported&state=TUR")
    total = api(node, "tr.liaison", "/exercises", source="imported", state="TUR")["total"]
    assert total > 0 and f"of {total}" in record.text


def test_a_transfer_proposed_and_approved(
    node: Node, turkish: TestClient, saudi: TestClient, pakistani: TestClient
) -> None:
    body = {"supplier": "TUR", "recipient": "SAU", "item": "Bayraktar TB2", "quantity": "6"}
    same = post(turkish, "/cooperation/transfers/new", {**body, "recipient": "TUR"})
    assert same.status_code == 400 and 'role="alert"' in same.text
    made = post(turkish, "/cooperation/transfers/new", body)
    assert made.status_code == 303, made.text
    path = made.headers["location"]
    page = turkish.get(path)
    assert "Flagged" in page.text and "Approve" not in page.text  # the proposer waits
    assert pakistani.get(path).status_code == 404
    assert "Approve" in saudi.get(path).text
    assert post(saudi, f"{path}/approve", {}).status_code == 303
    assert post(turkish, f"{path}/deliver", {"quantity": "6"}).status_code == 303
    assert "delivered" in main(saudi.get(path).text)
    flagged = turkish.get("/cooperation/transfers?flagged=1&kind=live")
    assert path.rsplit("/", 1)[1] in results(flagged.text)
    assert turkish.get("/cooperation/transfers/flagged").headers["location"] == (
        "/cooperation/transfers?flagged=1"
    )


def test_the_record_lists(node: Node, agreements: dict[str, int], turkish: TestClient) -> None:
    sipri = turkish.get("/cooperation/transfers?kind=deal&recipient=PAK")
    expected = api(node, "tr.liaison", "/transfers", kind="deal", recipient="PAK")
    assert expected["total"] > 50 and f"of {expected['total']:,}" in sipri.text
    ids = re.findall(r'href="/cooperation/transfers/(\d+)"', results(sipri.text))
    assert ids == [str(t["id"]) for t in expected["items"]]
    second = turkish.get("/cooperation/transfers?kind=deal&recipient=PAK&page=2")
    assert not set(ids) & set(re.findall(r'/cooperation/transfers/(\d+)"', results(second.text)))
    historical = turkish.get("/cooperation/operations?kind=historical")
    record = api(node, "tr.liaison", "/operations", historical="true")
    assert record["total"] > 0 and f"of {record['total']}" in historical.text
    mission = record["items"][0]
    page = turkish.get(f"/cooperation/operations/{mission['id']}")
    assert page.status_code == 200 and "Contributing states" in page.text
    alongside = turkish.get("/cooperation/operations/alongside?state=PAK")
    partners = api(node, "tr.liaison", "/operations/alongside/PAK")["partners"]
    assert partners and partners[0]["state"]["iso3"] in alongside.text
    unknown = turkish.get("/cooperation/operations/alongside?state=Atlantis")
    assert unknown.status_code == 400 and "field: state" in unknown.text


def test_every_page_sends_signed_out_users_to_sign_in(node: Node) -> None:
    browser = TestClient(node.client.app, follow_redirects=False)
    for path in (
        "/cooperation/threats",
        "/cooperation/threats/common",
        "/cooperation/exercises",
        "/cooperation/transfers/1",
    ):
        assert browser.get(path).status_code == 303
