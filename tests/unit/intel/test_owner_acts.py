"""What a new user tripped on, as an owner of intel (issue 9 §2): the owner can always
revoke and narrow what it shared; a partner that may read an object but does not own it is
told so; nobody shares what they could not read back."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from taawun.core.errors import NotFound, PermissionDenied
from taawun.core.principal import Clearance, Principal
from taawun.intel import changes, repository, service
from taawun.intel.markings import MarkingDefaults
from taawun.registry import changes as registry_changes
from taawun.registry import lifecycle

from .conftest import World, indicator


def _share(world: World, session: Session, n: int, agency: str = "TUR-MIT") -> str:
    report = changes.share(
        world.user(agency),
        session,
        objects=[indicator(n)],
        defaults=MarkingDefaults(release_to=(str(world.agreement_id),)),
        clock=world.clock,
    )
    assert report.stored == 1, report
    return str(indicator(n)["id"])


def _suspend(world: World, session: Session) -> None:
    lifecycle.suspend_agreement(
        Principal.system_principal(), session, ref=world.agreement_id, on=world.clock.now().date()
    )


def test_the_owner_revokes_its_object_under_a_suspended_agreement(
    loaded_db: Session, world: World
) -> None:
    """Before, revocation re-ran the release checks and failed: "not in force (suspended)"."""
    oid = _share(world, loaded_db, 901)
    _suspend(world, loaded_db)
    revoked = changes.revoke(world.user("TUR-MIT"), loaded_db, stix_id=oid, clock=world.clock)
    assert revoked.revoked
    newest = repository.owned_versions(loaded_db, world.user("TUR-MIT"), oid)[-1]
    assert newest.revoked
    # The revocation keeps the release list, so the partner learns of it on resumption.
    assert repository.releases_of(loaded_db, [newest.seq])[newest.seq] == [world.agreement_id]


def test_the_owner_narrows_a_release_list_under_a_suspended_agreement(
    loaded_db: Session, world: World
) -> None:
    oid = _share(world, loaded_db, 902)
    owner = world.user("TUR-MIT")
    _suspend(world, loaded_db)
    kept = changes.change_release(
        owner, loaded_db, stix_id=oid, release_to=[str(world.agreement_id)], clock=world.clock
    )
    assert kept.release_to == [world.agreement_id]
    narrowed = changes.change_release(
        owner, loaded_db, stix_id=oid, release_to=[], clock=world.clock
    )
    assert narrowed.release_to == []
    # Adding it back is a new release: checked as at sharing time, and refused while suspended.
    with pytest.raises(Exception, match="not in force"):
        changes.change_release(
            owner, loaded_db, stix_id=oid, release_to=[str(world.agreement_id)], clock=world.clock
        )


@pytest.mark.parametrize("act", ["revoke", "release", "delete"])
def test_a_reader_that_is_not_the_owner_is_told_so(
    loaded_db: Session, world: World, act: str
) -> None:
    """403 naming the reason, for a partner that may read the object; an outsider that may
    not read it gets the 404 of a missing id."""
    oid = _share(world, loaded_db, 903)
    acts = {
        "revoke": lambda who: changes.revoke(who, loaded_db, stix_id=oid, clock=world.clock),
        "release": lambda who: changes.change_release(
            who, loaded_db, stix_id=oid, release_to=[], clock=world.clock
        ),
        "delete": lambda who: changes.delete(who, loaded_db, stix_id=oid, clock=world.clock),
    }
    partner = world.user("PAK-ISI")
    assert service.show(partner, loaded_db, stix_id=oid, clock=world.clock).id == oid
    with pytest.raises(PermissionDenied, match="only its owner"):
        acts[act](partner)
    with pytest.raises(NotFound) as outsider:
        acts[act](world.user("SAU-GIP"))
    with pytest.raises(NotFound) as missing:
        changes.revoke(
            world.user("SAU-GIP"),
            loaded_db,
            stix_id="indicator--00000000-0000-4000-8000-00000000dead",
            clock=world.clock,
        )
    assert outsider.value.message.replace(oid, "X") == missing.value.message.replace(
        "indicator--00000000-0000-4000-8000-00000000dead", "X"
    )
    assert len(repository.owned_versions(loaded_db, world.user("TUR-MIT"), oid)) == 1


def test_nobody_shares_above_their_own_clearance(loaded_db: Session, world: World) -> None:
    """Before, a CONFIDENTIAL user could store a SECRET object and then not read it back."""
    user = world.user("TUR-MIT", clearance=Clearance.CONFIDENTIAL)
    report = changes.share(
        user,
        loaded_db,
        objects=[indicator(904), indicator(905)],
        defaults=MarkingDefaults(classification=Clearance.SECRET),
        clock=world.clock,
    )
    assert (report.stored, report.failed) == (0, 2)
    assert report.outcomes[0].reasons == [
        "classification: SECRET is above your clearance (CONFIDENTIAL)"
    ]
    same = changes.share(
        user,
        loaded_db,
        objects=[indicator(906)],
        defaults=MarkingDefaults(classification=Clearance.CONFIDENTIAL),
        clock=world.clock,
    )
    assert same.stored == 1


def test_posting_an_object_again_to_another_agreements_collection_releases_it_there(
    loaded_db: Session, world: World
) -> None:
    """TAXII: a POST to a collection means the object is then in it. Before, the owner was
    told "success" (already stored) and the object was not released under the agreement."""
    from datetime import date

    from taawun.registry.schemas import AgreementCreate

    second = registry_changes.record_agreement(
        Principal.system_principal(),
        loaded_db,
        data=AgreementCreate(
            title="Turkey–Pakistan second sharing arrangement (test)",
            parties=["TUR", "PAK"],
            domains=["intelligence_sharing"],
            in_force=date(2020, 1, 1),
            sharing_ceiling="SECRET",  # type: ignore[arg-type]
        ),
        clock=world.clock,
    ).id
    oid = _share(world, loaded_db, 907)
    owner = world.user("TUR-MIT")
    again = changes.share(
        owner,
        loaded_db,
        objects=[indicator(907)],
        defaults=MarkingDefaults(),
        clock=world.clock,
        collection_agreement=second,
    )
    assert (again.stored, again.duplicates, again.failed) == (0, 1, 0)
    (version,) = repository.owned_versions(loaded_db, owner, oid)
    assert sorted(repository.releases_of(loaded_db, [version.seq])[version.seq]) == sorted(
        [world.agreement_id, second]
    )
    assert (
        service.list_intel(
            world.user("PAK-ISI"), loaded_db, agreement=str(second), limit=10, clock=world.clock
        )
        .items[0]
        .id
        == oid
    )
    # Sent again with no agreement, or with the first only, it is not narrowed.
    changes.share(
        owner, loaded_db, objects=[indicator(907)], defaults=MarkingDefaults(), clock=world.clock
    )
    assert len(repository.releases_of(loaded_db, [version.seq])[version.seq]) == 2
    from sqlalchemy import select

    from taawun.access.models import AuditEntry

    entry = loaded_db.scalars(
        select(AuditEntry).where(AuditEntry.action == "intel.share").order_by(AuditEntry.seq.desc())
    ).all()[1]
    assert entry.after == {
        "stored": [],
        "released": {f"{oid}@{again.outcomes[0].version}": [second]},
    }


def test_a_pages_total_counts_up_to_the_cap_unless_asked_for_all(
    loaded_db: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counting every readable row for every page grew with the store until it was most of
    a node's work under load; the count now stops at ``COUNT_CAP`` unless asked."""
    monkeypatch.setattr(service, "COUNT_CAP", 3)
    for n in range(910, 915):
        _share(world, loaded_db, n)
    reader = world.user("PAK-ISI")
    capped = service.list_intel(reader, loaded_db, limit=2, clock=world.clock)
    assert (capped.total, capped.total_capped, len(capped.items)) == (3, True, 2)
    exact = service.list_intel(reader, loaded_db, limit=2, exact_count=True, clock=world.clock)
    assert (exact.total, exact.total_capped) == (5, False)
    few = service.list_intel(reader, loaded_db, limit=2, text="999", clock=world.clock)
    assert (few.total, few.total_capped) == (0, False)
    outsider = service.list_intel(world.user("SAU-GIP"), loaded_db, limit=2, clock=world.clock)
    assert (outsider.total, outsider.total_capped) == (0, False)


def test_posting_again_under_an_agreement_whose_ceiling_is_too_low_fails_and_changes_nothing(
    loaded_db: Session, world: World
) -> None:
    """The stored version is CONFIDENTIAL; posted again without markings (so judged as the
    submission's default, UNCLASSIFIED) to an agreement whose ceiling is UNCLASSIFIED, it is
    refused by the stored classification, and its release list stays as it was."""
    from datetime import date

    from taawun.registry.schemas import AgreementCreate

    low = registry_changes.record_agreement(
        Principal.system_principal(),
        loaded_db,
        data=AgreementCreate(
            title="Turkey–Pakistan unclassified sharing (test)",
            parties=["TUR", "PAK"],
            domains=["intelligence_sharing"],
            in_force=date(2020, 1, 1),
            sharing_ceiling="UNCLASSIFIED",  # type: ignore[arg-type]
        ),
        clock=world.clock,
    ).id
    owner = world.user("TUR-MIT")
    changes.share(
        owner,
        loaded_db,
        objects=[indicator(920)],
        defaults=MarkingDefaults(
            classification=Clearance.CONFIDENTIAL, release_to=(str(world.agreement_id),)
        ),
        clock=world.clock,
    )
    again = changes.share(
        owner,
        loaded_db,
        objects=[indicator(920)],
        defaults=MarkingDefaults(),
        clock=world.clock,
        collection_agreement=low,
    )
    assert (again.stored, again.duplicates, again.failed) == (0, 0, 1)
    assert "above the ceiling (UNCLASSIFIED)" in again.outcomes[0].reasons[0]
    (version,) = repository.owned_versions(loaded_db, owner, str(indicator(920)["id"]))
    assert repository.releases_of(loaded_db, [version.seq])[version.seq] == [world.agreement_id]
