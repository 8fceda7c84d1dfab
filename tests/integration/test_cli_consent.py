"""`taawun agreement propose|accept|decline|withdraw|suspend|resume|leave|proposals --as USER`:
consent from the shell, each user acting for their state, on both databases."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from taawun.core.clock import SystemClock
from taawun.core.principal import Clearance, Role
from taawun.registry.importers.run import import_all

from ..accounts import create_accounts
from ..conftest import new_database
from .test_cli import Run, call

ACCOUNTS = {
    "tr.liaison": ("TUR", "MIT", Role.LIAISON, Clearance.SECRET),
    "pk.liaison": ("PAK", "ISI", Role.LIAISON, Clearance.SECRET),
    "az.liaison": ("AZE", "DTX", Role.LIAISON, Clearance.SECRET),
    "pk.analyst": ("PAK", "ISI", Role.ANALYST, Clearance.SECRET),
    "sa.liaison": ("SAU", "GIP", Role.LIAISON, Clearance.SECRET),
}


@pytest.fixture(scope="module")
def env(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    tmp = tmp_path_factory.mktemp(f"{backend}-cli-consent")
    engine: Engine = new_database(backend, "cli_consent", tmp)
    with Session(engine) as session:
        import_all(session)
        create_accounts(session, ACCOUNTS, password="cli-consent-password", clock=SystemClock())
        session.commit()
    yield {
        "TAAWUN_HOME": str(tmp / "home"),
        "TAAWUN_DATABASE_URL": engine.url.render_as_string(hide_password=False),
    }
    engine.dispose()


def ok(env: dict[str, str], *args: str) -> list[str]:
    run = call(env, *args)
    assert run.code == 0, run
    return run.out.split()


def refused(env: dict[str, str], code: int, *args: str) -> Run:
    run = call(env, *args)
    assert run.code == code, run
    assert run.out == ""
    return run


def test_propose_accept_suspend_resume_and_leave_from_the_shell(env: dict[str, str]) -> None:
    agreement, status, proposal, _, awaiting = ok(
        env,
        "agreement", "propose",
        "--title", "Turkey–Pakistan–Azerbaijan exchange (cli consent)",
        "-p", "TUR", "-p", "PAK", "-p", "AZE",
        "-d", "intelligence_sharing", "--ceiling", "CONFIDENTIAL",
        "--as", "tr.liaison",
    )  # fmt: skip
    assert status == "proposed" and awaiting == "AZE,PAK"
    waiting = orjson.loads(
        call(env, "agreement", "proposals", "--awaiting", "--as", "pk.liaison", "-f", "json").out
    )
    assert [p["id"] for p in waiting] == [proposal]
    assert (
        orjson.loads(call(env, "agreement", "proposals", "--as", "sa.liaison", "-f", "json").out)
        == []
    )
    refused(env, 6, "agreement", "accept", proposal, "--as", "pk.analyst")  # no step for analysts
    refused(env, 6, "agreement", "accept", proposal)  # the operator accepts for no state
    refused(env, 3, "agreement", "accept", proposal, "--as", "sa.liaison")  # hidden: not found
    assert ok(env, "agreement", "accept", proposal, "--as", "pk.liaison") == [
        proposal, "open", proposal, "awaiting", "AZE"
    ]  # fmt: skip
    assert ok(env, "agreement", "accept", proposal, "--as", "az.liaison") == [proposal, "accepted"]
    assert ok(env, "agreement", "suspend", agreement, "--as", "pk.liaison") == [
        agreement, "suspended"
    ]  # fmt: skip
    resumed, still, resumption, _, by = ok(
        env, "agreement", "resume", agreement, "--as", "tr.liaison"
    )
    assert (resumed, still, by) == (agreement, "suspended", "PAK")
    refused(env, 6, "agreement", "withdraw", resumption, "--as", "pk.liaison")
    assert ok(env, "agreement", "decline", resumption, "--as", "pk.liaison") == [
        resumption, "declined"
    ]  # fmt: skip
    assert ok(env, "agreement", "resume", agreement, "--as", "pk.liaison") == [
        agreement, "in_force"
    ]  # fmt: skip
    assert ok(env, "agreement", "leave", agreement, "--as", "az.liaison") == [
        agreement, "in_force"
    ]  # fmt: skip
    two = refused(env, 4, "agreement", "leave", agreement, "--as", "pk.liaison")
    assert "terminating" in two.message
    withdrawn = ok(
        env,
        "agreement", "propose",
        "--title", "Withdrawn at once (cli consent)",
        "-p", "TUR", "-p", "PAK", "-d", "training",
        "--as", "tr.liaison",
    )  # fmt: skip
    assert ok(env, "agreement", "withdraw", withdrawn[2], "--as", "tr.liaison") == [
        withdrawn[2], "withdrawn"
    ]  # fmt: skip
    imported = refused(env, 6, "agreement", "suspend", "ATOP 4965", "--as", "sa.liaison")
    assert "implementing arrangement" in imported.message
