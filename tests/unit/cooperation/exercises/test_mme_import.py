"""The MME record (``exercises/mme_v7.csv``) imported whole: every row and every participant
cell accounted for, checked against the file itself and PROVENANCE §6, and idempotent."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.orm import Session

from taawun.access.restrict import Action
from taawun.cooperation.exercises import changes, service
from taawun.cooperation.exercises.models import Exercise, ExerciseDomain, ExerciseParticipant
from taawun.cooperation.exercises.schemas import ExerciseUpdate
from taawun.cooperation.importers import mme
from taawun.core.clock import FixedClock
from taawun.core.errors import Ambiguous, PermissionDenied
from taawun.core.principal import Principal, Role
from taawun.registry.importers.report import ImportReport
from taawun.registry.importers.run import default_data_dir, import_sources
from taawun.registry.resolver import resolve_state

from .conftest import PrincipalFor

CLOCK = FixedClock(datetime(2026, 11, 24, tzinfo=UTC))
FILE = default_data_dir() / mme.FILE
# PROVENANCE §6, "Checks run": exercises by participant, counted over the file's cells.
PROVENANCE = {
    "TUR": 331,
    "MYS": 230,
    "IDN": 146,
    "KWT": 122,
    "EGY": 69,
    "SAU": 66,
    "ARE": 66,
    "PAK": 62,
    "QAT": 57,
}


def _file() -> list[dict[str, str]]:
    with FILE.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return _file()


@pytest.fixture(scope="module")
def imported(
    loaded_engine: Engine,
) -> Iterator[tuple[Connection, ImportReport, list[tuple[str, int, int]]]]:
    """The record imported once for the module, in a transaction rolled back at its end."""
    connection = loaded_engine.connect()
    outer = connection.begin()
    progress: list[tuple[str, int, int]] = []
    with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
        sources, notes = mme.plan(session, default_data_dir(), CLOCK)
        report = ImportReport(notes=notes)
        import_sources(
            session, sources, report, clock=CLOCK, on_progress=lambda *a: progress.append(a)
        )
    try:
        yield connection, report, progress
    finally:
        outer.rollback()
        connection.close()


@pytest.fixture
def session(imported: tuple[Connection, ImportReport, object]) -> Iterator[Session]:
    with Session(bind=imported[0], join_transaction_mode="create_savepoint") as s:
        yield s


@pytest.fixture(scope="module")
def plan(loaded_engine: Engine) -> mme.MmePlan:
    with Session(loaded_engine) as session:
        return mme.parse(session, default_data_dir())


def test_every_row_and_every_participant_cell_is_accounted_for(
    plan: mme.MmePlan, rows: list[dict[str, str]]
) -> None:
    columns = [c for c in rows[0] if c.startswith("State")]
    cells = [r[c].strip() for r in rows for c in columns if r[c].strip()]
    assert (len(rows), len(columns), len(set(cells))) == (3707, 39, 194)  # PROVENANCE §6
    assert plan.rows == len(plan.exercises) == 3707
    assert len({e["source_id"] for e in plan.exercises}) == 3707
    assert plan.cells == {
        "state": 13652,
        "unnamed (-9)": 208,  # MME's missing code: the exercise is flagged unnamed_participants
        "merged: named twice in the row": 18,  # a name repeated in its row (17 rows)
        "merged: the same state under two names": 1,  # mme978: "st. christopher", St. Kitts
        "kept unresolved (no state)": 6,  # Hong Kong x2, Bermuda, ... (kept, reported)
        "organization": 2,  # "NATO" in a participant column
        "organization from AdditionalParticipantInfo": 27,  # the whole cell is "NATO"
    }
    from_cells = sum(n for k, n in plan.cells.items() if "AdditionalParticipantInfo" not in k)
    assert from_cells == len(cells) == 13887
    stored = 13652 + 2 + 6 + 27  # states, NATO (both ways), names kept unresolved
    assert len(plan.participants) == stored == 13687
    assert sorted(plan.reused_ids) == ["mme3457", "mme3458", "mme3460"]
    assert len(plan.end_before_start) == 6
    assert any("Hong Kong SAR China" in n for n in plan.notes)


def test_participants_per_state_agree_with_provenance(
    plan: mme.MmePlan, loaded_db: Session, rows: list[dict[str, str]]
) -> None:
    """Exercises per state. Saudi Arabia's is 65, not PROVENANCE's 66: PROVENANCE counted
    cells, and mme3182 ("Ferocious Falcon") names Saudi Arabia twice; it is one participant
    of one exercise."""
    found = {iso3: plan.by_state[resolve_state(loaded_db, iso3).id] for iso3 in PROVENANCE}
    assert found == {**PROVENANCE, "SAU": 65}
    twice = [
        r["MMEID"]
        for r in rows
        if [r[c] for c in r if c.startswith("State")].count("Saudi Arabia") == 2
    ]
    assert twice == ["mme3182"]


def test_germany_is_read_by_year_and_serbia_as_cow_345(
    plan: mme.MmePlan, loaded_db: Session, rows: list[dict[str, str]]
) -> None:
    """ "Federal Republic of Germany" (1980-1990 in MME) is COW 260, the German Federal
    Republic; "Germany" (from 1991) is COW 255. The resolver alone would give 255 to both."""
    by_name = Counter(
        name for r in rows for name in {r[c] for c in r if c.startswith("State")} if name
    )
    gfr, germany = (resolve_state(loaded_db, c).id for c in ("260", "255"))
    assert plan.by_state[gfr] == by_name["Federal Republic of Germany"] == 125
    assert plan.by_state[germany] == by_name["Germany"] == 333
    assert (
        plan.by_state[resolve_state(loaded_db, "345").id]
        == by_name["Serbia"] + by_name["Yugoslavia"]
    )


def test_the_import_writes_the_plan_and_a_second_writes_nothing(
    imported: tuple[Connection, ImportReport, list[tuple[str, int, int]]], session: Session
) -> None:
    _, report, progress = imported
    first = report["mme"]
    assert (first.inserted, first.updated, first.deleted) == (3707 + 13687 + 5014, 0, 0)
    assert {t: c.inserted for t, c in first.by_table.items()} == {
        "exercise": 3707,
        "exercise_participant": 13687,
        "exercise_domain": 5014,
    }
    assert progress[0] == ("mme", 0, 3707) and progress[-1] == ("mme", 3707, 3707)
    for force in (False, True):
        again = ImportReport()
        sources, _ = mme.plan(session, default_data_dir(), CLOCK)
        import_sources(session, sources, again, clock=CLOCK, force=force)
        assert again["mme"].skipped is not force
        assert not again["mme"].counts.changed
    counts = [
        session.scalar(select(func.count()).select_from(m)) or 0
        for m in (Exercise, ExerciseParticipant, ExerciseDomain)
    ]
    assert counts == [3707, 13687, 5014]


def test_the_record_is_public_and_answers_as_the_file_says(
    session: Session, rows: list[dict[str, str]]
) -> None:
    public = Principal.public()
    page = service.list_exercises(public, session, source="imported", limit=1)
    assert page.total == 3707
    assert service.list_exercises(public, session, state="TUR", limit=1).total == 331
    flags = Counter(r["Peacekeeping"] for r in rows)["1"]
    assert service.list_exercises(public, session, domains=["peacekeeping"], limit=1).total == flags
    assert service.list_exercises(public, session, coverage="unassessed", limit=1).total == 3707
    first = service.get_exercise(public, session, ref="mme88")
    assert (first.name, first.start, first.start_precision, first.end) == (
        "Saudi Arabian skies", "1980-01", "month", "1980-01"
    )  # fmt: skip
    assert (first.host, first.host_basis, first.states) == ("EGY", "location", ["EGY", "USA"])
    at_sea = service.get_exercise(public, session, ref="mme90")  # "north atlantic between ..."
    assert at_sea.host is None and at_sea.domains == ["sea"] and at_sea.warfighting is True
    assert at_sea.states == ["BEL", "CAN", "German Federal Republic", "NLD", "GBR", "USA"]
    with pytest.raises(Ambiguous) as err:
        service.get_exercise(public, session, ref="mme3457")
    assert err.value.candidates == [
        "mme3457-1 (Baltic Circle, 1996)",
        "mme3457-2 (Noble Award, 2007)",
    ]
    noble = service.get_exercise(public, session, ref="mme3457-2")
    assert noble.unnamed_participants and noble.states == []


def test_non_states_are_kept_and_nato_is_the_registry_organization(
    session: Session, plan: mme.MmePlan
) -> None:
    public = Principal.public()
    kept = [p for p in plan.participants if p["name"] == "Hong Kong SAR China"]
    assert len(kept) == 2
    shown = service.get_exercise(public, session, ref=kept[0]["source_id"])
    assert shown.unresolved == 1
    assert [(p.state, p.organization) for p in shown.participants if p.name.startswith("Hong")] == [
        (None, None)
    ]
    nato = [p["source_id"] for p in plan.participants if p["organization_id"] is not None]
    assert len(nato) == 29
    found = service.get_exercise(public, session, ref=nato[0])
    assert [p.organization for p in found.participants if p.name == "NATO"] == ["NATO"]


def test_only_the_importer_changes_the_record(
    session: Session, principal_for: PrincipalFor
) -> None:
    """Turkey took part in mme2181 (Atta Turk III): its liaison sees it, may not change it."""
    for state in ("TUR", "SAU"):
        with pytest.raises(PermissionDenied) as err:
            changes.update_exercise(
                principal_for(state, Role.ADMIN),
                session,
                ref="mme2181",
                data=ExerciseUpdate(name="Renamed"),
            )
        assert "historical record" in err.value.message
    from taawun.cooperation.exercises import repository

    found = service.find_exercise(Principal.system_principal(), session, "mme2181", Action.CHANGE)
    assert repository.exercise(session, principal_for("TUR"), found.id, Action.CHANGE) is None
