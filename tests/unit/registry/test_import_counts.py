"""The import accounts for every row of the source files, and a re-import changes nothing."""

from __future__ import annotations

import csv
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from taawun.access.models import AuditEntry
from taawun.registry.importers._sync import table_of
from taawun.registry.importers.run import default_data_dir, import_all
from taawun.registry.models import (
    Agreement,
    AgreementDomain,
    AgreementParty,
    AgreementPhase,
    DataSource,
    Membership,
    Organization,
    OrganizationName,
    State,
    StateSpell,
)

DATA = default_data_dir()
REGISTRY = (
    State,
    StateSpell,
    Organization,
    OrganizationName,
    Membership,
    Agreement,
    AgreementDomain,
    AgreementPhase,
    AgreementParty,
    DataSource,
)


def _rows(path: str) -> list[dict[str, str]]:
    with (DATA / path).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _count(session: Session, model: Any, *where: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_atop_rows_all_accounted_for(loaded_db: Session) -> None:
    alliances = _rows("atop/atop5_1a.csv")
    members = _rows("atop/atop5_1m.csv")
    phases = _rows("atop/atop5_1aph.csv")
    assert (len(alliances), len(members), len(phases)) == (789, 2510, 849)
    atop = Agreement.source == "ATOP 5.1"
    assert _count(loaded_db, Agreement, atop) == len(alliances)
    mine = AgreementParty.agreement_id.in_(select(Agreement.id).where(atop))
    assert _count(loaded_db, AgreementParty, mine) == len(members)
    rows = set(loaded_db.scalars(select(AgreementParty.source_row).where(mine)))
    assert rows == set(range(2, len(members) + 2))  # every member line, by its line number
    in_phases = AgreementPhase.agreement_id.in_(select(Agreement.id).where(atop))
    assert _count(loaded_db, AgreementPhase, in_phases) == len(phases)


def test_states_spells_and_memberships_match_the_files(loaded_db: Session) -> None:
    spells = _rows("cow/states2016.csv")
    extra_states = _rows("curated/states_extra.csv")
    igo = _rows("cow/igo/cow_igo_v3_membership_spells_selected.csv")
    extra_members = _rows("curated/memberships_extra.csv")
    cow_codes = {int(r["ccode"]) for r in spells} | {8152}  # 8152: Annam, ATOP-only code
    assert _count(loaded_db, State) == len(cow_codes) + len(extra_states)
    assert set(loaded_db.scalars(select(State.cow_code).where(State.cow_code.is_not(None)))) == (
        cow_codes
    )
    assert _count(loaded_db, StateSpell) == len(spells)
    assert _count(loaded_db, Organization) == len({r["ioname"] for r in igo})
    assert _count(loaded_db, OrganizationName) == len(_rows("curated/organization_names.csv"))
    assert _count(loaded_db, Membership) == len(igo) + len(extra_members)
    curated = _rows("curated/agreements_since_2019.csv")
    assert _count(loaded_db, Agreement, Agreement.source == "curated") == len(curated)


def test_each_source_recorded_and_audited_once(loaded_db: Session) -> None:
    sources = {s.key: s for s in loaded_db.scalars(select(DataSource))}
    assert set(sources) == {"cow-states", "cow-igo", "atop", "curated-agreements", "fuhrmann-nca"}
    assert all(len(s.sha256) == 64 and s.rows > 0 for s in sources.values())
    names = _rows("curated/atop_treaty_names.csv")
    assert sources["atop"].rows == 789 + 2510 + 849 + 849 + len(names)
    audited = loaded_db.scalars(
        select(AuditEntry.target_id).where(AuditEntry.action == "registry.import")
    ).all()
    assert sorted(t or "" for t in audited) == sorted(sources)


def _dump(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    dump = {}
    for model in REGISTRY:
        table = table_of(model)
        rows = session.execute(select(table).order_by(table.c.id)).all()
        dump[table.name] = [tuple(r) for r in rows]
    return dump


def test_second_import_skips_and_forced_import_changes_nothing(loaded_db: Session) -> None:
    before = _dump(loaded_db)
    again = import_all(loaded_db)
    assert all(s.skipped for s in again.sources.values()) and not again.changed
    assert _dump(loaded_db) == before
    forced = import_all(loaded_db, force=True)
    assert not any(s.skipped for s in forced.sources.values())
    assert [(s.inserted, s.updated, s.deleted) for s in forced.sources.values()] == [(0, 0, 0)] * 5
    assert not forced.changed
    assert _dump(loaded_db) == before


def test_import_into_empty_database_reports_progress(db: Session) -> None:
    seen: dict[str, tuple[int, int]] = {}
    report = import_all(db, on_progress=lambda key, done, total: seen.update({key: (done, total)}))
    assert report.changed and report["atop"].inserted > 789
    assert all(done == total > 0 for done, total in seen.values())
    assert set(seen) == set(report.sources)
    assert any("8152" in note for note in report.notes)
