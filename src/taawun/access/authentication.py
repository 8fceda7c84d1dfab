"""Authentication: who a password or a bearer token belongs to.

Every password attempt is audited (``access.login`` / ``access.login_failed``),
and every failure reads the same, so an attacker learns nothing about which
usernames exist.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from taawun.access import audit, passwords, repository, tokens
from taawun.access.models import User
from taawun.core.clock import Clock
from taawun.core.errors import NotFound, Unauthenticated
from taawun.core.ids import AgencyId, StateId, UserId
from taawun.core.principal import Clearance, Principal, Role

LOGIN_FAILED = "unknown user or wrong password"
TOKEN_INVALID = "the token is not valid (unknown, revoked or expired)"  # noqa: S105 - a message
LAST_USED_RESOLUTION = timedelta(minutes=1)


def principal_for_user(session: Session, *, user: User) -> Principal:
    agency = user.agency
    return Principal(
        user_id=UserId(user.id),
        username=user.username,
        agency_id=AgencyId(user.agency_id),
        state_id=StateId(agency.state_id),
        role=Role(user.role),
        clearance=Clearance(user.clearance),
    )


def principal_for_username(session: Session, *, username: str) -> Principal:
    """The principal of an active user, for trusted callers (the CLI's ``--as``)."""
    user = repository.user_by_username(session, username)
    if user is None or not user.active:
        raise NotFound(f"user: no active user {username!r}", field="username", value=username)
    return principal_for_user(session, user=user)


_ANONYMOUS = Principal(
    user_id=None,
    username="anonymous",
    agency_id=None,
    state_id=None,
    role=Role.VIEWER,
    clearance=Clearance.UNCLASSIFIED,
)


def authenticate_password(
    session: Session, *, username: str, password: str, clock: Clock
) -> Principal:
    """Check a password; every attempt is audited, and any failure reads the same.

    The ``access.login_failed`` entry is written in a released savepoint before
    ``Unauthenticated`` is raised, so a caller that commits on that error keeps it.
    """
    user = repository.user_by_username(session, username)
    if user is None or user.password_hash is None:
        passwords.burn_time(password)
        reason = "unknown_user" if user is None else "no_password"
    elif not passwords.verify_password(user.password_hash, password):
        reason = "wrong_password"
    elif not user.active:
        reason = "inactive"
    else:
        principal = principal_for_user(session, user=user)
        rehash = passwords.needs_rehash(user.password_hash)
        with session.begin_nested():
            if rehash:
                user.password_hash = passwords.hash_password(password)
            audit.record(
                session,
                principal=principal,
                action="access.login",
                target_type="user",
                target_id=user.id,
                detail={"method": "password", "rehashed": rehash},
                clock=clock,
            )
        return principal
    with session.begin_nested():
        audit.record(
            session,
            principal=_ANONYMOUS,
            action="access.login_failed",
            target_type="user",
            target_id=None if user is None else user.id,
            detail={"method": "password", "username": username[:80], "reason": reason},
            clock=clock,
        )
    raise Unauthenticated(LOGIN_FAILED)


def authenticate_token(session: Session, *, token: str, clock: Clock) -> Principal:
    """Find the principal of a bearer token; ``last_used_at`` moves at most once a minute."""
    principal, due = check_token(session, token=token, clock=clock)
    if due is not None:
        touch_token(session, token_id=due, clock=clock)
    return principal


def check_token(session: Session, *, token: str, clock: Clock) -> tuple[Principal, int | None]:
    """The principal of a bearer token, read only (one indexed row), and the token's id when
    its ``last_used_at`` is due to move (else None): ``touch_token`` then, where writing may
    wait for the database's write lock."""
    if not tokens.well_formed(token):
        raise Unauthenticated(TOKEN_INVALID)
    found = repository.token_holder_by_digest(session, tokens.digest(token))
    now = clock.now()
    if (
        found is None
        or found.revoked_at is not None
        or (found.expires_at is not None and found.expires_at <= now)
        or not found.active
    ):
        raise Unauthenticated(TOKEN_INVALID)
    due = (
        found.token_id
        if found.last_used_at is None or now - found.last_used_at >= LAST_USED_RESOLUTION
        else None
    )
    principal = Principal(
        user_id=UserId(found.user_id),
        username=found.username,
        agency_id=AgencyId(found.agency_id),
        state_id=StateId(found.state_id),
        role=Role(found.role),
        clearance=Clearance(found.clearance),
    )
    return principal, due


def touch_token(session: Session, *, token_id: int, clock: Clock) -> None:
    """Bookkeeping, not an account change: not audited, or every request would be."""
    repository.touch_token(session, token_id, clock.now())
