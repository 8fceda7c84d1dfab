"""Who sees and changes which agreement: the registry's one access rule.

Public agreements (every imported treaty) are seen by everyone. A
confidential agreement's existence, title, parties and terms are seen only by
users whose agency's state is one of its parties, in every query: the rule is
a SQL criterion applied by ``access.restrict`` in ``registry/repository.py``,
so lists, counts, dyads, partners and profiles all obey it. Changing an
agreement needs an admin who can see it, or a liaison of a party state.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, false, or_, select, true

from taawun.access.restrict import Action
from taawun.core.principal import Principal, Role
from taawun.registry.models import Agreement, AgreementParty


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


def visible_to(
    agreement_confidential: bool, party_state_ids: set[int], principal: Principal
) -> bool:
    """The same rule in plain Python, for tests that compare it with the SQL form."""
    if principal.system or not agreement_confidential:
        return True
    return principal.state_id is not None and principal.state_id in party_state_ids


AGREEMENTS = AgreementPolicy()

__all__ = ["AGREEMENTS", "AgreementPolicy", "visible_to"]
