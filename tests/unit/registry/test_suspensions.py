"""Suspensions COW IGO does not code: Syria in the Arab League (16 November 2011 to 6 May
2023) and in the OIC (August 2012 to 6 March 2025), from curated/memberships_extra.csv."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from taawun.core.principal import Principal
from taawun.registry import service
from taawun.registry.models import Membership, Organization, State
from taawun.registry.schemas import MembershipCreate

PUBLIC = Principal.public()


def _syria(session: Session, org: str, when: str | int, status: str | None) -> list[str]:
    """Syria's statuses in ``org`` during ``when``, as the members question answers them."""
    found = service.organization_members(
        PUBLIC, session, organization=org, when=when, status=status
    )
    return sorted(m.status for m in found.members if m.state.iso3 == "SYR")


@pytest.mark.parametrize(
    ("org", "when", "full", "any_status"),
    [
        ("OIC", 2010, ["full"], ["full"]),
        ("OIC", 2013, [], ["suspended"]),
        ("OIC", "2012-08-14", ["full"], ["full"]),
        ("OIC", "2012-08-15", [], ["suspended"]),
        ("OIC", 2012, ["full"], ["full", "suspended"]),  # both, each for part of the year
        ("OIC", "2026-11-24", ["full"], ["full"]),  # reinstated 7 March 2025
        ("LOAS", 2010, ["full"], ["full"]),
        ("LOAS", "2011-11-15", ["full"], ["full"]),
        ("LOAS", "2011-12-01", [], ["suspended"]),
        ("LOAS", 2015, [], ["suspended"]),
        ("LOAS", "2023-05-06", [], ["suspended"]),
        ("LOAS", "2023-05-07", ["full"], ["full"]),
        ("LOAS", 2024, ["full"], ["full"]),
    ],
)
def test_syria_in_the_oic_and_the_arab_league(
    loaded_db: Session, org: str, when: str | int, full: list[str], any_status: list[str]
) -> None:
    assert _syria(loaded_db, org, when, "full") == full
    assert _syria(loaded_db, org, when, None) == any_status


def test_oic_members_in_2013_list_syria_as_suspended_with_its_source(loaded_db: Session) -> None:
    found = service.organization_members(
        PUBLIC, loaded_db, organization="OIC", when=2013, status="suspended"
    )
    [syria] = found.members
    assert syria.state.iso3 == "SYR"
    assert (syria.from_date, syria.to_date) == (date(2012, 8, 15), date(2025, 3, 6))
    assert syria.source.startswith("curated: ") and "Mecca" in syria.source
    full = service.organization_members(PUBLIC, loaded_db, organization="OIC", when=2013)
    assert len(full.members) == 56  # 57 members, one suspended


def test_the_cow_igo_spell_ends_the_day_before_the_suspension(loaded_db: Session) -> None:
    rows = loaded_db.execute(
        select(Membership.status, Membership.from_year, Membership.to_date, Membership.source)
        .join(State, State.id == Membership.state_id)
        .join(Organization, Organization.id == Membership.organization_id)
        .where(State.iso3 == "SYR", Organization.key == "LOAS")
        .order_by(Membership.from_year)
    ).all()
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("full", 1946, None),
        ("full", 1961, date(2011, 11, 15)),
        ("suspended", 2011, date(2023, 5, 6)),
        ("full", 2023, None),
    ]
    assert [r[3].split(":")[0] for r in rows] == ["COW IGO v3", "COW IGO v3", "curated", "curated"]


def test_syria_profile_in_2013(loaded_db: Session) -> None:
    profile = service.state_profile(PUBLIC, loaded_db, state="SYR", when=2013)
    statuses = {m.organization: m.status for m in profile.memberships}
    assert statuses["OIC"] == "suspended" and statuses["LOAS"] == "suspended"
    assert statuses["OAPEC"] == "full"  # other memberships are untouched


def test_suspended_is_a_membership_status() -> None:
    data = MembershipCreate(organization="OIC", state="SYR", status="suspended", from_year=2012)
    assert data.status == "suspended"
