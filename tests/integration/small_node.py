"""A node with no datasets: one state, one agency, a few users with a token each. For tests of
the web layer that need accounts but none of the registry's data (quicker than the loaded node)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from taawun.access import service, token_service
from taawun.access.schemas import UserCreate
from taawun.core.clock import Clock
from taawun.core.ids import RandomIds
from taawun.core.principal import Clearance, Principal, Role
from taawun.registry.models import State

from ..conftest import new_database

PASSWORD = "small-node-password-1"
ROOT = Principal.system_principal("test")


def small_node(
    backend: str, label: str, tmp: Path, *, users: Iterable[str], clock: Clock
) -> tuple[Engine, dict[str, str]]:
    """A fresh migrated database holding ``users`` (admins of one Turkish agency, password
    ``PASSWORD``), and a bearer token for each."""
    engine = new_database(backend, label, tmp)
    tokens: dict[str, str] = {}
    with Session(engine) as session:
        session.add(State(cow_code=640, cow_abbr="TUR", name="Turkey", iso3="TUR", source="t"))
        session.flush()
        state_id = session.scalars(select(State.id)).one()
        agency = service.create_agency(ROOT, session, state_id=state_id, name="MIT", clock=clock)
        for username in users:
            data = UserCreate(
                username=username,
                agency_id=agency.id,
                role=Role.ADMIN,
                clearance=Clearance.SECRET,
                password=PASSWORD,
            )
            service.create_user(ROOT, session, data=data, clock=clock)
            tokens[username] = token_service.issue_token(
                ROOT, session, username=username, name="test", clock=clock, ids=RandomIds()
            ).token
        session.commit()
    return engine, tokens
