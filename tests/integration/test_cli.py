"""The ``taawun`` command end to end: the real commands on a real node, SQLite and PostgreSQL.

Exit codes and the exact bytes a script reads from stdout are checked by running
``python -m taawun.cli.main`` as a subprocess, as a shell script would. Output formats, where a
subprocess per call would be too slow, go through Typer's CliRunner on the same app.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import orjson
import pytest
from sqlalchemy import Engine, create_engine, text
from typer.testing import CliRunner

from taawun.cli.main import app, cli
from taawun.storage.migrate import is_initialized

from ..conftest import PG_ADMIN_URL, new_database

PASSWORD = "cli-test-password-1"
COUNTED = ("agreement", "agreement_party", "user_account", "agency", "audit_entry")


@dataclass(frozen=True)
class Run:
    """What a command left behind: its exit code, stdout and stderr."""

    code: int
    out: str
    err: str

    @property
    def message(self) -> str:
        """stderr with Rich's line wrapping undone."""
        return " ".join(self.err.split())


def taawun(env: dict[str, str], *args: str, stdin: str | None = None) -> Run:
    """Run the console script as a child process, as a shell script would."""
    done = subprocess.run(
        [sys.executable, "-m", "taawun.cli.main", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def call(env: dict[str, str], *args: str, stdin: str | None = None) -> Run:
    """Run the console entry point (its exit-code mapping included) in this process: as
    ``taawun`` would, without the half second a child process takes to start."""
    out, err = io.StringIO(), io.StringIO()
    with (
        mock.patch.dict(os.environ, env),
        mock.patch.object(sys, "argv", ["taawun", *args]),
        mock.patch.object(sys, "stdin", io.StringIO(stdin or "")),
        redirect_stdout(out),
        redirect_stderr(err),
    ):
        try:
            app()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return Run(code, out.getvalue(), err.getvalue())


@dataclass
class CliNode:
    engine: Engine
    env: dict[str, str]
    init: Run
    first_import: Run

    def run(self, *args: str, stdin: str | None = None) -> Run:
        return taawun(self.env, *args, stdin=stdin)

    def call(self, *args: str, stdin: str | None = None) -> Run:
        return call(self.env, *args, stdin=stdin)

    def invoke(self, *args: str, stdin: str | None = None, code: int = 0) -> Run:
        """Run a command in this process (fast); fails unless it exits with ``code``."""
        result = CliRunner().invoke(cli, list(args), input=stdin, env=self.env)
        assert result.exit_code == code, (
            f"taawun {' '.join(args)} exited {result.exit_code}: "
            f"{result.stderr or result.stdout} {result.exception!r}"
        )
        return Run(result.exit_code, result.stdout, result.stderr)

    def json(self, *args: str) -> Any:
        return orjson.loads(self.invoke(*args, "--format", "json").out)

    def csv(self, *args: str) -> list[dict[str, str]]:
        out = self.invoke(*args, "--format", "csv").out
        return list(csv.DictReader(io.StringIO(out)))

    def counts(self, tables: tuple[str, ...] = COUNTED) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}


@pytest.fixture(scope="module")
def node(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CliNode]:
    """A fresh migrated database per backend, then `taawun init` and `taawun import` on it."""
    tmp = tmp_path_factory.mktemp(f"{backend}-cli")
    engine = new_database(backend, "cli", tmp)
    env = {
        "TAAWUN_HOME": str(tmp / "home"),
        "TAAWUN_DATABASE_URL": engine.url.render_as_string(hide_password=False),
    }
    init = taawun(env, "init")
    first_import = taawun(env, "import")
    yield CliNode(engine=engine, env=env, init=init, first_import=first_import)
    engine.dispose()


@dataclass(frozen=True)
class Accounts:
    """Agencies and users made through the CLI, with what each command printed."""

    tr_agency: Run
    sa_agency: Run
    tr_user: Run
    sa_user: Run


@pytest.fixture(scope="module")
def accounts(node: CliNode) -> Accounts:
    tr_agency = node.run(
        "agency", "add", "--state", "TUR", "--name", "MIT", "--kind", "intelligence"
    )
    sa_agency = node.run("agency", "add", "--state", "SAU", "--name", "GIP")
    assert tr_agency.code == 0 and sa_agency.code == 0, tr_agency.err + sa_agency.err
    user = ("--role", "liaison", "--clearance", "SECRET", "--password-stdin")
    tr_user = node.run(
        "user", "add", "tr.liaison", "--agency", tr_agency.out.strip(), *user, stdin=PASSWORD + "\n"
    )
    sa_user = node.run("user", "add", "sa.liaison", "--agency", "GIP", *user, stdin=PASSWORD + "\n")
    assert tr_user.code == 0 and sa_user.code == 0, tr_user.err + sa_user.err
    return Accounts(tr_agency, sa_agency, tr_user, sa_user)


@pytest.fixture(scope="module")
def confidential(node: CliNode, accounts: Accounts) -> int:
    """A confidential Turkey–Pakistan intelligence-sharing agreement, recorded through the CLI."""
    added = node.run(
        "agreement", "add",
        "--title", "Turkey–Pakistan intelligence exchange",
        "--party", "TUR", "--party", "PAK",
        "--domain", "intelligence_sharing",
        "--ceiling", "SECRET", "--confidential", "--in-force", "2024-01-01",
    )  # fmt: skip
    assert added.code == 0, added.err
    assert re.fullmatch(r"\d+\n", added.out), added.out
    return int(added.out)


def _summary(out: str) -> dict[str, str]:
    """The import summary: source key -> what happened to it."""
    found = re.findall(r"^(\S+)\s+\d+ rows read, (.+)$", out, flags=re.MULTILINE)
    return dict(found)


# --- init and import ---------------------------------------------------------------------------


def test_init_and_import_show_progress_and_a_summary(node: CliNode) -> None:
    assert node.init.code == 0, node.init.err
    assert "taawun node ready" in node.init.out
    run = node.first_import
    assert run.code == 0, run.err
    summary = _summary(run.out)
    assert set(summary) == {
        *("cow-states", "cow-igo", "atop", "curated-agreements", "fuhrmann-nca"),  # registry
        *("mme", "geopko", "misp-warninglists", "misp-galaxy-uavs", "sipri-tiv", "sipri-registers"),
    }
    for source, what in summary.items():
        assert re.fullmatch(r"\d+ inserted, 0 updated, 0 deleted", what), (source, what)
        assert re.search(rf"^{source}\s.*\b(\d+)/\1\b", run.out, flags=re.MULTILINE), (
            f"no finished progress bar for {source}"
        )
    assert "note: ATOP 3275 linked to CENTO" in run.out


def test_second_import_skips_every_source_and_writes_nothing(node: CliNode) -> None:
    tables = (*COUNTED, "state", "organization", "membership", "agreement_domain")
    before = node.counts(tables)
    run = node.run("import")
    assert run.code == 0, run.err
    summary = _summary(run.out)
    assert set(summary) == set(_summary(node.first_import.out))
    assert set(summary.values()) == {"unchanged (skipped)"}
    assert "inserted" not in run.out
    assert node.counts(tables) == before


# --- queries ------------------------------------------------------------------------------------


def test_state_profile(node: CliNode) -> None:
    table = node.invoke("state", "TUR").out
    assert "Turkey" in table and "ISO TUR/TR, COW 640" in table
    profile = node.json("state", "TUR")
    assert profile["state"]["iso3"] == "TUR"
    assert {"OIC", "NATO"} <= {m["organization"] for m in profile["memberships"]}
    rows = node.csv("state", "TUR")
    assert rows[0] == {"section": "state", "what": "Turkey", "detail": "ISO TUR/TR, COW 640 TUR"}
    assert any(r["section"] == "member of" and r["what"] == "OIC" for r in rows)


def test_agreements_filtered_by_parties_domain_and_date(node: CliNode) -> None:
    query = (
        "agreements", "--party", "TUR", "--party", "PAK",
        "--domain", "non_aggression", "--in-force", "1960",
    )  # fmt: skip
    page = node.json(*query)
    assert page["total"] == 1
    assert [(a["source"], a["source_id"]) for a in page["items"]] == [("ATOP 5.1", "3275")]
    assert page["items"][0]["organization"] == "CENTO"
    rows = node.csv(*query)
    assert [r["source"] for r in rows] == ["ATOP 5.1 3275"]
    table = node.invoke(*query).out
    assert "Agreements (1-1 of 1)" in table and "3275" in table


def test_partners_of_pakistan_in_2018(node: CliNode) -> None:
    out = node.invoke("partners", "PAK", "--year", "2018", "--format", "csv").out
    assert out.splitlines()[0] == "partner,iso3,domains,agreements"
    rows = {r["iso3"]: r for r in csv.DictReader(io.StringIO(out))}
    assert rows["SAU"]["partner"] == "Saudi Arabia"
    assert int(rows["SAU"]["agreements"]) >= 1
    found = node.json("partners", "PAK", "--year", "2018")
    assert found["state"]["iso3"] == "PAK"
    assert "SAU" in {p["state"]["iso3"] for p in found["partners"]}
    assert "Saudi Arabia" in node.invoke("partners", "PAK", "--year", "2018").out


def test_dyad_turkey_pakistan(node: CliNode) -> None:
    timeline = node.json("dyad", "TUR", "PAK")
    ids = {e["agreement"]["source_id"] for e in timeline["entries"]}
    assert {"3255", "3275"} <= ids
    sources = {r["source"] for r in node.csv("dyad", "TUR", "PAK")}
    assert {"ATOP 5.1 3255", "ATOP 5.1 3275"} <= sources
    assert "Turkey – Pakistan" in node.invoke("dyad", "TUR", "PAK").out


def test_org_members_carried_forward(node: CliNode) -> None:
    members = node.json("org", "OIC", "--year", "2020")
    # 57 member states, Syria suspended from August 2012 to March 2025 (curated statuses)
    assert len(members["members"]) == 56
    assert "SYR" not in {m["state"]["iso3"] for m in members["members"]}
    assert any(c["carried_forward"] for c in members["coverage"])
    assert any(m["carried_forward"] for m in members["members"])
    assert len(node.csv("org", "OIC", "--year", "2020")) == 56
    table = " ".join(node.invoke("org", "OIC", "--year", "2020").out.split())
    assert "56 members" in table
    assert re.search(r"note: .*carried forward from 2014 to 2020", table)


def test_agreement_show(node: CliNode) -> None:
    found = node.json("agreement", "show", "ATOP 4965")
    assert (found["source"], found["source_id"]) == ("ATOP 5.1", "4965")
    assert found["organization"] == "GCC"
    assert {"SAU", "KWT", "BHR", "QAT", "ARE", "OMN"} == set(found["parties"])
    rows = {r["field"]: r["value"] for r in node.csv("agreement", "show", "ATOP 4965")}
    assert rows["source"] == "ATOP 5.1 4965"
    assert rows["organization"] == "GCC"
    assert "Gulf Cooperation Council" in node.invoke("agreement", "show", "ATOP 4965").out


# --- administration for scripts -----------------------------------------------------------------


def test_agency_add_prints_only_the_id(node: CliNode, accounts: Accounts) -> None:
    for run in (accounts.tr_agency, accounts.sa_agency):
        assert re.fullmatch(r"\d+\n", run.out), repr(run.out)
    listed = {a["id"]: a for a in node.json("agency", "list")}
    tr = listed[int(accounts.tr_agency.out)]
    assert (tr["name"], tr["kind"]) == ("MIT", "intelligence")
    assert listed[int(accounts.sa_agency.out)]["name"] == "GIP"
    table = node.invoke("agency", "list").out
    assert "MIT" in table and "GIP" in table


def test_user_add_reads_the_password_from_stdin_and_prints_only_the_id(
    node: CliNode, accounts: Accounts
) -> None:
    for run in (accounts.tr_user, accounts.sa_user):
        assert re.fullmatch(r"\d+\n", run.out), repr(run.out)
    listed = {u["username"]: u for u in node.json("user", "list")}
    tr = listed["tr.liaison"]
    assert tr["id"] == int(accounts.tr_user.out)
    assert tr["agency_id"] == int(accounts.tr_agency.out)  # --agency by id
    assert tr["role"] == "liaison"
    assert listed["sa.liaison"]["agency_id"] == int(accounts.sa_agency.out)  # --agency by name
    table = node.invoke("user", "list").out
    assert "tr.liaison" in table and "SECRET" in table
    assert PASSWORD not in table and "argon2" not in table


def test_user_token_prints_only_the_token(node: CliNode, accounts: Accounts) -> None:
    before = node.counts(("api_token",))
    run = node.run("user", "token", "tr.liaison")
    assert run.code == 0, run.err
    assert re.fullmatch(r"tw_[A-Za-z0-9_\-]{20,}\n", run.out), repr(run.out)
    assert node.counts(("api_token",))["api_token"] == before["api_token"] + 1
    with node.engine.connect() as conn:
        stored = conn.execute(text("SELECT * FROM api_token")).all()
    assert all(run.out.strip() not in str(row) for row in stored), "the token is stored in clear"


def test_agreement_lifecycle(node: CliNode) -> None:
    added = node.invoke(
        "agreement", "add",
        "--title", "Turkey–Pakistan training exchange",
        "--party", "TUR", "--party", "PAK",
        "--domain", "training", "--in-force", "2024-01-01",
    ).out  # fmt: skip
    assert re.fullmatch(r"\d+\n", added), repr(added)
    ref = added.strip()
    assert node.invoke("agreement", "suspend", ref).out == f"{ref} suspended\n"

    before = node.counts()
    again = node.call("agreement", "suspend", ref)
    assert again.code == 4, again
    assert ref in again.message and "suspended" in again.message
    assert again.out == ""
    assert node.counts() == before

    assert node.invoke("agreement", "resume", ref).out == f"{ref} in_force\n"
    assert node.invoke("agreement", "terminate", ref).out == f"{ref} terminated\n"
    found = node.json("agreement", "show", ref)
    assert found["status"] == "terminated" and found["ended"] is not None
    assert set(found["parties"]) == {"TUR", "PAK"}


def test_confidential_agreement_is_seen_only_by_users_of_its_parties(
    node: CliNode, confidential: int
) -> None:
    query = ("agreements", "--party", "TUR", "--party", "PAK", "--limit", "1000")
    public = node.json(*query)
    turkish = node.json(*query, "--as", "tr.liaison")
    saudi = node.json(*query, "--as", "sa.liaison")
    assert confidential not in {a["id"] for a in public["items"]}
    assert confidential in {a["id"] for a in turkish["items"]}
    assert confidential not in {a["id"] for a in saudi["items"]}
    assert turkish["total"] == public["total"] + 1
    assert saudi["total"] == public["total"]
    assert node.json("agreement", "show", str(confidential), "--as", "tr.liaison")["confidential"]


def test_audit_verify_and_list(node: CliNode, confidential: int) -> None:
    run = node.run("audit", "verify")
    assert run.code == 0, run.err
    assert re.fullmatch(r"audit log intact: \d+ entries verified\n", run.out), run.out
    entries = node.json("audit", "list", "--limit", "100")
    actions = {e["action"] for e in entries}
    assert {"access.agency.create", "access.user.create", "registry.agreement.record"} <= actions
    recorded = next(e for e in entries if e["action"] == "registry.agreement.record")
    assert recorded["target_id"] == str(confidential)
    assert recorded["actor"].startswith("cli:")
    assert [e["seq"] for e in entries] == sorted((e["seq"] for e in entries), reverse=True)
    assert "Audit log" in node.invoke("audit", "list").out


@pytest.fixture
def tampered(node: CliNode, accounts: Accounts) -> Iterator[None]:
    """Audit entry 2 edited behind taawun's back; put back afterwards."""
    with node.engine.begin() as conn:
        actor = conn.execute(text("SELECT actor FROM audit_entry WHERE seq = 2")).scalar_one()
        conn.execute(text("UPDATE audit_entry SET actor = 'x' WHERE seq = 2"))
    yield
    with node.engine.begin() as conn:
        conn.execute(text("UPDATE audit_entry SET actor = :a WHERE seq = 2"), {"a": actor})
    assert "intact" in node.invoke("audit", "verify").out


def test_audit_verify_names_the_edited_entry(node: CliNode, tampered: None) -> None:
    report = orjson.loads(node.invoke("audit", "verify", "--format", "json", code=8).out)
    assert not report["ok"]
    assert [p["seq"] for p in report["problems"]] == [2]
    table = node.invoke("audit", "verify", code=8)
    assert "audit log broken" in table.err
    assert re.search(r"│ 2\s+│ .*edited", table.out), table.out


def test_audit_verify_exits_8_on_a_broken_chain(node: CliNode, tampered: None) -> None:
    run = node.run("audit", "verify")
    assert "audit log broken" in run.message
    assert run.code == 8


# --- bad input: a message naming the thing, a specific exit code, nothing written -------------

BAD_INPUT = [
    # command line, standard input, exit code, what the message must name
    pytest.param("state Atlantis", None, 3, ["Atlantis"], id="unknown state"),
    pytest.param("state Pakistn", None, 3, ["Pakistn", "Pakistan (PAK"], id="misspelt state"),
    pytest.param("state AUS", None, 2, ["AUS", "Australia", "Austria"], id="ambiguous state"),
    pytest.param("agreements --in-force 2020-02-30", None, 2, ["in_force"], id="malformed date"),
    pytest.param(
        "agreement add --title 'Telepathy pact' --party TUR --party PAK --domain telepathy",
        None, 2, ["telepathy"], id="unknown domain",
    ),
    pytest.param("agency add --state TUR --name MIT", None, 4, ["MIT"], id="duplicate agency"),
    pytest.param(
        "user add tr.liaison --agency MIT --password-stdin",
        PASSWORD + "\n", 4, ["tr.liaison"], id="duplicate user",
    ),
    pytest.param(
        "user add weak.user --agency MIT --password-stdin",
        "short\n", 2, ["password", "12 characters"], id="weak password",
    ),
    pytest.param(
        "user add no.stdin --agency MIT", None, 2, ["--password-stdin"], id="password not on stdin"
    ),
    pytest.param(
        "user add lost.user --agency 'Atlantis Bureau' --password-stdin",
        PASSWORD + "\n", 3, ["Atlantis Bureau"], id="unknown agency",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("command", "stdin", "code", "named"), BAD_INPUT)
def test_bad_input_is_refused_clearly_and_writes_nothing(
    node: CliNode,
    accounts: Accounts,
    command: str,
    stdin: str | None,
    code: int,
    named: list[str],
) -> None:
    before = node.counts()
    run = node.call(*shlex.split(command), stdin=stdin)
    assert run.code == code, run
    assert run.message.startswith("error:"), run.err
    for thing in named:
        assert thing in run.message, f"{thing!r} not named in: {run.message}"
    assert "Traceback" not in run.err
    assert run.out == ""
    assert node.counts() == before


def test_the_console_module_maps_errors_to_exit_codes(node: CliNode) -> None:
    run = node.run("state", "Atlantis")
    assert run.code == 3, run
    assert run.out == ""
    assert "error: state: no state is named 'Atlantis'" in run.message


def test_ambiguous_state_lists_only_its_candidates(node: CliNode) -> None:
    run = node.call("state", "AUS")
    candidates = re.search(r"candidates: (.*)$", run.message)
    assert candidates, run.message
    assert candidates.group(1).split("; ") == ["Austria (AUT/305)", "Australia (AUS/900)"]


def test_misspelt_state_suggests_the_closest_first(node: CliNode) -> None:
    run = node.call("state", "Pakistn")
    candidates = re.search(r"candidates: (.*)$", run.message)
    assert candidates, run.message
    assert candidates.group(1).startswith("Pakistan (PAK")


# --- before `taawun init` -----------------------------------------------------------------------


def _uninitialized_url(backend: str, home: Path) -> str | None:
    """An empty database (PostgreSQL), or none at all (SQLite: the default file in the home)."""
    if backend == "sqlite":
        return None
    name = "taawun_test_cli_uninit_" + os.environ.get("PYTEST_XDIST_WORKER", "main")
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def test_commands_before_init_say_to_run_init(backend: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    url = _uninitialized_url(backend, home)
    env = {"TAAWUN_HOME": str(home), "TAAWUN_DATABASE_URL": url or ""}
    for run in (taawun(env, "state", "TUR"), call(env, "agency", "list")):
        assert run.code == 9, run
        assert "run `taawun init`" in run.message
        assert "Traceback" not in run.err
    run = call(env, "init")
    assert run.code == 0, run.err
    engine = create_engine(url or f"sqlite:///{home / 'taawun.db'}")
    try:
        assert is_initialized(engine)
    finally:
        engine.dispose()
    listed = call(env, "agency", "list", "--format", "json")
    assert listed.code == 0, listed.err
    assert orjson.loads(listed.out) == []
