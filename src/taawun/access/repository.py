"""The only place that builds ``select()`` over agency, user_account, api_token and audit_entry.

Lists go through ``restrict`` with ``access/policy.py``; the unrestricted
lookups by key serve authentication and duplicate checks, which must see
every row whoever asks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.orm import Session, selectinload

from taawun.access.models import Agency, ApiToken, AuditEntry, User
from taawun.access.policy import AgencyPolicy, AuditPolicy, TokenPolicy, UserPolicy
from taawun.access.restrict import Action, restrict
from taawun.core.principal import Principal

# --- agencies ---------------------------------------------------------------------------


def agency_by_id(session: Session, agency_id: int) -> Agency | None:
    return session.get(Agency, agency_id)


def agency_named(session: Session, state_id: int, name: str) -> Agency | None:
    stmt = select(Agency).where(Agency.state_id == state_id, Agency.name == name)
    return session.scalars(stmt).first()


def agencies(session: Session, principal: Principal, *, state_id: int | None) -> list[Agency]:
    stmt = restrict(select(Agency), principal, Action.VIEW, policy=AgencyPolicy())
    if state_id is not None:
        stmt = stmt.where(Agency.state_id == state_id)
    return list(session.scalars(stmt.order_by(Agency.state_id, Agency.name)))


def visible_agency(
    session: Session, principal: Principal, agency_id: int, *, action: Action = Action.VIEW
) -> Agency | None:
    stmt = restrict(select(Agency), principal, action, policy=AgencyPolicy())
    return session.scalars(stmt.where(Agency.id == agency_id)).first()


def agency_users(session: Session, principal: Principal, agency_id: int) -> tuple[int, int]:
    """How many users agency ``agency_id`` has that ``principal`` sees, and how many of
    them are active."""
    stmt = restrict(
        select(func.count(), func.count().filter(User.active.is_(True))),
        principal,
        Action.VIEW,
        policy=UserPolicy(),
    ).where(User.agency_id == agency_id)
    row = session.execute(stmt).one()
    return int(row[0]), int(row[1])


def delete_agency(session: Session, agency: Agency) -> None:
    """Delete the agency's row; the foreign keys that name it (``RESTRICT``) refuse it while
    anything does."""
    session.delete(agency)
    session.flush()


# --- users ------------------------------------------------------------------------------


def user_by_username(session: Session, username: str) -> User | None:
    """Unrestricted: for authentication and the duplicate check only."""
    stmt = select(User).options(selectinload(User.agency)).where(User.username == username)
    return session.scalars(stmt).first()


def set_password_hash(session: Session, *, user_id: int, password_hash: str) -> None:
    """A password's hash with new parameters (a rehash at sign-in: not an account change)."""
    session.execute(update(User).where(User.id == user_id).values(password_hash=password_hash))


def visible_user(
    session: Session, principal: Principal, username: str, *, action: Action = Action.VIEW
) -> User | None:
    stmt = restrict(select(User), principal, action, policy=UserPolicy())
    return session.scalars(stmt.where(User.username == username)).first()


def _visible_users(principal: Principal, agency_id: int | None) -> Select[User]:
    stmt = restrict(select(User), principal, Action.VIEW, policy=UserPolicy())
    return stmt if agency_id is None else stmt.where(User.agency_id == agency_id)


def users(
    session: Session,
    principal: Principal,
    *,
    agency_id: int | None,
    offset: int = 0,
    limit: int | None = None,
) -> list[User]:
    """The users ``principal`` sees, by name; ``offset`` and ``limit`` page them."""
    stmt = _visible_users(principal, agency_id).order_by(User.username)
    return list(session.scalars(stmt.offset(offset).limit(limit)))


def count_users(session: Session, principal: Principal, *, agency_id: int | None) -> int:
    return _count_of(session, _visible_users(principal, agency_id))


def _count_of(session: Session, stmt: Select[Any, Any] | Select[Any]) -> int:
    """How many rows a listing's statement (its policy applied) gives."""
    return int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)


# --- tokens -----------------------------------------------------------------------------


def _tokens() -> Select[ApiToken, str]:
    return select(ApiToken, User.username).join(User, User.id == ApiToken.user_id)


@dataclass(frozen=True, slots=True)
class TokenHolder:
    """What authenticating a bearer token needs: the token's state and its user's identity."""

    token_id: int
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    user_id: int
    username: str
    active: bool
    role: str
    clearance: int
    agency_id: int
    state_id: int


@cache
def _token_holder_statement() -> Select[*tuple[Any, ...]]:
    """Built once: it runs on every request made with a token."""
    return (
        select(
            ApiToken.id,
            ApiToken.expires_at,
            ApiToken.last_used_at,
            ApiToken.revoked_at,
            User.id,
            User.username,
            User.active,
            User.role,
            User.clearance,
            User.agency_id,
            Agency.state_id,
        )
        .join(User, User.id == ApiToken.user_id)
        .join(Agency, Agency.id == User.agency_id)
        .where(ApiToken.token_hash == bindparam("digest"))
    )


def token_holder_by_digest(session: Session, token_digest: str) -> TokenHolder | None:
    """The token and who holds it, as plain values in one query (every request).
    Unrestricted: authentication finds the token before anyone is known."""
    row = session.connection().execute(_token_holder_statement(), {"digest": token_digest}).first()
    return None if row is None else TokenHolder(*row)


def touch_token(session: Session, token_id: int, when: datetime) -> None:
    session.connection().execute(
        update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=when)
    )


def token_by_id(session: Session, token_id: int) -> tuple[ApiToken, str, int] | None:
    """Unrestricted: the token, its user's name and agency (``token_service.revoke_token``
    then asks whether the caller sees that user)."""
    row = session.execute(_tokens().add_columns(User.agency_id).where(ApiToken.id == token_id))
    found = row.first()
    return None if found is None else (found[0], found[1], found[2])


def revoke_tokens_of(session: Session, *, user_id: int, when: datetime) -> list[int]:
    """Revoke every token of user ``user_id`` not revoked yet; returns their ids."""
    live = select(ApiToken.id).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    ids = list(session.scalars(live.order_by(ApiToken.id)))
    if ids:
        session.execute(update(ApiToken).where(ApiToken.id.in_(ids)).values(revoked_at=when))
    return ids


def _visible_tokens(principal: Principal, user_id: int | None) -> Select[ApiToken, str]:
    stmt = restrict(_tokens(), principal, Action.VIEW, policy=TokenPolicy())
    return stmt if user_id is None else stmt.where(ApiToken.user_id == user_id)


def tokens(
    session: Session,
    principal: Principal,
    *,
    user_id: int | None,
    offset: int = 0,
    limit: int | None = None,
) -> list[tuple[ApiToken, str]]:
    """The tokens ``principal`` sees, oldest first; ``offset`` and ``limit`` page them."""
    stmt = _visible_tokens(principal, user_id).order_by(ApiToken.created_at, ApiToken.id)
    rows = session.execute(stmt.offset(offset).limit(limit))
    return [(token, username) for token, username in rows]


def count_tokens(session: Session, principal: Principal, *, user_id: int | None) -> int:
    return _count_of(session, _visible_tokens(principal, user_id))


# --- audit ------------------------------------------------------------------------------


def _visible_audit(principal: Principal) -> Select[AuditEntry]:
    return restrict(select(AuditEntry), principal, Action.VIEW, policy=AuditPolicy())


def audit_entries(
    session: Session,
    principal: Principal,
    *,
    limit: int,
    action: str | None,
    actor: str | None = None,
    before_seq: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Sequence[AuditEntry]:
    """The newest ``limit`` entries ``principal`` may read, newest first; ``action`` matches
    exactly or as a dotted prefix, ``actor`` exactly; ``before_seq`` (the last ``seq`` of a
    page) pages back; ``since`` and ``until`` bound ``at`` (``until`` excluded)."""
    stmt = _visible_audit(principal)
    if action is not None:
        stmt = stmt.where(
            (AuditEntry.action == action)
            | AuditEntry.action.startswith(action.rstrip(".") + ".", autoescape=True)
        )
    if actor is not None:
        stmt = stmt.where(AuditEntry.actor == actor)
    if before_seq is not None:
        stmt = stmt.where(AuditEntry.seq < before_seq)
    if since is not None:
        stmt = stmt.where(AuditEntry.at >= since)
    if until is not None:
        stmt = stmt.where(AuditEntry.at < until)
    return session.scalars(stmt.order_by(AuditEntry.seq.desc()).limit(limit)).all()


def audit_count(session: Session, principal: Principal) -> int:
    """How many entries ``principal`` may read."""
    stmt = _visible_audit(principal).with_only_columns(func.count()).order_by(None)
    return int(session.scalar(stmt) or 0)


def visible_audit_seqs(session: Session, principal: Principal, seqs: Sequence[int]) -> set[int]:
    """Which of ``seqs`` name entries ``principal`` may read."""
    if not seqs:
        return set()
    stmt = _visible_audit(principal).with_only_columns(AuditEntry.seq)
    return set(session.scalars(stmt.where(AuditEntry.seq.in_(list(seqs)))))


def count(session: Session, model: type[Agency | User | ApiToken | AuditEntry]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)
