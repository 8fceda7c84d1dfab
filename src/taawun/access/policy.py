"""Who may do which account action: the access context's own rules.

The node administrator (role ``admin``, or a system principal) manages
agencies, users, every token and the audit log. Everyone else manages only
their own password and tokens, and sees the users of their own agency.
The predicates guard writes; the ``*Policy`` classes are the same rules as SQL
criteria for ``access.restrict`` in ``access/repository.py``.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, true

from taawun.access.models import ApiToken, User
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
