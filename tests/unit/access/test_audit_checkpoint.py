"""Checkpoints of the audit chain's head, kept outside the database (issue 8).

The chain alone cannot tell that its newest entries were cut off, nor that it was edited and
hashed again from the start; a checkpoint taken before either can.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from taawun.access import audit, checkpoints, service
from taawun.access.models import AuditEntry
from taawun.core.clock import FixedClock
from taawun.core.errors import DataFileError, PermissionDenied
from taawun.core.principal import Principal, Role

from .conftest import ROOT, MakeUser

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def _write_entries(db: Session, clock: FixedClock, n: int) -> None:
    for k in range(n):
        audit.record(db, principal=ROOT, action="test.entry", detail={"k": k}, clock=clock)
        clock.advance(seconds=1)


def test_an_empty_log_has_no_checkpoint(db: Session, clock: FixedClock) -> None:
    assert checkpoints.checkpoint(db, clock=clock) is None


def test_checkpoints_are_appended_as_json_lines(
    db: Session, clock: FixedClock, tmp_path: Path
) -> None:
    path = tmp_path / "checkpoints.jsonl"
    _write_entries(db, clock, 3)
    first = checkpoints.checkpoint(db, clock=clock)
    assert first is not None and first.seq == 3
    checkpoints.append_checkpoint(path, first)
    _write_entries(db, clock, 2)
    second = checkpoints.checkpoint(db, clock=clock)
    assert second is not None
    checkpoints.append_checkpoint(path, second)
    lines = path.read_bytes().splitlines()
    assert [orjson.loads(line) for line in lines] == [
        {"seq": 3, "hash": first.hash, "at": "2026-11-24T12:00:03Z"},
        {"seq": 5, "hash": second.hash, "at": "2026-11-24T12:00:05Z"},
    ]
    last = db.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert last is not None and second.hash == last.hash
    assert checkpoints.read_checkpoints(path) == [first, second]
    assert checkpoints.verify_checkpoints(db, [first, second]) == []


def test_cutting_the_tail_before_a_checkpoint_is_detected(
    db: Session, clock: FixedClock, tmp_path: Path
) -> None:
    _write_entries(db, clock, 6)
    taken = checkpoints.checkpoint(db, clock=clock)
    assert taken is not None
    db.execute(delete(AuditEntry).where(AuditEntry.seq >= 5))
    assert audit.verify_chain(db).ok  # what is left still chains
    [problem] = checkpoints.verify_checkpoints(db, [taken])
    assert problem.seq == 6
    assert problem.problem == (
        "entry 6, checkpointed at 2026-11-24T12:00:06Z, is missing: the log was cut back to entry 4"
    )


def test_rewriting_and_rehashing_the_whole_chain_is_detected(
    db: Session, clock: FixedClock
) -> None:
    _write_entries(db, clock, 5)
    early = checkpoints.checkpoint(db, clock=clock)
    _write_entries(db, clock, 2)
    late = checkpoints.checkpoint(db, clock=clock)
    assert early is not None and late is not None
    entries = list(db.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
    entries[1].actor = "someone else"  # the edit, then every hash recomputed from there on
    prev = entries[0].hash
    for entry in entries[1:]:
        entry.prev_hash = prev
        entry.hash = audit.entry_hash(prev, entry)
        prev = entry.hash
    db.flush()
    assert audit.verify_chain(db).ok  # the chain alone cannot tell
    problems = checkpoints.verify_checkpoints(db, [early, late])
    assert [p.seq for p in problems] == [5, 7]
    assert problems[0].problem == (
        "entry 5 differs from its checkpoint of 2026-11-24T12:00:05Z: "
        "the log was rewritten up to there"
    )


def test_a_malformed_checkpoint_file_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "checkpoints.jsonl"
    good = {"seq": 1, "hash": "a" * 64, "at": "2026-11-24T12:00:00Z"}
    path.write_bytes(orjson.dumps(good) + b"\n" + b'{"seq": "x"}\n')
    with pytest.raises(DataFileError) as caught:
        checkpoints.read_checkpoints(path)
    assert caught.value.line == 2
    assert str(path) in caught.value.message
    with pytest.raises(DataFileError) as missing:
        checkpoints.read_checkpoints(tmp_path / "nowhere.jsonl")
    assert "nowhere.jsonl" in missing.value.message
    taken = checkpoints.Checkpoint(seq=1, hash="a" * 64, at=FixedClock(T0).now())
    with pytest.raises(DataFileError) as unwritable:
        checkpoints.append_checkpoint(tmp_path / "no" / "such" / "dir.jsonl", taken)
    assert "dir.jsonl" in unwritable.value.message


def test_checkpoints_through_the_service_are_for_auditors(
    db: Session, clock: FixedClock, make_user: MakeUser
) -> None:
    viewer: Principal = make_user("vera", Role.VIEWER)
    with pytest.raises(PermissionDenied):
        service.checkpoint_audit(viewer, db, clock=clock)
    taken = service.checkpoint_audit(ROOT, db, clock=clock)
    assert taken is not None
    report = service.verify_audit(ROOT, db, checkpoints=[taken])
    assert report.ok
    db.execute(delete(AuditEntry).where(AuditEntry.seq == taken.seq))
    report = service.verify_audit(ROOT, db, checkpoints=[taken])
    assert not report.ok
    assert [p.seq for p in report.problems] == [taken.seq]


def test_the_writer_appends_only_when_the_head_moved(
    db: Session, clock: FixedClock, tmp_path: Path
) -> None:
    """``taawun serve``'s periodic writer, one step at a time (no timing involved)."""
    path = tmp_path / "checkpoints.jsonl"
    factory = sessionmaker(bind=db.connection(), join_transaction_mode="create_savepoint")
    writer = checkpoints.CheckpointWriter(factory, path, every=3600, clock=clock)
    assert writer.write_if_moved() is None  # nothing to anchor yet
    _write_entries(db, clock, 2)
    assert writer.write_if_moved() is not None
    assert writer.write_if_moved() is None  # unchanged
    _write_entries(db, clock, 1)
    moved = writer.write_if_moved()
    assert moved is not None and moved.seq == 3
    assert [c.seq for c in checkpoints.read_checkpoints(path)] == [2, 3]


def test_the_writer_thread_writes_on_start_and_on_stop(
    db: Session, clock: FixedClock, tmp_path: Path
) -> None:
    path = tmp_path / "checkpoints.jsonl"
    _write_entries(db, clock, 2)
    factory = sessionmaker(bind=db.connection(), join_transaction_mode="create_savepoint")
    writer = checkpoints.CheckpointWriter(factory, path, every=3600, clock=clock)
    writer.start()
    writer.stop()  # the first write happens before the thread waits; stop writes if moved
    assert [c.seq for c in checkpoints.read_checkpoints(path)] == [2]


def test_periodic_checkpoints_around_a_block(
    db: Session, clock: FixedClock, tmp_path: Path
) -> None:
    """What ``taawun serve`` wraps the server in: nothing without a path; with one, the head
    at the start and, if it moved, at the end."""
    factory = sessionmaker(bind=db.connection(), join_transaction_mode="create_savepoint")
    with checkpoints.periodic(factory, None, every=3600, clock=clock):
        _write_entries(db, clock, 1)
    path = tmp_path / "checkpoints.jsonl"
    with checkpoints.periodic(factory, path, every=3600, clock=clock):
        _write_entries(db, clock, 2)
    assert [c.seq for c in checkpoints.read_checkpoints(path)] == [1, 3]
