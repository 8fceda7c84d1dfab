"""Writers on SQLite: they take the write lock when they begin, queue at the write gate,
and the deferred writer makes what reads leave to record, apart from the reads.

Before, a transaction that read and then wrote asked for the write lock only at its first
write; when another writer had committed since its read began, SQLite refused at once
("database is locked", the busy timeout never applied): two concurrent writers were enough.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from taawun.storage.deferred import DeferredWrites, WriteGate, attach, deferred_of, writes
from taawun.storage.engine import for_writes, make_engine, make_sessionmaker


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'node.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    yield engine
    engine.dispose()


def _other_writer(path: str) -> sqlite3.Connection:
    """A second process's connection, as impatient as can be (no busy timeout)."""
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    return conn


def test_a_writer_holds_the_write_lock_from_its_first_statement(
    engine: Engine, tmp_path: Path
) -> None:
    other = _other_writer(str(tmp_path / "node.db"))
    with make_sessionmaker(for_writes(engine))() as session:
        session.execute(text("SELECT count(*) FROM t"))  # a read, and yet the lock is held
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        session.commit()
    other.execute("BEGIN IMMEDIATE")  # free again
    other.execute("ROLLBACK")
    other.close()


def test_a_reader_takes_no_lock(engine: Engine, tmp_path: Path) -> None:
    other = _other_writer(str(tmp_path / "node.db"))
    with make_sessionmaker(engine)() as session:
        session.execute(text("SELECT count(*) FROM t"))
        other.execute("BEGIN IMMEDIATE")  # a reader does not stand in a writer's way
        other.execute("INSERT INTO t VALUES (1)")
        other.execute("COMMIT")
        session.commit()
    other.close()


def test_read_then_write_is_not_refused_after_another_writer_committed(engine: Engine) -> None:
    """The failure the issue measured, by hand: a reader's snapshot goes stale, then it
    writes. Begun as a reader it is refused at once; begun as a writer it is not."""
    factory, writers = make_sessionmaker(engine), make_sessionmaker(for_writes(engine))

    def read_then_write(session: Session) -> None:
        session.execute(text("SELECT count(*) FROM t"))
        with engine.begin() as conn:  # ... meanwhile another writer commits
            conn.execute(text("INSERT INTO t VALUES (2)"))
        session.execute(text("INSERT INTO t VALUES (3)"))
        session.commit()

    with factory() as stale, pytest.raises(OperationalError, match="locked"):
        read_then_write(stale)
    # As a writer, the other writer waits for this one instead (in a thread: it blocks).
    with writers() as session:
        session.execute(text("SELECT count(*) FROM t"))
        other = threading.Thread(target=_insert, args=(engine, 4))
        other.start()
        session.execute(text("INSERT INTO t VALUES (3)"))
        session.commit()
    other.join(timeout=30)
    assert not other.is_alive()
    with engine.connect() as conn:
        assert sorted(conn.scalars(text("SELECT n FROM t"))) == [2, 3, 4]


def _insert(engine: Engine, n: int) -> None:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(text("SELECT count(*) FROM t")) or 0)


def test_deferred_writes_are_made_apart_and_one_failure_fails_alone(engine: Engine) -> None:
    deferred = DeferredWrites(engine, WriteGate())
    good = [
        deferred.submit(lambda s, n=n: s.execute(text(f"INSERT INTO t VALUES ({n})")))
        for n in range(5)
    ]
    bad = deferred.submit(lambda s: s.execute(text("INSERT INTO nowhere VALUES (1)")))
    assert deferred.flush(timeout=30)
    assert all(f.result() is None for f in good)
    with pytest.raises(OperationalError):
        bad.result()
    assert deferred.failures == 1
    assert _count(engine) == 5
    deferred.close()


def test_deferred_writes_wait_for_the_gate_and_close_writes_what_is_pending(
    engine: Engine,
) -> None:
    gate = WriteGate()
    deferred = DeferredWrites(engine, gate)
    assert gate.acquire()  # a request is writing
    future = deferred.submit(lambda s: s.execute(text("INSERT INTO t VALUES (1)")))
    assert not deferred.flush(timeout=0.3)  # queued behind the writer, not failed
    assert not future.done()
    gate.release()
    deferred.close()
    assert future.done() and future.exception() is None
    assert _count(engine) == 1


def test_a_session_knows_where_its_deferred_writes_go(engine: Engine) -> None:
    deferred = DeferredWrites(engine, WriteGate())
    with make_sessionmaker(engine)() as session:
        assert deferred_of(session) is None and not writes(session)
        attach(session, deferred, writes=True)
        assert deferred_of(session) is deferred and writes(session)
