"""Proposing, accepting, declining and withdrawing agreements in the pages, on a live node
(both backends), over the registry's use cases as the REST API's routes are.

The issue's flow: a Turkish liaison proposes a Turkey–Pakistan agreement in the form, a
Pakistani liaison sees it awaiting on /proposals and on the dashboard and accepts it, and
the agreement's page says In force; a Saudi liaison gets the 404 page of a missing id for
the confidential proposal. Declined and withdrawn proposals; a refused form (a party that
names no state, dates out of order, a proposer of no party) names its field and writes
nothing (counted through the REST API); no POST without its CSRF token; the lifecycle
forms on the agreement's page (amend, suspend, resume, terminate) shown only to those who
may use them, and refused by the node to the others anyway."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from .conftest import Node
from .test_ui_agreements import main, sign_in

_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
_PROPOSAL = re.compile(r"^/proposals/([0-9a-f-]{36})\?done=proposed$")


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


def csrf(client: TestClient) -> str:
    found = _CSRF.search(client.get("/agreements").text)
    assert found
    return found[1]


def post(client: TestClient, path: str, data: dict[str, Any] | None = None) -> Any:
    """A form sent with the page's CSRF token."""
    return client.post(path, data={**(data or {}), "csrf_token": csrf(client)})


def propose(client: TestClient, title: str, *, confidential: bool = True, **more: Any) -> str:
    """Propose a Turkey–Pakistan agreement in the form; the id of its proposal."""
    data: dict[str, Any] = {
        "title": title,
        "party": ["TUR", "Pakistan", "", ""],
        "domain": ["intelligence_sharing", "consultation"],
        "signed": "2025-01-10",
        "in_force": "2025-02-01",
        "terms": "scope: counter-terrorism\nreview: yearly",
        **more,
    }
    if confidential:
        data["confidential"] = "yes"
    answer = post(client, "/agreements/new", data)
    assert answer.status_code == 303, answer.text
    found = _PROPOSAL.match(answer.headers["location"])
    assert found, answer.headers["location"]
    return found[1]


def api(node: Node, username: str, path: str) -> Any:
    answer = node.client.get(f"/api/v1/{path}", headers=node.auth(username))
    assert answer.status_code == 200, answer.text
    return answer.json()


def counts(node: Node) -> tuple[int, int]:
    """The agreements and the open proposals Turkey's liaison may see (REST API)."""
    agreements = api(node, "tr.liaison", "agreements?limit=1")["total"]
    return agreements, len(api(node, "tr.liaison", "proposals?status=open"))


def agreement_of(node: Node, proposal_id: str, username: str = "tr.liaison") -> dict[str, Any]:
    proposal = api(node, username, f"proposals/{proposal_id}")
    read: dict[str, Any] = api(node, username, f"agreements/{proposal['agreement_id']}")
    return read


def status_line(html: str) -> str:
    start = html.index('<p class="status">')
    return html[start : html.index("</p>", start)]


def buttons(html: str) -> list[str]:
    return re.findall(r'<form method="post" action="(/(?:proposals|agreements)/[^"]+)"', html)


# --- the flow -------------------------------------------------------------------------


def test_a_proposal_accepted_by_both_parties_comes_into_force(
    node: Node, turkish: TestClient, pakistani: TestClient, saudi: TestClient
) -> None:
    form = turkish.get("/agreements/new")
    assert form.status_code == 200
    assert 'name="party" value="TUR"' in form.text  # my state, the first party
    before = counts(node)
    title = f"Turkey–Pakistan intelligence accord {uuid.uuid4().hex[:8]}"
    proposal_id = propose(turkish, title)
    assert counts(node) == (before[0] + 1, before[1] + 1)

    mine = turkish.get(f"/proposals/{proposal_id}?done=proposed")
    assert mine.status_code == 200
    assert "It waits for the other parties" in mine.text and title in mine.text
    assert "Pakistan" in main(mine.text)  # awaiting Pakistan
    assert buttons(mine.text) == [f"/proposals/{proposal_id}/withdraw"]  # no accept for TUR

    awaiting = pakistani.get("/proposals?show=awaiting")
    assert awaiting.status_code == 200 and f'href="/proposals/{proposal_id}"' in awaiting.text
    assert title in pakistani.get("/").text  # the dashboard lists it as awaiting
    assert title not in turkish.get("/proposals?show=awaiting").text  # TUR accepted already
    assert title in turkish.get("/proposals?show=mine").text
    assert title not in pakistani.get("/proposals?show=mine").text

    seen = pakistani.get(f"/proposals/{proposal_id}")
    assert buttons(seen.text) == [
        f"/proposals/{proposal_id}/accept",
        f"/proposals/{proposal_id}/decline",
    ]
    agreement_id = api(node, "pk.liaison", f"proposals/{proposal_id}")["agreement_id"]
    page = pakistani.get(f"/agreements/{agreement_id}")
    assert "<strong>Proposed</strong>" in status_line(page.text)

    accepted = post(pakistani, f"/proposals/{proposal_id}/accept")
    assert accepted.status_code == 303
    assert accepted.headers["location"] == f"/proposals/{proposal_id}?done=accepted"
    done = pakistani.get(accepted.headers["location"])
    assert "Your state has accepted the proposal." in done.text and not buttons(done.text)

    in_force = pakistani.get(f"/agreements/{agreement_id}")
    assert "<strong>In force</strong>" in status_line(in_force.text)
    assert api(node, "tr.liaison", f"agreements/{agreement_id}")["status"] == "in_force"
    assert title not in saudi.get("/proposals?status=any").text


def test_a_third_state_gets_the_404_page_of_a_missing_proposal(
    turkish: TestClient, saudi: TestClient
) -> None:
    proposal_id = propose(turkish, f"Confidential accord {uuid.uuid4().hex[:8]}")
    other = str(uuid.uuid4())
    hidden = saudi.get(f"/proposals/{proposal_id}")
    missing = saudi.get(f"/proposals/{other}")
    assert hidden.status_code == missing.status_code == 404
    assert "Confidential accord" not in hidden.text
    assert hidden.text.replace(proposal_id, "ID") == missing.text.replace(other, "ID")
    assert saudi.get("/proposals/not-an-id").status_code == 404
    # and a decision on it is the same 404 page, with nothing decided
    refused = post(saudi, f"/proposals/{proposal_id}/accept")
    assert refused.status_code == 404
    still = turkish.get(f"/proposals/{proposal_id}")
    assert "<strong>open</strong>" in still.text


def test_a_declined_proposal_leaves_the_agreement_declined(
    node: Node, turkish: TestClient, pakistani: TestClient
) -> None:
    proposal_id = propose(turkish, f"Accord to decline {uuid.uuid4().hex[:8]}")
    declined = post(pakistani, f"/proposals/{proposal_id}/decline")
    assert declined.status_code == 303
    assert declined.headers["location"] == f"/proposals/{proposal_id}?done=declined"
    read = agreement_of(node, proposal_id)
    assert read["status"] == "declined"
    page = turkish.get(f"/agreements/{read['id']}")
    assert "<strong>Declined</strong>" in status_line(page.text)
    again = post(pakistani, f"/proposals/{proposal_id}/accept")  # closed: refused, 409
    assert again.status_code == 409 and 'role="alert"' in again.text
    assert "not open" in again.text


def test_only_the_proposer_withdraws_a_proposal(
    node: Node, turkish: TestClient, pakistani: TestClient
) -> None:
    proposal_id = propose(turkish, f"Accord to withdraw {uuid.uuid4().hex[:8]}")
    refused = post(pakistani, f"/proposals/{proposal_id}/withdraw")
    assert refused.status_code == 403 and "only a liaison or admin of the state" in refused.text
    assert api(node, "tr.liaison", f"proposals/{proposal_id}")["status"] == "open"
    withdrawn = post(turkish, f"/proposals/{proposal_id}/withdraw")
    assert withdrawn.status_code == 303
    assert "The proposal is withdrawn." in turkish.get(withdrawn.headers["location"]).text
    assert agreement_of(node, proposal_id)["status"] == "withdrawn"


# --- refused forms ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "change", "field", "status", "says"),
    [
        ("tr.liaison", {"party": ["TUR", "Atlantis"]}, "parties", 400, "no state is named"),
        ("tr.liaison", {"party": ["TUR", "Pakistn"]}, "parties", 400, "Did you mean:"),
        ("tr.liaison", {"in_force": "2024-01-01"}, "in_force", 400, "before it is signed"),
        ("tr.liaison", {"signed": "10/01/2025"}, "signed", 400, "is not a date"),
        ("tr.liaison", {"domain": []}, "domains", 400, "at least 1 item"),
        ("tr.liaison", {"terms": "no colon here"}, "terms", 400, "line 1 is not"),
        ("tr.liaison", {"party": ["PAK", "SAU"]}, "parties", 403, "only a liaison or admin"),
        ("sa.viewer", {"party": ["SAU", "PAK"]}, "parties", 403, "only a liaison or admin"),
    ],
)
def test_a_refused_form_names_its_field_and_writes_nothing(
    node: Node, username: str, change: dict[str, Any], field: str, status: int, says: str
) -> None:
    before = counts(node)
    data: dict[str, Any] = {
        "title": "A refused accord",
        "party": ["TUR", "PAK"],
        "domain": ["training"],
        "signed": "2025-01-10",
        "in_force": "2025-02-01",
        **change,
    }
    with sign_in(node, username) as client:
        answer = post(client, "/agreements/new", data)
    assert answer.status_code == status, answer.text
    assert 'role="alert"' in answer.text and says in answer.text
    assert f'aria-describedby="{field}-error"' in answer.text  # the field is marked
    assert 'value="A refused accord"' in answer.text  # the form keeps what was typed
    assert counts(node) == before


def test_no_post_without_its_csrf_token(
    node: Node, turkish: TestClient, pakistani: TestClient
) -> None:
    before = counts(node)
    data = {"title": "Forged accord", "party": ["TUR", "PAK"], "domain": ["training"]}
    for token in ({}, {"csrf_token": "forged-token-forged-token-forged"}):
        answer = turkish.post("/agreements/new", data={**data, **token})
        assert answer.status_code == 403 and "This form has expired" in answer.text
    assert counts(node) == before
    proposal_id = propose(turkish, f"Accord against forgery {uuid.uuid4().hex[:8]}")
    for verb in ("accept", "decline"):
        assert pakistani.post(f"/proposals/{proposal_id}/{verb}").status_code == 403
    assert api(node, "pk.liaison", f"proposals/{proposal_id}")["status"] == "open"
    agreement_id = api(node, "pk.liaison", f"proposals/{proposal_id}")["agreement_id"]
    assert turkish.post(f"/agreements/{agreement_id}/terminate").status_code == 403
    assert api(node, "tr.liaison", f"agreements/{agreement_id}")["status"] == "proposed"


# --- the agreement's page: amend, suspend, resume, terminate ---------------------------------


@pytest.fixture(scope="module")
def open_accord(node: Node, turkish: TestClient, pakistani: TestClient) -> int:
    """A Turkey–Pakistan agreement in force, not confidential: its id."""
    proposal_id = propose(turkish, f"Open accord {uuid.uuid4().hex[:8]}", confidential=False)
    assert post(pakistani, f"/proposals/{proposal_id}/accept").status_code == 303
    read = agreement_of(node, proposal_id)
    assert read["status"] == "in_force"
    return int(read["id"])


def test_the_changes_are_shown_to_the_parties_only(
    node: Node, open_accord: int, turkish: TestClient, saudi: TestClient
) -> None:
    mine = turkish.get(f"/agreements/{open_accord}").text
    assert f'href="/agreements/{open_accord}/amend"' in mine
    assert buttons(mine) == [
        f"/agreements/{open_accord}/suspend",
        f"/agreements/{open_accord}/terminate",
    ]  # no resume (in force), no leave (two parties)
    theirs = saudi.get(f"/agreements/{open_accord}")
    assert theirs.status_code == 200  # not confidential: Saudi Arabia reads it
    assert not buttons(theirs.text) and "/amend" not in theirs.text
    for verb in ("suspend", "terminate"):  # and the node refuses them anyway
        refused = post(saudi, f"/agreements/{open_accord}/{verb}")
        assert refused.status_code == 403, refused.text
        assert 'role="alert"' in refused.text
    assert saudi.get(f"/agreements/{open_accord}/amend").status_code == 200
    current = api(node, "sa.liaison", f"agreements/{open_accord}")
    form = {"title": "Saudi title", "domain": current["domains"], "in_force": "2025-02-01"}
    refused = post(saudi, f"/agreements/{open_accord}/amend", form)
    assert refused.status_code == 403
    assert api(node, "tr.liaison", f"agreements/{open_accord}")["status"] == "in_force"
    # the imported record is the node's: no change offered, and none taken
    baghdad = turkish.get("/agreements/ATOP%203275").text
    assert not buttons(baghdad) and "/amend" not in baghdad
    pact_id = api(node, "tr.liaison", "agreements/ATOP%203275")["id"]
    assert post(turkish, f"/agreements/{pact_id}/suspend").status_code == 403


def test_suspend_and_resume_from_the_agreements_page(
    node: Node, open_accord: int, turkish: TestClient
) -> None:
    early = post(turkish, f"/agreements/{open_accord}/suspend", {"on": "2020-01-01"})
    assert early.status_code == 400 and 'aria-describedby="on-error"' in early.text
    assert api(node, "tr.liaison", f"agreements/{open_accord}")["status"] == "in_force"
    suspended = post(turkish, f"/agreements/{open_accord}/suspend")
    assert suspended.status_code == 303
    assert suspended.headers["location"] == f"/agreements/{open_accord}?done=suspended"
    page = turkish.get(suspended.headers["location"]).text
    assert "<strong>Suspended</strong>" in status_line(page)
    assert "The agreement is suspended." in page
    assert f"/agreements/{open_accord}/resume" in buttons(page)
    resumed = post(turkish, f"/agreements/{open_accord}/resume")  # TUR suspended: at once
    assert resumed.status_code == 303
    assert resumed.headers["location"] == f"/agreements/{open_accord}?done=resumed"
    assert api(node, "tr.liaison", f"agreements/{open_accord}")["status"] == "in_force"


def test_a_widening_amendment_is_proposed_and_taken_when_accepted(
    node: Node, open_accord: int, turkish: TestClient, pakistani: TestClient
) -> None:
    form = turkish.get(f"/agreements/{open_accord}/amend").text
    current = api(node, "tr.liaison", f"agreements/{open_accord}")
    assert 'value="2025-02-01"' in form and "checked" in form
    values = {
        "title": current["title"],
        "domain": [*current["domains"], "training"],
        "signed": "2025-01-10",
        "in_force": "2025-02-01",
        "terms": "scope: counter-terrorism\nreview: yearly",
    }
    backwards = post(turkish, f"/agreements/{open_accord}/amend", {**values, "ended": "2024-01-01"})
    assert backwards.status_code == 400 and 'aria-describedby="ended-error"' in backwards.text
    assert "cannot end before it enters into force" in backwards.text
    assert api(node, "tr.liaison", f"agreements/{open_accord}") == current
    unchanged = post(
        turkish, f"/agreements/{open_accord}/amend", {**values, "domain": current["domains"]}
    )
    assert unchanged.status_code == 400 and "nothing to change" in unchanged.text

    amended = post(turkish, f"/agreements/{open_accord}/amend", values)
    assert amended.status_code == 303
    found = _PROPOSAL.match(amended.headers["location"])
    assert found, amended.headers["location"]
    proposal = pakistani.get(f"/proposals/{found[1]}").text
    assert "Amendment proposed" in proposal and "Training" in proposal
    page = turkish.get(f"/agreements/{open_accord}").text
    assert f'href="/proposals/{found[1]}"' in page and "/amend" not in page  # one at a time
    assert "training" not in api(node, "tr.liaison", f"agreements/{open_accord}")["domains"]
    assert post(pakistani, f"/proposals/{found[1]}/accept").status_code == 303
    assert "training" in api(node, "tr.liaison", f"agreements/{open_accord}")["domains"]
    # narrowing takes effect at once: the domain dropped again
    narrowed = post(
        turkish, f"/agreements/{open_accord}/amend", {**values, "domain": current["domains"]}
    )
    assert narrowed.status_code == 303
    assert narrowed.headers["location"] == f"/agreements/{open_accord}?done=amended"
    assert "training" not in api(node, "tr.liaison", f"agreements/{open_accord}")["domains"]


def test_the_agreements_page_in_arabic_names_the_parties_in_arabic(
    open_accord: int, pakistani: TestClient
) -> None:
    pakistani.cookies.set("taawun_lang", "ar")
    try:
        page = pakistani.get(f"/agreements/{open_accord}")
        listed = pakistani.get("/proposals?status=any")
    finally:
        pakistani.cookies.delete("taawun_lang")
    assert page.status_code == 200 and '<html lang="ar" dir="rtl">' in page.text
    assert "تركيا" in main(page.text) and "باكستان" in main(page.text)
    assert "تركيا" in main(listed.text)  # the proposer, in the list


def test_terminate_ends_it(node: Node, open_accord: int, turkish: TestClient) -> None:
    ended = post(turkish, f"/agreements/{open_accord}/terminate")
    assert ended.status_code == 303
    page = turkish.get(ended.headers["location"]).text
    assert "<strong>Terminated</strong>" in status_line(page) and not buttons(page)
    assert api(node, "tr.liaison", f"agreements/{open_accord}")["status"] == "terminated"


def test_a_party_leaves_a_multilateral_agreement(
    node: Node, turkish: TestClient, pakistani: TestClient, saudi: TestClient
) -> None:
    proposal_id = propose(
        turkish,
        f"Three-party accord {uuid.uuid4().hex[:8]}",
        confidential=False,
        party=["TUR", "PAK", "SAU", ""],
    )
    for client in (pakistani, saudi):
        assert post(client, f"/proposals/{proposal_id}/accept").status_code == 303
    agreement_id = agreement_of(node, proposal_id)["id"]
    page = saudi.get(f"/agreements/{agreement_id}").text
    assert "<strong>In force</strong>" in status_line(page)
    assert f"/agreements/{agreement_id}/leave" in buttons(page)
    early = post(saudi, f"/agreements/{agreement_id}/leave", {"on": "2024-01-01"})
    assert early.status_code == 400 and 'aria-describedby="on-error"' in early.text
    left = post(saudi, f"/agreements/{agreement_id}/leave")
    assert left.status_code == 303
    assert left.headers["location"] == f"/agreements/{agreement_id}?done=left"
    spells = api(node, "tr.liaison", f"agreements/{agreement_id}")["party_spells"]
    assert [s["exited"] is not None for s in spells if s["state"]["iso3"] == "SAU"] == [True]
    after = turkish.get(f"/agreements/{agreement_id}").text  # two parties now: no leave
    assert f"/agreements/{agreement_id}/leave" not in buttons(after)
