"""Transfers through the REST API and the ``taawun transfers`` commands, on a node holding the
registry and SIPRI's record, on both databases: a flagged live transfer between two states,
a third state's 404, each side's decision, bad input, the record, the catalogue and the
allies question."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from taawun.cooperation.importers import sipri
from taawun.core.clock import SystemClock
from taawun.core.principal import Clearance, Role
from taawun.registry.importers.report import ImportReport
from taawun.registry.importers.run import default_data_dir, import_all, import_sources
from taawun.web.app import create_app

from ..accounts import create_accounts
from ..conftest import new_database
from .test_cli import Run, call

ACCOUNTS = {
    "tr.liaison": ("TUR", "MIT", Role.LIAISON, Clearance.SECRET),
    "sa.liaison": ("SAU", "GIP", Role.LIAISON, Clearance.SECRET),
    "pk.liaison": ("PAK", "ISI", Role.LIAISON, Clearance.SECRET),
    "pk.analyst": ("PAK", "ISI", Role.ANALYST, Clearance.SECRET),
}
API = "/api/v1/transfers"


@dataclass
class Node:
    client: TestClient
    tokens: dict[str, str]
    env: dict[str, str]

    def auth(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[username]}"}


@pytest.fixture(scope="module")
def node(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    tmp = tmp_path_factory.mktemp(f"{backend}-transfers-api")
    engine = new_database(backend, "transfers_api", tmp)
    clock = SystemClock()
    with Session(engine) as session:
        import_all(session)
        sources, notes = sipri.plan(session, default_data_dir(), clock)
        import_sources(session, sources, ImportReport(notes=notes), clock=clock)
        _, tokens = create_accounts(session, ACCOUNTS, password="transfers-password-1", clock=clock)
        session.commit()
    env = {
        "TAAWUN_HOME": str(tmp / "home"),
        "TAAWUN_DATABASE_URL": engine.url.render_as_string(hide_password=False),
    }
    with TestClient(create_app(engine=engine)) as client:
        yield Node(client, tokens, env)
    engine.dispose()


def _live_total(node: Node, user: str) -> int:
    answer = node.client.get(API, params={"kind": "live"}, headers=node.auth(user))
    assert answer.status_code == 200, answer.text
    return int(answer.json()["total"])


def test_a_flagged_transfer_through_the_api(node: Node) -> None:
    body = {"supplier": "TUR", "recipient": "SAU", "item": "Bayraktar TB2", "quantity": 6}
    made = node.client.post(API, json=body, headers=node.auth("tr.liaison"))
    assert made.status_code == 201, made.text
    transfer = made.json()
    assert (transfer["status"], transfer["flagged"], transfer["agreement"]) == (
        "proposed", True, None
    )  # fmt: skip
    assert transfer["item"]["source"] == "MISP galaxy uavs"
    one = f"{API}/{transfer['id']}"
    flagged = node.client.get(
        f"{API}/flagged", params={"kind": "live"}, headers=node.auth("tr.liaison")
    )
    assert transfer["id"] in [t["id"] for t in flagged.json()["items"]]
    # Pakistan is no side of it: nothing, exactly as for a missing id
    assert _live_total(node, "pk.liaison") == 0
    hidden = node.client.get(one, headers=node.auth("pk.liaison"))
    missing = node.client.get(f"{API}/{transfer['id'] + 1}", headers=node.auth("pk.liaison"))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["error"] == "not_found"
    approve = node.client.post(f"{one}/approve", headers=node.auth("pk.liaison"))
    assert approve.status_code == 404
    # each side's act is its own
    assert node.client.post(f"{one}/approve", headers=node.auth("tr.liaison")).status_code == 403
    approved = node.client.post(f"{one}/approve", headers=node.auth("sa.liaison"))
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    delivered = node.client.post(
        f"{one}/deliver", json={"quantity": 6}, headers=node.auth("tr.liaison")
    )
    assert delivered.status_code == 200 and delivered.json()["quantity_delivered"] == 6
    again = node.client.post(f"{one}/approve", headers=node.auth("sa.liaison"))
    assert again.status_code == 409


def test_bad_input_is_refused_by_field_and_nothing_written(node: Node) -> None:
    before = _live_total(node, "tr.liaison")
    same = node.client.post(
        API,
        json={"supplier": "TUR", "recipient": "TUR", "item": "x"},
        headers=node.auth("tr.liaison"),
    )
    assert same.status_code == 422 and same.json()["field"] == "recipient"
    unknown = node.client.post(
        API, json={"supplier": "TUR", "recipient": "SAU", "item": "x", "colour": "red"},
        headers=node.auth("tr.liaison"),
    )  # fmt: skip
    assert unknown.status_code == 422
    analyst = node.client.post(
        API,
        json={"supplier": "PAK", "recipient": "SAU", "item": "x"},
        headers=node.auth("pk.analyst"),
    )
    assert analyst.status_code == 403
    assert _live_total(node, "tr.liaison") == before


def test_the_record_the_catalogue_and_the_allies_question(node: Node) -> None:
    deals = node.client.get(
        API,
        params={"kind": "deal", "recipient": "TUR", "limit": 2},
        headers=node.auth("sa.liaison"),
    ).json()
    assert deals["total"] > 300 and all(t["public"] for t in deals["items"])
    assert all(t["source"].startswith("SIPRI register") for t in deals["items"])
    items = node.client.get(
        f"{API}/items", params={"q": "bayraktar tb2"}, headers=node.auth("sa.liaison")
    ).json()
    assert items["items"][0]["manufacturer"] == "Baykar Tech"
    allies = node.client.get(
        f"{API}/allies/PAK", params={"year_from": 1966, "year_to": 1966},
        headers=node.auth("sa.liaison"),
    ).json()  # fmt: skip
    assert [(y["year"], y["total"], y["from_allies"]) for y in allies["years"]] == [
        (1966, 467.0, 9.0)
    ]


def _ok(node: Node, *args: str) -> Run:
    run = call(node.env, *args)
    assert run.code == 0, run
    return run


def test_the_commands(node: Node) -> None:
    made = _ok(
        node, "transfers", "add", "--supplier", "PAK", "--recipient", "SAU",
        "--item", "JF-17", "-n", "2", "--as", "pk.liaison",
    ).out.split()  # fmt: skip
    assert made[1:] == ["proposed", "flagged"]
    hidden = call(node.env, "transfers", "show", made[0], "--as", "tr.liaison")
    assert hidden.code == 3 and hidden.out == "" and "no transfer" in hidden.message
    flagged = orjson.loads(
        _ok(node, "transfers", "flagged", "--kind", "live", "--as", "sa.liaison", "-f", "json").out
    )
    assert int(made[0]) in [t["id"] for t in flagged["items"]]
    assert _ok(node, "transfers", "approve", made[0], "--as", "sa.liaison").out.split() == [
        made[0], "approved", "flagged"
    ]  # fmt: skip
    shown = orjson.loads(
        _ok(node, "transfers", "show", made[0], "--as", "pk.liaison", "-f", "json").out
    )
    assert (shown["status"], shown["proposed_by"]) == ("approved", "PAK")
    csv = _ok(node, "transfers", "allies", "PAK", "--from", "1965", "--to", "1966", "-f", "csv").out
    assert csv.splitlines() == [
        "year,total,from allies,from others,from non-states,share",
        "1965,209.0,44.0,165.0,0.0,21.1%",
        "1966,467.0,9.0,458.0,0.0,1.9%",
    ]
    listed = orjson.loads(
        _ok(node, "transfers", "list", "--kind", "aggregate", "--state", "TUR", "--limit", "1",
            "-f", "json").out
    )  # fmt: skip
    assert listed["total"] > 500 and listed["items"][0]["kind"] == "aggregate"
    assert "Bayraktar TB2" in _ok(node, "transfers", "items", "bayraktar", "-f", "csv").out
    same = call(node.env, "transfers", "add", "--supplier", "PAK", "--recipient", "Pakistan",
                "--item", "x", "--as", "pk.liaison")  # fmt: skip
    assert same.code == 2 and "recipient" in same.message
    operator = call(node.env, "transfers", "add", "--supplier", "PAK", "--recipient", "SAU",
                    "--item", "x")  # fmt: skip
    assert operator.code == 6
