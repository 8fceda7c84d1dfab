"""Engines: URL normalisation, SQLite pragmas, and the unit of work."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from taawun.registry.models import State
from taawun.storage.engine import make_engine, normalize_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u:p@h:5432/db", "postgresql+psycopg://u:p@h:5432/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////var/lib/taawun/taawun.db", "sqlite:////var/lib/taawun/taawun.db"),
        ("sqlite://", "sqlite://"),
    ],
)
def test_normalize_url(given: str, expected: str) -> None:
    assert normalize_url(given) == expected


def test_sqlite_engine_uses_wal_and_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'sub' / 'node.db'}")
    try:
        # Two connections at once: the pragmas are set on every new connection.
        with engine.connect() as first, engine.connect() as second:
            for connection in (first, second):
                assert connection.scalar(text("PRAGMA journal_mode")) == "wal"
                assert connection.scalar(text("PRAGMA foreign_keys")) == 1
        assert (tmp_path / "sub" / "node.db").exists()
    finally:
        engine.dispose()


def _state_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(State)) or 0


def test_postgresql_sessions_run_without_jit(empty_engine: Engine) -> None:
    """JIT compilation cost more than the short policy-filtered reads it compiled."""
    if empty_engine.dialect.name != "postgresql":
        assert empty_engine.dialect.name == "sqlite"  # nothing to switch off there
        return
    with empty_engine.connect() as conn:
        assert conn.execute(text("SHOW jit")).scalar() == "off"


def test_a_new_sqlite_database_has_16k_pages_and_an_old_one_keeps_its_own(
    tmp_path: Path,
) -> None:
    import sqlite3

    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    try:
        with engine.connect() as connection:
            assert connection.scalar(text("PRAGMA page_size")) == 16_384
    finally:
        engine.dispose()
    old = tmp_path / "old.db"
    raw = sqlite3.connect(old)
    raw.execute("CREATE TABLE t (x)")  # created with SQLite's default page size
    raw.commit()
    raw.close()
    engine = make_engine(f"sqlite:///{old}")
    try:
        with engine.connect() as connection:
            assert connection.scalar(text("PRAGMA page_size")) == 4096
            assert connection.scalar(text("PRAGMA journal_mode")) == "wal"
    finally:
        engine.dispose()
