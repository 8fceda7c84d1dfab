"""Who sees and changes which agreement: the registry's one access rule.

Public agreements (every imported treaty) are seen by everyone. A
confidential agreement's existence, title, parties and terms are seen only by
users whose agency's state is one of its parties, in every query: the rule is
a SQL criterion applied by ``access.restrict`` in ``registry/repository.py``,
so lists, counts, dyads, partners and profiles all obey it. Changing an
agreement needs an admin who can see it, or a liaison of a party state.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, exists, false, func, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, aliased

from taawun.access.restrict import Action
from taawun.core.principal import Principal, Role
from taawun.registry.models import Agreement, AgreementDomain, AgreementParty

SHARING_DOMAIN = "intelligence_sharing"
IntColumn = ColumnElement[int] | InstrumentedAttribute[int]


def _party_of(principal: Principal) -> ColumnElement[bool]:
    if principal.state_id is None:
        return false()
    return exists(
        select(AgreementParty.id).where(
            AgreementParty.agreement_id == Agreement.id,
            AgreementParty.state_id == principal.state_id,
        )
    )


class AgreementPolicy:
    def criterion(self, principal: Principal, action: Action) -> ColumnElement[bool]:
        if principal.system:
            return true()
        visible = or_(Agreement.confidential.is_(False), _party_of(principal))
        if action is Action.VIEW:
            return visible
        if principal.role is Role.ADMIN:
            return visible
        if principal.role is Role.LIAISON:
            return _party_of(principal)
        return false()

    @staticmethod
    def may_create(principal: Principal, party_state_ids: set[int]) -> bool:
        if principal.system or principal.role is Role.ADMIN:
            return True
        return principal.role is Role.LIAISON and principal.state_id in party_state_ids

    @staticmethod
    def may_change_membership(principal: Principal, state_id: int) -> bool:
        if principal.system or principal.role is Role.ADMIN:
            return True
        return principal.role is Role.LIAISON and principal.state_id == state_id


def party_at(agreement_id: IntColumn, state: IntColumn | int, day: date) -> ColumnElement[bool]:
    party = aliased(AgreementParty)
    return exists(
        select(party.id)
        .where(
            party.agreement_id == agreement_id,
            party.state_id == state,
            or_(party.entered.is_(None), party.entered <= day),
            or_(party.exited.is_(None), party.exited >= day),
        )
        .correlate_except(party)
    )


def sharing_grant(
    agreement_id: IntColumn,
    *,
    reader_state: int,
    owner_state: IntColumn,
    classification: IntColumn,
    day: date,
) -> ColumnElement[bool]:
    """SQL: the agreement ``agreement_id`` lets ``reader_state`` read, on ``day``, what
    ``owner_state`` released under it at ``classification``: it is in force (status and
    dates), covers intelligence_sharing, its ceiling (none: UNCLASSIFIED) is not below the
    classification, and both states are parties on that day. The registry's half of the
    release policy (``intel/policy.py``), kept here because it reads registry tables."""
    return exists(
        select(Agreement.id)
        .where(
            Agreement.id == agreement_id,
            Agreement.status == "in_force",
            Agreement.in_force <= day,
            or_(Agreement.ended.is_(None), Agreement.ended >= day),
            classification <= func.coalesce(Agreement.sharing_ceiling, 0),
            exists(
                select(AgreementDomain.id).where(
                    AgreementDomain.agreement_id == Agreement.id,
                    AgreementDomain.domain == SHARING_DOMAIN,
                )
            ),
            party_at(Agreement.id, reader_state, day),
            party_at(Agreement.id, owner_state, day),
        )
        # Correlate every outer table (the caller's intel rows) explicitly: auto-correlation
        # only looks one level up, and would otherwise cross-join them in here.
        .correlate_except(Agreement)
    )


def visible_to(
    agreement_confidential: bool, party_state_ids: set[int], principal: Principal
) -> bool:
    """The same rule in plain Python, for tests that compare it with the SQL form."""
    if principal.system or not agreement_confidential:
        return True
    return principal.state_id is not None and principal.state_id in party_state_ids


AGREEMENTS = AgreementPolicy()

__all__ = ["AGREEMENTS", "AgreementPolicy", "visible_to"]
