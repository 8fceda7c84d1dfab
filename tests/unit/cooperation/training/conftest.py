"""A world for the training tests, on the real registry (``loaded_db``, both databases).

Agreements covering training:

- ``tp``: a Turkey–Pakistan training arrangement the node records, in force from
  2025-01-01 (public);
- ``tpa``: a Turkey–Pakistan–Azerbaijan one, in force from 2025-06-01 (public), so that a
  programme Turkey hosts for Pakistan alone concerns Azerbaijan only as a party;
- ``ATOP 6035``: the 2010 Agreement on Strategic Partnership and Mutual Assistance between
  Azerbaijan and Turkey, imported (military aid with training: ATOP ``milaid`` 3 or 4);
- ``ATOP 3205``: the Arab League's Joint Defence treaty, imported, whose parties include
  Saudi Arabia, the UAE and Egypt but neither Turkey nor Pakistan.

Saudi Arabia is the third state of every Turkey–Pakistan programme. Users are principals
made directly (services take a ``Principal``), acting for their state's agency.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from taawun.access.models import AuditEntry
from taawun.cooperation.training import changes
from taawun.cooperation.training import seats as guest_seats
from taawun.cooperation.training.models import TrainingProgramme, TrainingSeat
from taawun.cooperation.training.schemas import ProgrammeCreate, ProgrammeRead, SeatsChange
from taawun.core.clock import FixedClock
from taawun.core.ids import AgencyId, StateId, UserId
from taawun.core.principal import Clearance, Principal, Role
from taawun.registry import changes as registry_changes
from taawun.registry import service as registry
from taawun.registry.schemas import AgreementCreate

ROOT = Principal.system_principal("test")
TODAY = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
STATES = ("TUR", "PAK", "AZE", "SAU", "ARE", "QAT", "EGY")


@dataclass
class World:
    session: Session
    clock: FixedClock
    states: dict[str, int]
    agreements: dict[str, int] = field(default_factory=dict)

    def user(self, state: str, role: Role = Role.LIAISON) -> Principal:
        state_id = self.states[state]
        return Principal(
            user_id=UserId(9000 + state_id),
            username=f"{state.lower()}.{role.value}",
            agency_id=AgencyId(8000 + state_id),
            state_id=StateId(state_id),
            role=role,
            clearance=Clearance.SECRET,
        )

    def record(
        self,
        host: str,
        offers: dict[str, int],
        *,
        agreement: str = "tp",
        start: date = date(2026, 1, 10),
        end: date | None = None,
        subject: str = "Counter-IED instructors' course",
        by: Principal | None = None,
    ) -> ProgrammeRead:
        data = ProgrammeCreate.model_validate(
            {
                "subject": subject,
                "agreement": str(self.agreements.get(agreement, agreement)),
                "start": start,
                "end": end or start,
                "offers": [{"guest": g, "seats": n} for g, n in offers.items()],
                "host": host,
            }
        )
        return changes.record_programme(
            by or self.user(host), self.session, data=data, clock=self.clock
        )

    def take(self, programme: ProgrammeRead, guest: str, seats: int) -> ProgrammeRead:
        return guest_seats.take_seats(
            self.user(guest),
            self.session,
            programme_id=programme.id,
            data=SeatsChange(seats=seats),
            clock=self.clock,
        )

    def snapshot(self) -> tuple[Any, ...]:
        """What a refused change must leave as it was: the training tables' rows and sums,
        and the audit log's length."""
        s = self.session
        return (
            s.scalar(select(func.count()).select_from(TrainingProgramme)),
            s.scalar(select(func.count()).select_from(TrainingSeat)),
            s.scalar(select(func.coalesce(func.sum(TrainingSeat.taken), 0))),
            s.scalar(select(func.coalesce(func.sum(TrainingSeat.graduates), 0))),
            tuple(s.scalars(select(TrainingProgramme.status).order_by(TrainingProgramme.id))),
            s.scalar(select(func.count()).select_from(AuditEntry)),
        )

    def last_audit(self) -> AuditEntry:
        entry = self.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert entry is not None
        return entry


def _agreement(session: Session, clock: FixedClock, **values: Any) -> int:
    data = AgreementCreate.model_validate({"domains": ["training"], **values})
    return registry_changes.record_agreement(ROOT, session, data=data, clock=clock).id


@pytest.fixture
def world(loaded_db: Session) -> World:
    clock = FixedClock(TODAY)
    states = {s: registry.get_state(ROOT, loaded_db, name=s).id for s in STATES}
    built = World(session=loaded_db, clock=clock, states=states)
    built.agreements["tp"] = _agreement(
        loaded_db,
        clock,
        title="Turkey–Pakistan training exchange (training tests)",
        parties=["TUR", "PAK"],
        in_force=date(2025, 1, 1),
    )
    built.agreements["tpa"] = _agreement(
        loaded_db,
        clock,
        title="Turkey–Pakistan–Azerbaijan academies (training tests)",
        parties=["TUR", "PAK", "AZE"],
        in_force=date(2025, 6, 1),
    )
    built.agreements["atop6035"] = registry.get_agreement(ROOT, loaded_db, ref="ATOP 6035").id
    built.agreements["atop3205"] = registry.get_agreement(ROOT, loaded_db, ref="ATOP 3205").id
    return built
