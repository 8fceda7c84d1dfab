"""Checkpoints of the audit chain's head, kept outside the database.

The chain (``access.audit``) shows an edit in the middle, but not that its newest entries
were cut off, nor that it was edited and every later hash computed again. A checkpoint is
the head's ``(seq, hash)`` and the time it was taken, appended as one JSON line to a file
the operator chooses (``taawun audit checkpoint``, or ``taawun serve`` now and then);
``verify_checkpoints`` then says which checkpointed entry is no longer in the chain, or no
longer the same. What this proves, and what it does not, is in ``THREAT_MODEL.md``.

Lines are only ever appended, each with one ``write`` on a file opened for appending, so
two writers do not interleave.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson
from sqlalchemy.orm import Session, sessionmaker

from taawun.access import audit
from taawun.access.audit import ChainProblem
from taawun.core.clock import Clock
from taawun.core.errors import DataFileError

log = logging.getLogger(__name__)

_HASH_CHARS = frozenset("0123456789abcdef")


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The head of the chain (``seq``, ``hash``) as it was at ``at``."""

    seq: int
    hash: str
    at: datetime

    def line(self) -> bytes:
        when = _timestamp(self.at)
        return orjson.dumps({"seq": self.seq, "hash": self.hash, "at": when}) + b"\n"


def _timestamp(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def checkpoint(session: Session, *, clock: Clock) -> Checkpoint | None:
    """The head of the chain now; None while the log is empty."""
    found = audit.head(session)
    return None if found is None else Checkpoint(seq=found[0], hash=found[1], at=clock.now())


def append_checkpoint(path: Path, taken: Checkpoint) -> None:
    """Append one line to ``path`` (created if missing, never rewritten) and sync it."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, taken.line())
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise DataFileError(str(path), f"cannot append a checkpoint: {exc.strerror}") from None


def read_checkpoints(path: Path) -> list[Checkpoint]:
    """Every checkpoint in ``path``, in file order; a bad line is named by its number."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataFileError(str(path), f"cannot read the checkpoints: {exc.strerror}") from None
    found: list[Checkpoint] = []
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            found.append(_parse(line))
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise DataFileError(
                str(path), f"not a checkpoint ({exc}); expected {{seq, hash, at}}", line=number
            ) from None
    return found


def _parse(line: bytes) -> Checkpoint:
    record = orjson.loads(line)
    seq, digest, at = record["seq"], record["hash"], record["at"]
    if type(seq) is not int or seq < 1:
        raise ValueError(f"seq {seq!r} is not a positive integer")
    if not isinstance(digest, str) or len(digest) != 64 or not set(digest) <= _HASH_CHARS:
        raise ValueError("hash is not 64 lower-case hex digits")
    when = datetime.fromisoformat(at)
    if when.tzinfo is None:
        raise ValueError(f"at {at!r} has no time zone")
    return Checkpoint(seq=seq, hash=digest, at=when.astimezone(UTC))


def verify_checkpoints(session: Session, checkpoints: Iterable[Checkpoint]) -> list[ChainProblem]:
    """One problem for each checkpointed entry that is missing from the chain or no longer
    has its checkpointed hash, in order of seq."""
    distinct = sorted({(c.seq, c.hash): c for c in checkpoints}.values(), key=lambda c: c.seq)
    stored = audit.hashes_of(session, (c.seq for c in distinct))
    newest = audit.head(session)
    head = 0 if newest is None else newest[0]
    problems: list[ChainProblem] = []
    for taken in distinct:
        when = _timestamp(taken.at)
        found = stored.get(taken.seq)
        if found is None:
            why = f"the log was cut back to entry {head}" if head < taken.seq else "deleted"
            problem = f"entry {taken.seq}, checkpointed at {when}, is missing: {why}"
        elif found != taken.hash:
            problem = (
                f"entry {taken.seq} differs from its checkpoint of {when}: "
                "the log was rewritten up to there"
            )
        else:
            continue
        problems.append(ChainProblem(taken.seq, problem))
    return problems


class CheckpointWriter:
    """Appends the head to ``path`` when started, every ``every`` seconds while running and
    when stopped; each time only if the head moved since the last line it wrote.

    ``start`` writes in the caller's thread, so a checkpoint file that cannot be written
    stops the caller (``taawun serve``) at once; later failures are logged and retried at
    the next turn."""

    def __init__(
        self, factory: sessionmaker[Session], path: Path, *, every: float, clock: Clock
    ) -> None:
        if every <= 0:
            raise ValueError("every: a positive number of seconds")
        self._factory = factory
        self._path = path
        self._every = every
        self._clock = clock
        self._last: tuple[int, str] | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def write_if_moved(self) -> Checkpoint | None:
        """The checkpoint written, or None when the log is empty or its head has not moved."""
        with self._factory() as session:
            taken = checkpoint(session, clock=self._clock)
        if taken is None or (taken.seq, taken.hash) == self._last:
            return None
        append_checkpoint(self._path, taken)
        self._last = (taken.seq, taken.hash)
        return taken

    def start(self) -> None:
        self.write_if_moved()
        self._thread = threading.Thread(
            target=self._run, name="taawun-audit-checkpoints", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.write_if_moved()

    def _run(self) -> None:
        while not self._stopping.wait(self._every):
            try:
                self.write_if_moved()
            except Exception:
                log.exception("audit checkpoint to %s failed; trying again later", self._path)


@contextmanager
def periodic(
    factory: sessionmaker[Session], path: Path | None, *, every: float, clock: Clock
) -> Iterator[None]:
    """Checkpoints to ``path`` (if any) while the block runs: at its start, every ``every``
    seconds, and at its end (``taawun serve`` runs the server inside)."""
    if path is None:
        yield
        return
    writer = CheckpointWriter(factory, path, every=every, clock=clock)
    writer.start()
    try:
        yield
    finally:
        writer.stop()
