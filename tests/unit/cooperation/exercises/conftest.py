"""Principals, agreements and exercises for the exercise tests, on the real registry."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

import pytest
from sqlalchemy.orm import Session

from taawun.cooperation.exercises import changes
from taawun.cooperation.exercises.schemas import ExerciseCreate, ExerciseRead
from taawun.core.ids import AgencyId, StateId, UserId
from taawun.core.principal import Clearance, Principal, Role
from taawun.registry import changes as registry_changes
from taawun.registry.resolver import resolve_state
from taawun.registry.schemas import AgreementCreate

PrincipalFor = Callable[..., Principal]
NODE = Principal.system_principal("test")


@pytest.fixture
def principal_for(loaded_db: Session) -> PrincipalFor:
    """``principal_for("TUR", role=Role.LIAISON)``: a user of an agency of that state."""

    def make(state: str, role: Role = Role.LIAISON) -> Principal:
        found = resolve_state(loaded_db, state)
        return Principal(
            user_id=UserId(1000 + found.id),
            username=f"{state.lower()}.{role.value}",
            agency_id=AgencyId(2000 + found.id),
            state_id=StateId(found.id),
            role=role,
            clearance=Clearance.SECRET,
        )

    return make


def joint_exercises_agreement(
    session: Session,
    parties: Sequence[str],
    *,
    in_force: date = date(2020, 1, 1),
    confidential: bool = False,
    title: str | None = None,
) -> int:
    """An agreement in force covering joint exercises, recorded by the node."""
    data = AgreementCreate(
        title=title or f"{'–'.join(parties)} joint exercises (test)",
        parties=list(parties),
        domains=["joint_exercises", "training"],
        in_force=in_force,
        confidential=confidential,
    )
    return registry_changes.record_agreement(NODE, session, data=data).id


def new_exercise(
    session: Session,
    principal: Principal,
    *,
    states: Sequence[str] = ("TUR", "PAK"),
    name: str = "Ataturk-Jinnah 2026",
    start: str = "2026-05-04",
    end: str | None = "2026-05-15",
    domains: Sequence[str] = ("land", "air"),
    **more: object,
) -> ExerciseRead:
    """The first state hosts; the others take part."""
    data = ExerciseCreate.model_validate(
        {
            "name": name,
            "start": start,
            "end": end,
            "domains": list(domains),
            "participants": [
                {"state": s, "role": "host" if i == 0 else "participant"}
                for i, s in enumerate(states)
            ],
            **more,
        }
    )
    return changes.record_exercise(principal, session, data=data)
