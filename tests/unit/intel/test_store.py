"""Sharing and reading intel under the release policy, on the real registry."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from taawun.core.errors import InvalidInput, NotFound, PermissionDenied
from taawun.core.principal import Clearance, Role
from taawun.intel import changes, service
from taawun.intel.markings import TLP2_IDS, MarkingDefaults, Tlp
from taawun.intel.repository import Filters, Scope
from taawun.intel.schemas import IntelSearchPage

from .conftest import World, indicator


def _ids(world: World, session: Session, agency: str, **kw: object) -> set[str]:
    page = service.list_intel(world.user(agency, **kw), session, limit=1000, clock=world.clock)  # type: ignore[arg-type]
    return {i.id for i in page.items}


def test_bilateral_release_reaches_the_partner_and_no_one_else(
    loaded_db: Session, world: World
) -> None:
    report = changes.share(
        world.user("TUR-MIT"),
        loaded_db,
        objects=[indicator(1)],
        defaults=MarkingDefaults(
            tlp=Tlp.AMBER,
            classification=Clearance.CONFIDENTIAL,
            release_to=(str(world.agreement_id),),
        ),
        clock=world.clock,
    )
    assert report.stored == 1 and report.failed == 0
    oid = indicator(1)["id"]
    assert oid in _ids(world, loaded_db, "TUR-MIT")
    assert oid in _ids(world, loaded_db, "TUR-MOD")  # same state
    assert oid in _ids(world, loaded_db, "PAK-ISI")  # party of the agreement
    saudi = world.user("SAU-GIP")
    page = service.list_intel(saudi, loaded_db, limit=1000, clock=world.clock)
    assert page.total == 0 and page.items == []  # not even a count
    with pytest.raises(NotFound):
        service.show(saudi, loaded_db, stix_id=oid, clock=world.clock)


def test_clearance_and_red_recipients(loaded_db: Session, world: World) -> None:
    changes.share(
        world.user("TUR-MIT"),
        loaded_db,
        objects=[indicator(2, object_marking_refs=[TLP2_IDS[Tlp.RED]])],
        defaults=MarkingDefaults(
            classification=Clearance.SECRET,
            release_to=(str(world.agreement_id),),
            recipients=(str(world.agencies["PAK-ISI"]),),
        ),
        clock=world.clock,
    )
    oid = indicator(2)["id"]
    assert oid in _ids(world, loaded_db, "PAK-ISI")
    assert oid not in _ids(world, loaded_db, "PAK-ISI", clearance=Clearance.CONFIDENTIAL)
    assert oid not in _ids(world, loaded_db, "TUR-MOD")  # RED: same state, not named
    assert oid in _ids(world, loaded_db, "TUR-MIT")


def test_suspending_the_agreement_removes_access_at_once(loaded_db: Session, world: World) -> None:
    from taawun.core.principal import Principal
    from taawun.registry import lifecycle

    changes.share(
        world.user("PAK-ISI"),
        loaded_db,
        objects=[indicator(3)],
        defaults=MarkingDefaults(release_to=(str(world.agreement_id),)),
        clock=world.clock,
    )
    oid = indicator(3)["id"]
    assert oid in _ids(world, loaded_db, "TUR-MIT")
    lifecycle.suspend_agreement(
        Principal.system_principal(), loaded_db, ref=world.agreement_id, on=world.clock.now().date()
    )
    assert oid not in _ids(world, loaded_db, "TUR-MIT")
    assert oid in _ids(world, loaded_db, "PAK-ISI")  # the owner's state keeps it


def test_release_checks_refuse_with_a_reason(loaded_db: Session, world: World) -> None:
    saudi = world.user("SAU-GIP")
    report = changes.share(
        saudi,
        loaded_db,
        objects=[indicator(4)],
        defaults=MarkingDefaults(release_to=(str(world.agreement_id),)),
        clock=world.clock,
    )
    assert report.stored == 0 and "not a party" in report.outcomes[0].reasons[0]
    above = changes.share(
        world.user("TUR-MIT", clearance=Clearance.TOP_SECRET),
        loaded_db,
        objects=[indicator(5)],
        defaults=MarkingDefaults(
            classification=Clearance.TOP_SECRET, release_to=(str(world.agreement_id),)
        ),
        clock=world.clock,
    )
    assert above.stored == 0 and "ceiling" in above.outcomes[0].reasons[0]
    no_sharing = changes.share(
        world.user("TUR-MIT"),
        loaded_db,
        objects=[indicator(6)],
        defaults=MarkingDefaults(release_to=("ATOP 3275",)),
        clock=world.clock,
    )
    assert no_sharing.stored == 0


def test_a_bad_object_fails_alone(loaded_db: Session, world: World) -> None:
    bad = indicator(8, pattern="[ipv4-addr:value = ")
    report = changes.share(
        world.user("TUR-MIT"),
        loaded_db,
        objects=[indicator(7), bad, indicator(9)],
        defaults=MarkingDefaults(),
        clock=world.clock,
    )
    assert report.stored == 2 and report.failed == 1
    assert report.outcomes[1].reasons[0].startswith("pattern")
    again = changes.share(
        world.user("TUR-MIT"),
        loaded_db,
        objects=[indicator(7)],
        defaults=MarkingDefaults(),
        clock=world.clock,
    )
    assert again.stored == 0 and again.duplicates == 1 and again.failed == 0


def test_versions_first_last_and_ownership(loaded_db: Session, world: World) -> None:
    mit = world.user("TUR-MIT")
    v1 = indicator(10)
    v2 = indicator(10, modified="2026-02-01T00:00:00.000Z", name="v2")
    changes.share(mit, loaded_db, objects=[v1, v2], defaults=MarkingDefaults(), clock=world.clock)
    day = world.clock.now().date()
    from taawun.intel import repository

    last, _ = repository.page(
        loaded_db, mit, day, scope=Scope(), limit=10, filters=Filters(ids=(v1["id"],))
    )
    assert len(last) == 1 and b'"v2"' in last[0][1]
    every, _ = repository.page(
        loaded_db,
        mit,
        day,
        scope=Scope(),
        limit=10,
        filters=Filters(ids=(v1["id"],), versions=("all",)),
    )
    assert len(every) == 2
    stolen = changes.share(
        world.user("TUR-MOD"),
        loaded_db,
        objects=[indicator(10, modified="2026-03-01T00:00:00.000Z")],
        defaults=MarkingDefaults(),
        clock=world.clock,
    )
    # Another agency's object with the same id is another object: stored as its own, and
    # the first agency's versions and flags are untouched (nothing tells either of the other).
    assert stolen.stored == 1 and stolen.failed == 0
    mine = repository.owned_versions(loaded_db, mit, v1["id"])
    assert [(o.is_first, o.is_last) for o in mine] == [(True, False), (False, True)]
    theirs = repository.owned_versions(loaded_db, world.user("TUR-MOD"), v1["id"])
    assert [(o.is_first, o.is_last) for o in theirs] == [(True, True)]


def test_viewers_cannot_share(loaded_db: Session, world: World) -> None:
    with pytest.raises(PermissionDenied):
        changes.share(
            world.user("TUR-MIT", role=Role.VIEWER),
            loaded_db,
            objects=[indicator(11)],
            defaults=MarkingDefaults(),
            clock=world.clock,
        )


def test_served_body_carries_its_markings_but_not_the_release_list(
    loaded_db: Session, world: World
) -> None:
    from taawun.intel.markings import EXTENSION_ID

    obj = indicator(
        12,
        extensions={
            EXTENSION_ID: {
                "extension_type": "property-extension",
                "release_to": [str(world.agreement_id)],
            }
        },
    )
    changes.share(
        world.user("TUR-MIT"),
        loaded_db,
        objects=[obj],
        defaults=MarkingDefaults(tlp=Tlp.GREEN, classification=Clearance.RESTRICTED),
        clock=world.clock,
    )
    served = service.show(world.user("PAK-ISI"), loaded_db, stix_id=obj["id"], clock=world.clock)
    assert served.object["object_marking_refs"] == [TLP2_IDS[Tlp.GREEN]]
    assert served.object["extensions"][EXTENSION_ID] == {
        "extension_type": "property-extension",
        "classification": "RESTRICTED",
    }
    from taawun.intel.validate import validate_object

    assert validate_object(served.object) == []


def test_derived_object_above_the_ceiling_is_refused(loaded_db: Session, world: World) -> None:
    mit = world.user("TUR-MIT", clearance=Clearance.TOP_SECRET)
    secret = indicator(13)
    changes.share(
        mit,
        loaded_db,
        objects=[secret],
        defaults=MarkingDefaults(classification=Clearance.TOP_SECRET),
        clock=world.clock,
    )
    sighting = {
        "type": "sighting",
        "spec_version": "2.1",
        "id": "sighting--00000000-0000-4000-8000-000000000013",
        "created": "2026-01-02T00:00:00.000Z",
        "modified": "2026-01-02T00:00:00.000Z",
        "sighting_of_ref": secret["id"],
    }
    report = changes.share(
        mit,
        loaded_db,
        objects=[sighting],
        defaults=MarkingDefaults(release_to=(str(world.agreement_id),)),
        clock=world.clock,
    )
    assert report.stored == 0
    assert (
        "derived" in report.outcomes[0].reasons[0] and "TOP_SECRET" in report.outcomes[0].reasons[0]
    )
    kept_home = changes.share(
        mit, loaded_db, objects=[sighting], defaults=MarkingDefaults(), clock=world.clock
    )
    assert kept_home.stored == 1
    shown = service.show(mit, loaded_db, stix_id=sighting["id"], clock=world.clock)
    assert shown.classification == "TOP_SECRET"


def test_text_search_matches_wildcards_literally(loaded_db: Session, world: World) -> None:
    """``%``, ``_`` and the escape character itself are searched for, not interpreted."""
    names = {
        91: "loader 100% native",
        92: "loader 1000 native",
        93: "dropper a_b/c",
        94: "dropper axb/c",
    }
    changes.share(
        world.user("TUR-MIT"),
        loaded_db,
        objects=[indicator(n, name=name) for n, name in names.items()],
        defaults=MarkingDefaults(),
        clock=world.clock,
    )
    reader = world.user("TUR-MIT")

    def found(text: str) -> set[str]:
        page = service.list_intel(reader, loaded_db, text=text, limit=100, clock=world.clock)
        return {i.label for i in page.items}

    assert found("100%") == {"loader 100% native [ipv4-addr:value = '10.0.0.91']"}
    assert found("a_b") == {"dropper a_b/c [ipv4-addr:value = '10.0.0.93']"}
    assert found("B/C") == {
        "dropper a_b/c [ipv4-addr:value = '10.0.0.93']",
        "dropper axb/c [ipv4-addr:value = '10.0.0.94']",
    }
    assert found("no such thing") == set()


@pytest.mark.parametrize("depth", [0, -5, 100_001])
def test_a_search_depth_out_of_bounds_is_refused_naming_it(
    loaded_db: Session, world: World, depth: int
) -> None:
    reader = world.user("TUR-MIT")
    with pytest.raises(InvalidInput) as refused:
        service.list_intel(
            reader, loaded_db, text="x", newest_first=True, search_depth=depth, clock=world.clock
        )
    assert refused.value.field == "search_depth" and "between 1 and 100000" in str(refused.value)
    # within bounds it answers a search page saying how far it read
    page = service.list_intel(
        reader, loaded_db, text="x", newest_first=True, search_depth=1, clock=world.clock
    )
    assert isinstance(page, IntelSearchPage)
