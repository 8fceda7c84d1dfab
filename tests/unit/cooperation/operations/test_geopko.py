"""The Geo-PKO import checked against the real file: every row accounted to a mission, every
contributor name resolved or reported, the per-year figures as the rows add up, nothing
written the second time; and the question it answers, who served alongside whom.

The expected figures are computed here from the CSV with the ``csv`` module alone, apart
from the importer, and checked against PROVENANCE §7 where it states them."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from taawun.access.models import AuditEntry
from taawun.cooperation.importers import geopko
from taawun.cooperation.operations import changes, service
from taawun.cooperation.operations.models import Operation, OperationDeployment
from taawun.core.errors import InvalidInput, NotFound, PermissionDenied
from taawun.core.principal import Principal, Role
from taawun.registry.importers.report import ImportReport
from taawun.registry.importers.run import default_data_dir, import_sources
from taawun.registry.resolver import resolve_state

from .conftest import ROOT, make_world

DATA = default_data_dir()


@cache
def rows() -> tuple[dict[str, str], ...]:
    with (DATA / geopko.FILE).open(encoding="utf-8", newline="") as f:
        return tuple(csv.DictReader(f))


def tccs(row: dict[str, str]) -> Iterator[tuple[str, str]]:
    """(name as written, troops) of each contributor named in a row."""
    for i in range(1, 15):
        name = row[f"name.of.TCC{i}"]
        if name not in ("", "NA"):
            yield name, row[f"No.troops.per.TCC{i}"]


def _import(session: Session, *, force: bool = False) -> tuple[ImportReport, geopko.GeoPkoPlan]:
    from taawun.core.clock import SystemClock

    parsed = geopko.parse(session, DATA)
    report = ImportReport(notes=parsed.notes())
    clock = SystemClock()
    import_sources(session, [geopko.source(parsed, clock)], report, force=force, clock=clock)
    return report, parsed


@pytest.fixture(scope="module")
def imported(loaded_engine: Engine) -> Iterator[tuple[Any, ImportReport, geopko.GeoPkoPlan]]:
    """One import for the module, in a transaction undone at its end; each test works in a
    savepoint of it (``db``)."""
    connection = loaded_engine.connect()
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    report, parsed = _import(session)
    session.close()
    yield connection, report, parsed
    outer.rollback()
    connection.close()


@pytest.fixture
def db(imported: tuple[Any, ImportReport, geopko.GeoPkoPlan]) -> Iterator[Session]:
    connection = imported[0]
    nested = connection.begin_nested()
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    yield session
    session.close()
    nested.rollback()


def test_the_file_is_as_provenance_describes_it() -> None:
    assert len(rows()) == 12190
    assert len({r["Mission"] for r in rows()}) == 27
    named = Counter(name for r in rows() for name, _ in tccs(r))
    assert len(named) == 92
    top = {"Bangladesh": 1877, "Pakistan": 1350, "India": 1132, "Ethiopia": 973}
    assert {n: named[n] for n in top} == top
    assert {"Egypt": named["Egypt"], "Morocco": named["Morocco"], "Jordan": named["Jordan"]} == {
        "Egypt": 406, "Morocco": 326, "Jordan": 282
    }  # fmt: skip


def test_every_row_and_every_name_is_accounted_for(
    db: Session, imported: tuple[Any, ImportReport, geopko.GeoPkoPlan]
) -> None:
    _, report, parsed = imported
    per_mission = Counter(r["Mission"] for r in rows())
    stored = dict(db.execute(select(Operation.source_id, Operation.source_rows).where(
        Operation.source == "Geo-PKO")).all())  # fmt: skip
    assert stored == dict(per_mission) and sum(stored.values()) == 12190
    assert report["geopko"].by_table["operation"].inserted == 27

    mentions = sum(1 for r in rows() for _ in tccs(r))
    assert parsed.mentions == mentions == 14435
    assert dict(parsed.unidentified) == {"unknown": 197, "MA": 6}
    assert dict(parsed.unresolved) == {} and dict(parsed.mismatches) == {}
    # a state named twice in one row (two units at one location) is one record of it
    twice = sum(
        n - 1
        for r in rows()
        for n in Counter(" ".join(name.split()) for name, _ in tccs(r)).values()
        if n > 1
    )
    assert parsed.merged == twice == 30
    records = db.scalar(select(func.sum(OperationDeployment.records)))
    assert records == mentions - 197 - 6 - twice
    assert any("'MA': 6, 'unknown': 197" in n for n in report.notes)


def test_a_states_records_are_the_rows_naming_it(db: Session) -> None:
    for name, iso3 in (("Bangladesh", "BGD"), ("Pakistan", "PAK"), ("India", "IND")):
        naming = [r for r in rows() if any(n.strip() == name for n, _ in tccs(r))]
        state = resolve_state(db, iso3).id
        stored = db.scalar(
            select(func.sum(OperationDeployment.records)).where(
                OperationDeployment.state_id == state
            )
        )
        assert stored == len(naming)
    # "Pakistan" is written 1350 times, "Pakistan " 68 more: one state, 1418 rows
    pakistan = resolve_state(db, "PAK").id
    assert (
        db.scalar(
            select(func.sum(OperationDeployment.records)).where(
                OperationDeployment.state_id == pakistan
            )
        )
        == 1418
    )
    korea = db.scalar(
        select(func.count()).where(OperationDeployment.state_id == resolve_state(db, "732").id)
    )
    assert korea and korea > 0  # "Korea" and "Korea (ROK)" are South Korea, COW 732


def test_troops_peak_is_the_largest_map_total_of_the_year(db: Session) -> None:
    by_map: Counter[tuple[str, str, str]] = Counter()
    for r in rows():
        if r["Mission"] == "UNAMSIL" and r["year"] == "2003":
            for name, troops in tccs(r):
                if name.strip() == "Pakistan" and troops.isdigit():
                    by_map[(r["month"], r["Source"].strip(), "")] += int(troops)
    expected = max(by_map.values())
    found = service.get_operation(Principal.public(), db, ref="UNAMSIL")
    pakistan = next(c for c in found.contributors if c.state.iso3 == "PAK")
    peak_2003 = db.scalar(
        select(OperationDeployment.troops_peak).where(
            OperationDeployment.operation_id == found.id,
            OperationDeployment.state_id == pakistan.state.id,
            OperationDeployment.year == 2003,
        )
    )
    assert peak_2003 == expected == 6225
    assert pakistan.troops_peak is not None and pakistan.troops_peak >= expected


def test_a_second_import_writes_nothing(
    db: Session, imported: tuple[Any, ImportReport, geopko.GeoPkoPlan]
) -> None:
    entries = db.scalar(select(func.count()).select_from(AuditEntry))
    again, _ = _import(db)
    assert again["geopko"].skipped
    forced, _ = _import(db, force=True)
    assert (forced["geopko"].inserted, forced["geopko"].updated, forced["geopko"].deleted) == (
        0, 0, 0
    )  # fmt: skip
    # the forced run is recorded (an entry), and changes no row
    assert db.scalar(select(func.count()).select_from(AuditEntry)) == entries + 1
    assert db.scalar(select(func.count()).select_from(Operation)) == 27


def test_who_served_alongside_whom(db: Session) -> None:
    pairs: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for r in rows():
        for name, _ in tccs(r):
            pairs[" ".join(name.split())].add((r["Mission"], r["year"]))
    both = pairs["Pakistan"] & pairs["Bangladesh"]
    found = service.alongside(Principal.public(), db, state="PAK")
    bangladesh = next(p for p in found.partners if p.state.iso3 == "BGD")
    assert found.partners[0] == bangladesh and bangladesh.mission_years == len(both) == 72
    assert found.missions == len({m for m, _ in pairs["Pakistan"]})
    dyad = service.dyad_deployments(Principal.public(), db, a="Pakistan", b="BGD")
    assert {(e.mission, str(e.year)) for e in dyad.entries} == both
    in_2003 = service.alongside(Principal.public(), db, state="PAK", year=2003)
    assert all(p.first_year == p.last_year == 2003 for p in in_2003.partners)
    assert service.alongside(Principal.public(), db, state="TUR").partners == []
    with pytest.raises(InvalidInput):
        service.dyad_deployments(Principal.public(), db, a="PAK", b="Pakistan")
    with pytest.raises(NotFound):
        service.alongside(Principal.public(), db, state="Atlantis")


def test_the_record_is_public_and_changed_by_its_importer_alone(db: Session) -> None:
    world = make_world(db)
    saudi = world.user("SAU", Role.ADMIN)
    page = service.list_operations(saudi, db, historical=True, clock=world.clock)
    assert page.total == 27
    monuc = service.get_operation(Principal.public(), db, ref="monuc")
    assert (monuc.status, monuc.public, monuc.historical) == ("recorded", True, True)
    assert monuc.source_rows == 1667
    with pytest.raises(PermissionDenied, match="historical record"):
        changes.join_operation(world.user("PAK"), db, ref=monuc.id, clock=world.clock)
    with pytest.raises(PermissionDenied, match="historical record"):
        changes.cancel_operation(ROOT, db, ref="MONUC", clock=world.clock)
    live = world.propose()
    mine = service.list_operations(world.user("AZE"), db, clock=world.clock)
    assert mine.total == 28 and live.id in {o.id for o in mine.items}
    assert service.list_operations(saudi, db, clock=world.clock).total == 27
