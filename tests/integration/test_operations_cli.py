"""`taawun ops`: combined operations from the shell, each user acting for their state, and
the Geo-PKO record's questions, with their exit codes and output formats, on both
databases."""

from __future__ import annotations

import csv
import io

import orjson
import pytest

from .test_cli import Run, call
from .test_operations_api import ops_node


@pytest.fixture(scope="module")
def env(backend: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    node = ops_node(backend, tmp_path_factory)
    return {
        "TAAWUN_HOME": str(tmp_path_factory.mktemp(f"{backend}-ops-cli-home")),
        "TAAWUN_DATABASE_URL": node.engine.url.render_as_string(hide_password=False),
        "AGREEMENT": str(node.agreement),
        "COLUMNS": "200",
    }


def ok(env: dict[str, str], *args: str) -> str:
    run = call(env, *args)
    assert run.code == 0, run
    return run.out


def refused(env: dict[str, str], code: int, *args: str) -> Run:
    run = call(env, *args)
    assert run.code == code, run
    assert run.out == ""
    return run


def test_propose_join_activate_conclude_from_the_shell(env: dict[str, str]) -> None:
    propose = (
        "ops", "propose", "--name", "Operation Silk Road (cli test)",
        "--agreement", env["AGREEMENT"], "--threat", "Lazarus Group",
        "--starts", "2027-01-01", "--ends", "2027-03-31",
    )  # fmt: skip
    refused(env, 6, *propose)  # the operator takes part in no operation
    bad = refused(env, 2, *propose, "--threat-kind", "ipv4-addr", "--as", "tr.liaison")
    assert "threat_value" in bad.message
    op, status = ok(env, *propose, "--as", "tr.liaison").split()
    assert status == "proposed"

    refused(env, 3, "ops", "join", op, "--as", "sa.liaison")  # a third state: not found
    assert "no operation" in refused(env, 3, "ops", "show", op, "--as", "sa.liaison").message
    refused(env, 6, "ops", "join", op, "--as", "pk.viewer")
    assert ok(env, "ops", "join", op, "--as", "pk.liaison").split() == [op, "proposed"]
    refused(env, 4, "ops", "join", op, "--as", "pk.liaison")  # already joined
    refused(env, 6, "ops", "activate", op, "--as", "pk.liaison")  # not the lead
    assert ok(env, "ops", "activate", op, "--as", "tr.liaison").split() == [op, "active"]
    ok(env, "ops", "task", op, "--title", "Phase 2", "--state", "PAK", "--as", "pk.liaison")

    shown = orjson.loads(ok(env, "ops", "show", op, "--as", "pk.viewer", "-f", "json"))
    assert {p["state"]["iso3"]: p["response"] for p in shown["participants"]} == {
        "TUR": "joined", "PAK": "joined"
    }  # fmt: skip
    assert [t["title"] for t in shown["tasks"]] == ["Phase 2"]
    table = ok(env, "ops", "show", op, "--as", "pk.viewer")
    assert "Lazarus Group" in table and "joined (lead)" in table

    rows = list(csv.DictReader(io.StringIO(
        ok(env, "ops", "list", "--live", "-t", "Silk Road", "--as", "pk.viewer", "-f", "csv")
    )))  # fmt: skip
    assert [(r["id"], r["status"], r["states"]) for r in rows] == [(op, "active", "PAK;TUR")]
    assert ok(env, "ops", "list", "--live", "--as", "sa.liaison", "-f", "csv").splitlines() == [
        "id,name,status,agreement,lead,threat,from,to,states"
    ]
    done = ok(
        env, "ops", "conclude", op, "--after-action", "Two wallets frozen.",
        "--as", "tr.liaison", "-f", "json",
    )  # fmt: skip
    assert orjson.loads(done)["after_action"] == "Two wallets frozen."


def test_the_operator_cancels_for_the_node(env: dict[str, str]) -> None:
    op, _ = ok(
        env, "ops", "propose", "--name", "Called off (cli test)", "--agreement",
        env["AGREEMENT"], "--threat-kind", "ipv4-addr", "--threat-value", "192.0.2.1",
        "--as", "pk.liaison",
    ).split()  # fmt: skip
    assert ok(env, "ops", "cancel", op, "--reason", "duplicate").split() == [op, "cancelled"]
    refused(env, 4, "ops", "cancel", op)


def test_who_served_alongside_whom_from_the_shell(env: dict[str, str]) -> None:
    dyad = list(csv.DictReader(io.StringIO(
        ok(env, "ops", "alongside", "Pakistan", "--with", "Bangladesh", "-f", "csv")
    )))  # fmt: skip
    assert len(dyad) == 72 and list(dyad[0]) == [
        "mission", "year", "PAK records", "BGD records", "PAK troops", "BGD troops"
    ]  # fmt: skip
    assert ("UNAMSIL", "2003", "6225") in {(r["mission"], r["year"], r["PAK troops"]) for r in dyad}
    partners = orjson.loads(ok(env, "ops", "alongside", "PAK", "-f", "json"))
    assert partners["partners"][0]["state"]["iso3"] == "BGD"
    assert "Alongside Pakistan" in ok(env, "ops", "alongside", "PAK", "--year", "2003")
    record = ok(env, "ops", "show", "UNAMIR")
    assert "GHA 1994-1995: 23 records" in record
    refused(env, 2, "ops", "alongside", "PAK", "--with", "Pakistan")
    refused(env, 3, "ops", "show", "NO-SUCH-MISSION")
