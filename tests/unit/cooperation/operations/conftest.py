"""A world for combined operations on the real registry: Turkey, Pakistan and Azerbaijan
party to an agreement in force that covers combined operations and intelligence sharing
(ceiling SECRET), Saudi Arabia party to none of it; an agency of each, users of any role,
and a way to share intel as one of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from taawun.access import service as access
from taawun.access.models import AuditEntry
from taawun.cooperation.operations import changes
from taawun.cooperation.operations.models import (
    Operation,
    OperationIntel,
    OperationState,
    OperationTask,
)
from taawun.cooperation.operations.schemas import OperationCreate, OperationRead
from taawun.core.clock import FixedClock
from taawun.core.ids import AgencyId, SequentialIds, StateId, UserId
from taawun.core.principal import Clearance, Principal, Role
from taawun.intel import changes as intel_changes
from taawun.intel.markings import MarkingDefaults, Tlp
from taawun.registry import changes as registry_changes
from taawun.registry.resolver import resolve_state
from taawun.registry.schemas import AgreementCreate

ROOT = Principal.system_principal("test")
PARTIES = ("TUR", "PAK", "AZE")
THIRD = "SAU"


@dataclass
class World:
    session: Session
    clock: FixedClock
    agreement: int
    states: dict[str, int]
    agencies: dict[str, int]

    def user(
        self, state: str, role: Role = Role.LIAISON, clearance: Clearance = Clearance.SECRET
    ) -> Principal:
        state_id = self.states[state]
        return Principal(
            user_id=UserId(9000 + state_id),
            username=f"{state.lower()}.{role.value}",
            agency_id=AgencyId(self.agencies[state]),
            state_id=StateId(state_id),
            role=role,
            clearance=clearance,
        )

    def propose(self, by: str = "TUR", **fields: Any) -> OperationRead:
        data: dict[str, Any] = {
            "name": "Operation Anatolian Shield (test)",
            "agreement": str(self.agreement),
            "threat": "APT28 phishing infrastructure",
            **fields,
        }
        return changes.propose_operation(
            self.user(by),
            self.session,
            data=OperationCreate.model_validate(data),
            clock=self.clock,
            ids=SequentialIds(),
        )

    def share(self, state: str, n: int, **markings: Any) -> str:
        """An indicator shared by ``state``'s agency, released under the agreement unless
        told otherwise; its STIX id."""
        stix_id = f"indicator--00000000-0000-4000-8000-{n:012d}"
        defaults = {"tlp": Tlp.GREEN, "release_to": (str(self.agreement),), **markings}
        report = intel_changes.share(
            self.user(state),
            self.session,
            objects=[
                {
                    "type": "indicator",
                    "spec_version": "2.1",
                    "id": stix_id,
                    "created": "2026-01-01T00:00:00.000Z",
                    "modified": "2026-01-01T00:00:00.000Z",
                    "name": f"operations test indicator {n}",
                    "pattern": f"[ipv4-addr:value = '198.51.100.{n % 256}']",
                    "pattern_type": "stix",
                    "valid_from": "2026-01-01T00:00:00Z",
                }
            ],
            defaults=MarkingDefaults(**defaults),
            clock=self.clock,
        )
        assert report.stored == 1, report
        return stix_id

    def fingerprint(self) -> tuple[Any, ...]:
        """Everything a change could write: the operations' rows and the audit log."""
        s = self.session
        answers = select(
            OperationState.operation_id, OperationState.state_id, OperationState.response
        )
        return (
            tuple(s.execute(select(Operation.id, Operation.status, Operation.updated_at)).all()),
            tuple(s.execute(answers).all()),
            s.scalar(select(func.count()).select_from(OperationTask)),
            s.scalar(select(func.count()).select_from(OperationIntel)),
            s.scalar(select(func.max(AuditEntry.seq))),
        )

    def last_audit(self) -> AuditEntry:
        found = self.session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert found is not None
        return found


def make_world(session: Session, *, confidential: bool = False) -> World:
    clock = FixedClock(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
    states = {s: resolve_state(session, s).id for s in (*PARTIES, THIRD)}
    agencies = {
        s: access.create_agency(
            ROOT, session, state_id=states[s], name=f"{s} ops agency", clock=clock
        ).id
        for s in states
    }
    agreement = registry_changes.record_agreement(
        ROOT,
        session,
        data=AgreementCreate.model_validate(
            {
                "title": "Turkey–Pakistan–Azerbaijan combined operations (test)",
                "parties": list(PARTIES),
                "domains": ["combined_operations", "intelligence_sharing"],
                "in_force": date(2026, 1, 1),
                "sharing_ceiling": "SECRET",
                "confidential": confidential,
            }
        ),
        clock=clock,
    )
    return World(session, clock, agreement.id, states, agencies)


@pytest.fixture
def world(loaded_db: Session) -> World:
    return make_world(loaded_db)
