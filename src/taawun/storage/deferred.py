"""Writes that a read causes, made after it in their own transactions.

A read sometimes leaves something to record: a refused read in the audit log, a token's
last use. Written in the read's own transaction they make the read a writer: on SQLite it
may then be refused the write lock (its snapshot is older than another writer's commit),
and anywhere it waits for the lock with the reader's answer held back. ``DeferredWrites``
takes such writes off the request: a caller hands over a function of a session and goes on;
one thread runs what was handed over, in batches, each batch one transaction that begins
with the write lock (``engine.for_writes``), and holding the node's write gate (below) so
that it queues behind the request writers instead of failing beside them.

A caller that must know the write was made (the audit entry of a read of classified
material, before the material is answered) waits on the ``Future`` it is given. A write
that fails is retried alone, then logged and reported on its future; it never fails the
read that caused it unless that read waits for it.

What is handed over and not yet written is lost if the process dies; ``close`` writes what
is pending. ``THREAT_MODEL.md`` says what that means for the audit log.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from taawun.storage.engine import for_writes

log = logging.getLogger(__name__)

Write = Callable[[Session], object]  # what it returns is not kept
BATCH = 256  # writes per transaction at most
_STOP = object()


class WriteGate:
    """One writer at a time in this process.

    SQLite has one write lock per database; writers that find it taken poll for it (the
    busy timeout), unfairly, and give up after it. On PostgreSQL every write of the node
    already runs one at a time (each appends to the audit chain under its advisory lock,
    and ingest holds its own), but a writer waiting there holds a worker thread and a
    connection: enough of them and the requests that hold the lock cannot get the thread
    they need to commit. Writers of one process instead queue here, in order, holding
    neither, and take the database's lock only when it is theirs (the busy timeout, or
    PostgreSQL's lock waits, then only cover other processes). ``acquire`` may block:
    request code waits for it off the event loop (``access.deps``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def acquire(self, blocking: bool = True) -> bool:
        return self._lock.acquire(blocking)

    def release(self) -> None:
        self._lock.release()


class DeferredWrites:
    """A queue of writes and the thread that makes them (started on first use)."""

    def __init__(self, engine: Engine, gate: WriteGate) -> None:
        self._sessions = sessionmaker(for_writes(engine), expire_on_commit=False)
        self._gate = gate
        self._queue: queue.Queue[object] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()
        self._idle = threading.Condition()
        self._pending = 0
        self.failures = 0  # writes that failed even alone (each is logged)

    def submit(self, write: Write) -> Future[None]:
        """Hand ``write`` over; the future is done when it is committed (or has failed)."""
        future: Future[None] = Future()
        with self._idle:
            self._pending += 1
        self._ensure_thread()
        self._queue.put((write, future))
        return future

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until everything handed over so far is written; whether it was in time."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def close(self, timeout: float = 30.0) -> None:
        """Write what is pending and stop the thread."""
        thread = self._thread
        if thread is None:
            return
        self._queue.put(_STOP)
        thread.join(timeout)
        self._thread = None

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._start:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="taawun-deferred-writes", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            batch = [first]
            while len(batch) < BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    self._queue.put(_STOP)  # after this batch
                    break
                batch.append(item)
            self._write(batch)  # type: ignore[arg-type]

    def _write(self, batch: list[tuple[Write, Future[None]]]) -> None:
        try:
            self._transaction([write for write, _ in batch])
        except Exception:
            log.warning("deferred writes: a batch of %d failed; writing each alone", len(batch))
            for write, future in batch:
                try:
                    self._transaction([write])
                except Exception as exc:
                    self.failures += 1
                    log.exception("deferred write failed: %r", write)
                    self._done([(write, future)], exc)
                else:
                    self._done([(write, future)], None)
        else:
            self._done(batch, None)

    def _transaction(self, writes: list[Write]) -> None:
        self._gate.acquire()
        try:
            with self._sessions() as session, session.begin():
                for write in writes:
                    write(session)
        finally:
            self._gate.release()

    def _done(self, batch: list[tuple[Write, Future[None]]], error: BaseException | None) -> None:
        for _, future in batch:
            if error is None:
                future.set_result(None)
            else:
                future.set_exception(error)
        with self._idle:
            self._pending -= len(batch)
            self._idle.notify_all()


# A request's session says where its deferred writes go, and whether it is itself a writer
# (it began with the write lock, and holds the gate).
_DEFERRED = "taawun.deferred_writes"
_WRITES = "taawun.writes"


def attach(session: Session, deferred: DeferredWrites, *, writes: bool) -> None:
    session.info[_DEFERRED] = deferred
    session.info[_WRITES] = writes


def deferred_of(session: Session) -> DeferredWrites | None:
    """Where ``session``'s deferred writes go; None where there is no such queue (the CLI,
    a test's session): they are then made in the session itself."""
    found = session.info.get(_DEFERRED)
    return found if isinstance(found, DeferredWrites) else None


def writes(session: Session) -> bool:
    """Whether ``session`` began with the write lock (its request writes)."""
    return bool(session.info.get(_WRITES, False))


def write_soon(session: Session, write: Write) -> Future[None] | None:
    """Make ``write`` apart from ``session``'s transaction when that is a read's (the future
    says when it is committed), or in it, in a savepoint, when it is a writer's or there is
    no deferred queue (then None: it is made when this returns)."""
    deferred = deferred_of(session)
    if deferred is None or writes(session):
        with session.begin_nested():
            write(session)
        return None
    return deferred.submit(write)
