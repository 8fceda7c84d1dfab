"""Who may do which account action: the access context's own rules.

The node administrator (role ``admin``, or a system principal) manages
agencies, users, every token and the audit log. Everyone else manages only
their own password and tokens, and sees the users of their own agency.
The predicates guard writes; the ``*Policy`` classes are the same rules as SQL
criteria for ``access.restrict`` in ``access/repository.py``.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, String, and_, cast, false, or_, select, true

from taawun.access.models import ApiToken, AuditEntry, User
from taawun.access.restrict import Action
from taawun.core.errors import PermissionDenied
from taawun.core.principal import Principal


def is_admin(principal: Principal) -> bool:
    return principal.system or principal.is_admin


def is_self(principal: Principal, user_id: int) -> bool:
    return principal.user_id is not None and principal.user_id == user_id


def may_manage_agencies(principal: Principal) -> bool:
    return is_admin(principal)


def may_manage_users(principal: Principal) -> bool:
    return is_admin(principal)


def may_act_for(principal: Principal, user_id: int) -> bool:
    """Set the password of, and issue, list and revoke the tokens of, user ``user_id``."""
    return is_admin(principal) or is_self(principal, user_id)


def may_read_audit(principal: Principal) -> bool:
    return is_admin(principal)


def require(principal: Principal, allowed: bool, action: str) -> None:
    if not allowed:
        raise PermissionDenied(f"{principal.username} ({principal.role}) may not {action}")


class AgencyPolicy:
    """Every principal sees the node's agencies (they are named as TLP:RED recipients)."""

    def criterion(self, principal: Principal, action: Action) -> ColumnElement[bool]:
        if action is Action.VIEW or may_manage_agencies(principal):
            return true()
        return false()


class UserPolicy:
    def criterion(self, principal: Principal, action: Action) -> ColumnElement[bool]:
        if is_admin(principal):
            return true()
        if action is Action.VIEW and principal.agency_id is not None:
            return User.agency_id == principal.agency_id
        if action is Action.CHANGE and principal.user_id is not None:
            return User.id == principal.user_id
        return false()


class TokenPolicy:
    def criterion(self, principal: Principal, action: Action) -> ColumnElement[bool]:
        if is_admin(principal):
            return true()
        if principal.user_id is not None:
            return ApiToken.user_id == principal.user_id
        return false()


class AuditPolicy:
    """Which audit entries a principal may read: the node operator (a system principal, at
    the shell) all of them; an admin those about their own agency, whose content their
    clearance covers; nobody else any.

    "About their own agency": what its users did (``actor_agency_id``), and what was done
    to it or to its users by others (the node operator creating an account, a failed
    sign-in to one of its users). Everything else — another state's reads and releases,
    agreements recorded by others, sign-ins to other agencies — is another agency's record,
    and the entries that name intel carry the highest classification they name
    (``AuditEntry.clearance``). An entry a reader may not read is absent, in lists and in
    counts, as if it did not exist."""

    def criterion(self, principal: Principal, action: Action) -> ColumnElement[bool]:
        if principal.system:
            return true()
        if action is not Action.VIEW or not principal.is_admin or principal.agency_id is None:
            return false()
        agency = principal.agency_id
        own_users = select(cast(User.id, String)).where(User.agency_id == agency)
        own_tokens = (
            select(cast(ApiToken.id, String))
            .join(User, User.id == ApiToken.user_id)
            .where(User.agency_id == agency)
        )
        about_own = or_(
            AuditEntry.actor_agency_id == agency,
            and_(AuditEntry.target_type == "agency", AuditEntry.target_id == str(agency)),
            and_(AuditEntry.target_type == "user", AuditEntry.target_id.in_(own_users)),
            and_(AuditEntry.target_type == "api_token", AuditEntry.target_id.in_(own_tokens)),
        )
        return and_(about_own, AuditEntry.clearance <= int(principal.clearance))
