"""`/api/v1/operations`: combined operations over REST on a live node (both databases), with
the same error shape, authentication and 404-for-hidden as the rest of the node; and the
Geo-PKO record's questions."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from taawun.cooperation.importers import geopko
from taawun.cooperation.operations.models import Operation
from taawun.core.clock import SystemClock
from taawun.core.principal import Clearance, Principal, Role
from taawun.registry import changes as registry_changes
from taawun.registry.importers.report import ImportReport
from taawun.registry.importers.run import default_data_dir, import_all, import_sources
from taawun.registry.schemas import AgreementCreate
from taawun.web.app import create_app

from ..accounts import create_accounts
from ..conftest import new_database

ACCOUNTS = {
    "tr.liaison": ("TUR", "MIT", Role.LIAISON, Clearance.SECRET),
    "pk.liaison": ("PAK", "ISI", Role.LIAISON, Clearance.SECRET),
    "pk.analyst": ("PAK", "ISI", Role.ANALYST, Clearance.SECRET),
    "pk.viewer": ("PAK", "ISI", Role.VIEWER, Clearance.UNCLASSIFIED),
    "sa.admin": ("SAU", "GIP", Role.ADMIN, Clearance.TOP_SECRET),
    "sa.liaison": ("SAU", "GIP", Role.LIAISON, Clearance.SECRET),
}


def prepare(session: Session) -> int:
    """The registry, the Geo-PKO record, and a Turkey–Pakistan agreement in force that covers
    combined operations (recorded by the node); its id."""
    import_all(session)
    clock = SystemClock()
    report = ImportReport()
    import_sources(
        session, [geopko.source(geopko.parse(session, default_data_dir()), clock)], report,
        clock=clock,
    )  # fmt: skip
    agreement = registry_changes.record_agreement(
        Principal.system_principal("test"),
        session,
        data=AgreementCreate.model_validate(
            {
                "title": "Turkey–Pakistan combined operations (operations tests)",
                "parties": ["TUR", "PAK"],
                "domains": ["combined_operations"],
                "in_force": date(2025, 1, 1),
            }
        ),
        clock=clock,
    )
    session.commit()
    return agreement.id


class Api:
    def __init__(self, client: TestClient, tokens: dict[str, str], engine: Engine) -> None:
        self.client, self.tokens, self.engine = client, tokens, engine

    def __call__(self, method: str, path: str, user: str | None, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[user]}"} if user else {}
        return self.client.request(method, f"/api/v1{path}", headers=headers, **kw)

    def operations(self) -> int:
        with Session(self.engine) as s:
            return int(s.scalar(select(func.count()).select_from(Operation)) or 0)


@dataclass(frozen=True)
class OpsNode:
    engine: Engine
    agreement: int
    tokens: dict[str, str]


_NODES: dict[str, OpsNode] = {}


def ops_node(backend: str, tmp_path_factory: pytest.TempPathFactory) -> OpsNode:
    """One node per backend for this module and ``test_operations_cli.py``: loading the
    registry and the record takes most of their time. Each test names its operations, and
    looks only at those. The databases go when the run ends (``tests/conftest.py``)."""
    if backend not in _NODES:
        tmp = tmp_path_factory.mktemp(f"{backend}-ops")
        engine = new_database(backend, "ops", tmp)
        with Session(engine) as session:
            agreement = prepare(session)
            _, tokens = create_accounts(
                session, ACCOUNTS, password="ops-test-password-1", clock=SystemClock()
            )
            session.commit()
        _NODES[backend] = OpsNode(engine, agreement, tokens)
    return _NODES[backend]


@pytest.fixture(scope="module")
def api(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Api, int]]:
    node = ops_node(backend, tmp_path_factory)
    with TestClient(create_app(engine=node.engine)) as client:
        yield Api(client, node.tokens, node.engine), node.agreement


def test_a_combined_operation_over_rest(api: tuple[Api, int]) -> None:
    call, agreement = api
    body = {
        "name": "Operation Crescent Watch (api test)",
        "agreement": agreement,  # a number is taken as the id
        "threat": "Kimsuky spear-phishing",
        "threat_kind": "domain-name",
        "threat_value": "login-verify.example",
        "tasks": [{"title": "Phase 1", "starts": "2027-01-01", "ends": "2027-01-31"}],
    }
    created = call("POST", "/operations", "tr.liaison", json=body)
    assert created.status_code == 201, created.text
    op = created.json()
    assert (op["status"], op["awaiting"], op["lead"]["iso3"]) == ("proposed", ["PAK"], "TUR")

    hidden = call("GET", f"/operations/{op['id']}", "sa.admin")
    missing = call("GET", "/operations/1999999999", "sa.admin")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == {
        "error": "not_found",
        "message": f"operation: no operation '{op['id']}'",
        "field": "operation",
        "value": str(op["id"]),
    }
    assert set(missing.json()) == set(hidden.json())
    saudi = call("GET", "/operations", "sa.admin", params={"historical": "false"}).json()
    assert saudi["total"] == 0 and saudi["items"] == []  # nor any other test's
    assert call("POST", f"/operations/{op['id']}/join", "sa.admin").status_code == 404

    refused = call("POST", f"/operations/{op['id']}/join", "pk.analyst")
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
    joined = call("POST", f"/operations/{op['id']}/join", "pk.liaison")
    assert joined.status_code == 200 and joined.json()["awaiting"] == []
    assert call("POST", f"/operations/{op['id']}/activate", "tr.liaison").json()["status"] == (
        "active"
    )
    no_summary = call("POST", f"/operations/{op['id']}/conclude", "tr.liaison", json={})
    assert no_summary.status_code == 422 and no_summary.json()["field"] == "after_action"
    done = call(
        "POST", f"/operations/{op['id']}/conclude", "tr.liaison",
        json={"after_action": "Domains sinkholed."},
    )  # fmt: skip
    assert (done.status_code, done.json()["status"]) == (200, "concluded")
    again = call("POST", f"/operations/{op['id']}/cancel", "tr.liaison")
    assert again.status_code == 409 and again.json()["error"] == "conflict"
    mine = call(
        "GET", "/operations", "pk.analyst", params={"historical": "false", "q": "api test"}
    ).json()
    assert [o["id"] for o in mine["items"]] == [op["id"]]


def test_bad_input_names_the_field_and_writes_nothing(api: tuple[Api, int]) -> None:
    call, agreement = api
    before = call.operations()
    for body, field in (
        ({"name": "x", "agreement": str(agreement)}, "threat"),
        ({"name": "x", "agreement": str(agreement), "threat": "y", "lead": "SAU"}, "lead"),
        ({"name": "x", "agreement": str(agreement), "threat": "y", "ends": "soon"}, "ends"),
        ({"name": "x", "agreement": str(agreement), "threat": "y", "extra": 1}, "extra"),
    ):
        answer = call("POST", "/operations", "tr.liaison", json=body)
        assert answer.status_code == 422, answer.text
        assert answer.json()["field"] == field and answer.json()["error"] == "invalid"
    outsider = call(
        "POST", "/operations", "sa.admin",
        json={"name": "x", "agreement": str(agreement), "threat": "y"},
    )  # fmt: skip
    assert outsider.status_code == 403 and "not a party" in outsider.json()["message"]
    assert call("POST", "/operations", None, json={}).status_code == 401
    assert call.operations() == before


def test_the_record_and_who_served_alongside_whom(api: tuple[Api, int]) -> None:
    call, _ = api
    record = call("GET", "/operations", "sa.admin", params={"historical": "true", "limit": 100})
    assert record.json()["total"] == 27
    monuc = call("GET", "/operations/MONUC", "sa.admin").json()
    assert monuc["status"] == "recorded" and monuc["source_rows"] == 1667
    assert {c["state"]["iso3"] for c in monuc["contributors"]} >= {"PAK", "IND", "BGD", "URY"}
    alongside = call("GET", "/operations/alongside/PAK", "pk.analyst").json()
    assert alongside["partners"][0]["state"]["iso3"] == "BGD"
    assert alongside["partners"][0]["mission_years"] == 72
    pair = call("GET", "/operations/alongside/PAK/IND", "pk.analyst", params={"year": 2005})
    assert pair.status_code == 200
    assert {e["mission"] for e in pair.json()["entries"]} <= {"MONUC", "UNMIS", "UNMIL"}
    assert all(e["year"] == 2005 for e in pair.json()["entries"])
    unknown = call("GET", "/operations/alongside/Atlantis", "pk.analyst")
    assert unknown.status_code == 404 and unknown.json()["field"] == "state"
