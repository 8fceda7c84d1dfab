"""A small sharing world on the real registry: agencies of Turkey, Pakistan and Saudi Arabia,
users of each, and a Turkey–Pakistan intelligence-sharing agreement (ceiling SECRET)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session

from taawun.access import service as access
from taawun.core.clock import FixedClock
from taawun.core.ids import AgencyId, StateId, UserId
from taawun.core.principal import Clearance, Principal, Role
from taawun.registry import changes
from taawun.registry.resolver import resolve_state
from taawun.registry.schemas import AgreementCreate

ROOT = Principal.system_principal("test")


@dataclass
class World:
    clock: FixedClock
    agreement_id: int
    agencies: dict[str, int]
    states: dict[str, int]

    def user(
        self, agency: str, *, role: Role = Role.LIAISON, clearance: Clearance = Clearance.SECRET
    ) -> Principal:
        state = agency.split("-", maxsplit=1)[0]
        return Principal(
            user_id=UserId(hash(agency) % 10_000),
            username=f"{agency.lower()}-user",
            agency_id=AgencyId(self.agencies[agency]),
            state_id=StateId(self.states[state]),
            role=role,
            clearance=clearance,
        )


@pytest.fixture
def world(loaded_db: Session) -> World:
    clock = FixedClock(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
    states = {iso: resolve_state(loaded_db, iso).id for iso in ("TUR", "PAK", "SAU")}
    agencies: dict[str, int] = {}
    for name in ("TUR-MIT", "TUR-MOD", "PAK-ISI", "SAU-GIP"):
        iso = name.split("-")[0]
        agencies[name] = access.create_agency(
            ROOT, loaded_db, state_id=states[iso], name=name, kind="intelligence", clock=clock
        ).id
    agreement = changes.record_agreement(
        ROOT,
        loaded_db,
        data=AgreementCreate(
            title="Turkey–Pakistan intelligence sharing (test)",
            parties=["TUR", "PAK"],
            domains=["intelligence_sharing"],
            in_force=date(2024, 1, 1),
            sharing_ceiling="SECRET",  # type: ignore[arg-type]
        ),
        clock=clock,
    )
    return World(clock=clock, agreement_id=agreement.id, agencies=agencies, states=states)


def indicator(n: int, **extra: Any) -> dict[str, Any]:
    """A valid STIX 2.1 indicator, numbered so ids are distinct and stable."""
    obj: dict[str, Any] = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--00000000-0000-4000-8000-{n:012d}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": f"test indicator {n}",
        "pattern": f"[ipv4-addr:value = '10.0.{n // 256 % 256}.{n % 256}']",
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
    }
    obj.update(extra)
    return obj


MakeObject = Callable[..., dict[str, Any]]
