"""Reference knowledge from the MISP threat-actor galaxy (its CFR suspected victims), on the
real registry: the actors that target two or more parties of an agreement."""

from __future__ import annotations

from sqlalchemy.orm import Session

from taawun.cooperation.threats import reference, service
from taawun.core.principal import Principal
from taawun.registry.resolver import resolve_state

PUBLIC = Principal.public()


def _by_name(ref: service.Reference) -> dict[str, list[str]]:
    return {a.name: a.victims for a in ref.actors}


def test_turkey_and_pakistan_atop_3255(loaded_db: Session) -> None:
    ref = service.agreement_reference(PUBLIC, loaded_db, agreement="ATOP 3255")
    actors = _by_name(ref)
    for name in ("APT28", "MuddyWater", "Cleaver", "Sandman APT"):
        assert actors[name] == ["PAK", "TUR"], name
    assert ref.source.startswith("MISP galaxy threat-actor") and "not shared intel" in ref.note
    apt28 = next(a for a in ref.actors if a.name == "APT28")
    assert apt28.suspected_sponsor == "Russian Federation" and "Fancy Bear" in apt28.synonyms


def test_saudi_arabia_and_the_uae_in_the_gcc_atop_4965(loaded_db: Session) -> None:
    ref = service.agreement_reference(PUBLIC, loaded_db, agreement="ATOP 4965")
    actors = _by_name(ref)
    for name in ("Rocket Kitten", "MuddyWater", "Operation Parliament", "Sandman APT"):
        assert {"SAU", "ARE"} <= set(actors[name]), name
    assert all(len(victims) >= 2 for victims in actors.values())
    # Most victims among the parties first.
    counts = [len(a.victims) for a in ref.actors]
    assert counts == sorted(counts, reverse=True)


def test_victims_that_are_no_state_are_counted_not_guessed(loaded_db: Session) -> None:
    states = [resolve_state(loaded_db, s).id for s in ("SAU", "ARE")]
    ref = reference.targeting(PUBLIC, loaded_db, states, shared_entities=["muddywater"])
    assert "NATO" in ref.unresolved and "AT&T" in ref.unresolved
    assert "Turkey" not in ref.unresolved and "United Arab Emirates" not in ref.unresolved
    muddy = next(a for a in ref.actors if a.name == "MuddyWater")
    assert muddy.shared  # its name is among the shared threats given
    assert not next(a for a in ref.actors if a.name == "Rocket Kitten").shared


def test_the_galaxy_is_read_as_written() -> None:
    actors = reference.actors_from(
        [
            {"value": "X", "uuid": "u", "meta": {"cfr-suspected-victims": ["Turkey"]}},
            {"value": "No victims", "uuid": "v", "meta": {"synonyms": ["n"]}},
            {"value": "Y", "meta": {"cfr-suspected-victims": "Turkey"}},  # not a list
        ]
    )
    assert [a.name for a in actors] == ["X"]
