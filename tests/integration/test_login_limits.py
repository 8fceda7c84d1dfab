"""Password guessing over HTTP (issue 8): after too many failed sign-ins for an account or from
an address, REST and TAXII answer 429 with ``Retry-After``, even to the right password and
alike for unknown usernames, and the first refusal of a window is in the audit log.

The source address is the ASGI client address, which ``TestClient(client=...)`` sets."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from taawun.access import login_limits
from taawun.access.models import AuditEntry
from taawun.core.clock import FixedClock
from taawun.web.app import create_app

from .small_node import PASSWORD, small_node

GUESSER = "203.0.113.7"
OTHER = "198.51.100.20"
TAXII = "application/taxii+json;version=2.1"


def basic(username: str, password: str) -> dict[str, str]:
    pair = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {pair}"}


@dataclass
class Node:
    engine: Engine
    clock: FixedClock
    guesser: TestClient
    other: TestClient

    def limited(self) -> list[AuditEntry]:
        # A read's sign-in records are written apart from it (``storage.deferred``).
        assert self.guesser.app.state.deferred.flush()  # type: ignore[attr-defined]
        with Session(self.engine) as session:
            stmt = select(AuditEntry).where(AuditEntry.action == "access.login.limited")
            return list(session.scalars(stmt.order_by(AuditEntry.seq)))


@pytest.fixture
def node(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    clock = FixedClock(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
    engine, _ = small_node(
        backend, "limits", tmp_path_factory.mktemp("limits"), users=["ali", "bob"], clock=clock
    )
    login_limits.LOGIN_LIMITS.clear()  # the node-wide counts: this test's alone
    app = create_app(engine=engine, clock=clock)
    with (
        TestClient(app, client=(GUESSER, 40000)) as guesser,
        TestClient(app, client=(OTHER, 40000)) as other,
    ):
        yield Node(engine, clock, guesser, other)
    login_limits.LOGIN_LIMITS.clear()
    engine.dispose()


@pytest.mark.parametrize("username", ["ali", "nobody"])
def test_right_password_is_refused_after_ten_failures(node: Node, username: str) -> None:
    for _ in range(login_limits.MAX_FAILURES_PER_ACCOUNT):
        wrong = node.guesser.get("/api/v1/me", headers=basic(username, "wrong-password-xx"))
        assert wrong.status_code == 401
    node.clock.advance(minutes=1)
    for client in (node.guesser, node.other):  # the account is limited from every address
        refused = client.get("/api/v1/me", headers=basic(username, PASSWORD))
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "840"
        assert refused.json() == {
            "error": "too_many_requests",
            "message": "too many failed sign-ins; try again later",
            "retry_after": 840,
        }
    [limited] = node.limited()  # the first refusal only
    assert limited.detail == {
        "username": username,
        "address": GUESSER,
        "scope": "account",
        "failures": 10,
        "retry_after": 840,
    }
    node.clock.advance(minutes=14)
    after = node.other.get("/api/v1/me", headers=basic(username, PASSWORD))
    assert after.status_code == (200 if username == "ali" else 401)


def test_one_address_is_refused_after_fifty_failures(node: Node) -> None:
    for n in range(login_limits.MAX_FAILURES_PER_ADDRESS):
        wrong = node.guesser.get("/api/v1/me", headers=basic(f"guess{n}", "wrong-password-xx"))
        assert wrong.status_code == 401
    refused = node.guesser.get("/api/v1/me", headers=basic("ali", PASSWORD))
    assert refused.status_code == 429 and refused.headers["retry-after"] == "900"
    assert node.other.get("/api/v1/me", headers=basic("ali", PASSWORD)).status_code == 200
    [limited] = node.limited()
    assert limited.detail is not None
    assert (limited.detail["scope"], limited.detail["address"]) == ("address", GUESSER)


def test_taxii_answers_429_with_retry_after(node: Node) -> None:
    for _ in range(login_limits.MAX_FAILURES_PER_ACCOUNT):
        wrong = node.guesser.get(
            "/taxii2/", headers={"Accept": TAXII, **basic("bob", "wrong-password-xx")}
        )
        assert wrong.status_code == 401
    refused = node.guesser.get("/taxii2/", headers={"Accept": TAXII, **basic("bob", PASSWORD)})
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "900"
    assert refused.headers["content-type"].startswith("application/taxii+json")
    assert refused.json()["http_status"] == "429"
    assert len(node.limited()) == 1


def test_a_success_forgets_the_accounts_failures(node: Node) -> None:
    for _ in range(login_limits.MAX_FAILURES_PER_ACCOUNT - 1):
        node.guesser.get("/api/v1/me", headers=basic("ali", "wrong-password-xx"))
    assert node.other.get("/api/v1/me", headers=basic("ali", PASSWORD)).status_code == 200
    for _ in range(login_limits.MAX_FAILURES_PER_ACCOUNT - 1):
        node.guesser.get("/api/v1/me", headers=basic("ali", "wrong-password-xx"))
    assert node.other.get("/api/v1/me", headers=basic("ali", PASSWORD)).status_code == 200
    assert node.limited() == []
