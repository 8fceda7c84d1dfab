"""Server-side sessions of the web UI: who a browser's ``taawun_session`` cookie belongs to.

The cookie holds a random token; the table ``ui_session`` keeps only its SHA-256, the user,
the session's CSRF secret and its times. A session ends after ``IDLE`` without a request
(sliding: ``expires_at`` moves on at most once a minute, as a deferred write so that a
page read stays a read) and at the latest ``ABSOLUTE`` after sign-in, at sign-out (the row
is deleted), and as soon as its user is disabled (the user is read afresh on every request).

Expired rows are deleted at sign-in (``purge``): the user's own, and a bounded batch of
everyone's (``purge_expired``), so the table holds the live sessions and at most a backlog
that each sign-in works off. The node has no periodic task of its own to do it instead
(``taawun serve`` runs only the audit checkpoints, and only when configured), and every
session begins with a sign-in, so expired rows can never outnumber what sign-ins remove.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from taawun.access import hooks
from taawun.access.models import User
from taawun.access.service import principal_for_user
from taawun.core.clock import Clock
from taawun.core.principal import Principal
from taawun.web.ui.models import UiSession

COOKIE = "taawun_session"
IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=12)
TOUCH_RESOLUTION = timedelta(minutes=1)
PURGE_BATCH = 500  # expired sessions of anyone deleted at one sign-in, at most


@dataclass(frozen=True, slots=True)
class Found:
    """A live session: its user, its CSRF secret, and whether its expiry is due to move."""

    session_id: int
    principal: Principal
    csrf_secret: str
    touch_due: bool


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def well_formed(token: str | None) -> bool:
    return token is not None and 20 <= len(token) <= 100 and token.isascii()


def start(session: Session, *, user_id: int, clock: Clock) -> tuple[str, str]:
    """A new session for the user: its cookie token and its CSRF secret."""
    now = clock.now()
    token = secrets.token_urlsafe(32)
    csrf_secret = secrets.token_urlsafe(32)
    session.add(
        UiSession(
            token_hash=digest(token),
            user_id=user_id,
            csrf_secret=csrf_secret,
            created_at=now,
            expires_at=now + IDLE,
            last_seen=now,
        )
    )
    session.flush()
    return token, csrf_secret


def resolve(session: Session, *, token: str | None, clock: Clock) -> Found | None:
    """The live session of ``token``, or None (unknown, expired, or its user disabled)."""
    if not well_formed(token):
        return None
    assert token is not None
    row = session.scalars(select(UiSession).where(UiSession.token_hash == digest(token))).first()
    now = clock.now()
    if row is None or row.expires_at <= now or row.created_at + ABSOLUTE <= now:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    return Found(
        session_id=row.id,
        principal=principal_for_user(session, user=user),
        csrf_secret=row.csrf_secret,
        touch_due=now - row.last_seen >= TOUCH_RESOLUTION,
    )


def touch(session: Session, *, session_id: int, clock: Clock) -> None:
    """Move the idle expiry on, never past the absolute limit (a deferred write)."""
    now = clock.now()
    row = session.get(UiSession, session_id)
    if row is None:
        return
    session.execute(
        update(UiSession)
        .where(UiSession.id == session_id)
        .values(last_seen=now, expires_at=min(now + IDLE, row.created_at + ABSOLUTE))
    )


def end(session: Session, *, token: str | None) -> None:
    """Sign out: the session's row is deleted, so its cookie no longer works anywhere."""
    if well_formed(token):
        assert token is not None
        session.execute(delete(UiSession).where(UiSession.token_hash == digest(token)))


def end_all(session: Session, *, user_id: int) -> None:
    """End every session of the user (disabled, or their password reset by an admin)."""
    session.execute(delete(UiSession).where(UiSession.user_id == user_id))


def _withdrawn(session: Session, user_id: int) -> None:
    end_all(session, user_id=user_id)


hooks.listen(_withdrawn)  # whichever way a user is disabled or reset: UI, API or CLI


def purge(session: Session, *, clock: Clock, user_id: int) -> None:
    """At sign-in: delete the user's expired sessions, and a batch of anyone's
    (``purge_expired``), so the table does not only grow."""
    now = clock.now()
    session.execute(
        delete(UiSession).where(UiSession.user_id == user_id, UiSession.expires_at <= now)
    )
    purge_expired(session, clock=clock)


def purge_expired(session: Session, *, clock: Clock, batch: int = PURGE_BATCH) -> int:
    """Delete up to ``batch`` expired sessions of any user, oldest first; how many were.
    ``expires_at`` is never past the absolute limit (``touch``), so it alone says expired."""
    expired = (
        select(UiSession.id)
        .where(UiSession.expires_at <= clock.now())
        .order_by(UiSession.expires_at, UiSession.id)
        .limit(batch)
    )
    ids = list(session.scalars(expired))
    if ids:
        session.execute(delete(UiSession).where(UiSession.id.in_(ids)))
    return len(ids)
