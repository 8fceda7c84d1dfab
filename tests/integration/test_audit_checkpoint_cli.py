"""``taawun audit checkpoint`` and ``taawun audit verify --checkpoint`` (issue 8), on SQLite and
PostgreSQL: the head of the chain appended to a file the operator chooses, and a later verify
that notices a cut tail or a chain edited and hashed again."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import orjson
import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from taawun.access import audit
from taawun.access.models import AuditEntry
from taawun.cli.main import app
from taawun.core.clock import SystemClock

from .small_node import small_node


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str

    @property
    def message(self) -> str:
        return " ".join(self.err.split())


@dataclass
class CliNode:
    engine: Engine
    env: dict[str, str]
    tmp: Path

    def call(self, *args: str, **env: str) -> Run:
        """The console entry point in this process, its exit-code mapping included."""
        out, err = io.StringIO(), io.StringIO()
        with (
            mock.patch.dict(os.environ, {**self.env, **env}),
            mock.patch.object(sys, "argv", ["taawun", *args]),
            redirect_stdout(out),
            redirect_stderr(err),
        ):
            try:
                app()
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
        return Run(code, out.getvalue(), err.getvalue())

    def entries(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(text("SELECT max(seq) FROM audit_entry")).scalar_one())


@pytest.fixture
def node(backend: str, tmp_path: Path) -> Iterator[CliNode]:
    engine, _ = small_node(backend, "checkpoint", tmp_path, users=["ali"], clock=SystemClock())
    env = {
        "TAAWUN_HOME": str(tmp_path / "home"),
        "TAAWUN_DATABASE_URL": engine.url.render_as_string(hide_password=False),
    }
    os.environ.pop("TAAWUN_AUDIT_CHECKPOINT", None)
    yield CliNode(engine, env, tmp_path)
    engine.dispose()


def test_checkpoint_appends_the_head_and_verify_finds_it(node: CliNode) -> None:
    path = node.tmp / "anchor" / "audit.jsonl"
    path.parent.mkdir()
    first = node.call("audit", "checkpoint", "--to", str(path))
    assert first.code == 0, first.err
    line = orjson.loads(first.out)
    assert line["seq"] == node.entries() and len(line["hash"]) == 64
    assert node.call("agency", "list").code == 0  # reads write nothing
    second = node.call("audit", "checkpoint", TAAWUN_AUDIT_CHECKPOINT=str(path))
    assert second.code == 0, second.err
    assert path.read_text().splitlines() == [first.out.strip(), second.out.strip()]
    verified = node.call("audit", "verify", "--checkpoint", str(path))
    assert verified.code == 0, verified.err
    assert verified.out == (
        f"audit log intact: {node.entries()} entries verified, "
        f"2 checkpoints found unchanged (the last at entry {line['seq']})\n"
    )


def test_checkpoint_needs_a_place(node: CliNode) -> None:
    run = node.call("audit", "checkpoint")
    assert run.code == 2
    assert "--to PATH or set TAAWUN_AUDIT_CHECKPOINT" in run.message


def test_verify_exits_8_when_the_tail_was_cut(node: CliNode) -> None:
    path = node.tmp / "audit.jsonl"
    assert node.call("audit", "checkpoint", "--to", str(path)).code == 0
    head = node.entries()
    with node.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entry WHERE seq >= :s"), {"s": head - 1})
    plain = node.call("audit", "verify")
    assert plain.code == 0  # the chain alone cannot tell
    run = node.call("audit", "verify", "--checkpoint", str(path))
    assert run.code == 8
    assert run.message == (
        f"audit log broken: 1 problem(s) in {head - 2} entries and 1 checkpoint(s)"
    )
    assert f"│ {head} " in run.out
    json = node.call("audit", "verify", "--checkpoint", str(path), "--format", "json")
    assert json.code == 8
    report = orjson.loads(json.out)
    assert not report["ok"]
    [problem] = report["problems"]
    assert problem["seq"] == head
    assert problem["problem"].startswith(f"entry {head}, checkpointed at ")
    assert problem["problem"].endswith(f", is missing: the log was cut back to entry {head - 2}")


def test_verify_exits_8_when_the_chain_was_rehashed(node: CliNode) -> None:
    path = node.tmp / "audit.jsonl"
    assert node.call("audit", "checkpoint", "--to", str(path)).code == 0
    with Session(node.engine) as session:
        entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
        entries[0].note = "nothing happened here"
        prev = audit.GENESIS
        for entry in entries:
            entry.prev_hash = prev
            entry.hash = audit.entry_hash(prev, entry)
            prev = entry.hash
            session.flush()
        session.commit()
    assert node.call("audit", "verify").code == 0
    run = node.call("audit", "verify", "--checkpoint", str(path), "--format", "json")
    assert run.code == 8
    [problem] = orjson.loads(run.out)["problems"]
    assert problem["seq"] == node.entries()
    assert problem["problem"].startswith(f"entry {node.entries()} differs from its checkpoint")


def test_verify_with_a_missing_checkpoint_file_says_so(node: CliNode) -> None:
    run = node.call("audit", "verify", "--checkpoint", str(node.tmp / "nowhere.jsonl"))
    assert run.code == 7
    assert "nowhere.jsonl" in run.message
