"""ATOP alliances bear their treaties' names where curated/atop_treaty_names.csv gives them,
each checked against ATOP's own data: the alliance begins on the named treaty's day, and its
members at that day are the treaty's signatories."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from sqlalchemy.orm import Session

from taawun.core.principal import Principal
from taawun.registry import service
from taawun.registry.importers.run import default_data_dir

PUBLIC = Principal.public()

# atopid → (title, signed, COW codes of the parties from that day: the signatories)
TREATIES = {
    3180: (
        "North Atlantic Treaty",
        date(1949, 4, 4),
        {2, 20, 200, 210, 211, 212, 220, 235, 325, 385, 390, 395},
    ),
    3275: (
        "Pact of Mutual Co-operation between Iraq and Turkey (Baghdad Pact)",
        date(1955, 2, 24),
        {640, 645},
    ),
    3075: (
        "Inter-American Treaty of Reciprocal Assistance (Rio Treaty)",
        date(1947, 9, 2),
        {2, 40, 41, 42, 70, 90, 91, 92, 94, 95, 100, 101, 135, 140, 145, 150, 155, 160, 165},
    ),
    3285: (
        "Treaty of Friendship, Co-operation and Mutual Assistance (Warsaw Pact)",
        date(1955, 5, 14),
        {265, 290, 310, 315, 339, 355, 360, 365},
    ),
    3205: (
        "Treaty of Joint Defence and Economic Co-operation between the States of the Arab League",
        date(1950, 6, 17),
        {651, 652, 660, 670, 678},
    ),
    4965: (
        "Gulf Cooperation Council Joint Defence Agreement",
        date(2000, 12, 31),
        {670, 690, 692, 694, 696, 698},
    ),
    4220: (
        "Collective Security Treaty (Tashkent Treaty)",
        date(1992, 5, 15),
        {365, 371, 702, 703, 704, 705},
    ),
    3215: (
        "Security Treaty between Australia, New Zealand and the United States of America (ANZUS)",
        date(1951, 9, 1),
        {2, 900, 920},
    ),
    3260: (
        "Southeast Asia Collective Defense Treaty (Manila Pact)",
        date(1954, 9, 8),
        {2, 200, 220, 770, 800, 840, 900, 920},
    ),
    3755: (
        "Treaty of Amity and Cooperation in Southeast Asia",
        date(1976, 2, 24),
        {800, 820, 830, 840, 850},
    ),
}


@pytest.mark.parametrize("atopid", list(TREATIES))
def test_well_known_treaties_bear_their_names(loaded_db: Session, atopid: int) -> None:
    title, signed, signatories = TREATIES[atopid]
    found = service.get_agreement(PUBLIC, loaded_db, ref=f"ATOP {atopid}")
    assert found.title == title
    assert found.signed == signed
    assert {p.state.cow_code for p in found.party_spells if p.entered == signed} == signatories
    assert found.terms["title_source"].startswith("curated: ")
    assert found.citation is not None and "Alliance Treaty Obligations" in found.citation


def test_every_curated_name_is_applied_to_the_alliance_beginning_that_day(
    loaded_db: Session,
) -> None:
    with (default_data_dir() / "curated/atop_treaty_names.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {int(r["atopid"]) for r in rows} >= set(TREATIES)
    for row in rows:
        found = service.get_agreement(PUBLIC, loaded_db, ref=f"ATOP {row['atopid']}")
        assert found.title == row["title"], row["atopid"]
        assert found.signed is not None and found.signed.isoformat() == row["begins"]
        assert found.terms["title_source"] == f"curated: {row['source']}" and row["source"]


def test_unnamed_alliances_keep_their_derived_titles(loaded_db: Session) -> None:
    found = service.get_agreement(PUBLIC, loaded_db, ref="ATOP 3222")
    assert found.title == "Pakistan–Saudi Arabia non-aggression pact, 1951"
    assert "title_source" not in found.terms
    sco = service.get_agreement(PUBLIC, loaded_db, ref="ATOP 4810")
    assert (
        sco.title
        == "Shanghai Cooperation Organisation — non-aggression and consultation pact, 1996"
    )


@pytest.mark.parametrize(("text", "atopid"), [("Warsaw Pact", "3285"), ("baghdad pact", "3275")])
def test_treaties_are_found_by_their_names(loaded_db: Session, text: str, atopid: str) -> None:
    page = service.list_agreements(PUBLIC, loaded_db, text=text)
    assert [a.source_id for a in page.items] == [atopid]
