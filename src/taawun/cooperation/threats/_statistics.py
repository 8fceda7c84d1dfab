"""Fresh PostgreSQL statistics for the correlation index as it grows.

PostgreSQL plans by its statistics, which autovacuum refreshes at most once a minute and only
once a tenth of a table has changed. An index that grew from nothing to 100,000 occurrences
in a minute was still planned as empty: the probes of the indexer and the shared-threat
query chose scans of whole tables (``benchmarks/correlation.py``). So the indexer keeps
count, as intel's ingest does for its own tables (``intel.repository.note_inserted``), and
past ``GROWTH`` of the occurrences (at least ``AT_LEAST`` rows) refreshes the index's
statistics in a thread of its own, on a connection of its own, off every request: ANALYZE
takes no lock a reader or writer waits on. SQLite plans by its indexes and needs none of it.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

GROWTH = 0.1
AT_LEAST = 1_000
_LOCK = threading.Lock()
_grown: dict[object, int] = {}  # occurrences inserted since the last refresh, by database
_known: dict[object, float] = {}  # the occurrences PostgreSQL counted then
_refreshing: set[object] = set()


def note_inserted(session: Session, rows: int) -> threading.Thread | None:
    """Count ``rows`` new occurrences; start a refresh when one is due (the thread, for tests
    to wait on; None when none was started)."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql" or rows <= 0:
        return None
    engine = bind.engine
    key = engine.url
    with _LOCK:
        grown = _grown.get(key, 0) + rows
        due = grown >= max(AT_LEAST, GROWTH * _known.get(key, 0.0))
        if not due or key in _refreshing:
            _grown[key] = grown
            return None
        _grown[key] = 0
        _refreshing.add(key)
    thread = threading.Thread(target=_refresh, args=(engine,), name="threats-analyze", daemon=True)
    thread.start()
    return thread


def _refresh(engine: Engine) -> None:
    key = engine.url
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE threat_value, threat_occurrence"))
            known = connection.execute(
                text("SELECT reltuples FROM pg_class WHERE relname = 'threat_occurrence'")
            ).scalar()
        with _LOCK:
            _known[key] = float(known or 0.0)
    except Exception:  # statistics are an optimisation: a failure is logged, never raised
        log.exception("refreshing the correlation index's statistics failed")
    finally:
        with _LOCK:
            _refreshing.discard(key)
