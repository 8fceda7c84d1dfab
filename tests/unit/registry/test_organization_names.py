"""Organizations keep their names over time and answer to any of them
(curated/organization_names.csv)."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from taawun.core.errors import NotFound
from taawun.core.principal import Principal
from taawun.registry import service
from taawun.registry.importers.run import default_data_dir
from taawun.registry.models import OrganizationName
from taawun.registry.resolver import resolve_organization

PUBLIC = Principal.public()


@pytest.mark.parametrize(
    "name",
    [
        "OIC",
        "Organisation of Islamic Cooperation",
        "organization of islamic cooperation",
        "Organisation of the Islamic Conference",
        "Organization of the Islamic Conference",
        " ORGANISATION  OF THE ISLAMIC CONFERENCE ",
    ],
)
def test_the_oic_answers_to_its_current_and_former_names(loaded_db: Session, name: str) -> None:
    assert resolve_organization(loaded_db, name).key == "OIC"


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Conference on Security and Co-operation in Europe", "OSCE"),
        ("Conference on Security and Cooperation in Europe", "OSCE"),
        ("Organization for Security and Co-operation in Europe", "OSCE"),
        ("North Atlantic Treaty Organization", "NATO"),  # COW's long name, less "(NATO)"
        ("Middle East Treaty Organization", "CENTO"),  # COW: "Central Treaty ... /Middle East ..."
        ("League of Arab States", "LOAS"),
    ],
)
def test_other_organizations_answer_to_their_names(loaded_db: Session, name: str, key: str) -> None:
    assert resolve_organization(loaded_db, name).key == key


def test_a_name_no_organization_bore_fails_with_the_keys(loaded_db: Session) -> None:
    with pytest.raises(NotFound) as caught:
        resolve_organization(loaded_db, "Organisation of Islamic Conference States")
    assert "OIC" in caught.value.candidates and caught.value.field == "organization"


def test_members_asked_by_former_name_show_current_and_former_names(loaded_db: Session) -> None:
    members = service.organization_members(
        PUBLIC, loaded_db, organization="Organisation of the Islamic Conference", when=2005
    )
    oic = members.organization
    assert oic.key == "OIC"
    assert oic.name == "Organisation of Islamic Cooperation"
    assert oic.name_since == date(2011, 6, 28)
    assert [(n.name, n.valid_from, n.valid_to) for n in oic.former_names] == [
        ("Organisation of the Islamic Conference", date(1969, 9, 25), date(2011, 6, 27))
    ]
    assert "Astana" in oic.former_names[0].source
    assert {"TUR", "PAK", "SAU"} <= {m.state.iso3 for m in members.members}


def test_listed_organizations_carry_their_names(loaded_db: Session) -> None:
    by_key = {o.key: o for o in service.list_organizations(PUBLIC, loaded_db)}
    osce = by_key["OSCE"]
    assert osce.name == "Organization for Security and Co-operation in Europe"
    assert osce.name_since == date(1995, 1, 1)
    assert [(n.name, n.valid_to) for n in osce.former_names] == [
        ("Conference on Security and Co-operation in Europe", date(1994, 12, 31))
    ]
    nato = by_key["NATO"]  # no curated names: COW IGO's, and nothing former
    assert (nato.name, nato.name_since, nato.former_names) == (
        "North Atlantic Treaty Org",
        None,
        [],
    )


def test_agreements_filtered_by_a_former_name(loaded_db: Session) -> None:
    page = service.list_agreements(
        PUBLIC, loaded_db, organization="Conference on Security and Co-operation in Europe"
    )
    assert "3740" in {a.source_id for a in page.items}  # the Helsinki Final Act
    assert {a.organization for a in page.items} == {"OSCE"}


def test_every_curated_name_is_stored_with_its_source(loaded_db: Session) -> None:
    path = default_data_dir() / "curated/organization_names.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == loaded_db.scalar(select(func.count()).select_from(OrganizationName))
    stored = {(n.organization.key, n.name): n for n in loaded_db.scalars(select(OrganizationName))}
    for row in rows:
        name = stored[(row["organization"], row["name"])]
        assert name.valid_from.isoformat() == row["valid_from"]
        assert (name.valid_to.isoformat() if name.valid_to else "") == row["valid_to"]
        assert name.source == f"curated: {row['source']}" and row["source"]
