"""What ``taawun`` prints, on a loaded node (SQLite and PostgreSQL), in an 80-column terminal
(issue 9): tables never cut an id, CSV and JSON are always whole, and answers name states,
agencies and agreements rather than print bare numbers or Python reprs.

Commands run through the console entry point in this process (see ``test_cli.call``), with
``COLUMNS=80`` as a narrow terminal sets it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest

from ..unit.intel.conftest import indicator
from .test_cli import Run, call
from .test_intel_cli import sharing_node

USERS = {"tr.liaison": ("TUR", "MIT"), "pk.liaison": ("PAK", "ISI")}
WIDTH = 80


@dataclass
class Node:
    env: dict[str, str]
    agreement: int
    shared: list[str]

    def run(self, *args: str, columns: int = WIDTH) -> Run:
        done = call({**self.env, "COLUMNS": str(columns)}, *args)
        assert done.code == 0, f"taawun {' '.join(args)} exited {done.code}: {done.err}"
        return done

    def json(self, *args: str) -> Any:
        return orjson.loads(self.run(*args, "--format", "json").out)

    def csv(self, *args: str) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(self.run(*args, "--format", "csv").out)))


@pytest.fixture(scope="module")
def node(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    """The real datasets, an agency of Turkey and of Pakistan with a liaison each, a
    Turkey–Pakistan intelligence-sharing agreement, and three indicators MIT shared under it."""
    tmp = tmp_path_factory.mktemp(f"{backend}-cli-output")
    engine, env, agreement = sharing_node(backend, tmp, "clioutput", USERS)
    objects = [indicator(n) for n in (1, 2, 3)]
    bundle = Path(tmp / "three.json")
    bundle.write_bytes(orjson.dumps({"objects": objects}))
    shared = call(
        env, "intel", "share", str(bundle), "--release", str(agreement), "--as", "tr.liaison"
    )
    assert shared.code == 0, shared.err
    yield Node(env=env, agreement=agreement, shared=[o["id"] for o in objects])
    engine.dispose()


def _fits(out: str, width: int = WIDTH) -> None:
    too_wide = [line for line in out.splitlines() if len(line) > width]
    assert not too_wide, f"lines wider than {width} columns: {too_wide[:3]}"


# --- tables never cut an id -------------------------------------------------------------------


def test_agreement_ids_and_references_are_whole_in_80_columns(node: Node) -> None:
    query = ("agreements", "--party", "SAU", "--limit", "20")
    page = node.json(*query)
    assert len(page["items"]) > 5
    table = node.run(*query).out
    _fits(table)
    for item in page["items"]:
        # each on one line, never wrapped ("ATOP / 5.1 / 2340") or cut ("ATOP…")
        assert f" {item['id']} " in table
        assert f"{item['source']} {item['source_id']}" in table, item["source_id"]


def test_stix_ids_are_whole_in_80_columns(node: Node) -> None:
    out = node.run("intel", "list", "--as", "pk.liaison").out
    _fits(out)
    for stix_id in node.shared:
        assert stix_id in out
    assert "…" not in out.replace("note:", "")


def test_stix_ids_are_whole_in_a_wide_table_too(node: Node) -> None:
    out = node.run("intel", "list", "--as", "pk.liaison", columns=160).out
    _fits(out, 160)
    assert "┃ id" in out  # a table at this width, not blocks
    for stix_id in node.shared:
        assert any(stix_id in line and "│" in line for line in out.splitlines()), stix_id


# --- CSV and JSON are whole --------------------------------------------------------------------


def test_csv_lists_every_party_and_json_agrees(node: Node) -> None:
    query = ("agreements", "--party", "SAU", "--limit", "100")
    items = {str(a["id"]): a for a in node.json(*query)["items"]}
    rows = node.csv(*query)
    assert rows and len(rows) == len(items)
    assert max(len(a["parties"]) for a in items.values()) > 6  # some are long lists
    for row in rows:
        assert row["parties"].split(";") == items[row["id"]]["parties"]
        assert row["domains"].split(";") == items[row["id"]]["domains"]
        assert row["title"] == items[row["id"]]["title"]


def test_csv_state_profile_lists_every_partner(node: Node) -> None:
    profile = node.json("state", "PAK", "--year", "2018")
    rows = {r["section"]: r for r in node.csv("state", "PAK", "--year", "2018")}
    assert profile["partners_by_domain"]
    for domain, partners in profile["partners_by_domain"].items():
        row = rows[f"partners: {domain}"]
        assert row["what"].split(";") == [p["iso3"] or p["name"] for p in partners]
        assert int(row["detail"]) == len(partners)


def test_csv_intel_labels_are_whole(node: Node) -> None:
    page = node.json("intel", "list", "--as", "pk.liaison")
    rows = node.csv("intel", "list", "--as", "pk.liaison")
    assert [r["label"] for r in rows] == [i["label"] for i in page["items"]]
    assert [r["id"] for r in rows] == [i["id"] for i in page["items"]]


# --- readable and named ------------------------------------------------------------------------

PYTHON_REPRS = ("None", "{'", "['", "True", "False")


def test_agreement_show_prints_no_python_values(node: Node) -> None:
    for ref in ("ATOP 4965", "ATOP 3275", str(node.agreement)):
        out = node.run("agreement", "show", ref, "--as", "tr.liaison").out
        _fits(out)
        for repr_ in PYTHON_REPRS:
            assert repr_ not in out, f"{repr_!r} in `agreement show {ref}`:\n{out}"
    gcc = node.run("agreement", "show", "ATOP 4965").out
    assert "Saudi Arabia (SAU)" in gcc and "Kuwait (KWT)" in gcc
    rows = {r["field"]: r["value"] for r in node.csv("agreement", "show", "ATOP 4965")}
    assert rows["source"] == "ATOP 5.1 4965"
    assert rows["ended"] == ""  # CSV leaves a missing value empty; the table shows "—"


def test_intel_release_names_the_agreement(node: Node) -> None:
    done = node.run(
        "intel", "release", node.shared[0], "--release", str(node.agreement), "--as", "tr.liaison"
    )
    line = done.out.strip()
    assert f"released under: {node.agreement} taawun " in line, line
    assert "TUR" in line.rsplit("(", 1)[1] and "PAK" in line.rsplit("(", 1)[1], line


def test_intel_show_names_the_owner_and_the_agreements(node: Node) -> None:
    out = node.run("intel", "show", node.shared[1], "--as", "tr.liaison").out
    fields = dict(line.split(None, 1) for line in out.splitlines()[1:] if line[:1].isalpha())
    assert fields["owner"] == "MIT, TUR"
    assert fields["released_under"].startswith(f"{node.agreement} taawun ")
    assert "None" not in out.split("{", 1)[0]


def test_agency_and_user_lists_name_states_and_agencies(node: Node) -> None:
    agencies = node.run("agency", "list").out
    assert "TUR" in agencies and "PAK" in agencies
    users = node.run("user", "list").out
    assert "MIT, TUR" in users and "ISI, PAK" in users
    listed = {r["username"]: r for r in node.csv("user", "list")}
    assert listed["pk.liaison"]["agency"] == "ISI, PAK"
    assert listed["pk.liaison"]["agency_id"].isdigit()  # the id stays, for scripts
