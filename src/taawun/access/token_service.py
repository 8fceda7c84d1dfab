"""API tokens: issuing, listing and revoking them. Making and checking a token is
``tokens.py``; signing in with one, ``authentication.py``.

A token reads as its user does, so it is issued by whoever may set that user's password
(``policy.may_give_credentials``: oneself, or the administrator of their agency for a user
cleared no higher than themselves); listing and revoking grant nothing, so they need only
``policy.may_act_for``. Another agency's user, and their tokens, answer as missing ones.
As in ``service.py``, each write runs in a savepoint with its audit entry, and nothing
commits. The token itself is returned once, by ``issue_token``; only its digest is stored.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from taawun.access import policy, repository, tokens
from taawun.access._accounts import record_audit, require_credentials, visible_user
from taawun.access.models import ApiToken
from taawun.access.schemas import TokenIssued, TokenRead
from taawun.core.clock import Clock, ensure_utc
from taawun.core.errors import Conflict, InvalidInput, NotFound
from taawun.core.ids import IdFactory
from taawun.core.integers import INT32_MAX
from taawun.core.principal import Principal


def _token_read(token: ApiToken, username: str) -> TokenRead:
    fields = ("id", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    return TokenRead.model_validate({"user": username} | {f: getattr(token, f) for f in fields})


def issue_token(
    principal: Principal,
    session: Session,
    *,
    username: str,
    name: str,
    expires_at: datetime | None = None,
    expires_in_days: int | None = None,
    clock: Clock,
    ids: IdFactory,
) -> TokenIssued:
    """A new bearer token for ``username`` (oneself, or, as the administrator of their
    agency, a user cleared no higher than oneself); shown only here.

    It expires at ``expires_at``, or ``expires_in_days`` days from now, or else
    ``tokens.DEFAULT_LIFETIME_DAYS`` from now; never more than ``tokens.MAX_LIFETIME_DAYS``
    ahead."""
    user = visible_user(principal, session, username)
    require_credentials(
        principal, user, "issue tokens for this user", "issue tokens for a user cleared"
    )
    if not user.active:
        raise Conflict(f"username: {username!r} is disabled", field="username", value=username)
    name = name.strip()
    if not 1 <= len(name) <= 80:
        raise InvalidInput("name: 1 to 80 characters", field="name", value=name)
    now = clock.now()
    expires = _expiry(now, expires_at=expires_at, expires_in_days=expires_in_days)
    new = tokens.new_token(ids)
    with session.begin_nested():
        token = ApiToken(
            user_id=user.id,
            name=name,
            prefix=new.prefix,
            token_hash=new.digest,
            created_at=now,
            expires_at=expires,
        )
        session.add(token)
        session.flush()
        read = _token_read(token, user.username)
        record_audit(
            session, principal, clock, "access.token.issue", ("api_token", token.id), after=read
        )
    return TokenIssued(**read.model_dump(), token=new.plaintext)


def _expiry(now: datetime, *, expires_at: datetime | None, expires_in_days: int | None) -> datetime:
    """When a token issued ``now`` expires (``issue_token``); a time past the limits is
    refused naming the field, and the latest time accepted."""
    longest = tokens.MAX_LIFETIME_DAYS
    if expires_at is not None and expires_in_days is not None:
        raise InvalidInput(
            "expires_in_days: give expires_in_days or expires_at, not both",
            field="expires_in_days",
        )
    if expires_in_days is not None:
        if not 1 <= expires_in_days <= longest:
            raise InvalidInput(
                f"expires_in_days: 1 to {longest} days",
                field="expires_in_days",
                value=expires_in_days,
            )
        return now + timedelta(days=expires_in_days)
    if expires_at is None:
        return now + timedelta(days=tokens.DEFAULT_LIFETIME_DAYS)
    if expires_at.tzinfo is None:
        raise InvalidInput(
            "expires_at: give a time zone, e.g. 2027-03-31T00:00:00Z",
            field="expires_at",
            value=expires_at.isoformat(),
        )
    latest = now + timedelta(days=longest)
    when = ensure_utc(expires_at)
    if when <= now:
        raise InvalidInput(
            f"expires_at: must be in the future (it is {now.isoformat()} now)",
            field="expires_at",
            value=expires_at.isoformat(),
        )
    if when > latest:
        raise InvalidInput(
            f"expires_at: at most {longest} days ahead, {latest.isoformat()} at the latest",
            field="expires_at",
            value=expires_at.isoformat(),
        )
    return when


def list_tokens(
    principal: Principal,
    session: Session,
    *,
    username: str | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> list[TokenRead]:
    """The tokens the principal may see, with their last use (never a token or its
    digest): one's own; an admin's, those of their agency's users; the node operator's,
    every one. ``username`` narrows to one user's; ``offset`` and ``limit`` page them,
    oldest first (``count_tokens`` counts them)."""
    user_id = _whose(principal, session, username)
    found = repository.tokens(session, principal, user_id=user_id, offset=offset, limit=limit)
    return [_token_read(t, u) for t, u in found]


def count_tokens(principal: Principal, session: Session, *, username: str | None = None) -> int:
    """How many tokens ``list_tokens`` gives, through the same rules."""
    return repository.count_tokens(session, principal, user_id=_whose(principal, session, username))


def _whose(principal: Principal, session: Session, username: str | None) -> int | None:
    """The id of the user ``username`` names, if the principal may list their tokens."""
    if username is None:
        return None
    user = visible_user(principal, session, username)
    policy.require(
        principal,
        policy.may_act_for(principal, user_id=user.id, agency_id=user.agency_id),
        "list this user's tokens",
    )
    return user.id


def revoke_token(
    principal: Principal, session: Session, *, token_id: int, clock: Clock
) -> TokenRead:
    """Revoke a token: one's own, or as the administrator of its user's agency. A token of
    a user the principal does not see answers as a missing one."""
    missing = NotFound(f"token: no token with id {token_id}", field="token", value=token_id)
    found = repository.token_by_id(session, token_id) if 0 < token_id <= INT32_MAX else None
    if found is None:
        raise missing
    token, username, agency_id = found
    if repository.visible_user(session, principal, username) is None:
        raise missing
    policy.require(
        principal,
        policy.may_act_for(principal, user_id=token.user_id, agency_id=agency_id),
        "revoke this token",
    )
    if token.revoked_at is not None:
        raise Conflict(f"token: {token_id} is already revoked", field="token", value=token_id)
    before = _token_read(token, username)
    with session.begin_nested():
        token.revoked_at = clock.now()
        session.flush()
        read = _token_read(token, username)
        record_audit(
            session,
            principal,
            clock,
            "access.token.revoke",
            ("api_token", token.id),
            before=before,
            after=read,
        )
    return read
