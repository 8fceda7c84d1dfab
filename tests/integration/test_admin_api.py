"""Administration over REST (issue 9): tokens with their last use and expiry, disabling and
enabling users, password resets, removing an agency, on a live node (SQLite and PostgreSQL).

An admin administers their own agency: another agency's admin gets the 404 a missing user
gets, a liaison, analyst or viewer 403. Each test makes its own target user, so the tests
do not depend on one another's order.
"""

from __future__ import annotations

import base64
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from taawun.access import service, token_service
from taawun.access.schemas import UserCreate
from taawun.core.clock import SystemClock
from taawun.core.ids import RandomIds
from taawun.core.principal import Clearance, Principal, Role
from taawun.registry.models import State
from taawun.web.app import create_app

from ..accounts import create_accounts
from ..conftest import new_database

PASSWORD = "admin-api-password-1"
NEW_PASSWORD = "admin-api-password-2"
ROOT = Principal.system_principal("test")
ACCOUNTS = {
    "tr.admin": ("TUR", "MIT", Role.ADMIN, Clearance.SECRET),
    "tr.liaison": ("TUR", "MIT", Role.LIAISON, Clearance.SECRET),
    "tr.analyst": ("TUR", "MIT", Role.ANALYST, Clearance.SECRET),
    "tr.viewer": ("TUR", "MIT", Role.VIEWER, Clearance.SECRET),
    "pk.admin": ("PAK", "ISI", Role.ADMIN, Clearance.TOP_SECRET),
}
_NAMES = itertools.count(1)


@dataclass
class AdminNode:
    engine: Engine
    client: TestClient
    tokens: dict[str, str]
    agencies: dict[str, int]

    def auth(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    def settled(self) -> Engine:
        """The engine, once the node's deferred writes (a token's last use) are in: a test's
        own write then never meets SQLite's write lock held by them."""
        assert self.client.app.state.deferred.flush()  # type: ignore[attr-defined]
        return self.engine

    def user(
        self, agency: str = "TUR-MIT", clearance: Clearance = Clearance.SECRET
    ) -> tuple[str, str]:
        """A new analyst of ``agency`` (password ``PASSWORD``) and a token of theirs."""
        username = f"target.{next(_NAMES)}"
        with Session(self.settled()) as session:
            data = UserCreate(
                username=username,
                agency_id=self.agencies[agency],
                role=Role.ANALYST,
                clearance=clearance,
                password=PASSWORD,
            )
            service.create_user(ROOT, session, data=data, clock=SystemClock())
            token = token_service.issue_token(
                ROOT, session, username=username, name="own", clock=SystemClock(), ids=RandomIds()
            ).token
            session.commit()
        return username, token

    def agency(self, name: str) -> int:
        """A new agency of Turkey with nobody in it."""
        with Session(self.settled()) as session:
            made = service.create_agency(
                ROOT, session, state_id=self.agencies["state:TUR"], name=name, clock=SystemClock()
            )
            session.commit()
        return made.id

    def audit(self, action: str) -> list[dict[str, Any]]:
        """The entries of ``action`` that Turkey's admin reads, newest first."""
        found = self.client.get(
            "/api/v1/audit", params={"action": action}, headers=self.auth("tr.admin")
        )
        assert found.status_code == 200, found.text
        return list(found.json())


@pytest.fixture(scope="module")
def node(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdminNode]:
    """Two states, nothing else of the datasets: an agency of each, the accounts above."""
    engine = new_database(backend, "admin_api", tmp_path_factory.mktemp(f"{backend}-admin-api"))
    with Session(engine) as session:
        for cow, iso3, name in ((640, "TUR", "Turkey"), (770, "PAK", "Pakistan")):
            session.add(State(cow_code=cow, cow_abbr=iso3, name=name, iso3=iso3, source="test"))
        session.flush()
        agencies, tokens = create_accounts(
            session, ACCOUNTS, password=PASSWORD, clock=SystemClock()
        )
        turkey = session.execute(text("SELECT id FROM state WHERE iso3 = 'TUR'")).scalar_one()
        session.commit()
    agencies["state:TUR"] = turkey
    with TestClient(create_app(engine=engine)) as client:
        yield AdminNode(engine=engine, client=client, tokens=tokens, agencies=agencies)
    engine.dispose()


def _basic(username: str, password: str) -> dict[str, str]:
    return {
        "Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()
    }


def _me(node: AdminNode, headers: dict[str, str]) -> int:
    return node.client.get("/api/v1/me", headers=headers).status_code


def _same_as_missing(node: AdminNode, refused: Response, missing: Response) -> None:
    """A refusal reads exactly as the answer for a thing that does not exist."""
    assert refused.status_code == missing.status_code == 404
    a, b = refused.json(), missing.json()
    assert a["error"] == b["error"] and a["field"] == b["field"]
    assert a["message"].replace(a["value"], "<given>") == b["message"].replace(
        b["value"], "<given>"
    )


# --- who may: one act each, as each caller -----------------------------------------------

CALLERS = {
    "tr.admin": 200,
    "pk.admin": 404,  # another agency's admin: as for a missing user
    "tr.liaison": 403,
    "tr.analyst": 403,
    "tr.viewer": 403,
}
ACTS: dict[str, tuple[str, str, Any, str | None]] = {
    # act: (method, path for {user}, body, the audit action written)
    "list tokens": ("GET", "/api/v1/tokens?username={user}", None, None),
    "issue a token": (
        "POST",
        "/api/v1/tokens",
        {"name": "by-admin", "username": "{user}", "expires_in_days": 7},
        "access.token.issue",
    ),
    "disable": ("POST", "/api/v1/users/{user}/disable", None, "access.user.disable"),
    "reset the password": (
        "POST",
        "/api/v1/users/{user}/password",
        {"password": NEW_PASSWORD, "revoke_tokens": True},
        "access.user.set_password",
    ),
}


def _call(node: AdminNode, act: str, user: str, caller: str) -> Response:
    method, path, body, _ = ACTS[act]
    filled = None
    if body is not None:
        filled = {k: v.format(user=user) if isinstance(v, str) else v for k, v in body.items()}
    return node.client.request(
        method, path.format(user=user), json=filled, headers=node.auth(caller)
    )


@pytest.mark.parametrize("caller", sorted(CALLERS))
@pytest.mark.parametrize("act", sorted(ACTS))
def test_who_may_administer_a_user(node: AdminNode, act: str, caller: str) -> None:
    user, _ = node.user()
    answered = _call(node, act, user, caller)
    expected = CALLERS[caller]
    assert answered.status_code // 100 == expected // 100, answered.text
    if expected == 404:
        _same_as_missing(node, answered, _call(node, act, "no.such.user", caller))
    if expected == 200 and (action := ACTS[act][3]) is not None:
        newest = node.audit(action)[0]
        assert newest["actor"] == caller
    if expected != 200:  # nothing changed: the user still signs in, with their password
        assert _me(node, _basic(user, PASSWORD)) == 200


@pytest.mark.parametrize(("caller", "status"), [*CALLERS.items()])
def test_who_may_enable_a_user(node: AdminNode, caller: str, status: int) -> None:
    user, _ = node.user()
    disabled = node.client.post(f"/api/v1/users/{user}/disable", headers=node.auth("tr.admin"))
    assert disabled.status_code == 200
    enabled = node.client.post(f"/api/v1/users/{user}/enable", headers=node.auth(caller))
    assert enabled.status_code == status, enabled.text
    assert _me(node, _basic(user, PASSWORD)) == (200 if status == 200 else 401)
    if status == 404:
        missing = node.client.post("/api/v1/users/no.such.user/enable", headers=node.auth(caller))
        _same_as_missing(node, enabled, missing)


@pytest.mark.parametrize(("caller", "status"), [*CALLERS.items()])
def test_who_may_revoke_a_users_token(node: AdminNode, caller: str, status: int) -> None:
    user, token = node.user()
    listed = node.client.get(
        "/api/v1/tokens", params={"username": user}, headers=node.auth("tr.admin")
    )
    (token_id,) = [t["id"] for t in listed.json()]
    revoked = node.client.delete(f"/api/v1/tokens/{token_id}", headers=node.auth(caller))
    assert revoked.status_code == (204 if status == 200 else status), revoked.text
    assert _me(node, {"Authorization": f"Bearer {token}"}) == (401 if status == 200 else 200)
    if status == 404:
        missing = node.client.delete("/api/v1/tokens/2147483000", headers=node.auth(caller))
        assert missing.json()["field"] == revoked.json()["field"] == "token"


# --- 1. tokens with their last use ---------------------------------------------------------


def test_an_admin_lists_the_tokens_of_their_agency_with_their_last_use(node: AdminNode) -> None:
    user, token = node.user()
    foreign, _ = node.user("PAK-ISI")
    assert _me(node, {"Authorization": f"Bearer {token}"}) == 200
    assert node.client.app.state.deferred.flush()  # type: ignore[attr-defined]  # a read's
    listed = node.client.get("/api/v1/tokens", headers=node.auth("tr.admin")).json()
    users = {t["user"] for t in listed}
    assert {"tr.admin", "tr.viewer", user} <= users and foreign not in users
    assert not any(u.startswith("pk.") for u in users)
    (mine,) = [t for t in listed if t["user"] == user]
    assert set(mine) == {
        "id", "user", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at",
    }  # fmt: skip
    assert mine["last_used_at"] is not None and mine["prefix"] == token[:8]
    assert token not in str(listed)
    own = node.client.get("/api/v1/tokens", headers=node.auth("tr.viewer")).json()
    assert {t["user"] for t in own} == {"tr.viewer"}


# --- 2. expiry -----------------------------------------------------------------------------


def _issue(node: AdminNode, **body: Any) -> Response:
    return node.client.post(
        "/api/v1/tokens", json={"name": "expiring", **body}, headers=node.auth("tr.viewer")
    )


def _expires(response: Response) -> timedelta:
    assert response.status_code == 201, response.text
    body = response.json()
    return datetime.fromisoformat(body["expires_at"]) - datetime.fromisoformat(body["created_at"])


def test_a_token_expires_in_90_days_unless_told(node: AdminNode) -> None:
    assert _expires(_issue(node)) == timedelta(days=90)
    assert _expires(_issue(node, expires_in_days=366)) == timedelta(days=366)
    at = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    assert _issue(node, expires_at=at).json()["expires_at"] == at.replace("+00:00", "Z")


@pytest.mark.parametrize(
    ("body", "field", "said"),
    [
        ({"expires_in_days": 367}, "expires_in_days", "366"),
        ({"expires_in_days": 0}, "expires_in_days", "1"),
        ({"expires_at": "2020-01-01T00:00:00Z"}, "expires_at", "in the future"),
        ({"expires_at": "2099-01-01T00:00:00Z"}, "expires_at", "at most 366 days ahead"),
        (
            {"expires_at": "2099-01-01T00:00:00Z", "expires_in_days": 1},
            "expires_in_days",
            "not both",
        ),
    ],
)
def test_an_expiry_out_of_bounds_is_refused_naming_the_field(
    node: AdminNode, body: dict[str, Any], field: str, said: str
) -> None:
    before = node.client.get("/api/v1/tokens", headers=node.auth("tr.viewer")).json()
    refused = _issue(node, **body)
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == field and said in refused.json()["message"]
    assert node.client.get("/api/v1/tokens", headers=node.auth("tr.viewer")).json() == before


def test_an_expired_token_is_refused(node: AdminNode) -> None:
    issued = _issue(node, expires_in_days=1).json()
    bearer = {"Authorization": f"Bearer {issued['token']}"}
    assert _me(node, bearer) == 200
    with node.settled().begin() as conn:  # a day on: its expiry is now in the past
        conn.execute(
            text("UPDATE api_token SET expires_at = :t WHERE id = :id"),
            {"t": datetime.now(UTC) - timedelta(seconds=1), "id": issued["id"]},
        )
    assert _me(node, bearer) == 401


# --- 3. disable and enable -----------------------------------------------------------------


def test_disabling_stops_basic_and_bearer_at_once_and_enabling_restores_them(
    node: AdminNode,
) -> None:
    user, token = node.user()
    basic, bearer = _basic(user, PASSWORD), {"Authorization": f"Bearer {token}"}
    assert (_me(node, basic), _me(node, bearer)) == (200, 200)
    disabled = node.client.post(f"/api/v1/users/{user}/disable", headers=node.auth("tr.admin"))
    assert disabled.status_code == 200 and disabled.json()["active"] is False
    assert (_me(node, basic), _me(node, bearer)) == (401, 401)
    entry = node.audit("access.user.disable")[0]
    assert (entry["before"]["username"], entry["after"]["active"]) == (user, False)
    again = node.client.post(f"/api/v1/users/{user}/disable", headers=node.auth("tr.admin"))
    assert again.status_code == 409 and "already disabled" in again.json()["message"]
    enabled = node.client.post(f"/api/v1/users/{user}/enable", headers=node.auth("tr.admin"))
    assert enabled.status_code == 200 and enabled.json()["active"] is True
    assert (_me(node, basic), _me(node, bearer)) == (200, 200)


def test_an_admin_cannot_disable_themselves(node: AdminNode) -> None:
    refused = node.client.post("/api/v1/users/tr.admin/disable", headers=node.auth("tr.admin"))
    assert refused.status_code == 409
    assert refused.json()["field"] == "username" and "themselves" in refused.json()["message"]
    assert _me(node, node.auth("tr.admin")) == 200


# --- 4. password reset ---------------------------------------------------------------------


@pytest.mark.parametrize("revoke", [False, True], ids=["tokens kept", "tokens revoked"])
def test_a_reset_password_replaces_the_old_one(node: AdminNode, revoke: bool) -> None:
    user, token = node.user()
    reset = node.client.post(
        f"/api/v1/users/{user}/password",
        json={"password": NEW_PASSWORD, "revoke_tokens": revoke},
        headers=node.auth("tr.admin"),
    )
    assert reset.status_code == 204, reset.text
    assert _me(node, _basic(user, NEW_PASSWORD)) == 200
    assert _me(node, _basic(user, PASSWORD)) == 401
    assert _me(node, {"Authorization": f"Bearer {token}"}) == (401 if revoke else 200)
    entry = node.audit("access.user.set_password")[0]
    assert entry["detail"]["username"] == user
    assert ("revoked_tokens" in entry["detail"]) is revoke


def test_a_reset_password_follows_the_rules_and_the_clearance(node: AdminNode) -> None:
    user, _ = node.user()
    short = node.client.post(
        f"/api/v1/users/{user}/password",
        json={"password": "too short"},
        headers=node.auth("tr.admin"),
    )
    assert short.status_code == 422 and short.json()["field"] == "password"
    top, _ = node.user(clearance=Clearance.TOP_SECRET)
    above = node.client.post(
        f"/api/v1/users/{top}/password",
        json={"password": NEW_PASSWORD},
        headers=node.auth("tr.admin"),  # SECRET
    )
    assert above.status_code == 403 and "TOP_SECRET" in above.json()["message"]
    for username in (user, top):
        assert _me(node, _basic(username, PASSWORD)) == 200


# --- 5. removing an agency -----------------------------------------------------------------


def _agency_ids(node: AdminNode) -> set[int]:
    listed = node.client.get("/api/v1/agencies", headers=node.auth("tr.viewer"))
    return {a["id"] for a in listed.json()}


def test_an_agency_with_users_is_refused_naming_them(node: AdminNode) -> None:
    own = node.agencies["TUR-MIT"]
    refused = node.client.delete(f"/api/v1/agencies/{own}", headers=node.auth("tr.admin"))
    assert refused.status_code == 409, refused.text
    assert refused.json()["field"] == "agency" and "users (" in refused.json()["message"]
    assert own in _agency_ids(node)


@pytest.mark.parametrize("caller", ["tr.admin", "tr.liaison", "tr.viewer", "pk.admin"])
def test_only_the_node_operator_removes_another_agency(node: AdminNode, caller: str) -> None:
    """Agencies are seen by everyone, so another agency's is refused 403, not hidden."""
    spare = node.agency(f"Spare {caller}")
    refused = node.client.delete(f"/api/v1/agencies/{spare}", headers=node.auth(caller))
    assert refused.status_code == 403, refused.text
    assert spare in _agency_ids(node)


@pytest.mark.parametrize(("agency_id", "status"), [(2_000_000_000, 404), (2**31, 422), (0, 422)])
def test_removing_a_missing_agency(node: AdminNode, agency_id: int, status: int) -> None:
    missing = node.client.delete(f"/api/v1/agencies/{agency_id}", headers=node.auth("tr.admin"))
    assert missing.status_code == status, missing.text
    assert missing.json()["field"] in {"agency", "agency_id"}


def test_the_new_operations_document_their_errors(node: AdminNode) -> None:
    paths = node.client.get("/openapi.json").json()["paths"]
    for path, method in [
        ("/api/v1/agencies/{agency_id}", "delete"),
        ("/api/v1/users/{username}/disable", "post"),
        ("/api/v1/users/{username}/enable", "post"),
    ]:
        assert {"403", "404", "409"} <= set(paths[path][method]["responses"]), path
