"""Principals for registry tests: users of real states' agencies, without account rows."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from taawun.core.ids import AgencyId, StateId, UserId
from taawun.core.principal import Clearance, Principal, Role
from taawun.registry.resolver import resolve_state

PrincipalFor = Callable[..., Principal]


@pytest.fixture
def principal_for(loaded_db: Session) -> PrincipalFor:
    """``principal_for("TUR", role=Role.LIAISON)``: a user of an agency of that state."""

    def make(state: str, role: Role = Role.ANALYST) -> Principal:
        found = resolve_state(loaded_db, state)
        return Principal(
            user_id=UserId(1000 + found.id),
            username=f"user-{state.lower()}",
            agency_id=AgencyId(2000 + found.id),
            state_id=StateId(found.id),
            role=role,
            clearance=Clearance.SECRET,
        )

    return make
