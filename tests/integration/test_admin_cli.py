"""Administration from the shell (issue 9): ``taawun user tokens|token|disable|enable|password``
and ``taawun agency remove``, on a real node (SQLite and PostgreSQL).

The CLI acts as the node operator, who administers every agency: who else may do what is
tested on the service (``tests/unit/access/test_admin.py``) and over REST
(``test_admin_api.py``). Here: what each command prints, what it refuses with which exit
code, that a refusal writes nothing, and that listings name what they number.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from taawun.access import service
from taawun.access.models import User
from taawun.cli import admin
from taawun.core.clock import SystemClock
from taawun.core.errors import Unauthenticated
from taawun.registry.models import State
from taawun.web.ui import sessions
from taawun.web.ui.models import UiSession

from ..conftest import new_database
from .test_cli import CliNode, Run, taawun

PASSWORD = "admin-cli-password-1"
NEW_PASSWORD = "admin-cli-password-2"
USERS = {"tr.one": "MIT", "tr.two": "MIT", "tr.three": "MIT", "tr.four": "MIT", "pk.one": "ISI"}
WRITTEN = ("agency", "user_account", "api_token", "audit_entry")


@pytest.fixture(scope="module")
def node(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CliNode]:
    """A migrated node holding two states (none of the datasets), and through the CLI an
    agency of each with the users above."""
    tmp = tmp_path_factory.mktemp(f"{backend}-admin-cli")
    engine = new_database(backend, "admin_cli", tmp)
    with Session(engine) as session:
        for cow, iso3, name in ((640, "TUR", "Turkey"), (770, "PAK", "Pakistan")):
            session.add(State(cow_code=cow, cow_abbr=iso3, name=name, iso3=iso3, source="test"))
        session.commit()
    env = {
        "TAAWUN_HOME": str(tmp / "home"),
        "TAAWUN_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "COLUMNS": "200",
    }
    done = Run(0, "", "")
    cli = CliNode(engine=engine, env=env, init=done, first_import=done)
    cli.invoke("agency", "add", "--state", "TUR", "--name", "MIT")
    cli.invoke("agency", "add", "--state", "PAK", "--name", "ISI")
    for username, agency in USERS.items():
        cli.invoke(
            "user", "add", username, "--agency", agency, "--role", "analyst",
            "--clearance", "SECRET", "--password-stdin", stdin=PASSWORD + "\n",
        )  # fmt: skip
    yield cli
    engine.dispose()


def _signs_in(node: CliNode, username: str, password: str) -> bool:
    with Session(node.engine) as session:
        try:
            service.authenticate_password(
                session, username=username, password=password, clock=SystemClock()
            )
        except Unauthenticated:
            return False
        return True


def _token_works(node: CliNode, token: str) -> bool:
    """Whether ``token`` authenticates; its use is committed (``last_used_at``)."""
    with Session(node.engine) as session:
        try:
            service.authenticate_token(session, token=token, clock=SystemClock())
        except Unauthenticated:
            return False
        session.commit()
        return True


def _refused(node: CliNode, code: int, *args: str, stdin: str | None = None) -> str:
    """Run a command as ``taawun`` would (its exit-code mapping included) that must fail
    with ``code``, print nothing on stdout and write nothing; its stderr, unwrapped."""
    before = node.counts(WRITTEN)
    run = node.call(*args, stdin=stdin)
    assert (run.code, run.out) == (code, ""), run
    assert node.counts(WRITTEN) == before
    return run.message


def _tokens(node: CliNode, *args: str) -> list[dict[str, Any]]:
    return list(node.json("user", "tokens", *args))


def _audit_rows(node: CliNode, action: str) -> list[dict[str, str]]:
    out = node.invoke("audit", "list", "--limit", "1000", "--action", action, "-f", "csv").out
    return list(csv.DictReader(io.StringIO(out)))


# --- 1. tokens with their last use -------------------------------------------------------


def test_user_tokens_names_user_and_agency_with_the_last_use_never_the_token(
    node: CliNode,
) -> None:
    token = node.invoke("user", "token", "tr.one", "--name", "ci").out.strip()
    node.invoke("user", "token", "pk.one", "--name", "elsewhere")
    assert _token_works(node, token)
    (listed,) = [t for t in _tokens(node) if t["name"] == "ci"]
    assert (listed["user"], listed["prefix"]) == ("tr.one", token[:8])
    assert listed["last_used_at"] is not None
    assert {t["user"] for t in _tokens(node)} >= {"tr.one", "pk.one"}  # the operator: all
    rows = node.csv("user", "tokens", "tr.one")
    assert {r["user"] for r in rows} == {"tr.one"}
    (row,) = [r for r in rows if r["name"] == "ci"]
    assert (row["agency"], row["status"]) == ("MIT, TUR", "valid")
    table = node.invoke("user", "tokens").out
    assert "MIT, TUR" in table and "ISI, PAK" in table
    for shown in (table, node.invoke("user", "tokens", "-f", "json").out):
        assert token not in shown and token[8:] not in shown
    assert "user: no user 'nobody'" in _refused(node, 3, "user", "tokens", "nobody")


# --- 2. expiry ---------------------------------------------------------------------------


def _lifetime(node: CliNode, token: str) -> timedelta:
    (found,) = [t for t in _tokens(node, "tr.four") if t["prefix"] == token[:8]]
    return datetime.fromisoformat(found["expires_at"]) - datetime.fromisoformat(found["created_at"])


def test_user_token_expires_in_90_days_unless_told(node: CliNode) -> None:
    default = node.invoke("user", "token", "tr.four").out.strip()
    assert _lifetime(node, default) == timedelta(days=90)
    month = node.invoke("user", "token", "tr.four", "--expires-in-days", "30").out.strip()
    assert _lifetime(node, month) == timedelta(days=30)
    at = (datetime.now(UTC) + timedelta(days=7)).replace(microsecond=0)
    dated = node.invoke("user", "token", "tr.four", "--expires-at", at.isoformat()).out.strip()
    (found,) = [t for t in _tokens(node, "tr.four") if t["prefix"] == dated[:8]]
    assert datetime.fromisoformat(found["expires_at"]) == at


@pytest.mark.parametrize(
    ("option", "said"),
    [
        (["--expires-in-days", "367"], "expires_in_days: 1 to 366 days"),
        (["--expires-in-days", "0"], "expires_in_days: 1 to 366 days"),
        (["--expires-at", "2020-01-01T00:00:00Z"], "expires_at: must be in the future"),
        (["--expires-at", "2999-01-01T00:00:00Z"], "expires_at: at most 366 days ahead"),
        (["--expires-at", "2030-01-01T00:00:00"], "expires_at: give a time zone"),
        (["--expires-at", "next week"], "expires_at: 'next week' is not an ISO 8601 time"),
    ],
)
def test_user_token_refuses_an_expiry_out_of_bounds(
    node: CliNode, option: list[str], said: str
) -> None:
    assert said in _refused(node, 2, "user", "token", "tr.four", *option)


# --- 3. disable and enable ---------------------------------------------------------------


def test_disable_stops_password_and_token_and_enable_restores_them(node: CliNode) -> None:
    token = node.invoke("user", "token", "tr.two").out.strip()
    assert _signs_in(node, "tr.two", PASSWORD) and _token_works(node, token)
    assert node.invoke("user", "disable", "tr.two").out == "tr.two\n"
    assert not _signs_in(node, "tr.two", PASSWORD)
    assert not _token_works(node, token)
    users = {u["username"]: u for u in node.json("user", "list")}
    assert users["tr.two"]["active"] is False
    assert "already disabled" in _refused(node, 4, "user", "disable", "tr.two")
    (entry,) = _audit_rows(node, "access.user.disable")
    assert (entry["target_type"], entry["target"]) == ("user", "tr.two")  # named, not only an id
    assert node.invoke("user", "enable", "tr.two").out == "tr.two\n"
    assert _signs_in(node, "tr.two", PASSWORD) and _token_works(node, token)
    assert "user: no user 'nobody'" in _refused(node, 3, "user", "disable", "nobody")


def _browser_sessions(node: CliNode, username: str, *, start: bool = False) -> int:
    """How many web UI sessions the user has (after starting one, with ``start``)."""
    with Session(node.engine) as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        if start:
            sessions.start(session, user_id=user.id, clock=SystemClock())
            session.commit()
        return len(session.scalars(select(UiSession).where(UiSession.user_id == user.id)).all())


def test_a_disable_or_reset_from_the_shell_ends_browser_sessions(node: CliNode) -> None:
    """The CLI's commands, in a process of their own as from a shell, end the user's web UI
    sessions as the UI's and the API's do (``access/hooks.py``): enabling them again does
    not bring a session back."""
    assert _browser_sessions(node, "tr.four", start=True) == 1
    assert node.run("user", "disable", "tr.four").out == "tr.four\n"
    assert _browser_sessions(node, "tr.four") == 0
    assert node.run("user", "enable", "tr.four").out == "tr.four\n"
    assert _browser_sessions(node, "tr.four", start=True) == 1
    reset = node.run("user", "password", "tr.four", "--password-stdin", stdin=PASSWORD + "\n")
    assert reset.code == 0, reset.err
    assert _browser_sessions(node, "tr.four") == 0


# --- 4. password -------------------------------------------------------------------------


def test_password_from_stdin_keeps_the_tokens(node: CliNode) -> None:
    token = node.invoke("user", "token", "tr.three").out.strip()
    changed = node.invoke(
        "user", "password", "tr.three", "--password-stdin", stdin=NEW_PASSWORD + "\n"
    )
    assert changed.out == "tr.three\n"
    assert _signs_in(node, "tr.three", NEW_PASSWORD)
    assert not _signs_in(node, "tr.three", PASSWORD)
    assert _token_works(node, token)


def test_a_generated_password_is_printed_once_and_revokes_the_tokens(node: CliNode) -> None:
    token = node.invoke("user", "token", "tr.three").out.strip()
    run = taawun(node.env, "user", "password", "tr.three", "--generate", "--revoke-tokens")
    assert run.code == 0, run.err
    assert re.fullmatch(r"[A-Za-z0-9_-]{24}\n", run.out), run.out  # the password, and only it
    assert _signs_in(node, "tr.three", run.out.strip())
    assert not _token_works(node, token)
    assert {t["status"] for t in node.csv("user", "tokens", "tr.three")} == {"revoked"}
    entry = _audit_rows(node, "access.user.set_password")[0]
    assert entry["target"] == "tr.three" and run.out.strip() not in node.invoke("audit", "list").out


def test_a_password_is_asked_for_without_echo_at_a_terminal(
    node: CliNode, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(admin, "_at_a_terminal", lambda: True)
    secret = "typed-at-the-terminal-1"
    run = node.invoke("user", "password", "tr.three", stdin=f"{secret}\n{secret}\n")
    assert run.out.splitlines()[-1] == "tr.three"  # (the test runner echoes a blank per prompt)
    assert secret not in run.out + run.err and "New password for tr.three" in run.err
    assert _signs_in(node, "tr.three", secret)


@pytest.mark.parametrize(
    ("args", "stdin", "said"),
    [
        ([], None, "pass --password-stdin"),  # no terminal to ask at
        (["--password-stdin"], "too short\n", "password: at least 12 characters"),
        (["--password-stdin", "--generate"], None, "not both"),
    ],
)
def test_password_refusals_write_nothing(
    node: CliNode, args: list[str], stdin: str | None, said: str
) -> None:
    assert said in _refused(node, 2, "user", "password", "tr.one", *args, stdin=stdin)


# --- 5. agency remove --------------------------------------------------------------------


def test_agency_remove_takes_an_agency_nobody_is_in(node: CliNode) -> None:
    spare = node.invoke("agency", "add", "--state", "PAK", "--name", "Spare").out.strip()
    assert node.invoke("agency", "remove", "Spare").out == f"{spare}\n"
    assert int(spare) not in {a["id"] for a in node.json("agency", "list")}
    (entry,) = _audit_rows(node, "access.agency.remove")
    assert entry["target_id"] == spare


def test_agency_remove_refuses_an_agency_with_users_or_none(node: CliNode) -> None:
    said = _refused(node, 4, "agency", "remove", "MIT")
    assert "agency: 'MIT' has 4 users" in said and "disable its users instead" in said
    assert "agency: no agency with id 999999" in _refused(node, 3, "agency", "remove", "999999")
    assert "no agency named 'Atlantis'" in _refused(node, 3, "agency", "remove", "Atlantis")


# --- 6. listings name what they number ---------------------------------------------------


def test_audit_list_names_users_agencies_and_tokens(node: CliNode) -> None:
    node.invoke("user", "token", "pk.one", "--name", "named")
    created = {r["target"] for r in _audit_rows(node, "access.agency.create")}
    assert {"MIT, TUR", "ISI, PAK"} <= created
    assert set(USERS) <= {r["target"] for r in _audit_rows(node, "access.user.create")}
    issued = _audit_rows(node, "access.token.issue")[0]
    assert issued["target"] == "named (pk.one)"
    with node.engine.connect() as conn:  # the id it names is the token's
        name = conn.execute(
            text("SELECT name FROM api_token WHERE id = :id"), {"id": int(issued["target_id"])}
        ).scalar_one()
    assert name == "named"
