"""Who may do which account action: the access context's own rules.

The node operator (a system principal, at the shell) administers every agency: its
users, their tokens, and the agency itself. An admin (role ``admin``) administers their
own agency the same way, and sees the users and tokens of no other: another agency's user
answers as a missing one does. An admin hands out no more than they hold: they create
users, set passwords and issue tokens only for users cleared no higher than themselves,
or an admin could read, through an account they hold the password of, what their own
clearance does not cover. Everyone else manages only their own password and tokens, and
sees the users of their own agency. Every agency is seen by all (they are named as
TLP:RED recipients).

The predicates guard writes; the ``*Policy`` classes are the same rules as SQL criteria
for ``access.restrict`` in ``access/repository.py`` (``tests/unit/access/test_admin.py``
keeps the two equal).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, String, and_, cast, false, or_, select, true

from taawun.access.models import Agency, ApiToken, AuditEntry, User
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


def administers(principal: Principal, agency_id: int) -> bool:
    """Manage agency ``agency_id`` and its users: the node operator every agency, an admin
    their own (``AgencyPolicy`` and ``UserPolicy`` for ``Action.CHANGE``)."""
    return principal.system or (principal.is_admin and principal.agency_id == agency_id)


def may_act_for(principal: Principal, *, user_id: int, agency_id: int) -> bool:
    """List and revoke the tokens of user ``user_id`` of agency ``agency_id``: oneself, or
    as their agency's administrator (``TokenPolicy``)."""
    return is_self(principal, user_id) or administers(principal, agency_id)


def may_give_clearance(principal: Principal, clearance: int) -> bool:
    """Create a user of ``clearance``, or hold credentials of one: the node operator holds
    every clearance, anyone else their own."""
    return principal.system or clearance <= int(principal.clearance)


def may_give_credentials(
    principal: Principal, *, user_id: int, agency_id: int, clearance: int
) -> bool:
    """Set the password of, or issue a token for, a user: oneself; or as their agency's
    administrator when they are cleared no higher than the administrator, since a
    credential one has made lets one read as its user."""
    if is_self(principal, user_id):
        return True
    return administers(principal, agency_id) and may_give_clearance(principal, clearance)


def may_read_audit(principal: Principal) -> bool:
    return is_admin(principal)


def require(principal: Principal, allowed: bool, action: str) -> None:
    if not allowed:
        raise PermissionDenied(f"{principal.username} ({principal.role}) may not {action}")


class AgencyPolicy:
    """Every principal sees the node's agencies (they are named as TLP:RED recipients); the
    node operator changes any, an admin their own (``administers``)."""

    def criterion(self, principal: Principal, action: Action) -> ColumnElement[bool]:
        if action is Action.VIEW or principal.system:
            return true()
        if principal.is_admin and principal.agency_id is not None:
            return Agency.id == principal.agency_id
        return false()


class UserPolicy:
    """The node operator sees and changes every user; an admin the users of their own
    agency; anyone else sees the users of their own agency and changes only themselves."""

    def criterion(self, principal: Principal, action: Action) -> ColumnElement[bool]:
        if principal.system:
            return true()
        if principal.agency_id is not None and (principal.is_admin or action is Action.VIEW):
            return User.agency_id == principal.agency_id
        if action is Action.CHANGE and principal.user_id is not None:
            return User.id == principal.user_id
        return false()


class TokenPolicy:
    """The node operator sees every token; an admin those of their own agency's users;
    anyone else their own (``may_act_for``)."""

    def criterion(self, principal: Principal, action: Action) -> ColumnElement[bool]:
        if principal.system:
            return true()
        own = ApiToken.user_id == principal.user_id if principal.user_id is not None else false()
        if principal.is_admin and principal.agency_id is not None:
            agency_users = select(User.id).where(User.agency_id == principal.agency_id)
            return or_(own, ApiToken.user_id.in_(agency_users))
        return own


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
