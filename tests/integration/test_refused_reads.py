"""A refused read (an unknown or hidden id) is audited, but stays a read: its audit entry is
written apart from it, so the read neither waits for a writer nor fails with the write.

Before, the entry was written in the read's own transaction: every refused read became a
writer, met SQLite's "database is locked" under concurrent writes, and waited behind them;
and since the read then failed (404) and its transaction was rolled back, the entry itself
was lost over HTTP.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from taawun.access.models import AuditEntry
from taawun.storage.deferred import DeferredWrites

from .conftest import Node

MISSING = "indicator--00000000-0000-4000-8000-0000000000{:02d}"


def _refusals(node: Node, stix_id: str) -> int:
    with Session(node.engine) as session:
        stmt = select(func.count()).where(
            AuditEntry.action == "intel.read_refused", AuditEntry.target_id == stix_id
        )
        return int(session.scalar(stmt) or 0)


def _get(node: Node, stix_id: str, out: dict[str, Any]) -> None:
    out["response"] = node.client.get(f"/api/v1/intel/{stix_id}", headers=node.auth("sa.liaison"))


def test_a_refused_read_is_answered_while_a_writer_holds_the_node_and_recorded_after(
    node: Node,
) -> None:
    stix_id = MISSING.format(1)
    gate = node.client.app.state.write_gate  # type: ignore[attr-defined]
    assert gate.acquire()  # a writer is at work
    try:
        out: dict[str, Any] = {}
        reader = threading.Thread(target=_get, args=(node, stix_id, out))
        reader.start()
        reader.join(timeout=20)
        assert not reader.is_alive(), "the refused read waited for the writer"
        assert out["response"].status_code == 404
        assert _refusals(node, stix_id) == 0  # not yet: the writer has the node
    finally:
        gate.release()
    assert node.client.app.state.deferred.flush()  # type: ignore[attr-defined]
    assert _refusals(node, stix_id) == 1


def test_a_refused_read_answers_404_even_when_its_audit_write_fails(
    node: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: DeferredWrites, writes: list[Any]) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(DeferredWrites, "_transaction", broken)
    deferred: DeferredWrites = node.client.app.state.deferred  # type: ignore[attr-defined]
    failures = deferred.failures
    out: dict[str, Any] = {}
    _get(node, MISSING.format(2), out)
    assert out["response"].status_code == 404
    assert out["response"].json()["error"] == "not_found"
    assert deferred.flush()
    assert deferred.failures == failures + 1  # logged and counted, not lost silently


def test_a_refused_taxii_read_is_recorded_too(node: Node) -> None:
    stix_id = MISSING.format(3)
    collections = node.client.get(
        "/taxii2/root/collections/",
        headers={**node.auth("sa.liaison"), "Accept": "application/taxii+json;version=2.1"},
    ).json()["collections"]
    own = collections[0]["id"]
    answer = node.client.get(
        f"/taxii2/root/collections/{own}/objects/{stix_id}/",
        headers={**node.auth("sa.liaison"), "Accept": "application/taxii+json;version=2.1"},
    )
    assert answer.status_code == 404
    assert node.client.app.state.deferred.flush()  # type: ignore[attr-defined]
    assert _refusals(node, stix_id) == 1
