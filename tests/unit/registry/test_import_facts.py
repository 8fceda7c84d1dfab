"""Facts checked against the real data after import (ATOP 5.1, COW IGO v3, curated)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from taawun.registry.models import Agreement, AgreementParty, Membership, Organization, State


def _state(session: Session, cow_code: int) -> int:
    return session.scalars(select(State.id).where(State.cow_code == cow_code)).one()


def _shared(session: Session, a: int, b: int) -> dict[str, Agreement]:
    """Agreements (by source id) with both COW states among their parties."""
    ids = [_state(session, a), _state(session, b)]
    found: dict[str, Agreement] = {}
    for agreement in session.scalars(select(Agreement).join(AgreementParty)).unique():
        if set(ids) <= {p.state_id for p in agreement.parties}:
            found[agreement.source_id] = agreement
    return found


def _atop(session: Session, atopid: int) -> Agreement:
    stmt = select(Agreement).where(
        Agreement.source == "ATOP 5.1", Agreement.source_id == str(atopid)
    )
    return session.scalars(stmt).one()


def test_turkey_pakistan_1954_pact_and_cento(loaded_db: Session) -> None:
    shared = _shared(loaded_db, 640, 770)
    assert {"3255", "3275"} <= set(shared)
    pact = shared["3255"]
    assert pact.signed == date(1954, 4, 2)
    assert pact.title == "Agreement for Friendly Co-operation between Pakistan and Turkey"
    cento = shared["3275"]
    assert cento.signed is not None and cento.signed.year == 1955
    assert cento.ended is not None and cento.ended.year == 1979
    assert cento.status in {"terminated", "expired"}
    assert cento.organization is not None and cento.organization.key == "CENTO"
    assert cento.title == "Pact of Mutual Co-operation between Iraq and Turkey (Baghdad Pact)"
    members = {p.state.cow_code for p in cento.parties}
    assert members == {630, 645, 770, 640, 200}  # Iran, Iraq, Pakistan, Turkey, UK


def test_saudi_uae_arab_league_and_gcc(loaded_db: Session) -> None:
    shared = _shared(loaded_db, 670, 696)
    assert {"3015", "3205", "4965"} <= set(shared)
    assert shared["3205"].signed is not None and shared["3205"].signed.year == 1950
    assert shared["3205"].organization is not None
    assert shared["3205"].organization.key == "LOAS"
    gcc = shared["4965"]
    assert gcc.signed is not None and gcc.signed.year == 2000
    assert gcc.terms["provisions"]["integrated_command"] is True
    assert gcc.terms["atop"]["intcom"] == 1
    assert gcc.organization is not None and gcc.organization.key == "GCC"
    assert {p.state.iso3 for p in gcc.parties} == {"ARE", "BHR", "KWT", "OMN", "QAT", "SAU"}
    assert "mutual_defense" in {d.domain for d in gcc.domains}
    assert gcc.status == "in_force" and gcc.ended is None


def test_saudi_pakistan_1951_and_2025(loaded_db: Session) -> None:
    shared = _shared(loaded_db, 670, 770)
    assert {"3222", "smda-2025"} <= set(shared)
    assert shared["3222"].signed is not None and shared["3222"].signed.year == 1951
    smda = shared["smda-2025"]
    assert smda.source == "curated" and smda.signed == date(2025, 9, 17)
    assert [d.domain for d in smda.domains] == ["mutual_defense"]
    assert smda.citation is not None and "2025" in smda.citation
    assert all(p.entered == smda.signed for p in smda.parties)


def test_oic_has_57_ongoing_full_members(loaded_db: Session) -> None:
    oic = loaded_db.scalars(select(Organization).where(Organization.key == "OIC")).one()
    ongoing = loaded_db.scalars(
        select(Membership).where(
            Membership.organization_id == oic.id,
            Membership.status == "full",
            Membership.to_year.is_(None),
        )
    ).all()
    assert len(ongoing) == 57
    cow = [m for m in ongoing if m.source == "COW IGO v3"]
    assert len(cow) == 55 and all(m.observed_through == 2014 for m in cow)
    # Palestine (no COW code) and Syria (reinstated in 2025 after its suspension in 2012)
    assert {m.state.iso3 for m in ongoing if m not in cow} == {"PSE", "SYR"}
    assert {m.state.iso3 for m in ongoing} >= {"PSE", "TUR", "PAK", "SAU", "ARE", "IDN"}


def test_dissolved_organization_memberships_end(loaded_db: Session) -> None:
    cento = loaded_db.scalars(select(Organization).where(Organization.key == "CENTO")).one()
    assert (cento.founded_year, cento.dissolved_year) == (1955, 1979)
    spans = loaded_db.scalars(select(Membership).where(Membership.organization_id == cento.id))
    assert all(m.to_year is not None for m in spans)


def test_organization_links_are_multilateral_and_expected(loaded_db: Session) -> None:
    linked = {
        a.source_id: a
        for a in loaded_db.scalars(select(Agreement).where(Agreement.organization_id.is_not(None)))
    }
    expected = {"3275": "CENTO", "3205": "LOAS", "4965": "GCC", "3180": "NATO", "3285": "WPact"}
    assert {k: linked[k].organization.key for k in expected} == expected  # type: ignore[union-attr]
    for agreement in linked.values():
        assert len({p.state_id for p in agreement.parties}) >= 3, agreement.source_id
        assert agreement.organization is not None
        if "title_source" not in agreement.terms:  # a derived title names the organization
            assert agreement.title.startswith(agreement.organization.name + " — ")


def test_ongoing_state_spells_are_open(loaded_db: Session) -> None:
    turkey = loaded_db.scalars(select(State).where(State.cow_code == 640)).one()
    assert (turkey.iso3, turkey.iso2, turkey.cow_abbr) == ("TUR", "TR", "TUR")
    assert turkey.spells[-1].end is None and turkey.name_pattern
    gdr = loaded_db.scalars(select(State).where(State.cow_code == 265)).one()
    assert gdr.spells[-1].end == date(1990, 10, 2)
