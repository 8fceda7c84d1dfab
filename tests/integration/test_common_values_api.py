"""The common values over REST and from the shell, on a node holding the real registry and
a subset of the real warninglists: everyone reads and checks; admins and the operator
change; bad input answers with the field at fault."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from taawun.cooperation.importers.warninglists import read_lists, write
from taawun.cooperation.threats.models import ThreatValue
from taawun.core.clock import SystemClock
from taawun.core.principal import Clearance, Role
from taawun.registry.importers.report import SourceReport
from taawun.registry.importers.run import import_all
from taawun.web.app import create_app

from ..accounts import create_accounts
from ..conftest import new_database
from .test_cli import Run, call

ACCOUNTS = {
    "tr.admin": ("TUR", "MIT", Role.ADMIN, Clearance.SECRET),
    "tr.liaison": ("TUR", "MIT", Role.LIAISON, Clearance.SECRET),
    "pk.liaison": ("PAK", "ISI", Role.LIAISON, Clearance.SECRET),
    "sa.viewer": ("SAU", "GIP", Role.VIEWER, Clearance.UNCLASSIFIED),
}
LISTS = ("rfc1918", "rfc5735", "amazon-aws", "tranco10k", "google", "lots-project")


@dataclass
class Node:
    client: TestClient
    tokens: dict[str, str]
    env: dict[str, str]
    engine: Engine

    def get(self, user: str, path: str, **params: str) -> tuple[int, object]:
        answer = self.client.get(path, params=params, headers=self._auth(user))
        return answer.status_code, answer.json()

    def post(self, user: str, path: str, body: dict[str, object]) -> tuple[int, object]:
        answer = self.client.post(path, json=body, headers=self._auth(user))
        return answer.status_code, answer.json()

    def _auth(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def cli(self, *args: str) -> Run:
        return call(self.env, "common", *args)


@pytest.fixture(scope="module")
def node(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    tmp = tmp_path_factory.mktemp(f"{backend}-common-api")
    engine = new_database(backend, "common_api", tmp)
    with Session(engine) as session:
        import_all(session)
        plan = read_lists(keys=LISTS)
        write(plan, session, SourceReport("misp-warninglists", plan.rows, "-"), lambda _: None)
        _, tokens = create_accounts(
            session, ACCOUNTS, password="common-values-password", clock=SystemClock()
        )
        session.commit()
    env = {
        "TAAWUN_HOME": str(tmp / "home"),
        "TAAWUN_DATABASE_URL": engine.url.render_as_string(hide_password=False),
    }
    with TestClient(create_app(engine=engine)) as client:
        yield Node(client, tokens, env, engine)
    engine.dispose()


def test_everyone_reads_the_lists_and_checks_a_value(node: Node) -> None:
    status, lists = node.get("sa.viewer", "/api/v1/common/lists")
    assert status == 200
    by_key = {entry["key"]: entry for entry in lists}  # type: ignore[attr-defined]
    assert set(by_key) == set(LISTS)
    assert by_key["amazon-aws"]["effect"] == "note" and by_key["rfc1918"]["effect"] == "common"
    assert by_key["lots-project"]["namespace"] is True
    status, check = node.get("sa.viewer", "/api/v1/common/check", value="10.1.2.3")
    assert status == 200 and check["common"] is True  # type: ignore[index]
    assert check["reason"] == "List of RFC 1918 CIDR blocks [rfc1918]"  # type: ignore[index]
    assert check["matches"][0] == {  # type: ignore[index]
        "source": "warninglist rfc1918",
        "effect": "common",
        "how": "network",
        "entry": "10.0.0.0/8",
    }
    assert node.client.get("/api/v1/common/lists").status_code == 401


def test_an_admin_adds_and_removes_a_liaison_may_not(node: Node) -> None:
    body = {"value": "corp.example", "scope": "suffix", "reason": "our own domains"}
    status, refused = node.post("tr.liaison", "/api/v1/common/add", body)
    assert status == 403 and refused["error"] == "forbidden"  # type: ignore[index]
    status, done = node.post("tr.admin", "/api/v1/common/add", body)
    assert status == 200 and done["recorded"]["created_by"] == "tr.admin"  # type: ignore[index]
    status, entries = node.get("sa.viewer", "/api/v1/common/entries")
    assert [(e["value"], e["effect"]) for e in entries] == [("corp.example", "common")]  # type: ignore[attr-defined]
    status, check = node.get("sa.viewer", "/api/v1/common/check", value="vpn.corp.example")
    assert check["common"] is True  # type: ignore[index]

    status, missing = node.post("tr.admin", "/api/v1/common/remove", {"value": "10.1.2.3"})
    assert status == 422 and missing["field"] == "reason"  # type: ignore[index]
    allow = {"value": "10.1.2.3", "reason": "our lab"}
    status, done = node.post("tr.admin", "/api/v1/common/remove", allow)
    assert status == 200 and done["recorded"]["effect"] == "allow" and not done["common"]  # type: ignore[index]
    status, _ = node.post("tr.admin", "/api/v1/common/remove", allow)
    assert status == 409
    status, done = node.post(
        "tr.admin", "/api/v1/common/remove", {"value": "corp.example", "scope": "suffix"}
    )
    assert status == 200 and done["withdrawn"]["value"] == "corp.example"  # type: ignore[index]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"value": "10.0.0.0/33", "reason": "x"}, "value"),
        ({"value": "abc", "kind": "ssdeep", "reason": "x"}, "kind"),
        ({"value": "10.0.0.0/8"}, "reason"),
        ({"value": "10.0.0.0/8", "reason": "x", "scope": "everything"}, "scope"),
    ],
)
def test_bad_input_answers_422_naming_the_field(
    node: Node, body: dict[str, object], field: str
) -> None:
    status, error = node.post("tr.admin", "/api/v1/common/add", body)
    assert status == 422
    named = error.get("field") or error["details"][0]["field"]  # type: ignore[attr-defined]
    assert field in str(named)


def test_the_shell_lists_checks_adds_and_removes(node: Node) -> None:
    listed = node.cli("list", "--lists", "-f", "csv")
    assert listed.code == 0
    header, *rows = listed.out.splitlines()
    assert header == "key,effect,match,loaded,rejected,namespace,name" and len(rows) == len(LISTS)

    checked = node.cli("check", "3.5.140.2", "-f", "json")
    assert checked.code == 0
    verdict = orjson.loads(checked.out)
    assert verdict["kind"] == "ipv4" and verdict["common"] is False
    assert verdict["notes"] == ["List of known Amazon AWS IP address ranges [amazon-aws]"]

    added = node.cli("add", "203.0.113.77", "--reason", "a partner's honeypot", "-f", "json")
    assert added.code == 4, added  # TEST-NET-3: already common (rfc5735)
    assert "already common" in added.err
    added = node.cli("add", "185.220.101.7", "--reason", "a partner's honeypot", "-f", "json")
    assert added.code == 0, added
    assert orjson.loads(added.out)["recorded"]["created_by"].startswith("cli:")
    assert node.cli("add", "185.220.101.8", "--reason", "x", "--as", "tr.liaison").code == 6
    bad = node.cli("add", "10.0.0.0/33", "--reason", "x")
    assert bad.code == 2 and "10.0.0.0/33" in bad.err
    assert node.cli("check", "x", "--kind", "ssdeep").code == 2
    removed = node.cli("remove", "185.220.101.7", "-f", "json")
    assert removed.code == 0 and orjson.loads(removed.out)["common"] is False
    entries = orjson.loads(node.cli("list", "-f", "json").out)
    assert "185.220.101.7" not in {e["value"] for e in entries}


def test_ingested_values_are_flagged_and_reflagged_when_an_admin_changes_an_entry(
    node: Node,
) -> None:
    pattern = "[ipv4-addr:value = '10.77.0.1'] OR [domain-name:value = 'c2.herokuapp.com']"
    indicator = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--00000000-0000-4000-8000-000000004242",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": "a C2 server behind a private address",
        "pattern": pattern,
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
    }
    body = {"objects": [indicator]}

    def flags() -> dict[str, tuple[bool | None, str | None, str | None]]:
        with Session(node.engine) as session:
            rows = session.execute(
                select(
                    ThreatValue.value,
                    ThreatValue.common,
                    ThreatValue.common_reason,
                    ThreatValue.note,
                ).where(ThreatValue.value.in_(["10.77.0.1", "10.77.0.2", "c2.herokuapp.com"]))
            )
            return {value: (common, reason, note) for value, common, reason, note in rows}

    for n, liaison in enumerate(("tr.liaison", "pk.liaison")):
        shared = node.client.post("/api/v1/intel/share", json=body, headers=node._auth(liaison))
        assert shared.status_code == 200, shared.text
        if not n:  # one state holds them: not judged until a second does
            assert set(flags().values()) == {(None, None, None)}
    alone = {**indicator, "id": "indicator--00000000-0000-4000-8000-000000004243"}
    alone["pattern"] = "[ipv4-addr:value = '10.77.0.2']"  # Turkey's alone
    shared = node.client.post(
        "/api/v1/intel/share", json={"objects": [alone]}, headers=node._auth("tr.liaison")
    )
    assert shared.status_code == 200, shared.text
    assert flags() == {
        "10.77.0.2": (None, None, None),
        "10.77.0.1": (
            True,
            "List of RFC 1918 CIDR blocks [rfc1918]",
            "also: List of RFC 5735 CIDR blocks [rfc5735]",
        ),
        # a tenant of a shared namespace: noted, not common through herokuapp.com
        "c2.herokuapp.com": (
            False,
            None,
            "List of LOTS (Living Off Trusted Sites) Project Domains [lots-project]",
        ),
    }
    allow = {"value": "10.77.0.0/16", "reason": "our exercise range"}
    status, done = node.post("tr.admin", "/api/v1/common/remove", allow)
    assert status == 200 and done["reflagged"] == 1  # type: ignore[index]
    assert flags()["10.77.0.2"] == (None, None, None)  # left to be judged when shared or read
    common, reason, note = flags()["10.77.0.1"]
    assert not common and reason is None and note is not None
    assert note.startswith("not common on this node: our exercise range")
