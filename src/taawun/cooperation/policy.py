"""Who sees a cooperation activity: the rule every activity's repository applies.

An activity from the historical record (imported exercises, transfers, deployments) is
public. A live one is seen by the states it concerns and by the node itself (a system
principal); anyone else gets the answer a missing id gets. Which states an activity
concerns is the activity's own question (for an operation, the parties of the agreement
it falls under; for a transfer, supplier and recipient; ...), so each repository passes it
in as a SQL builder: ``concerns(state_id)`` is true for rows that concern ``state_id``.

Shared threats are not activities: they are read from intel through ``intel/policy.py``
(see ``threats/``).

The rule has two forms, as the other contexts' rules do: ``ActivityPolicy.criterion`` (SQL,
applied by ``access.restrict`` in the repositories) and ``may_see`` (plain Python, for
tests that compare the two).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, or_, true

from taawun.access.restrict import Action
from taawun.core.principal import Principal, Role

Concerns = Callable[[int], ColumnElement[bool]]


@dataclass(frozen=True, slots=True)
class ActivityPolicy:
    """``public``: SQL true for rows of the public record; ``concerns``: see the module."""

    public: ColumnElement[bool]
    concerns: Concerns

    def criterion(self, principal: Principal, action: Action) -> ColumnElement[bool]:
        if principal.system:
            return true()
        if action is Action.CHANGE:
            # Changing a live activity is for a liaison or admin of a state it concerns; the
            # public record is changed only by its importer (a system principal).
            if principal.state_id is None or principal.role not in (Role.LIAISON, Role.ADMIN):
                return false()
            return self.concerns(principal.state_id)
        if principal.state_id is None:
            return self.public
        return or_(self.public, self.concerns(principal.state_id))


def may_see(principal: Principal, *, public: bool, concerned: Collection[int]) -> bool:
    """``ActivityPolicy.criterion(..., Action.VIEW)`` in plain Python."""
    if principal.system or public:
        return True
    return principal.state_id is not None and principal.state_id in concerned


def may_change(principal: Principal, *, concerned: Collection[int]) -> bool:
    """``ActivityPolicy.criterion(..., Action.CHANGE)`` in plain Python."""
    if principal.system:
        return True
    return (
        principal.state_id is not None
        and principal.role in (Role.LIAISON, Role.ADMIN)
        and principal.state_id in concerned
    )
