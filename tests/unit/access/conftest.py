"""Accounts for access tests: one state, two agencies, a user of each role."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from taawun.access import service
from taawun.access.schemas import AgencyRead, UserCreate
from taawun.core.clock import FixedClock
from taawun.core.ids import SequentialIds
from taawun.core.principal import Clearance, Principal, Role
from taawun.registry.models import State

PASSWORD = "correct horse battery"
ROOT = Principal.system_principal("test")


@pytest.fixture
def ids() -> SequentialIds:
    return SequentialIds()


@pytest.fixture
def agency(db: Session, clock: FixedClock) -> AgencyRead:
    db.add(State(cow_code=640, cow_abbr="TUR", name="Turkey", iso2="TR", iso3="TUR", source="test"))
    db.flush()
    state_id = db.scalar(select(State.id).where(State.cow_code == 640))
    assert state_id is not None
    return service.create_agency(
        ROOT, db, state_id=state_id, name="MIT", kind="intelligence", clock=clock
    )


@pytest.fixture
def other_agency(db: Session, clock: FixedClock, agency: AgencyRead) -> AgencyRead:
    return service.create_agency(
        ROOT, db, state_id=agency.state_id, name="TR-CERT", kind="cert", clock=clock
    )


MakeUser = Callable[..., Principal]


@pytest.fixture
def make_user(db: Session, clock: FixedClock, agency: AgencyRead) -> MakeUser:
    """``make_user("ali", Role.ANALYST)``: create the user and return their principal."""

    def make(username: str, role: Role = Role.ANALYST, agency_id: int | None = None) -> Principal:
        data = UserCreate(
            username=username,
            agency_id=agency_id or agency.id,
            role=role,
            clearance=Clearance.SECRET,
            password=PASSWORD,
        )
        service.create_user(ROOT, db, data=data, clock=clock)
        return service.principal_for_username(db, username=username)

    return make
