"""Shared threats through the release policy: what a reader sees and counts is only what it
may read, on the real registry and both databases."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from taawun.cooperation.threats import seen as where
from taawun.cooperation.threats import service
from taawun.core.errors import NotFound, PermissionDenied
from taawun.core.principal import Clearance, Principal

from .conftest import World, ip


def _values(page: service.SharedThreatPage) -> dict[str, int]:
    return {t.value: t.states for t in page.items}


def test_a_value_both_parties_released_is_a_shared_threat_of_their_agreement(
    loaded_db: Session, world: World
) -> None:
    world.share(loaded_db, "TUR-MIT", [ip(1, "198.51.100.7")], under=["TUR-PAK"])
    world.share(loaded_db, "PAK-ISI", [ip(2, "198.51.100.7")], under=["TUR-PAK"])
    world.share(loaded_db, "PAK-ISI", [ip(3, "198.51.100.8")], under=["TUR-PAK"])  # PAK only
    for reader in ("TUR-MIT", "TUR-MOD", "PAK-ISI"):
        page = service.agreement_threats(
            world.user(reader), loaded_db, agreement=world.agreements["TUR-PAK"], clock=world.clock
        )
        assert _values(page) == {"198.51.100.7": 2}, reader
        threat = page.items[0]
        assert threat.kind == "ipv4" and threat.objects == 2 and page.total == 1
        assert sorted(s.state for s in threat.seen_by) == ["PAK", "TUR"]
    # A third state reads neither side: nothing, not even a count.
    page = service.agreement_threats(
        world.user("SAU-GIP"), loaded_db, agreement=world.agreements["TUR-PAK"], clock=world.clock
    )
    assert page.items == [] and page.total == 0


def test_evidence_the_reader_may_not_read_neither_shows_nor_counts(
    loaded_db: Session, world: World
) -> None:
    """Pakistan keeps its sighting to itself: for Turkey the value is seen by one state only,
    so it is no shared threat and nothing of it shows; Pakistan, which reads both, sees it.
    Then a third sighting Turkey may not read (Saudi Arabia's, released under TUR-SAU at
    SECRET, above a CONFIDENTIAL reader) must not raise Turkey's count."""
    world.share(loaded_db, "TUR-MIT", [ip(1, "203.0.113.9")], under=["TUR-PAK"])
    world.share(loaded_db, "PAK-ISI", [ip(2, "203.0.113.9")])  # not released: Pakistan's own
    turk = world.user("TUR-MIT")
    page = service.agreement_threats(
        turk, loaded_db, agreement=world.agreements["TUR-PAK"], clock=world.clock
    )
    assert page.items == [] and page.total == 0
    pak = service.agreement_threats(
        world.user("PAK-ISI"), loaded_db, agreement=world.agreements["TUR-PAK"], clock=world.clock
    )
    assert _values(pak) == {"203.0.113.9": 2}
    # Counts: three states hold 198.51.100.20; a CONFIDENTIAL Turkish reader may read two.
    world.share(loaded_db, "TUR-MIT", [ip(3, "198.51.100.20")], under=["TUR-PAK"])
    world.share(loaded_db, "PAK-ISI", [ip(4, "198.51.100.20")], under=["TUR-PAK"])
    world.share(
        loaded_db,
        "SAU-GIP",
        [ip(5, "198.51.100.20")],
        under=["TUR-SAU"],
        classification=Clearance.SECRET,
    )
    cleared = world.user("TUR-MOD", clearance=Clearance.CONFIDENTIAL)
    mine = service.my_threats(cleared, loaded_db, clock=world.clock)
    assert _values(mine) == {"198.51.100.20": 2}
    assert mine.items[0].objects == 2
    assert sorted((s.state, s.objects) for s in mine.items[0].seen_by) == [("PAK", 1), ("TUR", 1)]
    seen = where.where_seen(cleared, loaded_db, value="198.51.100.20", clock=world.clock)
    assert [(v.states, v.objects) for v in seen.values] == [(2, 2)]
    assert sorted(s.state for s in seen.values[0].sightings) == ["PAK", "TUR"]
    secret = service.my_threats(world.user("TUR-MOD"), loaded_db, clock=world.clock)
    assert _values(secret) == {"198.51.100.20": 3}  # 203.0.113.9: Pakistan's is hidden
    assert sorted(s.state for s in secret.items[0].seen_by) == ["PAK", "SAU", "TUR"]


def test_a_member_of_no_agency_is_refused_and_a_hidden_agreement_is_missing(
    loaded_db: Session, world: World
) -> None:
    with pytest.raises(PermissionDenied):
        service.agreement_threats(
            Principal.public(), loaded_db, agreement=world.agreements["TUR-PAK"], clock=world.clock
        )
    with pytest.raises(NotFound):
        service.agreement_threats(
            world.user("TUR-MIT"), loaded_db, agreement=999_999_999, clock=world.clock
        )


def test_an_agreement_not_in_force_today_has_none(loaded_db: Session, world: World) -> None:
    from datetime import date

    from taawun.registry import changes as registry_changes
    from taawun.registry.schemas import AgreementCreate

    from .conftest import ROOT

    future = registry_changes.record_agreement(
        ROOT,
        loaded_db,
        data=AgreementCreate(
            title="Turkey–Pakistan sharing from 2099 (test)",
            parties=["TUR", "PAK"],
            domains=["intelligence_sharing"],
            in_force=date(2099, 1, 1),
            sharing_ceiling="SECRET",  # type: ignore[arg-type]
        ),
        clock=world.clock,
    ).id
    world.share(loaded_db, "TUR-MIT", [ip(1, "198.51.100.60")], under=["TUR-PAK"])
    world.share(loaded_db, "PAK-ISI", [ip(2, "198.51.100.60")], under=["TUR-PAK"])
    page = service.agreement_threats(
        world.user("TUR-MIT"), loaded_db, agreement=future, with_reference=False, clock=world.clock
    )
    assert page.items == [] and "not in force today" in page.notes[0]
    live = service.agreement_threats(
        world.user("TUR-MIT"),
        loaded_db,
        agreement=world.agreements["TUR-PAK"],
        with_reference=False,
        clock=world.clock,
    )
    assert _values(live) == {"198.51.100.60": 2} and "2024-01-01" in live.notes[0]
