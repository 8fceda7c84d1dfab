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
from typing import Any

import orjson
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from taawun.access.models import AuditEntry
from taawun.core.clock import Clock, SystemClock
from taawun.core.principal import Principal

GENESIS = "0" * 64
_ADVISORY_LOCK_KEY = 7_240_711  # any fixed number; names the audit chain's lock


def _canonical(entry: AuditEntry) -> bytes:
    content = {
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
        prev_hash=prev,
        hash="",
    )
    entry.hash = entry_hash(prev, entry)
    session.add(entry)
    session.flush()
    return entry


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


def count_entries(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)
