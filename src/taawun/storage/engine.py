"""Engines and sessions.

SQLite is the embedded default (WAL, foreign keys on); PostgreSQL is selected by
``TAAWUN_DATABASE_URL``. URLs of the form ``postgresql://`` use psycopg 3.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def normalize_url(url: str) -> str:
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


# Pages of 16 KiB instead of SQLite's 4 KiB: a stored object is ~0.5-1 KB, and a TAXII page
# of 1,000 of them read by date added took 0.45-0.50 ms of SQLite's time instead of
# 0.62-0.80 ms (1,000,000 objects, the same file vacuumed at both sizes); ingest was
# unchanged at 100,000 objects (benchmarks/README.md). A database keeps the size it was
# created with; WAL mode fixes it, so it is set before.
SQLITE_PAGE_SIZE = 16_384


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")  # takes effect on a new database only
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _json_text(value: Any) -> str:
    """JSON columns are written with orjson (several times faster than ``json.dumps``)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalize_url(url)
    kwargs.setdefault("json_serializer", _json_text)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # JIT compilation pays off for long analytic queries; for the node's short, many,
    # policy-filtered reads it costs more than the query (about 17 ms on a page of 1000).
    connect_args = {"options": "-c jit=off", **kwargs.pop("connect_args", {})}
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back everything on any error."""
    with factory() as session, session.begin():
        yield session
