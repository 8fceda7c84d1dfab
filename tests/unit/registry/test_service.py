"""Registry questions answered on the real data (ATOP 5.1, COW IGO v3, curated additions)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from taawun.core.errors import InvalidInput, NotFound
from taawun.core.principal import Principal
from taawun.registry import service

PUBLIC = Principal.public()


def _sources(entries: list[object]) -> set[str]:
    return {f"{e.source} {e.source_id}" for e in entries}  # type: ignore[attr-defined]


def test_turkey_pakistan_timeline_has_1954_pact_and_baghdad_pact(loaded_db: Session) -> None:
    timeline = service.dyad(PUBLIC, loaded_db, a="TUR", b="PAK")
    by_source = {f"{e.agreement.source} {e.agreement.source_id}": e for e in timeline.entries}
    pact = by_source["ATOP 5.1 3255"]
    assert pact.agreement.signed is not None and pact.agreement.signed.year == 1954
    assert "consultation" in pact.agreement.domains
    cento = by_source["ATOP 5.1 3275"]
    assert cento.joined_from is not None and cento.joined_from.year == 1955
    assert cento.joined_to is not None and cento.joined_to.year == 1979
    assert cento.agreement.organization == "CENTO"
    assert {"non_aggression", "consultation"} <= set(cento.agreement.domains)
    starts = [e.joined_from for e in timeline.entries if e.joined_from]
    assert starts == sorted(starts)


def test_saudi_uae_joined_by_arab_league_and_gcc_2000(loaded_db: Session) -> None:
    timeline = service.dyad(PUBLIC, loaded_db, a="Saudi Arabia", b="United Arab Emirates")
    sources = {e.agreement.source_id: e.agreement for e in timeline.entries}
    assert {"3015", "3205", "4965"} <= set(sources)
    assert sources["3205"].organization == "LOAS"
    gcc = service.get_agreement(PUBLIC, loaded_db, ref="ATOP 4965")
    assert gcc.organization == "GCC"
    assert gcc.signed is not None and gcc.signed.year == 2000
    assert gcc.terms["provisions"]["integrated_command"] is True
    assert "mutual_defense" in gcc.domains
    assert sorted(gcc.parties) == ["ARE", "BHR", "KWT", "OMN", "QAT", "SAU"]


def test_saudi_pakistan_1951_pact_and_2025_agreement(loaded_db: Session) -> None:
    timeline = service.dyad(PUBLIC, loaded_db, a="670", b="PK")
    sources = {(e.agreement.source, e.agreement.source_id) for e in timeline.entries}
    assert ("ATOP 5.1", "3222") in sources
    assert ("curated", "smda-2025") in sources
    smda = service.get_agreement(PUBLIC, loaded_db, ref="curated:smda-2025")
    assert smda.domains == ["mutual_defense"]
    assert smda.status == "in_force"
    assert smda.citation and "2025" in smda.citation


def test_oic_has_57_members_today_with_carried_forward_note(loaded_db: Session) -> None:
    members = service.organization_members(PUBLIC, loaded_db, organization="OIC", when="2026-11-24")
    assert len(members.members) == 57
    names = {m.state.iso3 for m in members.members}
    assert {"TUR", "PAK", "SAU", "ARE", "PSE", "IDN"} <= names
    assert any(c.carried_forward and "2014" in c.note for c in members.coverage)
    in_2014 = service.organization_members(PUBLIC, loaded_db, organization="oic", when=2014)
    assert not any(c.carried_forward for c in in_2014.coverage)


def test_oic_founding_members(loaded_db: Session) -> None:
    founding = service.organization_members(PUBLIC, loaded_db, organization="OIC", when=1969)
    iso = {m.state.iso3 for m in founding.members}
    assert {"SAU", "TUR", "PAK", "EGY", "IRN", "IDN"} <= iso
    assert "ARE" not in iso  # the UAE joined in 1971


def test_agreements_filter_all_parties_must_be_parties(loaded_db: Session) -> None:
    both = service.list_agreements(PUBLIC, loaded_db, parties=["TUR", "PAK"], limit=1000)
    turkey = service.list_agreements(PUBLIC, loaded_db, parties=["TUR"], limit=1000)
    assert both.total < turkey.total
    assert {a.source_id for a in both.items} <= {a.source_id for a in turkey.items}
    assert all({"TUR", "PAK"} <= set(a.parties) for a in both.items)


def test_agreements_filter_domain_and_year(loaded_db: Session) -> None:
    page = service.list_agreements(
        PUBLIC, loaded_db, parties=["TUR", "PAK"], domains=["non_aggression"], in_force="1960"
    )
    assert [a.source_id for a in page.items] == ["3275"]
    none = service.list_agreements(
        PUBLIC, loaded_db, parties=["TUR", "PAK"], domains=["mutual_defense"], in_force=1960
    )
    assert none.total == 0 and none.items == []


def test_agreements_filter_organization_text_and_paging(loaded_db: Session) -> None:
    gcc = service.list_agreements(PUBLIC, loaded_db, organization="GCC")
    assert "4965" in {a.source_id for a in gcc.items}
    assert all(a.organization == "GCC" for a in gcc.items)
    first = service.list_agreements(PUBLIC, loaded_db, limit=10, offset=0)
    second = service.list_agreements(PUBLIC, loaded_db, limit=10, offset=10)
    assert first.total == second.total >= 789
    assert not {a.id for a in first.items} & {a.id for a in second.items}
    text = service.list_agreements(PUBLIC, loaded_db, text="consultation pact", limit=5)
    assert text.total > 0
    assert all("consultation pact" in a.title.lower() for a in text.items)


def test_in_force_after_2018_is_carried_forward(loaded_db: Session) -> None:
    page = service.list_agreements(PUBLIC, loaded_db, parties=["SAU"], in_force=2024)
    assert "4965" in {a.source_id for a in page.items}
    atop = [c for c in page.coverage if c.source == "ATOP 5.1"]
    assert atop and atop[0].carried_forward and "2018-12-31" in atop[0].note


def test_partners_of_pakistan_in_2018(loaded_db: Session) -> None:
    found = service.partners(PUBLIC, loaded_db, state="PAK", when=2018)
    by_iso = {p.state.iso3: p for p in found.partners}
    assert "SAU" in by_iso  # ATOP 3222 (1951) is still in effect: non-aggression in ATOP's coding
    assert "non_aggression" in by_iso["SAU"].domains
    cento = service.get_agreement(PUBLIC, loaded_db, ref="ATOP 3275").id
    assert all(cento not in p.agreements for p in found.partners)  # CENTO ended in 1979
    assert found.state.iso3 == "PAK"


def test_partners_of_turkey_in_1960_include_cento_members(loaded_db: Session) -> None:
    found = service.partners(PUBLIC, loaded_db, state="Türkiye", when="1960")
    iso = {p.state.iso3 for p in found.partners}
    assert {"PAK", "IRN", "GBR", "USA"} <= iso


def test_state_profile(loaded_db: Session) -> None:
    profile = service.state_profile(PUBLIC, loaded_db, state="TUR", when=2010)
    assert profile.state.cow_code == 640
    assert {"OIC", "NATO"} <= {m.organization for m in profile.memberships}
    assert profile.agreements
    assert "mutual_defense" in profile.partners_by_domain
    assert "USA" in {s.iso3 for s in profile.partners_by_domain["mutual_defense"]}


@pytest.mark.parametrize("when", ["19x0", "2018-13-01", "tomorrow"])
def test_malformed_date_is_refused_with_field(loaded_db: Session, when: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        service.list_agreements(PUBLIC, loaded_db, in_force=when)
    assert caught.value.field == "in_force"
    assert when in caught.value.message


def test_unknown_domain_and_organization(loaded_db: Session) -> None:
    with pytest.raises(InvalidInput) as bad_domain:
        service.list_agreements(PUBLIC, loaded_db, domains=["friendship"])
    assert "friendship" in bad_domain.value.message and bad_domain.value.field == "domain"
    with pytest.raises(NotFound) as bad_org:
        service.organization_members(PUBLIC, loaded_db, organization="XYZ")
    assert "OIC" in bad_org.value.candidates


def test_agreement_by_unknown_ref(loaded_db: Session) -> None:
    with pytest.raises(NotFound):
        service.get_agreement(PUBLIC, loaded_db, ref="ATOP 99999")
    with pytest.raises(NotFound):
        service.get_agreement(PUBLIC, loaded_db, ref="999999")
