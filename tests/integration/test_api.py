"""The REST API over a live node: auth, the registry questions, changes, errors."""

from __future__ import annotations

import base64

from .conftest import PASSWORD, Node


def test_health_needs_no_user(node: Node) -> None:
    response = node.client.get("/health")
    assert response.status_code == 200 and response.json()["status"] == "ok"


def test_every_other_endpoint_needs_a_user(node: Node) -> None:
    for path in ("/api/v1/me", "/api/v1/agreements", "/api/v1/dyads/TUR/PAK", "/api/v1/audit"):
        response = node.client.get(path)
        assert response.status_code == 401, path
        assert response.json()["error"] == "unauthenticated"
        assert "Bearer" in response.headers["www-authenticate"]
    bad = node.client.get("/api/v1/me", headers={"Authorization": "Bearer tw_nonsense"})
    assert bad.status_code == 401


def test_basic_auth_and_failed_login_is_audited(node: Node) -> None:
    """A failed sign-in to a Turkish user is in the log Turkey's admin reads (and, being
    about another agency, not in the one a Pakistani admin would read: test_audit_policy)."""
    good = base64.b64encode(f"tr.liaison:{PASSWORD}".encode()).decode()
    me = node.client.get("/api/v1/me", headers={"Authorization": f"Basic {good}"})
    assert me.status_code == 200 and me.json()["username"] == "tr.liaison"
    bad = base64.b64encode(b"tr.liaison:wrong-password-xx").decode()
    refused = node.client.get("/api/v1/me", headers={"Authorization": f"Basic {bad}"})
    assert refused.status_code == 401
    assert node.client.app.state.deferred.flush()  # type: ignore[attr-defined]  # a read's
    audit = node.client.get(
        "/api/v1/audit", params={"action": "access.login_failed"}, headers=node.auth("tr.admin")
    )
    assert audit.status_code == 200
    assert any(e["detail"]["username"] == "tr.liaison" for e in audit.json())


def test_dyad_and_agreement_detail(node: Node) -> None:
    dyad = node.client.get("/api/v1/dyads/TUR/PAK", headers=node.auth("sa.viewer"))
    assert dyad.status_code == 200
    sources = {e["agreement"]["source_id"] for e in dyad.json()["entries"]}
    assert {"3255", "3275"} <= sources
    detail = node.client.get("/api/v1/agreements/ATOP 4965", headers=node.auth("sa.viewer"))
    assert detail.status_code == 200
    body = detail.json()
    assert body["organization"] == "GCC" and body["terms"]["provisions"]["integrated_command"]


def test_agreements_list_filters_and_pagination(node: Node) -> None:
    response = node.client.get(
        "/api/v1/agreements",
        params=[
            ("party", "TUR"),
            ("party", "PAK"),
            ("domain", "non_aggression"),
            ("in_force", "1960"),
        ],
        headers=node.auth("sa.viewer"),
    )
    assert response.status_code == 200
    page = response.json()
    assert page["total"] == 1 and page["items"][0]["source_id"] == "3275"
    paged = node.client.get(
        "/api/v1/agreements", params={"limit": 5, "offset": 5}, headers=node.auth("sa.viewer")
    ).json()
    assert len(paged["items"]) == 5 and paged["offset"] == 5 and paged["total"] >= 791


def test_errors_share_one_shape_and_name_the_field(node: Node) -> None:
    h = node.auth("sa.viewer")
    unknown = node.client.get("/api/v1/states/Atlantis", headers=h)
    assert unknown.status_code == 404
    assert unknown.json()["error"] == "not_found" and unknown.json()["field"] == "state"
    ambiguous = node.client.get("/api/v1/states/AUS", headers=h)
    assert ambiguous.status_code == 422 and len(ambiguous.json()["candidates"]) == 2
    bad_date = node.client.get("/api/v1/agreements", params={"in_force": "2020-02-30"}, headers=h)
    assert bad_date.status_code == 422
    assert bad_date.json()["field"] == "in_force" and "2020-02-30" in bad_date.json()["message"]
    bad_limit = node.client.get("/api/v1/agreements", params={"limit": 0}, headers=h)
    assert bad_limit.status_code == 422 and bad_limit.json()["field"] == "limit"
    missing = node.client.get("/api/v1/agreements/999999", headers=h)
    assert missing.status_code == 404 and missing.json()["field"] == "agreement"


def test_propose_accept_and_suspend_an_agreement_over_http(node: Node) -> None:
    body = {
        "title": "Turkey–Pakistan intelligence sharing (http test)",
        "parties": ["TUR", "PAK"],
        "domains": ["intelligence_sharing"],
        "in_force": "2024-01-01",
        "sharing_ceiling": "SECRET",
        "confidential": True,
    }
    forbidden = node.client.post("/api/v1/agreements", json=body, headers=node.auth("sa.liaison"))
    assert forbidden.status_code == 403 and forbidden.json()["error"] == "forbidden"
    viewer = node.client.post("/api/v1/agreements", json=body, headers=node.auth("sa.viewer"))
    assert viewer.status_code == 403
    created = node.client.post("/api/v1/agreements", json=body, headers=node.auth("tr.liaison"))
    assert created.status_code == 201, created.text
    agreement_id = created.json()["agreement"]["id"]
    proposal = created.json()["proposal"]
    assert created.json()["agreement"]["status"] == "proposed"
    assert proposal["kind"] == "record" and proposal["awaiting"] == ["PAK"]
    duplicate = node.client.post("/api/v1/agreements", json=body, headers=node.auth("pk.liaison"))
    assert duplicate.status_code == 409 and duplicate.json()["field"] == "title"
    # confidential: the Saudi user cannot see it, not even by id, and gets a plain 404
    hidden = node.client.get(f"/api/v1/agreements/{agreement_id}", headers=node.auth("sa.liaison"))
    assert hidden.status_code == 404
    assert hidden.json() == node.client.get(
        "/api/v1/agreements/987654", headers=node.auth("sa.liaison")
    ).json() | {"message": hidden.json()["message"], "value": hidden.json()["value"]}
    nor_its_proposal = node.client.get(
        f"/api/v1/proposals/{proposal['id']}", headers=node.auth("sa.liaison")
    )
    missing = node.client.get(
        "/api/v1/proposals/00000000-0000-4000-8000-000000000000", headers=node.auth("sa.liaison")
    )
    assert nor_its_proposal.status_code == missing.status_code == 404
    assert nor_its_proposal.json() | {"message": "", "value": ""} == missing.json() | {
        "message": "",
        "value": "",
    }
    # Proposed, it is not in force: nothing to suspend until Pakistan accepts.
    early = node.client.post(
        f"/api/v1/agreements/{agreement_id}/suspend", headers=node.auth("pk.liaison")
    )
    assert early.status_code == 409
    waiting = node.client.get(
        "/api/v1/proposals", params={"awaiting": "me"}, headers=node.auth("pk.liaison")
    )
    assert proposal["id"] in [p["id"] for p in waiting.json()]
    accepted = node.client.post(
        f"/api/v1/proposals/{proposal['id']}/accept", headers=node.auth("pk.liaison")
    )
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    suspend_hidden = node.client.post(
        f"/api/v1/agreements/{agreement_id}/suspend", headers=node.auth("sa.liaison")
    )
    assert suspend_hidden.status_code == 404
    suspended = node.client.post(
        f"/api/v1/agreements/{agreement_id}/suspend",
        json={"on": "2025-01-01"},
        headers=node.auth("pk.liaison"),
    )
    assert suspended.status_code == 200 and suspended.json()["status"] == "suspended"
    again = node.client.post(
        f"/api/v1/agreements/{agreement_id}/suspend", headers=node.auth("pk.liaison")
    )
    assert again.status_code == 409
    # Turkey cannot lift Pakistan's suspension: its resumption is a proposal (202).
    resumed = node.client.post(
        f"/api/v1/agreements/{agreement_id}/resume", headers=node.auth("tr.liaison")
    )
    assert resumed.status_code == 202, resumed.text
    assert resumed.json()["agreement"]["status"] == "suspended"
    assert resumed.json()["proposal"]["awaiting"] == ["PAK"]
    patched = node.client.patch(
        f"/api/v1/agreements/{agreement_id}",
        json={"domains": ["intelligence_sharing", "friendship"]},
        headers=node.auth("tr.liaison"),
    )
    assert patched.status_code == 422 and "friendship" in patched.json()["message"]
    # A lower ceiling takes effect at once; a higher one waits for Pakistan. One proposal
    # at a time: the open resumption is named.
    lowered = node.client.patch(
        f"/api/v1/agreements/{agreement_id}",
        json={"sharing_ceiling": "CONFIDENTIAL"},
        headers=node.auth("tr.liaison"),
    )
    assert lowered.status_code == 200 and lowered.json()["proposal"] is None
    assert lowered.json()["agreement"]["sharing_ceiling"] == "CONFIDENTIAL"
    busy = node.client.patch(
        f"/api/v1/agreements/{agreement_id}",
        json={"sharing_ceiling": "TOP_SECRET"},
        headers=node.auth("tr.liaison"),
    )
    assert busy.status_code == 409 and resumed.json()["proposal"]["id"] in busy.json()["message"]
    declined = node.client.post(
        f"/api/v1/proposals/{resumed.json()['proposal']['id']}/decline",
        headers=node.auth("pk.liaison"),
    )
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    raised = node.client.patch(
        f"/api/v1/agreements/{agreement_id}",
        json={"sharing_ceiling": "TOP_SECRET"},
        headers=node.auth("tr.liaison"),
    )
    assert raised.status_code == 202 and raised.json()["proposal"]["changes"] == {
        "sharing_ceiling": "TOP_SECRET"
    }
    imported = node.client.patch(
        "/api/v1/agreements/ATOP 4965",
        json={"domains": ["mutual_defense", "intelligence_sharing"]},
        headers=node.auth("sa.liaison"),
    )
    assert imported.status_code == 403 and "implementing arrangement" in imported.json()["message"]


def test_bad_body_names_the_field(node: Node) -> None:
    response = node.client.post(
        "/api/v1/agreements",
        json={"title": "x test agreement", "parties": ["TUR"], "domains": ["training"]},
        headers=node.auth("tr.admin"),
    )
    assert response.status_code == 422
    assert response.json()["field"] == "parties"


def test_tokens_are_shown_once_and_revocable(node: Node) -> None:
    issued = node.client.post(
        "/api/v1/tokens", json={"name": "script"}, headers=node.auth("pk.liaison")
    )
    assert issued.status_code == 201
    token = issued.json()["token"]
    listed = node.client.get("/api/v1/tokens", headers=node.auth("pk.liaison")).json()
    assert all("token" not in t for t in listed)
    headers = {"Authorization": f"Bearer {token}"}
    assert node.client.get("/api/v1/me", headers=headers).status_code == 200
    revoked = node.client.delete(
        f"/api/v1/tokens/{issued.json()['id']}", headers=node.auth("pk.liaison")
    )
    assert revoked.status_code == 204
    assert node.client.get("/api/v1/me", headers=headers).status_code == 401


def test_audit_verify_over_http(node: Node) -> None:
    denied = node.client.get("/api/v1/audit/verify", headers=node.auth("pk.liaison"))
    assert denied.status_code == 403
    report = node.client.get("/api/v1/audit/verify", headers=node.auth("tr.admin")).json()
    assert report["ok"] is True and report["entries"] > 4


def test_openapi_is_served(node: Node) -> None:
    spec = node.client.get("/openapi.json").json()
    assert "/api/v1/agreements" in spec["paths"]
    assert "/api/v1/dyads/{a}/{b}" in spec["paths"]


def test_a_token_records_its_use_and_stops_working_when_revoked(node: Node) -> None:
    issued = node.client.post(
        "/api/v1/tokens", json={"name": "use-and-revoke"}, headers=node.auth("sa.viewer")
    ).json()
    bearer = {"Authorization": f"Bearer {issued['token']}"}

    def listed() -> dict[str, object]:
        tokens = node.client.get("/api/v1/tokens", headers=node.auth("sa.viewer")).json()
        return next(t for t in tokens if t["id"] == issued["id"])

    assert listed()["last_used_at"] is None
    assert node.client.get("/api/v1/me", headers=bearer).json()["username"] == "sa.viewer"
    # Written apart from the read (``storage.deferred``), once it is committed:
    assert node.client.app.state.deferred.flush()  # type: ignore[attr-defined]
    assert listed()["last_used_at"] is not None
    revoked = node.client.delete(f"/api/v1/tokens/{issued['id']}", headers=node.auth("sa.viewer"))
    assert revoked.status_code == 204
    assert node.client.get("/api/v1/me", headers=bearer).status_code == 401
