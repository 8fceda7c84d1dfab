"""The cooperation pages added last, on a live node (both backends), with the cooperation
record imported (MME, SIPRI, the item catalogue): a live exercise changed in its form (only
the fields changed sent, the exercise assessed again, refusals naming the field and writing
nothing, a third state's 404 the same as a missing exercise's, the CSRF token required, the
historical record not offered); its latitude, longitude and warfighting flag recorded and
changed in the forms, a bad one refused naming the field and writing nothing; whom a state
exercised with, the item catalogue and a state's imports from its allies, each compared with
the REST API's answer."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import date
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from babel.numbers import format_decimal
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from taawun.cooperation.exercises.schemas import ExerciseRead
from taawun.cooperation.importers.run import import_all as import_cooperation
from taawun.core.clock import SystemClock
from taawun.core.principal import Principal
from taawun.registry import changes as registry_changes
from taawun.registry.schemas import AgreementCreate
from taawun.web.ui.cooperation.exercise_changes import form_of

from .conftest import Node
from .test_ui_agreements import main, sign_in
from .test_ui_cooperation import api, csrf, post, record_pact, results, without

PACT = "Turkey–Pakistan cooperation pact (UI record tests)"
TRADE = "Turkey–Pakistan technology accord (UI record tests)"


@pytest.fixture(scope="module")
def agreements(node: Node) -> dict[str, int]:
    """The record imported; a Turkey–Pakistan pact covering joint exercises, and an accord
    that does not."""
    with Session(node.engine) as session:
        import_cooperation(session)
        pact = record_pact(session, parties=["TUR", "PAK"], title=PACT)
        trade = registry_changes.record_agreement(
            Principal.system_principal("test"),
            session,
            data=AgreementCreate(
                title=TRADE,
                parties=["TUR", "PAK"],
                domains=["technology_exchange"],
                in_force=date(2024, 1, 1),
            ),
            clock=SystemClock(),
        ).id
        session.commit()
    return {"pact": pact, "trade": trade}


@pytest.fixture(scope="module")
def turkish(node: Node) -> Iterator[TestClient]:
    with sign_in(node, "tr.liaison") as client:
        yield client


@pytest.fixture(scope="module")
def saudi(node: Node) -> Iterator[TestClient]:
    with sign_in(node, "sa.liaison") as client:
        yield client


def record_exercise(node: Node, name: str) -> dict[str, Any]:
    answer = node.client.post(
        "/api/v1/exercises",
        json={
            "name": name,
            "start": "2031-05",
            "participants": [{"state": "TUR"}, {"state": "PAK"}],
            "domains": ["air"],
        },
        headers=node.auth("tr.liaison"),
    )
    assert answer.status_code == 201, answer.text
    found: dict[str, Any] = answer.json()
    return found


def the_form(client: TestClient, path: str) -> dict[str, Any]:
    """The change form's fields as the page fills them."""
    page = client.get(f"{path}/edit")
    assert page.status_code == 200, page.text
    text = page.text
    fields: dict[str, Any] = {
        name: html.unescape(value)
        for name, value in re.findall(
            r'<input id="f-[\w-]+" type="text" name="(\w+)" value="([^"]*)"', text
        )
    }
    for name in ("participants", "focus"):
        found = re.search(rf'name="{name}" rows="\d+"[^>]*>([^<]*)</textarea>', text)
        assert found, name
        fields[name] = html.unescape(found[1])
    fields["domains"] = re.findall(r'name="domains" value="([\w-]+)" checked', text)
    fields["warfighting"] = chosen(text, "warfighting")
    return fields


def chosen(page: str, name: str) -> str:
    """The value of the option a page's ``<select name=...>`` has selected."""
    select = re.search(rf'<select id="[\w-]+" name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select, name
    picked = re.findall(r'<option value="([^"]*)" selected>', select[1])
    assert len(picked) == 1, picked
    return picked[0]


def live_exercises(node: Node) -> int:
    return int(api(node, "tr.liaison", "/exercises", source="live", limit=1)["total"])


# --- Changing an exercise -------------------------------------------------------------------


def test_an_exercise_changed_in_its_form(
    node: Node, agreements: dict[str, int], turkish: TestClient
) -> None:
    made = record_exercise(node, "Indus Shield (ui record)")
    path = f"/cooperation/exercises/{made['id']}"
    assert made["agreement_id"] == agreements["pact"]
    assert f'href="{path}/edit"' in main(turkish.get(path).text)
    form = the_form(turkish, path)
    assert form["name"] == "Indus Shield (ui record)" and form["start"] == "2031-05"
    assert sorted(form["participants"].splitlines()) == ["PAK", "TUR"]
    assert form["domains"] == ["air"] and form["agreement"] == str(agreements["pact"])

    unchanged = post(turkish, f"{path}/edit", form)
    assert unchanged.status_code == 303 and unchanged.headers["location"] == path
    assert api(node, "tr.liaison", f"/exercises/{made['id']}") == made  # nothing was sent

    renamed = post(turkish, f"{path}/edit", {**form, "name": "Indus Shield II (ui record)"})
    assert renamed.status_code == 303, renamed.text
    after = api(node, "tr.liaison", f"/exercises/{made['id']}")
    assert after["name"] == "Indus Shield II (ui record)"
    assert after["agreement_id"] == agreements["pact"]  # the agreement was not sent again

    widened = post(
        turkish,
        f"{path}/edit",
        {
            **the_form(turkish, path),
            "participants": "TUR (host)\nPAK\nAZE (observer)\nSAU",
            "domains": ["air", "sea"],
        },
    )
    assert widened.status_code == 303, widened.text
    after = api(node, "tr.liaison", f"/exercises/{made['id']}")
    assert after["host"] == "TUR" and sorted(after["domains"]) == ["air", "sea"]
    assert {p["state"]: p["role"] for p in after["participants"]} == {
        "TUR": "host",
        "PAK": "participant",
        "AZE": "observer",
        "SAU": "participant",
    }
    # Saudi Arabia is no party to the pact: the exercise is assessed again, and flagged
    assert after["coverage"] == "outside" and after["agreement_id"] is None
    assert "TUR (host)" in the_form(turkish, path)["participants"]


@pytest.mark.parametrize(
    ("change", "field", "status"),
    [
        ({"participants": "TUR\nAtlantis"}, "participants", 400),
        ({"participants": "TUR"}, "participants", 400),
        ({"participants": "TUR\nPAK (admiral)"}, "participants", 400),
        ({"agreement": "trade"}, "agreement", 400),
        ({"start": "2031-13"}, "start", 400),
        ({"start": ""}, "start", 400),
        ({"start": "2031-05", "end": "2030-01"}, "end", 400),
        ({"name": ""}, "name", 400),
    ],
)
def test_a_refused_change_names_the_field_and_writes_nothing(
    node: Node,
    agreements: dict[str, int],
    turkish: TestClient,
    change: dict[str, str],
    field: str,
    status: int,
) -> None:
    made = record_exercise(node, f"Refused {sorted(change.items())} (ui record)")
    path = f"/cooperation/exercises/{made['id']}"
    if change.get("agreement") == "trade":
        change = {"agreement": str(agreements["trade"])}
    audit = api(node, "tr.admin", "/audit", limit=1)
    answer = post(turkish, f"{path}/edit", {**the_form(turkish, path), **change})
    assert answer.status_code == status, answer.text
    assert f"field: {field}" in answer.text and 'role="alert"' in answer.text
    assert 'aria-invalid="true"' in answer.text or field == "participants"
    assert api(node, "tr.liaison", f"/exercises/{made['id']}") == made
    assert api(node, "tr.admin", "/audit", limit=1) == audit


def test_a_third_state_gets_the_missing_exercises_404(
    node: Node, agreements: dict[str, int], turkish: TestClient, saudi: TestClient
) -> None:
    made = record_exercise(node, "Hidden drill (ui record)")
    path, missing = f"/cooperation/exercises/{made['id']}", "/cooperation/exercises/1999999999"
    hidden, absent = saudi.get(f"{path}/edit"), saudi.get(f"{missing}/edit")
    assert hidden.status_code == absent.status_code == 404
    assert without(hidden.text, path) == without(absent.text, missing)
    token = csrf(saudi)
    sent = saudi.post(f"{path}/edit", data={"name": "Taken (ui record)", "csrf_token": token})
    gone = saudi.post(f"{missing}/edit", data={"name": "Taken (ui record)", "csrf_token": token})
    assert sent.status_code == gone.status_code == 404
    assert without(sent.text, path) == without(gone.text, missing)
    assert api(node, "tr.liaison", f"/exercises/{made['id']}") == made


def test_a_change_without_the_csrf_token_is_refused(
    node: Node, agreements: dict[str, int], turkish: TestClient
) -> None:
    made = record_exercise(node, "Tokenless drill (ui record)")
    path = f"/cooperation/exercises/{made['id']}"
    form = {**the_form(turkish, path), "name": "Changed without a token"}
    assert turkish.post(f"{path}/edit", data=form).status_code == 403
    assert api(node, "tr.liaison", f"/exercises/{made['id']}") == made


def test_the_historical_record_is_not_offered_for_change(
    node: Node, agreements: dict[str, int], turkish: TestClient
) -> None:
    first = api(node, "tr.liaison", "/exercises", source="imported", state="TUR", limit=1)
    path = f"/cooperation/exercises/{first['items'][0]['id']}"
    assert f'href="{path}/edit"' not in turkish.get(path).text
    sent = turkish.get(f"{path}/edit")
    assert sent.status_code == 303 and sent.headers["location"] == path
    record = ExerciseRead.model_validate(api(node, "tr.liaison", path.replace("/cooperation", "")))
    form = {**form_of(record), "name": "Rewritten history"}
    refused = post(turkish, f"{path}/edit", form)
    assert refused.status_code == 403 and "field: exercise" in refused.text
    assert api(node, "tr.liaison", path.replace("/cooperation", ""))["name"] == record.name


# --- Latitude, longitude, warfighting ------------------------------------------------------

NEW = "/cooperation/exercises/new"
RECORDED = {"start": "2032-04", "participants": "TUR\nPAK", "domains": ["land"]}


def test_an_exercise_recorded_with_its_position_and_purpose(
    node: Node, agreements: dict[str, int], turkish: TestClient
) -> None:
    blank = turkish.get(NEW)
    assert 'inputmode="decimal"' in blank.text and chosen(blank.text, "warfighting") == ""
    made = post(
        turkish,
        NEW,
        {
            **RECORDED,
            "name": "Ankara Plain (ui record)",
            "latitude": " 39.93 ",
            "longitude": "32.86",
            "warfighting": "yes",
        },
    )
    assert made.status_code == 303, made.text
    path = made.headers["location"]
    stored = api(node, "tr.liaison", path.replace("/cooperation", ""))
    assert (stored["latitude"], stored["longitude"], stored["warfighting"]) == (39.93, 32.86, True)
    page = main(turkish.get(path).text)
    assert "Latitude" in page and "39.93" in page and "32.86" in page
    assert re.search(r"Warfighting exercise</dt><dd>Yes</dd>", page)
    form = the_form(turkish, path)
    assert (form["latitude"], form["longitude"], form["warfighting"]) == ("39.93", "32.86", "yes")

    unknown = post(turkish, NEW, {**RECORDED, "name": "Unplaced drill (ui record)"})
    assert unknown.status_code == 303, unknown.text
    path = unknown.headers["location"]
    stored = api(node, "tr.liaison", path.replace("/cooperation", ""))
    assert (stored["latitude"], stored["longitude"], stored["warfighting"]) == (None, None, None)
    assert "Latitude" not in main(turkish.get(path).text)
    assert "Warfighting exercise</dt><dd>Not known</dd>" in main(turkish.get(path).text)
    peaceful = post(
        turkish, NEW, {**RECORDED, "name": "Rescue drill (ui record)", "warfighting": "no"}
    )
    assert peaceful.status_code == 303, peaceful.text
    stored = api(node, "tr.liaison", peaceful.headers["location"].replace("/cooperation", ""))
    assert stored["warfighting"] is False and stored["latitude"] is None


def test_its_position_and_purpose_changed_in_its_form(
    node: Node, agreements: dict[str, int], turkish: TestClient
) -> None:
    made = record_exercise(node, "Karachi Coast (ui record)")
    path, api_path = f"/cooperation/exercises/{made['id']}", f"/exercises/{made['id']}"
    assert (made["latitude"], made["longitude"], made["warfighting"]) == (None, None, None)
    form = the_form(turkish, path)
    assert (form["latitude"], form["longitude"], form["warfighting"]) == ("", "", "")

    placed = {**form, "latitude": "24.86", "longitude": "67.0", "warfighting": "no"}
    answer = post(turkish, f"{path}/edit", placed)
    assert answer.status_code == 303, answer.text
    after = api(node, "tr.liaison", api_path)
    assert (after["latitude"], after["longitude"], after["warfighting"]) == (24.86, 67.0, False)
    assert after["name"] == made["name"] and after["agreement_id"] == made["agreement_id"]
    last = api(node, "tr.admin", "/audit", limit=1)[0]
    assert last["action"] == "exercise.update"
    assert last["detail"]["fields"] == ["latitude", "longitude", "warfighting"]
    form = the_form(turkish, path)
    assert (form["latitude"], form["longitude"], form["warfighting"]) == ("24.86", "67.0", "no")

    # the form as filled, sent back unchanged ("67.0" and "67" alike): nothing is sent
    for same in (form, {**form, "longitude": "67"}):
        assert post(turkish, f"{path}/edit", same).status_code == 303
        assert api(node, "tr.liaison", api_path) == after

    moved = {**form, "latitude": "-0.00001", "longitude": "", "warfighting": "yes"}
    assert post(turkish, f"{path}/edit", moved).status_code == 303
    after = api(node, "tr.liaison", api_path)
    assert (after["latitude"], after["longitude"], after["warfighting"]) == (-0.00001, None, True)
    assert the_form(turkish, path)["latitude"] == "-0.00001"  # no exponent in the form

    cleared = {**the_form(turkish, path), "latitude": "", "warfighting": ""}
    assert post(turkish, f"{path}/edit", cleared).status_code == 303
    after = api(node, "tr.liaison", api_path)
    assert (after["latitude"], after["longitude"], after["warfighting"]) == (None, None, None)


BAD_POSITIONS = [
    ({"latitude": "north"}, "latitude"),
    ({"latitude": "91"}, "latitude"),
    ({"latitude": "-90.5"}, "latitude"),
    ({"latitude": "1e1"}, "latitude"),
    ({"latitude": "nan"}, "latitude"),
    ({"longitude": "east"}, "longitude"),
    ({"longitude": "180.01"}, "longitude"),
    ({"warfighting": "maybe"}, "warfighting"),
]


def refused_naming(answer: httpx.Response, field: str, change: dict[str, str]) -> None:
    """The form shown again, 400, naming ``field`` (marked invalid) and keeping what was
    typed; an unknown warfighting choice is shown as "not known"."""
    assert answer.status_code == 400, answer.text
    assert f"field: {field}" in answer.text and 'role="alert"' in answer.text
    assert re.search(rf'name="{field}"[^>]*aria-invalid="true"', answer.text)
    if field == "warfighting":
        assert chosen(answer.text, "warfighting") == ""
    else:
        assert f'name="{field}" value="{change[field]}"' in answer.text


@pytest.mark.parametrize(("change", "field"), BAD_POSITIONS)
def test_a_bad_position_recorded_names_the_field_and_writes_nothing(
    node: Node,
    agreements: dict[str, int],
    turkish: TestClient,
    change: dict[str, str],
    field: str,
) -> None:
    count, audit = live_exercises(node), api(node, "tr.admin", "/audit", limit=1)
    body = {**RECORDED, "name": "Refused position (ui record)", **change}
    answer = post(turkish, NEW, body)
    refused_naming(answer, field, change)
    assert 'value="Refused position (ui record)"' in answer.text
    assert live_exercises(node) == count
    assert api(node, "tr.admin", "/audit", limit=1) == audit


@pytest.mark.parametrize(("change", "field"), BAD_POSITIONS)
def test_a_bad_position_changed_names_the_field_and_writes_nothing(
    node: Node,
    agreements: dict[str, int],
    turkish: TestClient,
    change: dict[str, str],
    field: str,
) -> None:
    made = record_exercise(node, f"Refused position {sorted(change.items())} (ui record)")
    path = f"/cooperation/exercises/{made['id']}"
    count, audit = live_exercises(node), api(node, "tr.admin", "/audit", limit=1)
    answer = post(turkish, f"{path}/edit", {**the_form(turkish, path), **change})
    refused_naming(answer, field, change)
    assert api(node, "tr.liaison", f"/exercises/{made['id']}") == made
    assert live_exercises(node) == count
    assert api(node, "tr.admin", "/audit", limit=1) == audit


# --- Whom a state exercised with; the catalogue; the allies' share -------------------------


def test_whom_a_state_exercised_with(
    node: Node, agreements: dict[str, int], turkish: TestClient
) -> None:
    page = turkish.get("/cooperation/exercises/partners?state=TUR&year_to=2000")
    expected = api(node, "tr.liaison", "/exercises/partners/TUR", year_to=2000)["partners"]
    assert page.status_code == 200 and len(expected) > 3
    shown = [unquote(s) for s in re.findall(r"partner=([^\"&]+)\"", main(page.text))]
    assert shown == [p["state"] for p in expected]
    assert f">{expected[0]['exercises']}<" in main(page.text)
    unknown = turkish.get("/cooperation/exercises/partners?state=Atlantis")
    assert unknown.status_code == 400 and "field: state" in unknown.text
    assert turkish.get("/cooperation/exercises/partners").status_code == 200  # the form


def test_the_item_catalogue(node: Node, agreements: dict[str, int], turkish: TestClient) -> None:
    page = turkish.get("/cooperation/transfers/items")
    expected = api(node, "tr.liaison", "/transfers/items")
    assert page.status_code == 200 and expected["total"] > 50
    assert f"of {expected['total']:,}" in page.text
    names = [html.unescape(n) for n in re.findall(r'\?item=[^"]*">([^<]+)</a>', results(page.text))]
    assert names == [i["designation"] for i in expected["items"]]
    second = turkish.get("/cooperation/transfers/items?page=2")
    assert not set(names) & set(re.findall(r'\?item=[^"]*">([^<]+)</a>', results(second.text)))

    galaxy = turkish.get(
        "/cooperation/transfers/items?source=MISP+galaxy+uavs&q=reaper",
        headers={"HX-Request": "true"},
    )
    wanted = api(node, "tr.liaison", "/transfers/items", source="MISP galaxy uavs", q="reaper")
    assert wanted["total"] > 0 and "<main" not in galaxy.text  # the results only
    assert (
        galaxy.headers["HX-Push-Url"]
        == "/cooperation/transfers/items?q=reaper&source=MISP+galaxy+uavs"
    )
    assert all(html.escape(i["designation"], quote=False) in galaxy.text for i in wanted["items"])
    assert f"of {wanted['total']}" in galaxy.text


def test_a_states_imports_from_its_allies(
    node: Node, agreements: dict[str, int], turkish: TestClient
) -> None:
    page = turkish.get("/cooperation/transfers/allies?state=PAK&year_from=1990&year_to=2000")
    expected = api(node, "tr.liaison", "/transfers/allies/PAK", year_from=1990, year_to=2000)
    assert page.status_code == 200 and expected["years"] and expected["total"] > 0
    years = re.findall(r"<tr>\s*<td>(\d{4})</td>", main(page.text))
    assert years == [str(y["year"]) for y in expected["years"]]
    assert format_decimal(round(expected["total"], 1), locale="en") in page.text
    biggest = max(expected["suppliers"], key=lambda s: s["tiv"])["supplier"]
    assert (biggest["state"] or {}).get("name", biggest["name"]) in page.text
    backwards = turkish.get("/cooperation/transfers/allies?state=PAK&year_from=2000&year_to=1990")
    assert backwards.status_code == 400 and "field: from" in backwards.text
    unknown = turkish.get("/cooperation/transfers/allies?state=Atlantis")
    assert unknown.status_code == 400 and "field: state" in unknown.text


def test_the_reference_pages_are_linked_from_the_lists(turkish: TestClient) -> None:
    transfers = main(turkish.get("/cooperation/transfers").text)
    assert 'href="/cooperation/transfers/items"' in transfers
    assert 'href="/cooperation/transfers/allies"' in transfers
    exercises = main(turkish.get("/cooperation/exercises").text)
    assert 'href="/cooperation/exercises/partners"' in exercises
