"""The cooperation pages on a live node (both backends): the operation flow of issue 12 in
forms (a Turkish liaison proposes under a Turkey–Pakistan agreement covering combined
operations, the Pakistani liaison joins, the lead activates, adds a task and concludes), a
Saudi liaison getting the same 404 page as for a missing ref for the page and every change,
refused changes naming the field and writing nothing, the CSRF token required; the lists
filtered and paginated as the REST API's; the overview and the dashboard's part."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from taawun.core.clock import SystemClock
from taawun.core.principal import Principal
from taawun.registry import changes as registry_changes
from taawun.registry.schemas import AgreementCreate

from .conftest import Node
from .test_ui_agreements import main, sign_in

PACT = "Turkey–Pakistan cooperation pact (UI cooperation tests)"
_OPERATION = re.compile(r"/cooperation/operations/(\d+)$")


def record_pact(session: Session, *, parties: list[str], title: str) -> int:
    """An agreement in force since 2025 covering combined operations, training and joint
    exercises, recorded by the node: its id."""
    agreement = registry_changes.record_agreement(
        Principal.system_principal("test"),
        session,
        data=AgreementCreate.model_validate(
            {
                "title": title,
                "parties": parties,
                "domains": ["combined_operations", "training", "joint_exercises"],
                "in_force": date(2025, 1, 1),
            }
        ),
        clock=SystemClock(),
    )
    return agreement.id


@pytest.fixture(scope="module")
def pact(node: Node) -> int:
    with Session(node.engine) as session:
        found = record_pact(session, parties=["TUR", "PAK"], title=PACT)
        session.commit()
    return found


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


def csrf(client: TestClient, path: str = "/cooperation") -> str:
    """The page's CSRF token (the session's: the same in every form)."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found, "the page has a form with its token"
    return found[1]


def post(client: TestClient, path: str, data: dict[str, Any]) -> Any:
    return client.post(path, data={**data, "csrf_token": csrf(client)})


def api(node: Node, username: str, path: str, **params: Any) -> Any:
    answer = node.client.get(f"/api/v1{path}", headers=node.auth(username), params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def live_count(node: Node, username: str) -> int:
    return int(api(node, username, "/operations", historical="false", limit=1)["total"])


def propose(client: TestClient, agreement: int, name: str, **extra: str) -> str:
    """Propose through the form; the new operation's path."""
    answer = post(
        client,
        "/cooperation/operations/new",
        {"name": name, "agreement": str(agreement), "threat": "Kimsuky", **extra},
    )
    assert answer.status_code == 303, answer.text
    path = answer.headers["location"]
    assert _OPERATION.search(path), path
    return str(path)


def without(html: str, *texts: str) -> str:
    for text in texts:
        html = html.replace(text, "")
    return html


# --- The operation flow ---------------------------------------------------------------------


def test_signed_out_the_pages_send_to_sign_in(node: Node) -> None:
    browser = TestClient(node.client.app, follow_redirects=False)
    for path in ("/cooperation", "/cooperation/operations/1", "/cooperation/training/ledger"):
        answer = browser.get(path)
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/sign-in?next=")


def test_the_proposal_form_offers_the_covering_agreements(
    pact: int, turkish: TestClient, saudi: TestClient
) -> None:
    form = turkish.get("/cooperation/operations/new")
    assert form.status_code == 200
    assert f'<option value="{pact}"' in form.text and PACT in form.text
    # a Saudi liaison's state is no party: the pact is not offered to it
    assert PACT not in saudi.get("/cooperation/operations/new").text


def test_an_operation_proposed_joined_and_concluded(
    node: Node, pact: int, turkish: TestClient, pakistani: TestClient, saudi: TestClient
) -> None:
    path = propose(
        turkish,
        pact,
        "Operation Crescent Watch (ui test)",
        threat_kind="domain-name",
        threat_value="login-verify.example",
        starts="2027-01-01",
        ends="2027-03-31",
    )
    ref = _OPERATION.search(path)[1]  # type: ignore[index]
    proposed = turkish.get(path)
    assert proposed.status_code == 200
    page = main(proposed.text)
    assert "Operation Crescent Watch (ui test)" in page and "Proposed" in page
    assert "Not answered yet" in page and "PAK" in page  # Pakistan is asked
    assert "login-verify.example" in page and "Join the operation" not in page

    # Pakistan sees the operation, with the join button, and joins
    before = pakistani.get(path)
    assert before.status_code == 200 and "Join the operation" in before.text
    joined = post(pakistani, f"{path}/join", {})
    assert joined.status_code == 303 and joined.headers["location"] == path
    api_op = api(node, "pk.liaison", f"/operations/{ref}")
    assert {(p["state"]["iso3"], p["response"]) for p in api_op["participants"]} == {
        ("TUR", "joined"),
        ("PAK", "joined"),
    }
    after = main(turkish.get(path).text)
    assert after.count(">Joined<") == 2 and "Not answered yet" not in after
    assert "Pakistan joined" in after  # the history

    # a third state: the same 404 page as a ref that names nothing, for reads and changes
    hidden = saudi.get(path)
    missing = saudi.get("/cooperation/operations/1999999999")
    assert hidden.status_code == missing.status_code == 404
    assert without(hidden.text, path) == without(missing.text, "/cooperation/operations/1999999999")
    assert "Crescent" not in hidden.text
    for verb in ("join", "decline", "conclude"):
        refused = post(saudi, f"{path}/{verb}", {"after_action": "x"})
        assert refused.status_code == 404 and "Crescent" not in refused.text
    assert live_count(node, "sa.liaison") == 0

    # the lead activates, adds a task, concludes with a summary
    assert post(turkish, f"{path}/activate", {}).status_code == 303
    task = post(turkish, f"{path}/tasks", {"title": "Phase 1: watch", "state": "PAK"})
    assert task.status_code == 303
    done = post(turkish, f"{path}/conclude", {"after_action": "Both desks blocked the domain."})
    assert done.status_code == 303
    concluded = main(pakistani.get(path).text)
    assert "Concluded" in concluded and "Both desks blocked the domain." in concluded
    assert "Phase 1: watch" in concluded
    assert api(node, "tr.liaison", f"/operations/{ref}")["status"] == "concluded"


def test_a_refused_proposal_names_the_field_and_writes_nothing(
    node: Node, pact: int, turkish: TestClient, saudi: TestClient
) -> None:
    count = live_count(node, "tr.liaison")
    no_threat = post(
        turkish,
        "/cooperation/operations/new",
        {"name": "Nothing to fight (ui test)", "agreement": str(pact)},
    )
    assert no_threat.status_code == 400
    assert 'role="alert"' in no_threat.text and "field: threat" in no_threat.text
    assert 'value="Nothing to fight (ui test)"' in no_threat.text  # the form is kept
    bad_dates = post(
        turkish,
        "/cooperation/operations/new",
        {
            "name": "Backwards (ui test)",
            "agreement": str(pact),
            "threat": "x",
            "starts": "2027-02-01",
            "ends": "2027-01-01",
        },
    )
    assert bad_dates.status_code == 400 and "field: ends" in bad_dates.text
    assert 'id="f-ends" type="date" name="ends" value="2027-01-01" aria-invalid="true"' in (
        bad_dates.text
    )
    unknown_lead = post(
        turkish,
        "/cooperation/operations/new",
        {
            "name": "Led by nobody (ui test)",
            "agreement": str(pact),
            "threat": "x",
            "lead": "Atlantis",
        },
    )
    assert unknown_lead.status_code == 400 and "field: lead" in unknown_lead.text
    # a state that is no party may not propose under the pact: refused, the form again
    outsider = post(
        saudi,
        "/cooperation/operations/new",
        {"name": "Not ours (ui test)", "agreement": str(pact), "threat": "x"},
    )
    assert outsider.status_code in (400, 403, 409) and 'role="alert"' in outsider.text
    assert live_count(node, "tr.liaison") == count
    assert live_count(node, "sa.liaison") == 0


def test_a_refused_change_shows_the_page_again_and_writes_nothing(
    node: Node, pact: int, turkish: TestClient, pakistani: TestClient
) -> None:
    path = propose(turkish, pact, "Operation Refusals (ui test)")
    ref = _OPERATION.search(path)[1]  # type: ignore[index]
    # concluding a proposed operation is refused (409), the page shown again
    early = post(turkish, f"{path}/conclude", {"after_action": "Too early."})
    assert early.status_code == 409 and 'role="alert"' in early.text
    assert "Operation Refusals (ui test)" in early.text
    empty = post(turkish, f"{path}/conclude", {"after_action": "  "})
    assert empty.status_code == 400 and "field: after_action" in empty.text
    no_title = post(turkish, f"{path}/tasks", {"title": ""})
    assert no_title.status_code == 400 and "field: title" in no_title.text
    unreadable = post(turkish, f"{path}/intel", {"intel": "indicator--" + "0" * 36})
    assert unreadable.status_code == 400 and "field: intel" in unreadable.text
    # Pakistan, which has not joined, may not add a task: refused, nothing written
    refused = post(pakistani, f"{path}/tasks", {"title": "Sneaky"})
    assert refused.status_code in (403, 409) and 'role="alert"' in refused.text
    op = api(node, "tr.liaison", f"/operations/{ref}")
    assert (op["status"], op["tasks"], op["after_action"]) == ("proposed", [], None)
    # cancel is the proposer's while proposed
    assert post(turkish, f"{path}/cancel", {"reason": "Not needed."}).status_code == 303
    assert api(node, "tr.liaison", f"/operations/{ref}")["status"] == "cancelled"


def test_a_change_without_the_csrf_token_is_refused(
    node: Node, pact: int, turkish: TestClient
) -> None:
    count = live_count(node, "tr.liaison")
    answer = turkish.post(
        "/cooperation/operations/new",
        data={"name": "No token (ui test)", "agreement": str(pact), "threat": "x"},
    )
    assert answer.status_code == 403
    wrong = turkish.post(
        "/cooperation/operations/new",
        data={"name": "No token", "agreement": str(pact), "threat": "x", "csrf_token": "x" * 40},
    )
    assert wrong.status_code == 403
    assert live_count(node, "tr.liaison") == count


# --- The lists ------------------------------------------------------------------------------


def ids(html: str, kind: str = "operations") -> list[str]:
    return re.findall(rf'href="/cooperation/{kind}/([\w-]+)"', results(html))


def results(html: str) -> str:
    start = html.index('<section id="')
    return html[start : html.index("</section>", start)]


def test_the_operations_list_is_filtered_and_paginated_as_the_api(
    node: Node, pact: int, turkish: TestClient, saudi: TestClient
) -> None:
    for n in range(52):
        propose(turkish, pact, f"Bulk operation {n:02d} (ui test)")
    first = turkish.get("/cooperation/operations?kind=live")
    expected = api(node, "tr.liaison", "/operations", historical="false", limit=50)
    assert ids(first.text) == [str(o["id"]) for o in expected["items"]]
    assert len(ids(first.text)) == 50 and expected["total"] > 52
    assert f"of {expected['total']}" in first.text
    second = turkish.get("/cooperation/operations?kind=live&page=2")
    expected2 = api(node, "tr.liaison", "/operations", historical="false", limit=50, offset=50)
    assert ids(second.text) == [str(o["id"]) for o in expected2["items"]]
    assert 'href="/cooperation/operations?kind=live&amp;page=3"' in second.text or (
        expected["total"] <= 100
    )
    named = turkish.get("/cooperation/operations?q=Bulk+operation+07")
    assert len(ids(named.text)) == 1 and "Bulk operation 07" in named.text
    # htmx: the results only, the URL pushed
    part = turkish.get("/cooperation/operations?kind=live&page=2", headers={"HX-Request": "true"})
    assert part.text.lstrip().startswith('<section id="operation-results"')
    assert part.headers["HX-Push-Url"] == "/cooperation/operations?kind=live&page=2"
    # a filter naming nothing known: said, naming the field
    unknown = turkish.get("/cooperation/operations?state=Atlantis")
    assert unknown.status_code == 400 and 'aria-invalid="true"' in unknown.text
    # Saudi Arabia sees none of them
    assert ids(saudi.get("/cooperation/operations?kind=live").text) == []


def test_the_overview_and_the_dashboard_show_my_operations(
    pact: int, turkish: TestClient, saudi: TestClient
) -> None:
    # the lists are newest first by start: this one comes before the bulk ones (no start)
    propose(turkish, pact, "Operation Dashboard (ui test)", starts="2028-01-01")
    for path in ("/", "/cooperation"):
        page = turkish.get(path)
        assert page.status_code == 200
        assert "Operations I take part in" in page.text
        assert "Operation Dashboard (ui test)" in page.text
        assert "Shared threats" in page.text
        assert "Operation Dashboard" not in saudi.get(path).text
