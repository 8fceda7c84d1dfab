"""Migration 0015 on a node that already imported ATOP: the next ``import`` writes the
member-level obligations (the ATOP source is no longer skipped as unchanged)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from taawun.registry.importers.run import import_all
from taawun.registry.models import Agreement, AgreementParty, DataSource
from taawun.storage.migrate import downgrade, upgrade

from ..conftest import new_database


def test_an_existing_node_gets_the_obligations_at_its_next_import(
    backend: str, tmp_path: Path
) -> None:
    engine = new_database(backend, "obligations", tmp_path)
    try:
        with Session(engine) as session:
            import_all(session)
        downgrade(engine, "0014")  # a node as it was before 0015, its ATOP imported
        upgrade(engine)
        atop = AgreementParty.agreement_id.in_(
            select(Agreement.id).where(Agreement.source == "ATOP 5.1")
        )
        coded = (
            select(func.count())
            .select_from(AgreementParty)
            .where(atop, AgreementParty.defense.is_not(None))
        )
        with Session(engine) as session:
            assert session.scalar(coded) == 0
            marker = select(DataSource.sha256).where(DataSource.key == "atop")
            assert session.scalar(marker) == "reimport:0015-party-obligations"
            report = import_all(session)
            assert not report.sources["atop"].skipped
            assert report.sources["cow-states"].skipped  # unchanged, as before
            assert session.scalar(coded) == 2510
            again = import_all(session)
            assert again.sources["atop"].skipped and not again.changed
    finally:
        engine.dispose()
