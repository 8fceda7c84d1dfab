"""On PostgreSQL, ingest refreshes the intel tables' statistics once they have grown by a
tenth (at least ``at_least`` rows), in a thread of its own: a quickly grown store
was otherwise planned as the small one it had been (benchmarks/load.py)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from taawun.cooperation.threats import _statistics as index
from taawun.intel import repository
from taawun.storage.statistics import GrowthStatistics
from tests.conftest import new_database


def _analyzed(session: Session, table: str) -> int:
    return int(
        session.execute(
            text("SELECT analyze_count FROM pg_stat_user_tables WHERE relname = :t"), {"t": table}
        ).scalar()
        or 0
    )


@pytest.mark.parametrize(
    "statistics",
    [repository.STATISTICS, index.STATISTICS],
    ids=["intel tables", "correlation index"],
)
def test_statistics_are_refreshed_past_the_growth_and_only_then(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, statistics: GrowthStatistics
) -> None:
    """Both writers that grow tables fast use it: intel's ingest and the correlation index."""
    engine = new_database(backend, "statistics", tmp_path)
    try:
        with Session(engine) as session:
            if backend != "postgresql":
                assert statistics.note_inserted(session, 10_000) is None  # nothing to do
                return
            monkeypatch.setattr(statistics, "at_least", 100)
            before = _analyzed(session, statistics.counted)
            assert statistics.note_inserted(session, 60) is None  # not yet due
            thread = statistics.note_inserted(session, 60)  # 120 rows: due
            assert thread is not None
            thread.join(timeout=30)
            assert not thread.is_alive()
            session.rollback()  # a new snapshot of the statistics views
            for _ in range(50):  # the statistics collector reports with a short delay
                if _analyzed(session, statistics.counted) > before:
                    break
                session.rollback()
                time.sleep(0.1)
            assert _analyzed(session, statistics.counted) > before
            assert statistics.note_inserted(session, 60) is None  # counting starts again
    finally:
        engine.dispose()
