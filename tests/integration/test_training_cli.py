"""`taawun training add|take|release|graduates|cancel|list|show|ledger`, each user acting for
their state with ``--as``, on both databases: exit codes, what a script reads on stdout
(one line, JSON, CSV), and refusals that write nothing."""

from __future__ import annotations

import csv
import io
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
    "pk.analyst": ("PAK", "ISI", Role.ANALYST, Clearance.SECRET),
    "sa.liaison": ("SAU", "GIP", Role.LIAISON, Clearance.SECRET),
}


@pytest.fixture(scope="module")
def env(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    tmp = tmp_path_factory.mktemp(f"{backend}-cli-training")
    engine: Engine = new_database(backend, "cli_training", tmp)
    with Session(engine) as session:
        import_all(session)
        create_accounts(session, ACCOUNTS, password="cli-training-password", clock=SystemClock())
        session.commit()
    yield {
        "TAAWUN_HOME": str(tmp / "home"),
        "TAAWUN_DATABASE_URL": engine.url.render_as_string(hide_password=False),
    }
    engine.dispose()


def ok(env: dict[str, str], *args: str) -> str:
    run = call(env, *args)
    assert run.code == 0, run
    return run.out


def refused(env: dict[str, str], code: int, *args: str) -> Run:
    run = call(env, *args)
    assert run.code == code, run
    assert run.out == ""
    return run


@pytest.fixture(scope="module")
def agreement(env: dict[str, str]) -> str:
    """Recorded by the node operator, in force since 2025-01-01."""
    return ok(
        env,
        "agreement", "add",
        "--title", "Turkey–Pakistan training exchange (training CLI test)",
        "-p", "TUR", "-p", "PAK", "-d", "training", "--in-force", "2025-01-01",
    ).strip()  # fmt: skip


def _add(env: dict[str, str], agreement: str, *more: str) -> list[str]:
    return [
        "training", "add",
        "--subject", "Special forces instructors",
        "--agreement", agreement,
        "--start", "2026-03-01", "--end", "2026-03-14",
        *more,
    ]  # fmt: skip


def _listed(env: dict[str, str], user: str) -> dict[str, object]:
    found = orjson.loads(ok(env, "training", "list", "--as", user, "-f", "json"))
    assert isinstance(found, dict)
    return found


def test_from_recording_to_the_ledger(env: dict[str, str], agreement: str) -> None:
    pid = ok(env, *_add(env, agreement, "--seats", "PAK=5", "--as", "tr.liaison")).strip()
    assert ok(env, "training", "take", pid, "--seats", "3", "--as", "pk.liaison").split() == [
        pid, "PAK", "3/5"
    ]  # fmt: skip
    over = refused(env, 4, "training", "take", pid, "--seats", "3", "--as", "pk.liaison")
    assert "(2 left)" in over.message
    refused(env, 6, "training", "take", pid, "--seats", "1", "--as", "tr.liaison")
    refused(env, 6, "training", "take", pid, "--seats", "1", "--as", "pk.analyst")
    refused(env, 3, "training", "take", pid, "--seats", "1", "--as", "sa.liaison")
    refused(env, 3, "training", "show", pid, "--as", "sa.liaison")
    assert _listed(env, "sa.liaison")["total"] == 0
    assert ok(env, "training", "release", pid, "--seats", "1", "--as", "pk.liaison").split() == [
        pid, "PAK", "2/5"
    ]  # fmt: skip
    assert ok(env, "training", "graduates", pid, "PAK=2", "--as", "tr.liaison").split() == [
        pid, "completed", "2/2"
    ]  # fmt: skip

    shown = orjson.loads(ok(env, "training", "show", pid, "--as", "pk.liaison", "-f", "json"))
    assert (shown["host"], shown["status"], shown["seats"][0]["graduates"]) == (
        "TUR", "completed", 2
    )  # fmt: skip
    table = ok(env, "training", "show", pid, "--as", "pk.liaison")
    assert "2 of 5 taken, 2 graduated" in table

    back = ok(env, *_add(env, agreement, "--host", "PAK", "--seats", "TUR=4", "--as", "pk.liaison"))
    ok(env, "training", "take", back.strip(), "-n", "4", "--as", "tr.liaison")
    rows = list(
        csv.DictReader(
            io.StringIO(
                ok(env, "training", "ledger", "--pair", "TUR", "PAK", "--as", "pk.liaison",
                   "--from", "2026-01-01", "--to", "2026-12-31", "-f", "csv")
            )
        )
    )  # fmt: skip
    assert rows == [
        {
            "a": "TUR", "b": "PAK",
            "hosted_programmes": "1", "hosted_offered": "5", "hosted_taken": "2",
            "hosted_graduates": "2",
            "received_programmes": "1", "received_offered": "4", "received_taken": "4",
            "received_graduates": "0",
            "balance": "-2", "imbalanced": "False",
        }
    ]  # fmt: skip
    by_agreement = orjson.loads(
        ok(env, "training", "ledger", "--agreement", agreement, "--as", "tr.liaison",
           "--threshold", "0.3", "-f", "json")
    )  # fmt: skip
    assert [(r["a"], r["b"], r["balance"], r["imbalanced"]) for r in by_agreement["rows"]] == [
        ("PAK", "TUR", 2, True)
    ]
    seen_by_third = orjson.loads(
        ok(env, "training", "ledger", "--agreement", agreement, "--as", "sa.liaison", "-f", "json")
    )
    assert seen_by_third["rows"] == []
    public = ok(env, "training", "list")
    assert "answered as the public" in public and "Special forces" not in public
    listed = ok(env, "training", "list", "--as", "tr.liaison", "--status", "completed")
    assert "Special forces instructors" in listed and "PAK 2/5" in listed


@pytest.mark.parametrize(
    ("more", "words"),
    [
        (("--seats", "PAK=0"), "greater than or equal to 1"),
        (("--seats", "PAK"), "STATE=N"),
        (("--seats", "SAU=2"), "SAU is not a party"),
        (("--seats", "Atlantis=2"), "no state is named"),
        (("--seats", "PAK=2", "--end", "2026-02-01"), "before the start"),
    ],
)
def test_bad_programmes_write_nothing(
    env: dict[str, str], agreement: str, more: tuple[str, ...], words: str
) -> None:
    before = _listed(env, "tr.liaison")["total"]
    run = call(env, *_add(env, agreement, *more, "--as", "tr.liaison"))
    assert run.code in (2, 3), run
    assert run.out == "" and words in run.message
    assert _listed(env, "tr.liaison")["total"] == before


def test_the_operator_names_the_host(env: dict[str, str], agreement: str) -> None:
    run = refused(env, 2, *_add(env, agreement, "--seats", "PAK=2"))
    assert "host" in run.message
    pid = ok(env, *_add(env, agreement, "--seats", "PAK=2", "--host", "TUR")).strip()
    assert ok(env, "training", "cancel", pid).split() == [pid, "cancelled"]
    refused(env, 2, "training", "ledger")
    refused(env, 2, "training", "ledger", "--pair", "TUR")
