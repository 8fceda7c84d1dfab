"""``restrict``: apply a context's access policy to a query before anything is fetched.

Every repository that selects a protected table passes its statement through
here with the policy module of its context (``registry/policy.py``,
``intel/policy.py``), so the rule is in the query, never in Python after it.
"""

from __future__ import annotations

import enum
from typing import Protocol, TypeVarTuple

from sqlalchemy import ColumnElement, Select

from taawun.core.principal import Principal

Ts = TypeVarTuple("Ts")


class Action(enum.StrEnum):
    VIEW = "view"
    CHANGE = "change"


class Policy(Protocol):
    def criterion(self, principal: Principal, action: Action) -> ColumnElement[bool]:
        """A SQL boolean true exactly for the rows ``principal`` may ``action``."""
        ...


def restrict(
    stmt: Select[*Ts], principal: Principal, action: Action, *, policy: Policy
) -> Select[*Ts]:
    return stmt.where(policy.criterion(principal, action))
