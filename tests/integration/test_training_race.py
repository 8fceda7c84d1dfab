"""Two guests' liaisons taking the last seats at once: the second waits for the first and
is refused, on both databases, with committed data and a connection each (as two requests
of a node are). And the database itself refuses an overbooking that skips the service.

Each change locks the programme's row first (``FOR UPDATE`` on PostgreSQL; on SQLite a
writer begins with the write lock, ``BEGIN IMMEDIATE``), so the second taker's check runs
on what the first committed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from taawun.cooperation.training import changes, service
from taawun.cooperation.training import seats as guest_seats
from taawun.cooperation.training.models import TrainingSeat
from taawun.cooperation.training.schemas import ProgrammeCreate, SeatsChange
from taawun.core.errors import Conflict
from taawun.core.ids import AgencyId, StateId, UserId
from taawun.core.principal import Clearance, Principal, Role
from taawun.registry import changes as registry_changes
from taawun.registry import service as registry
from taawun.registry.importers.run import import_all
from taawun.registry.schemas import AgreementCreate
from taawun.storage.engine import for_writes

from ..conftest import new_database

ROOT = Principal.system_principal("test")


@pytest.fixture(scope="module")
def engine(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    built = new_database(backend, "training_race", tmp_path_factory.mktemp(f"{backend}-race"))
    with Session(built) as session:
        import_all(session)
        registry_changes.record_agreement(
            ROOT,
            session,
            data=AgreementCreate.model_validate(
                {
                    "title": "Turkey–Pakistan training exchange (race test)",
                    "parties": ["TUR", "PAK"],
                    "domains": ["training"],
                    "in_force": "2025-01-01",
                }
            ),
        )
        session.commit()
    yield for_writes(built)
    built.dispose()


def _liaison(session: Session, state: str, n: int) -> Principal:
    state_id = registry.get_state(ROOT, session, name=state).id
    return Principal(
        user_id=UserId(7000 + n),
        username=f"{state.lower()}.liaison{n}",
        agency_id=AgencyId(7000 + state_id),
        state_id=StateId(state_id),
        role=Role.LIAISON,
        clearance=Clearance.SECRET,
    )


def _programme(engine: Engine, seats: int) -> str:
    with Session(engine) as session:
        agreement = registry.list_agreements(ROOT, session, text="(race test)").items[0].id
        made = changes.record_programme(
            _liaison(session, "TUR", 0),
            session,
            data=ProgrammeCreate(
                subject="Staff course",
                agreement=str(agreement),
                start=date(2027, 1, 4),
                end=date(2027, 1, 29),
                offers=[{"guest": "PAK", "seats": seats}],  # type: ignore[list-item]
            ),
        )
        session.commit()
        return made.id


def _taken(engine: Engine, programme_id: str) -> int:
    with Session(engine) as session:
        return service.get_programme(ROOT, session, programme_id=programme_id).taken


def _take(engine: Engine, programme_id: str, seats: int, n: int) -> str:
    with Session(engine) as session:
        try:
            guest_seats.take_seats(
                _liaison(session, "PAK", n),
                session,
                programme_id=programme_id,
                data=SeatsChange(seats=seats),
            )
        except Conflict:
            session.rollback()
            return "refused"
        session.commit()
        return "taken"


def test_the_second_taker_waits_for_the_first_and_is_refused(engine: Engine) -> None:
    programme_id = _programme(engine, seats=5)
    with Session(engine) as first:
        guest_seats.take_seats(
            _liaison(first, "PAK", 1), first, programme_id=programme_id, data=SeatsChange(seats=3)
        )  # holds the lock, not yet committed
        with ThreadPoolExecutor(1) as pool:
            second = pool.submit(_take, engine, programme_id, 3, 2)
            with pytest.raises(TimeoutError):
                second.result(timeout=0.5)  # it waits for the first's lock
            first.commit()
            assert second.result(timeout=30) == "refused"
    assert _taken(engine, programme_id) == 3


def test_many_takers_at_once_never_overbook(engine: Engine) -> None:
    programme_id = _programme(engine, seats=4)
    start = threading.Barrier(6)

    def take(n: int) -> str:
        start.wait()
        return _take(engine, programme_id, 1, n)

    with ThreadPoolExecutor(6) as pool:
        outcomes = sorted(pool.map(take, range(6)))
    assert outcomes == ["refused", "refused", "taken", "taken", "taken", "taken"]
    assert _taken(engine, programme_id) == 4


def test_the_database_refuses_an_overbooking_that_skips_the_service(engine: Engine) -> None:
    programme_id = _programme(engine, seats=2)
    with Session(engine) as session, pytest.raises(IntegrityError):
        session.execute(
            update(TrainingSeat)
            .where(TrainingSeat.programme_id == programme_id)
            .values(taken=TrainingSeat.offered + 1)
        )
    with Session(engine) as session, pytest.raises(IntegrityError):
        session.execute(
            update(TrainingSeat)
            .where(TrainingSeat.programme_id == programme_id)
            .values(taken=1, graduates=2)
        )
    with Session(engine) as session:
        total = session.scalar(
            select(func.sum(TrainingSeat.taken)).where(TrainingSeat.programme_id == programme_id)
        )
    assert total == 0
