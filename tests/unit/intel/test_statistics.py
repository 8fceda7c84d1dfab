"""On PostgreSQL, ingest refreshes the intel tables' statistics once they have grown by a
tenth (at least ``ANALYZE_AT_LEAST`` rows), in a thread of its own: a quickly grown store
was otherwise planned as the small one it had been (benchmarks/load.py)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from taawun.intel import repository
from tests.conftest import new_database


def _analyzed(session: Session) -> int:
    return int(
        session.execute(
            text("SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'intel_object'")
        ).scalar()
        or 0
    )


def test_statistics_are_refreshed_past_the_growth_and_only_then(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = new_database(backend, "statistics", tmp_path)
    try:
        with Session(engine) as session:
            if backend != "postgresql":
                assert repository.note_inserted(session, 10_000) is None  # nothing to do
                return
            monkeypatch.setattr(repository, "ANALYZE_AT_LEAST", 100)
            before = _analyzed(session)
            assert repository.note_inserted(session, 60) is None  # not yet due
            thread = repository.note_inserted(session, 60)  # 120 rows: due
            assert thread is not None
            thread.join(timeout=30)
            assert not thread.is_alive()
            session.rollback()  # a new snapshot of the statistics views
            for _ in range(50):  # the statistics collector reports with a short delay
                if _analyzed(session) > before:
                    break
                session.rollback()
                time.sleep(0.1)
            assert _analyzed(session) > before
            assert repository.note_inserted(session, 60) is None  # counting starts again
    finally:
        engine.dispose()
