"""The append-only, hash-chained audit log.

Each entry's ``hash`` is SHA-256 over the previous entry's hash and the
entry's canonical JSON (sorted keys, orjson), so editing an entry, deleting
one, or reordering them breaks the chain from that point; ``verify_chain``
says where. Appends are serialized: on PostgreSQL by a transaction-level
advisory lock, on SQLite by its single writer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

import orjson
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from taawun.access.models import AuditEntry
from taawun.core.clock import Clock, FixedClock, SystemClock
from taawun.core.errors import Unavailable
from taawun.core.principal import Principal
from taawun.storage.deferred import write_soon

GENESIS = "0" * 64
_ADVISORY_LOCK_KEY = 7_240_711  # any fixed number; names the audit chain's lock


def _canonical(entry: AuditEntry) -> bytes:
    content: dict[str, Any] = {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "actor_agency_id": entry.actor_agency_id,
        "action": entry.action,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "before": entry.before,
        "after": entry.after,
        "detail": entry.detail,
        "note": entry.note,
    }
    if entry.clearance:  # hashed when set: entries from before the column keep their hashes
        content["clearance"] = entry.clearance
    return orjson.dumps(content, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)


def entry_hash(prev_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + _canonical(entry)).hexdigest()


def _jsonable(value: Any) -> Any:
    """Round-trip through orjson so what is hashed is exactly what the JSON column keeps."""
    if value is None:
        return None
    return orjson.loads(orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS))


def record(
    session: Session,
    *,
    principal: Principal,
    action: str,
    target_type: str | None = None,
    target_id: object = None,
    before: Any = None,
    after: Any = None,
    detail: Any = None,
    note: str | None = None,
    clock: Clock | None = None,
    clearance: int = 0,
) -> AuditEntry:
    """Append one entry in the caller's transaction (it commits or rolls back with the write)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_LOCK_KEY})
    last = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    at: datetime = (clock or SystemClock()).now()
    entry = AuditEntry(
        seq=seq,
        at=at,
        actor=principal.username,
        actor_agency_id=principal.agency_id,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        before=_jsonable(before),
        after=_jsonable(after),
        detail=_jsonable(detail),
        note=note,
        clearance=int(clearance),
        prev_hash=prev,
        hash="",
    )
    entry.hash = entry_hash(prev, entry)
    session.add(entry)
    session.flush()
    return entry


# How long a read waits for the audit entry it must not be answered without.
AUDIT_WAIT_SECONDS = 60.0


def record_soon(
    session: Session,
    *,
    wait: bool,
    principal: Principal,
    action: str,
    clock: Clock,
    target_type: str | None = None,
    target_id: object = None,
    detail: Any = None,
    clearance: int = 0,
) -> None:
    """Append an entry about a read without making the read a write (``storage.deferred``).

    The entry is written in its own transaction, so it stays when the read then fails (a
    refused read answers 404 and rolls its own transaction back). With ``wait`` the caller
    returns only once the entry is committed (a read of classified material is answered
    only once recorded); without, the caller goes on at once (a refused read must not wait
    for, or fail on, its audit write). Where the session has no deferred queue (the CLI, a
    test's session), or is a writer's (it holds the write lock, and a refused write leaves
    nothing behind, its audit entries included), the entry is appended in the session, in a
    savepoint."""
    at = FixedClock(clock.now())  # when the read happened, not when the entry is written
    entry = partial(
        record,
        principal=principal,
        action=action,
        target_type=target_type,
        target_id=target_id,
        detail=detail,
        clock=at,
        clearance=clearance,
    )
    future = write_soon(session, entry)
    if future is not None and wait:
        try:
            future.result(timeout=AUDIT_WAIT_SECONDS)
        except Exception as exc:
            raise Unavailable(
                "the audit log could not record this read; it was not answered"
            ) from exc


@dataclass(frozen=True, slots=True)
class ChainProblem:
    seq: int
    problem: str


@dataclass(frozen=True, slots=True)
class ChainReport:
    entries: int
    problems: list[ChainProblem]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_entries(entries: Iterable[AuditEntry]) -> ChainReport:
    """Check a sequence of entries (ordered by seq): hashes, links and gaps."""
    problems: list[ChainProblem] = []
    prev_hash = GENESIS
    expected_seq = 1
    count = 0
    for entry in entries:
        count += 1
        if entry.seq != expected_seq:
            missing = (
                f"entry {expected_seq}"
                if entry.seq == expected_seq + 1
                else f"entries {expected_seq}..{entry.seq - 1}"
            )
            problems.append(ChainProblem(entry.seq, f"{missing} deleted before this one"))
        elif entry.prev_hash != prev_hash:
            problems.append(ChainProblem(entry.seq, "link to the previous entry is broken"))
        if entry_hash(entry.prev_hash, entry) != entry.hash:
            problems.append(ChainProblem(entry.seq, "content edited after it was written"))
        prev_hash = entry.hash
        expected_seq = entry.seq + 1
    return ChainReport(entries=count, problems=problems)


def verify_chain(session: Session) -> ChainReport:
    rows = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).yield_per(2000)
    return verify_entries(rows)


# --- for checkpoints of the head (``access.checkpoints``) -------------------------------


def head(session: Session) -> tuple[int, str] | None:
    """The newest entry's ``(seq, hash)``; None while the log is empty."""
    row = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    return None if row is None else (row[0], row[1])


def hashes_of(session: Session, seqs: Iterable[int], *, batch: int = 500) -> dict[int, str]:
    """The stored hash of each of ``seqs`` that is in the log, ``batch`` seqs a statement."""
    wanted = sorted(set(seqs))
    found: dict[int, str] = {}
    for start in range(0, len(wanted), batch):
        chunk = wanted[start : start + batch]
        rows = session.execute(
            select(AuditEntry.seq, AuditEntry.hash).where(AuditEntry.seq.in_(chunk))
        )
        found.update((seq, digest) for seq, digest in rows)
    return found
