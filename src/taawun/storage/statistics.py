"""Fresh PostgreSQL statistics for tables that grow faster than autovacuum looks.

PostgreSQL plans by its statistics, which autovacuum refreshes at most once a minute and only
once a tenth of a table has changed. A table that grew from nothing to 100,000 rows in a
minute is still planned as empty: a page of intel read through the release policy was
sorted whole (7.7 ms instead of 0.15 ms, ``benchmarks/load.py``), and the correlation
index's probes scanned whole tables (``benchmarks/correlation.py``). So a writer counts the
rows it inserts (``GrowthStatistics.note_inserted``), and past ``growth`` of the table (and
at least ``at_least`` rows) the tables' statistics are refreshed in a thread of its own, on
a connection of its own: off every request, and outside the write gate (ANALYZE takes no
lock a reader or writer waits on). SQLite plans by its indexes and needs none of it.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)


@dataclass(slots=True)
class GrowthStatistics:
    """Refresh the statistics of ``tables`` as ``counted`` (the one that grows) grows."""

    tables: tuple[str, ...]
    counted: str
    growth: float = 0.1
    at_least: int = 1_000
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _grown: dict[object, int] = field(default_factory=dict)  # rows since the last, by database
    _known: dict[object, float] = field(default_factory=dict)  # rows PostgreSQL counted then
    _refreshing: set[object] = field(default_factory=set)

    def note_inserted(self, session: Session, rows: int) -> threading.Thread | None:
        """Count ``rows`` new rows; start a refresh when one is due (the thread, for tests to
        wait on; None when none was started)."""
        bind = session.get_bind()
        if bind.dialect.name != "postgresql" or rows <= 0:
            return None
        engine = bind.engine
        key = engine.url
        with self._lock:
            grown = self._grown.get(key, 0) + rows
            due = grown >= max(self.at_least, self.growth * self._known.get(key, 0.0))
            if not due or key in self._refreshing:
                self._grown[key] = grown
                return None
            self._grown[key] = 0
            self._refreshing.add(key)
        thread = threading.Thread(
            target=self._refresh, args=(engine,), name=f"analyze-{self.counted}", daemon=True
        )
        thread.start()
        return thread

    def _refresh(self, engine: Engine) -> None:
        key = engine.url
        try:
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text(f"ANALYZE {', '.join(self.tables)}"))
                known = connection.execute(
                    text("SELECT reltuples FROM pg_class WHERE relname = :name"),
                    {"name": self.counted},
                ).scalar()
            with self._lock:
                self._known[key] = float(known or 0.0)
        except Exception:  # statistics are an optimisation: a failure is logged, never raised
            log.exception("refreshing the statistics of %s failed", ", ".join(self.tables))
        finally:
            with self._lock:
                self._refreshing.discard(key)
