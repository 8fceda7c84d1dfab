"""What the account use cases share (``service.py``, ``token_service.py``): the user a
principal sees, the refusal of a credential for a user cleared above its giver, and the
audit entry every write appends inside its savepoint."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy.orm import Session

from taawun.access import audit, policy, repository
from taawun.access.models import User
from taawun.core.clock import Clock
from taawun.core.errors import NotFound, PermissionDenied
from taawun.core.principal import Clearance, Principal


def record_audit(
    session: Session,
    who: Principal,
    clock: Clock,
    what: str,
    target: tuple[str, int | None],
    *,
    before: BaseModel | None = None,
    after: BaseModel | None = None,
    detail: dict[str, object] | None = None,
) -> None:
    """Who did what to which target, with the target before and after, in the caller's savepoint."""
    audit.record(
        session,
        principal=who,
        action=what,
        target_type=target[0],
        target_id=target[1],
        before=None if before is None else before.model_dump(mode="json"),
        after=None if after is None else after.model_dump(mode="json"),
        detail=detail,
        clock=clock,
    )


def visible_user(principal: Principal, session: Session, username: str) -> User:
    """The user ``principal`` sees; another agency's user answers as a missing one."""
    user = repository.visible_user(session, principal, username)
    if user is None:
        raise NotFound(f"user: no user {username!r}", field="username", value=username)
    return user


def above_clearance(
    principal: Principal, clearance: int, what: str, *, field: str, value: object
) -> PermissionDenied:
    """The refusal of ``policy.may_give_clearance``: ``what`` is refused ``clearance``."""
    return PermissionDenied(
        f"{field}: {principal.username} ({principal.clearance.name}) may not {what} "
        f"{Clearance(clearance).name}: an admin gives no clearance above their own",
        field=field,
        value=value,
    )


def require_credentials(principal: Principal, user: User, act: str, what: str) -> None:
    """``policy.may_give_credentials``, refused with its reason: not the user's agency's
    administrator (``act``), or the user is cleared above them (``what``)."""
    if policy.may_give_credentials(
        principal, user_id=user.id, agency_id=user.agency_id, clearance=user.clearance
    ):
        return
    policy.require(principal, policy.administers(principal, user.agency_id), act)
    raise above_clearance(principal, user.clearance, what, field="username", value=user.username)
