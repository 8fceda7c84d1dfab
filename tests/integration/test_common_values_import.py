"""The full load of the chosen MISP warninglists into a node (once per backend, as ``taawun
import`` writes it), every entry accounted for against the files, real values judged from
the loaded index, and the import idempotent."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from taawun.access.models import AuditEntry
from taawun.cooperation.importers import run, warninglists
from taawun.cooperation.threats.models_common import CommonList
from taawun.cooperation.threats.warninglists import CHOSEN, classify
from taawun.core.clock import SystemClock
from taawun.registry.importers.report import ImportReport
from taawun.registry.importers.run import import_sources
from taawun.registry.models import DataSource

from ..conftest import new_database

READ = 492_964  # entries in the 105 chosen lists' files (pymispwarninglists 1.7.0)


@dataclass
class Loaded:
    engine: Engine
    report: ImportReport
    seconds: float


def _import(session: Session, *, force: bool = False) -> ImportReport:
    sources, notes = warninglists.plan(session, warninglists.lists_dir(), SystemClock())
    report = ImportReport(notes=notes)
    import_sources(session, sources, report, force=force, clock=SystemClock())
    return report


@pytest.fixture(scope="module")
def loaded(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    engine = new_database(backend, "common_full", tmp_path_factory.mktemp(f"{backend}-wl"))
    with Session(engine) as session:
        started = time.perf_counter()
        report = _import(session)
        seconds = time.perf_counter() - started
    yield Loaded(engine, report, seconds)
    engine.dispose()


def test_taawun_import_loads_the_warninglists() -> None:
    assert warninglists.plan in run.PLANNERS


def test_every_entry_of_every_chosen_list_is_accounted_for(loaded: Loaded) -> None:
    result = loaded.report[warninglists.KEY]
    assert not result.skipped and result.rows == READ
    assert result.by_table["common_list"].inserted == len(CHOSEN) == 105
    rows = {table: counts.inserted for table, counts in result.by_table.items()}
    assert rows == {
        "common_list": 105,
        "common_exact": 280_505,
        "common_host": 85_326,
        "common_network": 120_721,
        "common_pattern": 4_942,
    }
    with Session(loaded.engine) as session:
        lists = session.scalars(select(CommonList)).all()
        for one in lists:
            in_file = json.loads((warninglists.lists_dir() / one.key / "list.json").read_bytes())
            assert one.read == len(in_file["list"]), one.key
            assert one.read == one.loaded + one.merged + one.rejected, one.key
        assert sum(one.read for one in lists) == READ
        assert sum(one.rejected for one in lists) == 1_470
        source = session.execute(select(DataSource).where(DataSource.key == "misp-warninglists"))
        assert source.scalar_one().rows == READ
        audit = session.scalars(
            select(AuditEntry).where(AuditEntry.target_id == "misp-warninglists")
        ).one()
        assert audit.action == "registry.import" and audit.after["inserted"] == 491_599


@pytest.mark.parametrize(
    ("kind", "value", "common", "reason"),
    [
        ("ipv4", "8.8.8.8", True, "[public-dns-v4]"),
        ("ipv4", "10.1.2.3", True, "[rfc1918]"),
        ("domain", "mail.google.com", True, "[cisco_top20k]"),  # exact beats subdomain
        ("domain", "docs.google.com", True, None),
        ("ipv4", "3.5.140.2", False, None),  # an AWS address: a note, not common
        ("sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", True, None),
    ],
)
def test_real_values_from_the_loaded_index(
    loaded: Loaded, kind: str, value: str, common: bool, reason: str | None
) -> None:
    with Session(loaded.engine) as session:
        flag = classify(session, [(kind, value)])[(kind, value)]
    assert flag.common is common
    if reason:
        assert reason in (flag.reason or "")
    if not common:
        assert "List of known Amazon AWS IP address ranges [amazon-aws]" in flag.notes


def test_a_random_domain_is_on_no_list(loaded: Loaded) -> None:
    with Session(loaded.engine) as session:
        assert classify(session, [("domain", "qx7-unlisted-example.org")]) == {}


def test_a_second_import_is_skipped_and_a_forced_one_writes_nothing(loaded: Loaded) -> None:
    with Session(loaded.engine) as session:
        rows = {
            table: session.scalar(select(func.count()).select_from(table))
            for table in warninglists.ROW_TABLES
        }
        again = _import(session)
        assert again[warninglists.KEY].skipped and not again.changed
        forced = _import(session, force=True)
        assert not forced[warninglists.KEY].skipped and not forced.changed
        assert rows == {
            table: session.scalar(select(func.count()).select_from(table))
            for table in warninglists.ROW_TABLES
        }
