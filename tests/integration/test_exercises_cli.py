"""`taawun exercises list|show|partners|add|update|cancel` from the shell, on a node holding
the real registry and the MME record, on both databases."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import orjson
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from taawun.cooperation.importers import mme
from taawun.core.clock import SystemClock
from taawun.core.principal import Clearance, Role
from taawun.registry.importers.report import ImportReport
from taawun.registry.importers.run import default_data_dir, import_all, import_sources

from ..accounts import create_accounts
from ..conftest import new_database
from .test_cli import Run, call

ACCOUNTS = {
    "tr.liaison": ("TUR", "MIT", Role.LIAISON, Clearance.SECRET),
    "pk.liaison": ("PAK", "ISI", Role.LIAISON, Clearance.SECRET),
    "sa.liaison": ("SAU", "GIP", Role.LIAISON, Clearance.SECRET),
}


@pytest.fixture(scope="module")
def env(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    tmp = tmp_path_factory.mktemp(f"{backend}-cli-exercises")
    engine: Engine = new_database(backend, "cli_exercises", tmp)
    clock = SystemClock()
    with Session(engine) as session:
        import_all(session)
        sources, notes = mme.plan(session, default_data_dir(), clock)
        import_sources(session, sources, ImportReport(notes=notes), clock=clock)
        create_accounts(session, ACCOUNTS, password="cli-exercises-password", clock=clock)
        session.commit()
    yield {
        "TAAWUN_HOME": str(tmp / "home"),
        "TAAWUN_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "COLUMNS": "200",
    }
    engine.dispose()


def ok(env: dict[str, str], *args: str) -> str:
    run = call(env, "exercises", *args)
    assert run.code == 0, run
    return run.out


def refused(env: dict[str, str], code: int, *args: str) -> Run:
    run = call(env, "exercises", *args)
    assert run.code == code, run
    assert run.out == ""
    return run


def test_the_record_from_the_shell(env: dict[str, str]) -> None:
    page = orjson.loads(ok(env, "list", "--state", "Malaysia", "--limit", "5", "-f", "json"))
    assert page["total"] == 230 and len(page["items"]) == 5  # PROVENANCE §6
    rows = list(csv.DictReader(io.StringIO(ok(env, "list", "-s", "QAT", "-p", "USA", "-f", "csv"))))
    assert rows and all("QAT" in r["states"].split(";") for r in rows)
    table = ok(env, "list", "--series", "Cobra Gold", "--from", "1982", "--to", "1982")
    assert "Cobra Gold 82" in table and "(1-1 of 1)" in table
    shown = ok(env, "show", "mme88")
    assert (
        "Saudi Arabian skies" in shown and "not assessed" in shown and "from the location" in shown
    )
    ambiguous = refused(env, 2, "show", "mme3460")
    assert "mme3460-1" in ambiguous.message and "mme3460-2" in ambiguous.message
    partners = list(csv.DictReader(io.StringIO(ok(env, "partners", "PAK", "-f", "csv"))))
    assert partners[0]["state"] == "USA" and int(partners[0]["exercises"]) > 0
    refused(env, 2, "list", "--domain", "space")


def test_a_live_exercise_from_the_shell(env: dict[str, str]) -> None:
    out = ok(
        env,
        "add", "--name", "Indus Shield 2026", "--start", "2026-09", "--host", "PAK", "-s", "TUR",
        "--observer", "AZE", "-d", "land", "-d", "humanitarian", "--as", "pk.liaison",
    )  # fmt: skip
    ref, coverage = out.split()
    assert coverage == "outside"
    shown = orjson.loads(ok(env, "show", ref, "-f", "json", "--as", "tr.liaison"))
    assert [(p["state"], p["role"]) for p in shown["participants"]] == [
        ("PAK", "host"),
        ("TUR", "participant"),
        ("AZE", "observer"),
    ]
    assert shown["start"] == "2026-09" and shown["domains"] == ["humanitarian", "land"]
    refused(env, 3, "show", ref, "--as", "sa.liaison")
    refused(env, 3, "show", ref)  # the public sees the record only
    live = orjson.loads(
        ok(env, "list", "--source", "live", "--flagged", "-f", "json", "--as", "tr.liaison")
    )
    assert [e["id"] for e in live["items"]] == [int(ref)]
    assert (
        orjson.loads(ok(env, "list", "--source", "live", "-f", "json", "--as", "sa.liaison"))[
            "total"
        ]
        == 0
    )
    refused(env, 3, "update", ref, "--name", "Taken over", "--as", "sa.liaison")
    assert ok(env, "update", ref, "--start", "2026-09-14", "--as", "tr.liaison").split() == [
        ref, "outside"
    ]  # fmt: skip
    assert ok(env, "cancel", ref, "--reason", "floods", "--as", "pk.liaison").split() == [
        ref, "cancelled"
    ]  # fmt: skip
    refused(env, 4, "cancel", ref, "--as", "pk.liaison")


def test_bad_input_from_the_shell_names_the_field(env: dict[str, str]) -> None:
    base = ("add", "--name", "Bad input", "--host", "TUR", "-s", "PAK", "--as", "tr.liaison")
    domain = refused(env, 2, *base, "--start", "2026-01", "-d", "space")
    assert "domains" in domain.message and "space" in domain.message
    order = refused(env, 2, *base, "--start", "2026-01-10", "--end", "2026-01-09")
    assert "end: 2026-01-09 is before the start 2026-01-10" in order.message
    unknown = refused(env, 3, *base, "--start", "2026", "-s", "Atlantis")
    assert "participants" in unknown.message and "Atlantis" in unknown.message
    live = orjson.loads(ok(env, "list", "--source", "live", "-f", "json", "--as", "tr.liaison"))
    assert all(e["name"] != "Bad input" for e in live["items"])
