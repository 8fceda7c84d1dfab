"""Engines and sessions.

SQLite is the embedded default (WAL, foreign keys on); PostgreSQL is selected by
``TAAWUN_DATABASE_URL``. URLs of the form ``postgresql://`` use psycopg 3.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, create_engine, event, make_url
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


# A connection whose transactions will write: on SQLite they begin with ``BEGIN IMMEDIATE``
# (see ``_sqlite_begin``); elsewhere the option means nothing.
WRITES = "taawun_writes"

# How long SQLite waits for another process's write lock before "database is locked". Within
# the node's process writers queue before they begin (``access.deps``), so this covers only
# other processes (the CLI, an import) beside a serving node.
SQLITE_BUSY_MS = 30_000
# A connection's page cache, at most (KiB; SQLite's default is 2 MiB). A store of a million
# objects and its correlation index write all over their B-trees at every commit; with the
# default cache a commit rereads and rewrites pages it had a moment before
# (benchmarks/correlation.py). The cache grows only as pages are touched: readers stay small.
SQLITE_CACHE_KIB = 32 * 1024

# Connections kept open per process. SQLite's are a file handle and a page cache, and a
# request must never wait for one (a read may run on the event loop): the pool grows
# without bound beyond those kept, as concurrency needs. PostgreSQL's are bounded: the
# request threads (AnyIO's default limit of 40), the deferred writer and a margin.
SQLITE_POOL = 32
POSTGRESQL_POOL = 10
POSTGRESQL_OVERFLOW = 50


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling (an implicit deferred BEGIN before the first
    # write, none before a read or a SAVEPOINT) is turned off: ``_sqlite_begin`` says how
    # every transaction begins.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")  # takes effect on a new database only
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    """Begin a transaction the way its work needs.

    A deferred ``BEGIN`` (the default) takes no lock: in WAL mode a reader never waits and is
    never refused. A transaction that writes after reading must not begin that way: its read
    snapshot may be older than another writer's commit, and then SQLite refuses the upgrade
    to a write lock at once (``SQLITE_BUSY_SNAPSHOT``, "database is locked", without
    waiting for the busy timeout). So a connection marked ``WRITES`` begins with ``BEGIN
    IMMEDIATE``: it takes the write lock up front, waiting for it as long as the busy
    timeout allows, and what it then reads is the newest data."""
    immediate = connection.get_execution_options().get(WRITES, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def for_writes(engine: Engine) -> Engine:
    """The same engine (and pool), whose transactions take the write lock when they begin."""
    return engine.execution_options(**{WRITES: True})


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
        if make_url(url).database not in (None, "", ":memory:"):  # a file: a pooled engine
            kwargs.setdefault("pool_size", SQLITE_POOL)
            kwargs.setdefault("max_overflow", -1)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # JIT compilation pays off for long analytic queries; for the node's short, many,
    # policy-filtered reads it costs more than the query (about 17 ms on a page of 1000).
    connect_args = {"options": "-c jit=off", **kwargs.pop("connect_args", {})}
    kwargs.setdefault("pool_size", POSTGRESQL_POOL)
    kwargs.setdefault("max_overflow", POSTGRESQL_OVERFLOW)
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
