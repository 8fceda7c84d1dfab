"""Databases and principals for the transfer tests.

``sipri_engine``: a database per backend with the registry's datasets and SIPRI's record
(the three sources of ``cooperation/importers/sipri.py``) imported once per run; ``sipri_db``
borrows it inside a transaction rolled back after each test. Live transfers need only the
registry: those tests use ``loaded_db``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from taawun.cooperation.importers import sipri
from taawun.core.clock import SystemClock
from taawun.core.ids import AgencyId, StateId, UserId
from taawun.core.principal import Clearance, Principal, Role
from taawun.registry import changes as registry_changes
from taawun.registry.importers.report import ImportReport
from taawun.registry.importers.run import default_data_dir, import_all, import_sources
from taawun.registry.resolver import resolve_state
from taawun.registry.schemas import AgreementCreate

from ....conftest import _rolled_back, new_database

PrincipalFor = Callable[..., Principal]
NODE = Principal.system_principal("test")
DATA = default_data_dir()


@dataclass
class Imported:
    engine: Engine
    report: ImportReport


def import_sipri(session: Session, *, force: bool = False) -> ImportReport:
    sources, notes = sipri.plan(session, DATA, SystemClock())
    report = ImportReport(notes=notes)
    import_sources(session, sources, report, force=force, clock=SystemClock())
    return report


@pytest.fixture(scope="session")
def sipri_engine(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Imported]:
    engine = new_database(backend, "transfers", tmp_path_factory.mktemp(f"{backend}-transfers"))
    with Session(engine) as session:
        import_all(session)
        report = import_sipri(session)
    yield Imported(engine, report)
    engine.dispose()


@pytest.fixture
def sipri_db(sipri_engine: Imported) -> Iterator[Session]:
    yield from _rolled_back(sipri_engine.engine)


def principal(session: Session, state: str, role: Role = Role.LIAISON) -> Principal:
    """A user of an agency of ``state`` (no account rows: services take the principal)."""
    found = resolve_state(session, state)
    return Principal(
        user_id=UserId(1000 + found.id),
        username=f"{state.lower()}.{role.value}",
        agency_id=AgencyId(2000 + found.id),
        state_id=StateId(found.id),
        role=role,
        clearance=Clearance.SECRET,
    )


def agreement(
    session: Session,
    parties: Sequence[str],
    domains: Sequence[str],
    *,
    in_force: date = date(2020, 1, 1),
    confidential: bool = False,
    title: str | None = None,
) -> int:
    """An agreement in force recorded by the node."""
    data = AgreementCreate(
        title=title or f"{'–'.join(parties)} {', '.join(domains)} (transfer test)",
        parties=list(parties),
        domains=list(domains),
        in_force=in_force,
        confidential=confidential,
    )
    return registry_changes.record_agreement(NODE, session, data=data).id
