"""The admin pages on a live node (both backends): only admins open them; an admin of the
Turkish MIT adds a user who can then sign in, disables them (their session ends at once),
resets a password, issues a token shown once and never again, revokes it, adds an agency;
another agency's user is the same 404 page as a missing one; a refused write shows the
form naming the field and leaves the database as it was; the audit log is paginated by the
database and its verification reports the chain intact, then the entry edited behind the
node's back."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from taawun.web.ui.admin import _common as admin_common
from taawun.web.ui.admin import tokens as admin_tokens
from taawun.web.ui.admin import users as admin_users
from taawun.web.ui.models import UiSession

from .conftest import PASSWORD, Node
from .test_ui_agreements import main, sign_in

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SEQ = re.compile(r"<tr>\s*<td>(\d+)</td>")
TOKEN = re.compile(r'value="(tw_[^"]+)"')
NEW_USER = "tr.newcomer"
EXPIRED_FORM = "This form has expired or is not valid. Reload the page and try again."


@pytest.fixture(scope="module")
def admin(node: Node) -> Iterator[TestClient]:
    with sign_in(node, "tr.admin") as client:
        yield client


def token_of(client: TestClient, path: str = "/admin") -> str:
    """The CSRF token of the forms of ``path`` (the session's)."""
    found = CSRF.search(client.get(path).text)
    assert found, f"no form on {path}"
    return found[1]


def post(client: TestClient, path: str, data: dict[str, str] | None = None) -> httpx.Response:
    """A form sent as the browser does, with the page's CSRF token."""
    answer: httpx.Response = client.post(
        path, data={"csrf_token": token_of(client), **(data or {})}
    )
    return answer


def api(node: Node, username: str, path: str) -> Any:
    answer = node.client.get(f"/api/v1{path}", headers=node.auth(username))
    assert answer.status_code == 200, answer.text
    return answer.json()


def usernames(node: Node) -> set[str]:
    return {u["username"] for u in api(node, "tr.admin", "/users")}


def agency_id(node: Node, name: str) -> int:
    return int(next(a["id"] for a in api(node, "tr.admin", "/agencies") if a["name"] == name))


def ui_sessions_of(node: Node, username: str) -> int:
    user_id = next(u["id"] for u in api(node, "tr.admin", "/users") if u["username"] == username)
    with Session(node.engine) as session:
        stmt = select(func.count()).select_from(UiSession).where(UiSession.user_id == user_id)
        return int(session.scalar(stmt) or 0)


def add_user(admin: TestClient, node: Node, username: str, **fields: str) -> httpx.Response:
    form = {
        "username": username,
        "agency_id": str(agency_id(node, "MIT")),
        "role": "analyst",
        "clearance": "SECRET",
        "password": PASSWORD,
        **fields,
    }
    return post(admin, "/admin/users", form)


def test_signed_out_the_admin_pages_send_to_sign_in(node: Node) -> None:
    browser = TestClient(node.client.app, follow_redirects=False)
    for path in ("/admin", "/admin/users", "/admin/audit"):
        answer = browser.get(path)
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/sign-in?next={path}"


def test_a_non_admin_gets_403_and_cannot_write(node: Node) -> None:
    liaison = sign_in(node, "tr.liaison")
    pages = ["/admin", "/admin/agencies", "/admin/users", "/admin/users/tr.liaison"]
    pages += ["/admin/tokens", "/admin/audit", "/admin/audit/verify"]
    for path in pages:
        answer = liaison.get(path)
        assert answer.status_code == 403, path
        assert "Not allowed" in answer.text and "Sign out" in answer.text
    token = token_of(liaison, "/")
    before = (usernames(node), len(api(node, "tr.admin", "/agencies")))
    form = {"csrf_token": token, "username": "tr.sneaky", "agency_id": "1", "role": "admin"}
    refused = liaison.post(
        "/admin/users", data={**form, "clearance": "SECRET", "password": "x" * 20}
    )
    assert refused.status_code == 403
    refused = liaison.post(
        "/admin/agencies", data={"csrf_token": token, "state": "TUR", "name": "Sneaky"}
    )
    assert refused.status_code == 403
    refused = liaison.post("/admin/users/tr.admin/disable", data={"csrf_token": token})
    assert refused.status_code == 403
    assert (usernames(node), len(api(node, "tr.admin", "/agencies"))) == before
    assert "/admin" not in liaison.get("/").text  # no link to the admin pages either


def test_the_overview_and_the_dashboard_count_for_an_admin(admin: TestClient) -> None:
    overview = admin.get("/admin")
    assert overview.status_code == 200
    assert "<h1>Administration</h1>" in overview.text
    for href in ("/admin/agencies", "/admin/users", "/admin/tokens", "/admin/audit"):
        assert f'href="{href}"' in overview.text
    dashboard = admin.get("/")
    assert 'id="admin-heading"' in dashboard.text and "users you administer" in dashboard.text


def test_an_admin_adds_a_user_who_can_then_sign_in(node: Node, admin: TestClient) -> None:
    added = add_user(admin, node, NEW_USER)
    assert added.status_code == 303, added.text
    assert added.headers["location"] == f"/admin/users/{NEW_USER}?done=created"
    shown = admin.get(added.headers["location"])
    assert shown.status_code == 200 and f"<h1>{NEW_USER}</h1>" in shown.text
    assert "Analyst" in shown.text and "Secret" in shown.text and "MIT" in shown.text
    assert PASSWORD not in shown.text
    listed = admin.get("/admin/users").text
    assert f'href="/admin/users/{NEW_USER}"' in listed and PASSWORD not in listed
    assert NEW_USER in usernames(node)
    newcomer = sign_in(node, NEW_USER)
    assert newcomer.get("/").status_code == 200


@pytest.mark.parametrize(
    ("fields", "status", "field"),
    [
        ({"username": "tr.admin"}, 409, "user-username"),  # taken
        ({"username": "X"}, 422, "user-username"),  # not a username
        ({"password": "short"}, 422, "user-password"),
        ({"role": "emperor"}, 422, "user-role"),
    ],
)
def test_a_refused_user_shows_the_form_naming_the_field(
    node: Node, admin: TestClient, fields: dict[str, str], status: int, field: str
) -> None:
    before = usernames(node)
    given = dict(fields)
    refused = add_user(admin, node, given.pop("username", "tr.refused"), **given)
    assert refused.status_code == status, refused.text
    assert 'role="alert"' in refused.text
    marked = re.search(rf'<(input|select) id="{field}"[^>]*>', refused.text)
    assert marked and 'aria-invalid="true"' in marked[0], field
    password = re.search(r'<input id="user-password"[^>]*>', refused.text)
    assert password and "value=" not in password[0]  # a password is never put back
    assert PASSWORD not in refused.text
    assert usernames(node) == before


def test_another_agencys_user_is_the_missing_users_404(node: Node, admin: TestClient) -> None:
    hidden = admin.get("/admin/users/pk.liaison")
    missing = admin.get("/admin/users/pk.nobody")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.text.replace("pk.liaison", "NAME") == missing.text.replace("pk.nobody", "NAME")
    assert "pk.liaison" not in admin.get("/admin/users").text
    assert post(admin, "/admin/users/pk.liaison/disable").status_code == 404
    assert (
        post(admin, "/admin/users/pk.liaison/password", {"password": "y" * 20}).status_code == 404
    )
    assert api(node, "pk.liaison", "/me")["username"] == "pk.liaison"  # still active, same key
    # nor may an admin add a user to another agency (the service's rule: 403, nothing added)
    before = usernames(node)
    refused = add_user(admin, node, "pk.planted", agency_id=str(agency_id(node, "ISI")))
    assert refused.status_code == 403 and 'role="alert"' in refused.text
    assert usernames(node) == before


def test_disabling_a_user_ends_their_session_at_once(node: Node, admin: TestClient) -> None:
    assert add_user(admin, node, "tr.leaving").status_code == 303
    leaving = sign_in(node, "tr.leaving")
    assert leaving.get("/").status_code == 200
    assert ui_sessions_of(node, "tr.leaving") == 1
    disabled = post(admin, "/admin/users/tr.leaving/disable")
    assert disabled.status_code == 303
    assert "is disabled" in admin.get(disabled.headers["location"]).text
    signed_out = leaving.get("/")
    assert signed_out.status_code == 303 and signed_out.headers["location"].startswith("/sign-in")
    assert ui_sessions_of(node, "tr.leaving") == 0  # the rows are gone, not only refused
    again = post(admin, "/admin/users/tr.leaving/disable")  # already disabled: 409, shown
    assert again.status_code == 409 and "already disabled" in again.text
    assert post(admin, "/admin/users/tr.leaving/enable").status_code == 303
    assert sign_in(node, "tr.leaving").get("/").status_code == 200


def test_a_disable_or_reset_through_the_api_ends_browser_sessions_too(
    node: Node, admin: TestClient
) -> None:
    """The sessions end however the user is disabled or reset (``access.hooks``): before,
    a disable through the REST API left them, and enabling the user again within their
    idle time brought them back to life."""
    assert add_user(admin, node, "tr.roaming").status_code == 303
    roaming = sign_in(node, "tr.roaming")
    assert roaming.get("/").status_code == 200
    rest = node.auth("tr.admin")
    assert node.client.post("/api/v1/users/tr.roaming/disable", headers=rest).status_code == 200
    assert ui_sessions_of(node, "tr.roaming") == 0
    assert node.client.post("/api/v1/users/tr.roaming/enable", headers=rest).status_code == 200
    assert roaming.get("/").status_code == 303  # the old session stays ended
    again = sign_in(node, "tr.roaming")
    assert again.get("/").status_code == 200
    reset = node.client.post(
        "/api/v1/users/tr.roaming/password", json={"password": PASSWORD}, headers=rest
    )
    assert reset.status_code == 204, reset.text
    assert again.get("/").status_code == 303 and ui_sessions_of(node, "tr.roaming") == 0


def test_an_admin_cannot_disable_themselves(node: Node, admin: TestClient) -> None:
    refused = post(admin, "/admin/users/tr.admin/disable")
    assert refused.status_code == 409 and "cannot disable themselves" in refused.text
    assert admin.get("/admin").status_code == 200


def test_reset_password(node: Node, admin: TestClient) -> None:
    assert add_user(admin, node, "tr.forgetful").status_code == 303
    forgetful = sign_in(node, "tr.forgetful")
    new_password = "a-new-password-for-tr"
    short = post(admin, "/admin/users/tr.forgetful/password", {"password": "short"})
    assert short.status_code == 422 and 'id="new-password"' in short.text
    assert 'aria-invalid="true"' in re.search(r'<input id="new-password"[^>]*>', short.text)[0]  # type: ignore[index]
    assert forgetful.get("/").status_code == 200  # refused: nothing changed, still signed in
    reset = post(admin, "/admin/users/tr.forgetful/password", {"password": new_password})
    assert reset.status_code == 303
    assert forgetful.get("/").status_code == 303  # the session ended with the reset
    browser = TestClient(node.client.app, follow_redirects=False)
    browser.get("/sign-in")
    csrf = browser.cookies.get("taawun_csrf")
    assert csrf
    old = browser.post(
        "/sign-in", data={"username": "tr.forgetful", "password": PASSWORD, "csrf_token": csrf}
    )
    assert old.status_code == 401
    new = browser.post(
        "/sign-in", data={"username": "tr.forgetful", "password": new_password, "csrf_token": csrf}
    )
    assert new.status_code == 303


def test_users_and_tokens_are_paged_by_the_database(
    node: Node, admin: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages of two (``PAGE_SIZE`` lowered): each page holds the next users by name (tokens
    oldest first), the pages together hold what the REST API lists, and the count is the
    same rule's."""
    for module in (admin_users, admin_tokens, admin_common):
        monkeypatch.setattr(module, "PAGE_SIZE", 2)
    for n in range(3):
        assert add_user(admin, node, f"tr.paged{n}").status_code == 303
        made = post(admin, "/admin/tokens", {"username": "tr.liaison", "name": f"paged {n}"})
        assert made.status_code == 201, made.text
    for path, listed, pattern in (
        ("/admin/users", [u["username"] for u in api(node, "tr.admin", "/users")],
         r'href="/admin/users/([a-z0-9._-]+)"'),
        ("/admin/tokens", [str(t["id"]) for t in api(node, "tr.admin", "/tokens")],
         r'<td>(\d+)</td>\s*<td><a href="/admin/users/'),
    ):  # fmt: skip
        assert len(listed) > 4, path
        shown: list[str] = []
        for number in range(1, len(listed) // 2 + 2):
            page = admin.get(path, params={"page": number})
            assert page.status_code == 200, path
            found = re.findall(pattern, main(page.text))
            assert len(found) == min(2, len(listed) - len(shown)), (path, number, found)
            shown += found
            if len(shown) < len(listed):
                assert f"of {len(listed)}" in page.text, path
        assert shown == listed, path


def test_a_token_is_shown_once_and_never_in_the_list(node: Node, admin: TestClient) -> None:
    issued = post(
        admin,
        "/admin/tokens",
        {"username": "tr.liaison", "name": "feed of the CERT", "expires_in_days": "30"},
    )
    assert issued.status_code == 201, issued.text
    assert "Copy it now" in issued.text
    found = TOKEN.search(issued.text)
    assert found
    secret = found[1]
    me = node.client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200 and me.json()["username"] == "tr.liaison"
    for path in ("/admin/tokens", "/admin/tokens?username=tr.liaison", "/admin/users/tr.liaison"):
        listed = admin.get(path)
        assert listed.status_code == 200 and "feed of the CERT" in listed.text, path
        assert secret not in listed.text and secret[8:20] not in listed.text, path
        assert f"<code>{secret[:8]}…</code>" in listed.text  # only its first characters
    token_id = next(
        t["id"] for t in api(node, "tr.admin", "/tokens") if t["name"] == "feed of the CERT"
    )
    revoked = post(admin, f"/admin/tokens/{token_id}/revoke", {"back": "user"})
    assert revoked.status_code == 303 and revoked.headers["location"] == "/admin/users/tr.liaison"
    gone = node.client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert gone.status_code == 401
    again = post(admin, f"/admin/tokens/{token_id}/revoke")
    assert again.status_code == 409 and "already revoked" in again.text


def test_tokens_of_another_agency_are_not_the_admins(node: Node, admin: TestClient) -> None:
    theirs = api(node, "pk.liaison", "/tokens")[0]["id"]
    assert post(admin, f"/admin/tokens/{theirs}/revoke").status_code == 404
    assert post(admin, "/admin/tokens/999999999/revoke").status_code == 404
    assert api(node, "pk.liaison", "/me")["username"] == "pk.liaison"  # its token still works
    refused = post(admin, "/admin/tokens", {"username": "pk.liaison", "name": "planted"})
    assert refused.status_code == 404 and 'role="alert"' in refused.text
    assert all(t["name"] != "planted" for t in api(node, "pk.liaison", "/tokens"))
    assert "pk.liaison" not in admin.get("/admin/tokens").text


def test_agencies_add_and_the_removal_refused_with_its_reason(
    node: Node, admin: TestClient
) -> None:
    added = post(admin, "/admin/agencies", {"state": "PAK", "name": "Test Bureau", "kind": "cert"})
    assert added.status_code == 303
    listed = admin.get("/admin/agencies").text
    assert "Test Bureau" in listed and "Pakistan" in listed and "CERT" in listed
    count = len(api(node, "tr.admin", "/agencies"))
    taken = post(admin, "/admin/agencies", {"state": "PAK", "name": "Test Bureau"})
    assert taken.status_code == 409
    assert 'aria-invalid="true"' in re.search(r'<input id="agency-name"[^>]*>', taken.text)[0]  # type: ignore[index]
    unknown = post(admin, "/admin/agencies", {"state": "Atlantis", "name": "Lost Bureau"})
    assert unknown.status_code == 404
    assert 'aria-invalid="true"' in re.search(r'<input id="agency-state"[^>]*>', unknown.text)[0]  # type: ignore[index]
    assert len(api(node, "tr.admin", "/agencies")) == count
    # An admin removes only their own agency, which has users: refused with the reason.
    mit = agency_id(node, "MIT")
    own = post(admin, f"/admin/agencies/{mit}/remove")
    assert own.status_code == 409 and "disable its" in own.text
    bureau = agency_id(node, "Test Bureau")
    other = post(admin, f"/admin/agencies/{bureau}/remove")
    assert other.status_code == 403 and "may remove no agency but their own" in other.text
    assert post(admin, "/admin/agencies/999999999/remove").status_code == 404
    assert len(api(node, "tr.admin", "/agencies")) == count


def test_a_form_without_its_csrf_token_is_refused(node: Node, admin: TestClient) -> None:
    before = usernames(node)
    form = {"username": "tr.forged", "agency_id": str(agency_id(node, "MIT"))}
    form |= {"role": "admin", "clearance": "SECRET", "password": PASSWORD}
    for token in (None, "not-the-token"):
        data = form if token is None else {**form, "csrf_token": token}
        refused = admin.post("/admin/users", data=data)
        assert refused.status_code == 403 and EXPIRED_FORM in refused.text
    assert usernames(node) == before


def seqs(html: str) -> list[int]:
    return [int(s) for s in SEQ.findall(html)]


def test_the_audit_log_is_paginated_and_filtered(node: Node, admin: TestClient) -> None:
    for n in range(60):  # enough entries about MIT for more than two pages
        post(admin, "/admin/tokens", {"username": "tr.admin", "name": f"bulk {n}"})
    newest = api(node, "tr.admin", "/audit?limit=101")
    first = admin.get("/admin/audit")
    assert first.status_code == 200
    assert seqs(first.text) == [e["seq"] for e in newest[:50]]
    found = re.search(r'href="(/admin/audit\?before=(\d+)&amp;page=2)" rel="next"', first.text)
    assert found and int(found[2]) == newest[49]["seq"], "the next page starts before the last"
    second = admin.get(found[1].replace("&amp;", "&"))
    assert seqs(second.text) == [e["seq"] for e in newest[50:100]]
    assert seqs(second.text) == [
        e["seq"] for e in api(node, "tr.admin", f"/audit?limit=50&before={found[2]}")
    ]
    filtered = admin.get("/admin/audit?action=access.user")
    expected = api(node, "tr.admin", "/audit?limit=50&action=access.user")
    assert seqs(filtered.text) == [e["seq"] for e in expected] != []
    by_actor = admin.get("/admin/audit?actor=tr.admin")
    by_api = api(node, "tr.admin", "/audit?limit=50&actor=tr.admin")
    assert seqs(by_actor.text) == [e["seq"] for e in by_api] != []
    assert {e["actor"] for e in by_api} == {"tr.admin"}
    assert set(seqs(admin.get("/admin/audit?actor=nobody.at.all").text)) == set()
    today = date.today()
    assert seqs(admin.get(f"/admin/audit?since={today}").text) == seqs(first.text)
    yesterday = today - timedelta(days=1)
    assert seqs(admin.get(f"/admin/audit?until={yesterday}").text) == []
    refused = admin.get(f"/admin/audit?since={today}&until={yesterday}")
    assert refused.status_code == 400
    assert re.search(r'id="filter-until"[^>]*aria-invalid="true"', refused.text)
    part = admin.get("/admin/audit?action=access.token", headers={"HX-Request": "true"})
    assert part.text.lstrip().startswith('<section id="audit-results"')
    assert "<html" not in part.text
    assert part.headers["hx-push-url"] == "/admin/audit?action=access.token"
    assert "pk.liaison" not in first.text + second.text  # another agency's record


def test_verify_reports_intact_then_where_it_breaks(node: Node, admin: TestClient) -> None:
    intact = admin.get("/admin/audit/verify")
    assert intact.status_code == 200
    assert "Intact:" in intact.text and "Broken:" not in intact.text
    seq = api(node, "tr.admin", "/audit?limit=5&action=access.user.create")[0]["seq"]
    with node.engine.begin() as connection:
        note = connection.execute(
            text("SELECT note FROM audit_entry WHERE seq = :s"), {"s": seq}
        ).scalar()
        connection.execute(
            text("UPDATE audit_entry SET note = 'edited behind the node' WHERE seq = :s"),
            {"s": seq},
        )
    try:
        broken = admin.get("/admin/audit/verify")
        assert broken.status_code == 200
        assert "Broken:" in broken.text and "Intact:" not in broken.text
        assert re.search(
            rf"<td>{seq}</td>\s*<td>content edited after it was written</td>", broken.text
        )
    finally:
        with node.engine.begin() as connection:
            connection.execute(
                text("UPDATE audit_entry SET note = :n WHERE seq = :s"), {"n": note, "s": seq}
            )
    assert "Intact:" in admin.get("/admin/audit/verify").text


def test_the_admin_pages_in_arabic(admin: TestClient) -> None:
    admin.cookies.set("taawun_lang", "ar")
    try:
        answers = [admin.get(p) for p in ("/admin", "/admin/users", "/admin/audit")]
    finally:
        admin.cookies.delete("taawun_lang")
    for answer in answers:
        assert answer.status_code == 200
        assert '<html lang="ar" dir="rtl">' in answer.text


def test_the_audit_api_refuses_an_until_before_since(node: Node) -> None:
    before = len(api(node, "tr.admin", "/audit?limit=1000"))
    refused = node.client.get(
        "/api/v1/audit",
        params={"since": "2026-12-06T00:00:00Z", "until": "2026-12-05T00:00:00Z"},
        headers=node.auth("tr.admin"),
    )
    assert refused.status_code == 422 and refused.json()["field"] == "until"
    assert len(api(node, "tr.admin", "/audit?limit=1000")) == before  # a read: nothing written
    page = api(node, "tr.admin", "/audit?limit=3")
    older = api(node, "tr.admin", f"/audit?limit=3&before={page[-1]['seq']}")
    assert older and all(e["seq"] < page[-1]["seq"] for e in older)
