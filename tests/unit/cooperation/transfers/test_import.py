"""SIPRI's record on the node: every row of the real files accounted for, the figures of
PROVENANCE §5a, parties that are no state kept as names, uncertainty, provenance, and a
re-import that writes nothing."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from taawun.cooperation.transfers import _sipri_files as files
from taawun.cooperation.transfers.models import Transfer, TransferItem, TransferItemName
from taawun.registry.importers._sync import table_of
from taawun.registry.resolver import resolve_state

from .conftest import DATA, Imported, import_sipri


def _csv(path: str, encoding: str) -> list[list[str]]:
    text = (DATA / path).read_bytes().decode(encoding)
    return list(csv.reader(io.StringIO(text, newline="")))[1:]


def _count(session: Session, *where: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(Transfer).where(*where)) or 0)


def test_every_row_of_the_tiv_table_is_a_yearly_transfer(sipri_db: Session) -> None:
    rows = _csv(files.TIV_FILE, "utf-8")
    assert len(rows) == 21324
    assert _count(sipri_db, Transfer.source == "SIPRI TIV", Transfer.kind == "aggregate") == 21324
    lines = set(sipri_db.scalars(select(Transfer.source_row).where(Transfer.source == "SIPRI TIV")))
    assert lines == set(range(2, 21324 + 2))  # each by its line number
    first = sipri_db.scalars(
        select(Transfer).where(Transfer.source == "SIPRI TIV", Transfer.source_row == 2)
    ).one()
    assert rows[0][:4] == ["Austria", "Australia", "2021", "11"]
    assert (first.supplier_name, first.recipient_name, first.year, first.tiv_delivered) == (
        "Austria", "Australia", 2021, 11.0
    )  # fmt: skip
    assert first.source_file == files.TIV_FILE and "28 July 2022" in (first.source_release or "")
    assert first.public and first.status is None


def test_recipient_totals_equal_provenance(sipri_db: Session) -> None:
    """PROVENANCE §5a: Turkey 51,930; Pakistan 39,542; Saudi Arabia 72,484; UAE 29,373 (TIV
    received), by state: "PKK (Turkey)*" is a group, not Turkey, and does not count."""
    for state, total in (("TUR", 51930), ("PAK", 39542), ("SAU", 72484), ("ARE", 29373)):
        got = sipri_db.scalar(
            select(func.sum(Transfer.tiv_delivered)).where(
                Transfer.kind == "aggregate",
                Transfer.recipient_state_id == resolve_state(sipri_db, state).id,
            )
        )
        assert got == total, state


def test_every_register_row_is_imported_merged_or_reported(sipri_engine: Imported) -> None:
    for name, path in files.REGISTER_FILES.items():
        rows = _csv(path, "cp1252")
        with Session(sipri_engine.engine) as session:
            assert _count(session, Transfer.source == f"SIPRI register {name}") == len(rows)
    assert [len(_csv(p, "cp1252")) for p in files.REGISTER_FILES.values()] == [1938, 2422, 1212]
    # The US register: headings, blank lines, deals, and three rows reported, not guessed.
    us = _csv(files.US_FILE, "utf-8-sig")
    headings = [r for r in us if r[0].strip() and not any(c.strip() for c in r[1:])]
    blank = [r for r in us if not any(c.strip() for c in r)]
    assert (len(us), len(headings), len(blank)) == (9273, 166, 167)
    with Session(sipri_engine.engine) as session:
        deals = _count(session, Transfer.source == "SIPRI register USA")
    assert deals == 9273 - 166 - 167 - 3 == 8937
    reported = [n for n in sipri_engine.report.notes if files.US_FILE in n]
    assert [n.split(" not imported")[0].rsplit(" ", 1)[1] for n in reported] == [
        "271",
        "335",
        "424",
    ]
    assert all("shifted" in n for n in reported)
    registers = sipri_engine.report["sipri-registers"]
    assert registers.rows == 1938 + 2422 + 1212 + 9273


def test_parties_that_are_no_state_keep_their_names(sipri_db: Session) -> None:
    def party(name: str) -> tuple[int | None, str]:
        found = sipri_db.execute(
            select(Transfer.recipient_state_id, Transfer.recipient_kind).where(
                Transfer.recipient_name == name
            )
        ).first()
        assert found is not None, name
        return found[0], found[1]

    assert party("PKK (Turkey)*") == (None, "armed_group")  # 360info gave it Turkey's 640
    assert party("NATO**") == (None, "organization")
    assert party("Unknown recipient(s)") == (None, "unknown")
    assert party("Northern Cyprus") == (None, "entity")  # 360info gave it Cyprus's 352
    serbia = resolve_state(sipri_db, "345").id  # the TIV table gives Serbia no code
    assert party("Serbia") == (serbia, "state")
    unknown = select(func.count()).where(
        Transfer.supplier_name == "Unknown supplier(s)", Transfer.supplier_state_id.is_(None)
    )
    assert sipri_db.scalar(unknown) == 231


def test_west_germany_before_unification(sipri_db: Session) -> None:
    """SIPRI's registers say "Germany" throughout; before 1991 that is COW 260."""
    years = dict(
        sipri_db.execute(
            select(Transfer.year, Transfer.recipient_state_id).where(
                Transfer.source == "SIPRI register UK", Transfer.recipient_name == "Germany"
            )
        ).all()
    )
    assert min(years) < 1991 <= max(years)
    assert years[min(years)] == resolve_state(sipri_db, "260").id
    assert years[max(years)] == resolve_state(sipri_db, "255").id


def _register_row(session: Session, source: str, line: int) -> Transfer:
    return session.scalars(
        select(Transfer).where(Transfer.source == source, Transfer.source_row == line)
    ).one()


def test_deals_keep_sipri_fields_uncertainty_and_provenance(sipri_db: Session) -> None:
    rows = _csv(files.REGISTER_FILES["UK"], "cp1252")
    line = next(i + 2 for i, r in enumerate(rows) if r[3] == "" and r[4] == "air refuel system")
    refuel = _register_row(sipri_db, "SIPRI register UK", line)
    assert refuel.quantity_ordered is None and "quantity_ordered" in refuel.uncertain
    assert (refuel.recipient_name, refuel.order_year) == ("France", 2015)
    line = next(i + 2 for i, r in enumerate(rows) if "Supplier uncertain" in r[9])
    assert "supplier" in _register_row(sipri_db, "SIPRI register UK", line).uncertain
    mi17 = _register_row(sipri_db, "SIPRI register UK", 2)  # the file's first deal
    assert (mi17.designation, mi17.description, mi17.category) == (
        "Mi-17", "transport helicopter", "aircraft"
    )  # fmt: skip
    assert (mi17.quantity_ordered, mi17.quantity_delivered, mi17.condition) == (2, 2, "Second hand")
    assert (mi17.tiv_unit, mi17.tiv_order, mi17.tiv_delivered) == (2.9, 5.8, 5.8)
    assert "orders through 2020" in (mi17.source_release or "")  # the UK register's last
    engines = _register_row(sipri_db, "SIPRI register UK", 3)
    assert (engines.delivery_years, engines.first_delivery, engines.last_delivery) == (
        "1977; 1978; 1979", 1977, 1979
    )  # fmt: skip
    us = _csv(files.US_FILE, "utf-8-sig")
    line = next(i + 2 for i, r in enumerate(us) if r[2] == "Cessna-208 Caravanlight")
    cessna = _register_row(sipri_db, "SIPRI register USA", line)
    assert (cessna.recipient_name, cessna.supplier_name, cessna.delivery_years) == (
        "Afghanistan", "United States", "2011-2012"
    )  # fmt: skip
    assert cessna.tiv_order is None and cessna.condition is None  # the US register has neither
    assert "orders through 2021" in (cessna.source_release or "")


def _dump(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    dump = {}
    for model in (Transfer, TransferItem, TransferItemName):
        table = table_of(model)
        rows = session.execute(select(table).order_by(table.c.id)).all()
        dump[table.name] = [tuple(r) for r in rows]
    return dump


def test_second_import_skips_and_forced_import_writes_nothing(sipri_db: Session) -> None:
    before = _dump(sipri_db)
    again = import_sipri(sipri_db)
    assert all(s.skipped for s in again.sources.values()) and not again.changed
    forced = import_sipri(sipri_db, force=True)
    assert not any(s.skipped for s in forced.sources.values())
    assert not forced.changed, forced.summary()
    assert _dump(sipri_db) == before


def test_first_import_reported_what_it_wrote(sipri_engine: Imported) -> None:
    report = sipri_engine.report
    assert report["sipri-tiv"].by_table["transfer"].inserted == 21324
    assert report["sipri-registers"].by_table["transfer"].inserted == 1938 + 2422 + 1212 + 8937
    assert report["misp-galaxy-uavs"].by_table["transfer_item"].inserted == 614
    assert any("'niue'" in n for n in report.notes)  # a galaxy operator that is no state
