"""Authentication: who a password or a bearer token belongs to.

Every password attempt is audited (``access.login`` / ``access.login_failed``),
and every failure reads the same, so an attacker learns nothing about which
usernames exist. Failed passwords are limited per account and per source address
(``access.login_limits``): past the limit an attempt is refused unchecked, and only the
first refusal of a window is audited (``access.login.limited``), so a guesser cannot
flood the log.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import NoReturn

from sqlalchemy.orm import Session

from taawun.access import audit, passwords, repository, tokens
from taawun.access.login_limits import LOGIN_LIMITS, LoginLimiter, Refusal
from taawun.access.models import User
from taawun.core.clock import Clock
from taawun.core.errors import NotFound, TooManyRequests, Unauthenticated
from taawun.core.ids import AgencyId, StateId, UserId
from taawun.core.principal import Clearance, Principal, Role
from taawun.storage.deferred import write_soon

LOGIN_FAILED = "unknown user or wrong password"
LOGIN_LIMITED = "too many failed sign-ins; try again later"
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
    session: Session,
    *,
    username: str,
    password: str,
    clock: Clock,
    source: str | None = None,
    limiter: LoginLimiter | None = None,
) -> Principal:
    """Check a password; every attempt is audited, and any failure reads the same.

    ``source`` is the caller's address (the ASGI client host; None in process). Past the
    limits of ``limiter`` (the node's ``LOGIN_LIMITS`` by default) the attempt is refused
    with ``TooManyRequests`` before the password is looked at.

    Every entry (``access.login``, ``access.login_failed``, the window's first
    ``access.login.limited``) and a due rehash are written with ``audit.record_soon`` and
    ``write_soon``: apart from a read's transaction, so that signing in does not make a read
    a writer; in a writer's own transaction (in a released savepoint, before the error is
    raised, so that a caller that commits on that error keeps them).
    """
    limits = LOGIN_LIMITS if limiter is None else limiter
    refusal = limits.admit(username, source, clock.now())
    if refusal is not None:
        _refuse(session, username=username, source=source, refusal=refusal, clock=clock)
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
        if rehash:
            write_soon(
                session,
                partial(
                    repository.set_password_hash,
                    user_id=user.id,
                    password_hash=passwords.hash_password(password),
                ),
            )
        audit.record_soon(
            session,
            wait=False,
            principal=principal,
            action="access.login",
            target_type="user",
            target_id=user.id,
            detail={"method": "password", "rehashed": rehash},
            clock=clock,
        )
        limits.succeeded(username, source)
        return principal
    detail: dict[str, object] = {"method": "password", "username": username[:80], "reason": reason}
    if source is not None:
        detail["address"] = source
    audit.record_soon(
        session,
        wait=False,
        principal=_ANONYMOUS,
        action="access.login_failed",
        target_type="user",
        target_id=None if user is None else user.id,
        detail=detail,
        clock=clock,
    )
    raise Unauthenticated(LOGIN_FAILED)


def _refuse(
    session: Session, *, username: str, source: str | None, refusal: Refusal, clock: Clock
) -> NoReturn:
    """Refuse an attempt past the limits; the window's first refusal is audited, the later
    ones only counted (``Refusal.refused``). Nothing is looked up: the answer, and the time
    it takes, are the same whether the account exists or not."""
    if refusal.first:
        audit.record_soon(
            session,
            wait=False,
            principal=_ANONYMOUS,
            action="access.login.limited",
            detail={
                "username": username[:80],
                "address": source,
                "scope": refusal.scope,
                "failures": refusal.failures,
                "retry_after": refusal.retry_after,
            },
            clock=clock,
        )
    raise TooManyRequests(LOGIN_LIMITED, retry_after=refusal.retry_after)


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
