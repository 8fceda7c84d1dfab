"""`taawun threats ...` on a real node (both databases): the CLI's intel commands feed the
index in their own process, and the questions answer as the user given with ``--as``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from taawun.cooperation.threats.models import ThreatOccurrence

from ..unit.cooperation.threats.conftest import indicator
from .test_cli import Run, call, taawun
from .test_intel_cli import USERS, sharing_node


@dataclass
class Node:
    engine: Engine
    env: dict[str, str]
    tmp: Path
    agreement: int

    def run(self, *args: str) -> Run:
        return call(self.env, *args)

    def bundle(self, name: str, objects: list[dict[str, Any]]) -> str:
        path = self.tmp / name
        path.write_bytes(orjson.dumps({"objects": objects}))
        return str(path)

    def occurrences(self) -> int:
        with Session(self.engine) as session:
            return int(session.scalar(select(func.count()).select_from(ThreatOccurrence)) or 0)


@pytest.fixture(scope="module")
def node(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    tmp = tmp_path_factory.mktemp(f"{backend}-threats-cli")
    engine, env, agreement = sharing_node(backend, tmp, "threatscli", USERS)
    yield Node(engine, env, tmp, agreement)
    engine.dispose()


@pytest.fixture(scope="module")
def shared(node: Node) -> str:
    """Turkey's share goes through a child process (``taawun intel share``: the CLI path
    registers the index by itself); Pakistan's in this process."""
    value = "198.51.100.77"
    mine = node.bundle("tr.json", [indicator(1, f"[ipv4-addr:value = '{value}']")])
    done = taawun(
        node.env, "intel", "share", mine, "--release", str(node.agreement), "--as", "tr.liaison"
    )
    assert done.code == 0, done.err
    assert node.occurrences() == 1  # indexed by the child process, in its transaction
    theirs = node.bundle(
        "pk.json",
        [
            indicator(2, f"[ipv4-addr:value = '{value}']"),
            indicator(3, "[domain-name:value = 'c2.example-threat.net']"),
        ],
    )
    done = node.run(
        "intel", "share", theirs, "--release", str(node.agreement), "--as", "pk.liaison"
    )
    assert done.code == 0, done.err
    return value


def _json(node: Node, *args: str) -> Any:
    done = node.run(*args, "--format", "json")
    assert done.code == 0, done.err
    return orjson.loads(done.out)


def test_an_agreements_shared_threats_as_each_party_and_as_a_third_state(
    node: Node, shared: str
) -> None:
    for user in ("tr.liaison", "pk.liaison"):
        page = _json(node, "threats", "--agreement", str(node.agreement), "--as", user,
                     "--no-reference")  # fmt: skip
        assert [(t["value"], t["states"], t["objects"]) for t in page["items"]] == [(shared, 2, 2)]
    outsider = _json(node, "threats", "--agreement", str(node.agreement), "--as", "sa.liaison",
                     "--no-reference")  # fmt: skip
    assert outsider["items"] == [] and outsider["total"] == 0


def test_dyad_mine_csv_and_table(node: Node, shared: str) -> None:
    done = node.run("threats", "--dyad", "TUR", "PAK", "--as", "tr.liaison", "--format", "csv",
                    "--no-reference")  # fmt: skip
    assert done.code == 0, done.err
    lines = done.out.splitlines()
    assert lines[0] == "kind,value,states,objects,first_seen,last_seen,seen_by"
    assert lines[1].startswith(f"ipv4,{shared},2,2,") and lines[1].endswith("PAK;TUR")
    mine = _json(node, "threats", "--mine", "--as", "pk.liaison")
    assert [t["value"] for t in mine["items"]] == [shared]
    table = node.run("threats", "--mine", "--as", "pk.liaison")
    assert table.code == 0 and shared in table.out and "1 of 1" in table.out


def test_where_else_a_value_was_seen(node: Node, shared: str) -> None:
    seen = _json(node, "threats", "seen", "198[.]51.100.77", "--as", "pk.liaison")
    [value] = [v for v in seen["values"] if v["kind"] == "ipv4"]
    assert value["value"] == shared and value["states"] == 2 and len(value["sightings"]) == 2
    outsider = _json(node, "threats", "seen", shared, "--as", "sa.liaison")
    assert outsider["values"] == []  # as if nobody had reported it
    table = node.run("threats", "seen", "nothing.example", "--as", "tr.liaison")
    assert table.code == 0 and "not seen in anything you may read" in table.out


def test_usage_errors(node: Node) -> None:
    bare = node.run("threats")
    assert bare.code == 2 and "ask one question" in bare.message
    both = node.run("threats", "--mine", "--dyad", "TUR", "PAK", "--as", "tr.liaison")
    assert both.code == 2 and "ask one question" in both.message
    nobody = node.run("threats", "--mine")
    assert nobody.code == 5 and "--as USERNAME" in nobody.message
    missing = node.run("threats", "--agreement", "ATOP 999999", "--as", "tr.liaison")
    assert missing.code == 3


def test_reindex_builds_the_same_index_again(node: Node, shared: str) -> None:
    before = node.occurrences()
    done = node.run("threats", "reindex")
    assert done.code == 0, done.err
    assert node.occurrences() == before and f"{before} occurrences" in done.out
    page = _json(node, "threats", "--agreement", str(node.agreement), "--as", "tr.liaison",
                 "--no-reference")  # fmt: skip
    assert [t["value"] for t in page["items"]] == [shared]
