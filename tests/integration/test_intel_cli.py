"""`taawun intel ...` on a real node (SQLite and PostgreSQL): the console entry point in this
process, its exit-code mapping included (see test_cli.call)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from stix2validator import validate_string

from taawun.access import service as access
from taawun.access.schemas import UserCreate
from taawun.core.clock import SystemClock
from taawun.core.principal import Clearance, Principal, Role
from taawun.registry import changes
from taawun.registry.importers.run import import_all
from taawun.registry.resolver import resolve_state
from taawun.registry.schemas import AgreementCreate

from ..conftest import new_database
from ..unit.intel.conftest import indicator
from .test_cli import Run, call

USERS = {"tr.liaison": ("TUR", "MIT"), "pk.liaison": ("PAK", "ISI"), "sa.liaison": ("SAU", "GIP")}


@dataclass
class IntelNode:
    env: dict[str, str]
    tmp: Path
    agreement: int

    def run(self, *args: str, user: str | None = None) -> Run:
        return call(self.env, "intel", *args, *(("--as", user) if user else ()))

    def json(self, *args: str, user: str) -> Any:
        done = self.run(*args, "--format", "json", user=user)
        assert done.code == 0, done.err
        return orjson.loads(done.out)

    def bundle(self, name: str, objects: list[Any]) -> str:
        path = self.tmp / name
        path.write_bytes(
            orjson.dumps(
                {
                    "type": "bundle",
                    "id": f"bundle--{'0' * 8}-0000-4000-8000-{'0' * 12}",
                    "objects": objects,
                }
            )
        )
        return str(path)


def sharing_node(
    backend: str, tmp: Path, label: str, users: Mapping[str, tuple[str, str]]
) -> tuple[Engine, dict[str, str], int]:
    """A loaded node with an agency and a liaison (SECRET) per user, a Turkey–Pakistan
    intelligence-sharing agreement (ceiling SECRET), and the CLI's environment for it."""
    engine = new_database(backend, label, tmp)
    root = Principal.system_principal("test")
    clock = SystemClock()
    with Session(engine) as session:
        import_all(session)
        for username, (state, agency) in users.items():
            state_id = resolve_state(session, state).id
            agency_id = access.create_agency(
                root, session, state_id=state_id, name=agency, clock=clock
            ).id
            data = UserCreate(
                username=username,
                agency_id=agency_id,
                role=Role.LIAISON,
                clearance=Clearance.SECRET,
                password=f"{label}-password-1",
            )
            access.create_user(root, session, data=data, clock=clock)
        agreement = changes.record_agreement(
            root,
            session,
            data=AgreementCreate(
                title=f"Turkey–Pakistan intelligence sharing ({label})",
                parties=["TUR", "PAK"],
                domains=["intelligence_sharing"],
                in_force=date(2024, 1, 1),
                sharing_ceiling="SECRET",  # type: ignore[arg-type]
            ),
        ).id
        session.commit()
    env = {
        "TAAWUN_HOME": str(tmp / "home"),
        "TAAWUN_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "TAAWUN_USER": "",
    }
    return engine, env, agreement


@pytest.fixture(scope="module")
def node(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[IntelNode]:
    """A loaded node with agencies of Turkey, Pakistan and Saudi Arabia, one liaison each, and a
    Turkey–Pakistan intelligence-sharing agreement (ceiling SECRET)."""
    tmp = tmp_path_factory.mktemp(f"{backend}-intel-cli")
    engine, env, agreement = sharing_node(backend, tmp, "intelcli", USERS)
    yield IntelNode(env=env, tmp=tmp, agreement=agreement)
    engine.dispose()


@pytest.fixture(scope="module")
def shared(node: IntelNode) -> list[str]:
    """Three indicators MIT shared with Pakistan (CONFIDENTIAL, TLP:AMBER)."""
    objects = [indicator(n) for n in (1, 2, 3)]
    path = node.bundle("three.json", objects)
    done = node.run(
        "share", path, "--release", str(node.agreement), "--classification", "CONFIDENTIAL",
        user="tr.liaison",
    )  # fmt: skip
    assert done.code == 0, done.err
    assert "3 objects: 3 stored, 0 already there, 0 failed" in done.out
    return [o["id"] for o in objects]


@pytest.mark.parametrize(
    "args",
    [("list",), ("show", "x"), ("revoke", "x"), ("release", "x"), ("export",), ("share", "-")],
)
def test_every_command_needs_a_user(node: IntelNode, args: tuple[str, ...]) -> None:
    done = node.run(*args)
    assert done.code == 5
    assert "pass --as USERNAME (or set TAAWUN_USER)" in done.message


def test_taawun_user_stands_in_for_as(node: IntelNode, shared: list[str]) -> None:
    done = call({**node.env, "TAAWUN_USER": "pk.liaison"}, "intel", "list", "--format", "json")
    assert done.code == 0, done.err
    assert {i["id"] for i in orjson.loads(done.out)["items"]} >= set(shared)


def test_share_reports_each_failure_and_exits_2(node: IntelNode, shared: list[str]) -> None:
    bad = indicator(4, pattern="[ipv4-addr:value = ")
    path = node.bundle("mixed.json", [*(indicator(n) for n in (1, 2, 3)), bad])
    done = node.run("share", path, "--release", str(node.agreement), user="tr.liaison")
    assert done.code == 2
    assert "4 objects: 0 stored, 3 already there, 1 failed" in done.out
    assert f"#3 {bad['id']}: " in done.out
    unknown = node.run("share", path, "--tlp", "purple", user="tr.liaison")
    assert unknown.code == 2 and "unknown TLP level 'purple'" in unknown.message
    assert node.run("share", str(node.tmp / "nope.json"), user="tr.liaison").code == 2


def test_share_a_large_file_in_chunks(node: IntelNode) -> None:
    objects = [indicator(n) for n in range(1000, 1600)]
    done = node.run("share", node.bundle("large.json", objects), user="tr.liaison")
    assert done.code == 0, done.err
    assert "600 objects: 600 stored, 0 already there, 0 failed" in done.out
    page = node.json("list", "--type", "indicator", "--limit", "1000", user="tr.liaison")
    assert page["total"] >= 600


def test_list_filters_and_formats(node: IntelNode, shared: list[str]) -> None:
    def ids(*args: str, user: str = "pk.liaison") -> set[str]:
        return {i["id"] for i in node.json("list", *args, user=user)["items"]}

    assert ids("--text", "10.0.0.2") == {shared[1]}
    assert ids("--owner", "MIT", "--agreement", str(node.agreement)) == set(shared)
    assert ids("--type", "malware") == set()
    assert node.json("list", user="sa.liaison")["total"] == 0
    table = node.run("list", "--format", "csv", "--limit", "2", user="pk.liaison")
    assert table.out.splitlines()[0] == "id,type,label,owner_agency_id,tlp,classification,version"
    assert len(table.out.splitlines()) == 3


def test_show_prints_the_banner_first(node: IntelNode, shared: list[str]) -> None:
    done = node.run("show", shared[0], user="pk.liaison")
    assert done.code == 0, done.err
    assert done.out.splitlines()[0] == "CONFIDENTIAL // TLP:AMBER"
    assert '"pattern": "[ipv4-addr:value = \'10.0.0.1\']"' in done.out
    hidden = node.run("show", shared[0], user="sa.liaison")
    assert hidden.code == 3 and f"no object {shared[0]!r}" in hidden.message


def test_release_and_revoke_are_the_owners(node: IntelNode, shared: list[str]) -> None:
    assert node.run("release", shared[2], user="pk.liaison").code == 6  # readable, not owned
    pulled = node.run("release", shared[2], user="tr.liaison")
    assert pulled.code == 0 and "released under: no agreement" in pulled.out
    assert node.run("show", shared[2], user="pk.liaison").code == 3
    back = node.run("release", shared[2], "--release", str(node.agreement), user="tr.liaison")
    assert back.code == 0 and f"released under: {node.agreement}" in back.out
    assert node.run("revoke", shared[2], user="pk.liaison").code == 6
    revoked = node.run("revoke", shared[2], user="tr.liaison")
    assert revoked.code == 0 and "revoked" in revoked.out
    assert shared[2] not in {i["id"] for i in node.json("list", user="pk.liaison")["items"]}


def test_export_to_a_file_and_to_stdout(node: IntelNode, shared: list[str]) -> None:
    target = node.tmp / "export.json"
    done = node.run("export", "-o", str(target), user="pk.liaison")
    assert done.code == 0, done.err
    text = target.read_text()
    assert validate_string(text).is_valid
    assert set(shared) <= {o["id"] for o in orjson.loads(text)["objects"]}
    mine = node.run("export", "--type", "indicator", user="sa.liaison")
    assert mine.code == 0
    assert [o for o in orjson.loads(mine.out)["objects"] if o["type"] == "indicator"] == []
