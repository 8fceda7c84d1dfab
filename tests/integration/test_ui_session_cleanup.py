"""Expired UI sessions are deleted node-wide (``web/ui/sessions.purge_expired``): at every
sign-in a bounded batch of anyone's expired rows goes, while live sessions stay (both
backends, a small node, a fixed clock)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from taawun.access import service
from taawun.core.clock import FixedClock
from taawun.web.app import create_app
from taawun.web.ui import sessions
from taawun.web.ui.models import UiSession

from .small_node import ROOT, small_node
from .test_ui_session import sign_in

USERS = ("cl.signer", "cl.idle", "cl.busy")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@dataclass
class CleanupNode:
    engine: Engine
    app: FastAPI
    clock: FixedClock


@pytest.fixture(scope="module")
def cleanup_node(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CleanupNode]:
    clock = FixedClock(NOW)
    tmp = tmp_path_factory.mktemp(f"{backend}-cleanup")
    engine, _tokens = small_node(backend, "cleanup", tmp, users=USERS, clock=clock)
    app = create_app(engine=engine, clock=clock)
    with TestClient(app):
        yield CleanupNode(engine=engine, app=app, clock=clock)
    engine.dispose()


def user_id(session: Session, username: str) -> int:
    return service.get_user(ROOT, session, username=username).id


def started(node: CleanupNode, username: str, *, at: datetime) -> int:
    """A session of ``username`` begun at ``at`` (expired by now if long enough ago)."""
    with Session(node.engine) as session:
        token, _ = sessions.start(session, user_id=user_id(session, username), clock=FixedClock(at))
        row = session.scalars(
            select(UiSession.id).where(UiSession.token_hash == sessions.digest(token))
        ).one()
        session.commit()
    return row


def remaining(node: CleanupNode, ids: list[int]) -> set[int]:
    with Session(node.engine) as session:
        return set(session.scalars(select(UiSession.id).where(UiSession.id.in_(ids))))


def test_a_sign_in_deletes_other_users_expired_sessions_and_keeps_live_ones(
    cleanup_node: CleanupNode,
) -> None:
    idle = started(cleanup_node, "cl.idle", at=NOW - sessions.IDLE - timedelta(seconds=1))
    ancient = started(cleanup_node, "cl.idle", at=NOW - timedelta(days=3))
    live = started(cleanup_node, "cl.busy", at=NOW - sessions.IDLE + timedelta(minutes=1))
    answer = sign_in(TestClient(cleanup_node.app, follow_redirects=False), "cl.signer")
    assert answer.status_code == 303
    assert remaining(cleanup_node, [idle, ancient, live]) == {live}


def test_the_purge_is_bounded_and_oldest_first(cleanup_node: CleanupNode) -> None:
    oldest = started(cleanup_node, "cl.idle", at=NOW - timedelta(days=5))
    older = started(cleanup_node, "cl.busy", at=NOW - timedelta(days=4))
    old = started(cleanup_node, "cl.idle", at=NOW - timedelta(days=2))
    live = started(cleanup_node, "cl.busy", at=NOW)
    with Session(cleanup_node.engine) as session:
        assert sessions.purge_expired(session, clock=cleanup_node.clock, batch=2) == 2
        session.commit()
    assert remaining(cleanup_node, [oldest, older, old, live]) == {old, live}
    with Session(cleanup_node.engine) as session:
        assert sessions.purge_expired(session, clock=cleanup_node.clock) == 1
        assert sessions.purge_expired(session, clock=cleanup_node.clock) == 0
        session.commit()
    assert remaining(cleanup_node, [oldest, older, old, live]) == {live}
