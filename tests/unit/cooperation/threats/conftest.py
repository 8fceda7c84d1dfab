"""A sharing world on the real registry for the correlation index: agencies of Turkey (two),
Pakistan, Saudi Arabia and the United Arab Emirates, and two intelligence-sharing agreements
recorded on the node, Turkey–Pakistan and Turkey–Saudi Arabia (ceiling SECRET).

The index is registered (as the composition roots do), and the warninglists' ``classify``
is replaced by ``COMMON``: which values the lists call common is the warninglists' own
tests' business; here it must only be called, and obeyed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session

import taawun.cooperation.threats.index  # noqa: F401 - registers the index, as the app does
from taawun.access import service as access
from taawun.core.clock import FixedClock
from taawun.core.ids import AgencyId, StateId, UserId
from taawun.core.principal import Clearance, Principal, Role
from taawun.intel import changes
from taawun.intel.markings import MarkingDefaults, Tlp
from taawun.intel.schemas import ShareReport
from taawun.registry import changes as registry_changes
from taawun.registry.resolver import resolve_state
from taawun.registry.schemas import AgreementCreate

ROOT = Principal.system_principal("test")
AGENCIES = ("TUR-MIT", "TUR-MOD", "PAK-ISI", "SAU-GIP", "ARE-SIA")


@dataclass(frozen=True)
class Flag:
    """The shape of ``warninglists.CommonFlag``."""

    common: bool
    reason: str | None
    notes: tuple[str, ...]

    @property
    def note(self) -> str | None:
        return "; ".join(self.notes) or None


COMMON: dict[tuple[str, str], Flag] = {
    ("ipv4", "8.8.8.8"): Flag(True, "public-dns-v4", ()),
    ("domain", "google.com"): Flag(True, "tranco10k", ()),
    ("ipv4", "3.5.140.2"): Flag(False, None, ("amazon-aws",)),
}
CALLS: list[list[tuple[str, str]]] = []


def classify(session: Session, values: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Flag]:
    CALLS.append(list(values))
    return {v: COMMON[v] for v in values if v in COMMON}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "real_warninglists: the node's own warninglists, not the stand-in"
    )


@pytest.fixture(autouse=True)
def warninglists(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> list[list[tuple[str, str]]]:
    """The stand-in lists, unless the test is marked ``real_warninglists``."""
    from taawun.cooperation.threats import warninglists as module

    if not request.node.get_closest_marker("real_warninglists"):
        monkeypatch.setattr(module, "classify", classify)
    CALLS.clear()
    return CALLS


@dataclass
class World:
    clock: FixedClock
    agreements: dict[str, int]  # "TUR-PAK", "TUR-SAU"
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

    def share(
        self,
        session: Session,
        agency: str,
        objects: Sequence[dict[str, Any]],
        *,
        under: Sequence[str] = (),
        tlp: Tlp = Tlp.AMBER,
        classification: Clearance = Clearance.UNCLASSIFIED,
        release_to_all: bool = False,
    ) -> ShareReport:
        report = changes.share(
            self.user(agency),
            session,
            objects=list(objects),
            defaults=MarkingDefaults(
                tlp=tlp,
                classification=classification,
                release_to=tuple(str(self.agreements[a]) for a in under),
                release_to_all=release_to_all,
            ),
            clock=self.clock,
        )
        assert report.failed == 0, [o.reasons for o in report.outcomes if not o.ok]
        return report


def _agreement(session: Session, clock: FixedClock, a: str, b: str) -> int:
    return registry_changes.record_agreement(
        ROOT,
        session,
        data=AgreementCreate(
            title=f"{a}–{b} intelligence sharing (test)",
            parties=[a, b],
            domains=["intelligence_sharing"],
            in_force=date(2024, 1, 1),
            sharing_ceiling="SECRET",  # type: ignore[arg-type]
        ),
        clock=clock,
    ).id


@pytest.fixture
def world(loaded_db: Session) -> World:
    clock = FixedClock(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
    states = {iso: resolve_state(loaded_db, iso).id for iso in ("TUR", "PAK", "SAU", "ARE")}
    agencies = {
        name: access.create_agency(
            ROOT,
            loaded_db,
            state_id=states[name.split("-")[0]],
            name=name,
            kind="intelligence",
            clock=clock,
        ).id
        for name in AGENCIES
    }
    agreements = {
        "TUR-PAK": _agreement(loaded_db, clock, "TUR", "PAK"),
        "TUR-SAU": _agreement(loaded_db, clock, "TUR", "SAU"),
    }
    return World(clock=clock, agreements=agreements, agencies=agencies, states=states)


def indicator(n: int, pattern: str, **extra: Any) -> dict[str, Any]:
    """A valid STIX 2.1 indicator numbered ``n`` (ids stable across agencies: each agency's
    objects are its own namespace)."""
    obj: dict[str, Any] = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--00000000-0000-4000-8000-{n:012d}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": f"test indicator {n}",
        "pattern": pattern,
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
    }
    obj.update(extra)
    return obj


def ip(n: int, address: str, **extra: Any) -> dict[str, Any]:
    return indicator(n, f"[ipv4-addr:value = '{address}']", **extra)


def assert_consistent(session: Session) -> None:
    """The counts the indexer keeps equal what the occurrences say, ``multi`` flags exactly
    the occurrences of values two or more states hold, and each such value was judged
    against the common values."""
    from sqlalchemy import func, select

    from taawun.cooperation.threats.models import ThreatOccurrence, ThreatValue

    o = ThreatOccurrence
    actual = {
        vid: (agencies, states)
        for vid, agencies, states in session.execute(
            select(
                o.value_id,
                func.count(func.distinct(o.agency_id)),
                func.count(func.distinct(o.state_id)),
            ).group_by(o.value_id)
        )
    }
    stored = {
        vid: (agencies, states)
        for vid, agencies, states in session.execute(
            select(ThreatValue.id, ThreatValue.agencies, ThreatValue.states)
        )
    }
    assert stored == {vid: actual.get(vid, (0, 0)) for vid in stored}
    flags = session.execute(select(o.value_id, o.multi)).all()
    assert all(bool(multi) == (actual[vid][1] >= 2) for vid, multi in flags)
    unjudged = set(session.scalars(select(ThreatValue.id).where(ThreatValue.common.is_(None))))
    assert not {vid for vid, (_, states) in actual.items() if states >= 2} & unjudged
