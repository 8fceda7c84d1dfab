"""Who sees a live operation: the parties of its agreement and the states that answered it,
in every list, count and show; a third state gets what a missing id gets. Linked intel is
shown to each reader only as far as the release policy lets it read."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from taawun.cooperation.operations import changes, service
from taawun.core.errors import NotFound, PermissionDenied
from taawun.core.principal import Clearance, Principal, Role
from taawun.intel.markings import Tlp
from taawun.registry import lifecycle

from .conftest import ROOT, World, make_world


@pytest.mark.parametrize("confidential", [False, True], ids=["public", "confidential"])
def test_a_third_state_sees_nothing_of_it(loaded_db: Session, confidential: bool) -> None:
    world = make_world(loaded_db, confidential=confidential)
    op = world.propose()
    missing = 1_999_999_999
    for who in (world.user("SAU", Role.ADMIN), world.user("SAU"), Principal.public()):
        page = service.list_operations(who, world.session, clock=world.clock)
        assert page.total == 0 and page.items == []
        for ref in (op.id, missing):
            with pytest.raises(NotFound) as hidden:
                service.get_operation(who, world.session, ref=ref, clock=world.clock)
            assert hidden.value.message == f"operation: no operation {ref!r}"
    before = world.fingerprint()
    for step in (changes.join_operation, changes.decline_operation, changes.cancel_operation):
        with pytest.raises(NotFound, match=f"no operation {op.id}"):
            step(world.user("SAU", Role.ADMIN), world.session, ref=op.id, clock=world.clock)
    assert world.fingerprint() == before
    for party in ("TUR", "PAK", "AZE"):
        seen = service.get_operation(world.user(party, Role.VIEWER), world.session, ref=op.id)
        assert seen.id == op.id
    assert service.list_operations(ROOT, world.session, clock=world.clock).total == 1


def test_a_party_that_leaves_keeps_only_what_it_answered(world: World) -> None:
    answered = world.propose(name="Answered by Azerbaijan (test)")
    changes.decline_operation(world.user("AZE"), world.session, ref=answered.id, clock=world.clock)
    unanswered = world.propose(name="Never answered (test)")
    lifecycle.leave_agreement(
        world.user("AZE"), world.session, ref=world.agreement, clock=world.clock
    )
    azerbaijan = world.user("AZE")
    page = service.list_operations(azerbaijan, world.session, clock=world.clock)
    assert [o.id for o in page.items] == [answered.id] and page.total == 1
    with pytest.raises(NotFound):
        service.get_operation(azerbaijan, world.session, ref=unanswered.id, clock=world.clock)
    # what it still sees it can no longer act in
    with pytest.raises(PermissionDenied, match="not a party"):
        changes.join_operation(azerbaijan, world.session, ref=answered.id, clock=world.clock)
    assert service.get_operation(
        world.user("PAK"), world.session, ref=unanswered.id, clock=world.clock
    ).awaiting == ["PAK"]


def test_linked_intel_shows_each_reader_what_it_may_read(world: World) -> None:
    shared = world.share("TUR", 1)  # released under the agreement, UNCLASSIFIED
    own = world.share("TUR", 2, release_to=())  # Turkey's own: no one else reads it
    secret = world.share("TUR", 3, classification=Clearance.SECRET)
    op = world.propose(intel=[shared, own, secret])
    assert [i.id for i in op.intel] == [shared, own, secret]

    def linked(who: Principal) -> list[str]:
        found = service.get_operation(who, world.session, ref=op.id, clock=world.clock)
        return sorted(i.id for i in found.intel)

    assert linked(world.user("PAK")) == sorted([shared, secret])
    assert linked(world.user("AZE", Role.VIEWER, Clearance.UNCLASSIFIED)) == [shared]
    assert linked(world.user("TUR", Role.ANALYST)) == sorted([shared, own, secret])
    assert linked(ROOT) == []  # the node reads no intel: the links are agencies' business

    changes.join_operation(world.user("PAK"), world.session, ref=op.id, clock=world.clock)
    before = world.fingerprint()
    with pytest.raises(NotFound) as unreadable:
        changes.link_intel(
            world.user("PAK"), world.session, ref=op.id, stix_ids=[own], clock=world.clock
        )
    assert (unreadable.value.field, unreadable.value.message) == (
        "intel",
        f"intel: no object {own!r}",
    )
    assert world.fingerprint() == before
    pakistans = world.share("PAK", 4)
    after = changes.link_intel(
        world.user("PAK"), world.session, ref=op.id, stix_ids=[pakistans, shared],
        clock=world.clock,
    )  # fmt: skip
    assert pakistans in {i.id for i in after.intel}
    assert world.last_audit().detail["linked"] == [pakistans]
    # the audit entry names only what the actor may read
    assert own not in world.last_audit().after["intel"]
    assert linked(world.user("TUR")) == sorted([shared, own, secret, pakistans])


def test_revoked_and_narrowed_objects_leave_a_readers_view(world: World) -> None:
    from taawun.intel import changes as intel_changes

    shared = world.share("TUR", 5, tlp=Tlp.AMBER)
    op = world.propose(intel=[shared])
    pakistan = world.user("PAK")
    assert [i.id for i in service.get_operation(pakistan, world.session, ref=op.id).intel] == [
        shared
    ]
    intel_changes.change_release(
        world.user("TUR"), world.session, stix_id=shared, release_to=[], clock=world.clock
    )
    assert service.get_operation(pakistan, world.session, ref=op.id).intel == []
