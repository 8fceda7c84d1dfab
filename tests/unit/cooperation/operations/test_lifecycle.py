"""A combined operation from proposal to its end: who answers, when it may start, what is
refused and why, and that every change is audited for the state that made it while a
refused one leaves nothing behind."""

from __future__ import annotations

from datetime import date

import pytest

from taawun.cooperation.operations import changes, service
from taawun.cooperation.operations.schemas import OperationCreate, TaskCreate
from taawun.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from taawun.core.principal import Role
from taawun.registry import changes as registry_changes
from taawun.registry import lifecycle
from taawun.registry.schemas import AgreementCreate

from .conftest import ROOT, World


def _answers(found: object) -> dict[str, str]:
    return {p.state.iso3: p.response for p in found.participants}  # type: ignore[attr-defined]


def test_proposed_joined_activated_and_concluded_each_step_audited(world: World) -> None:
    op = world.propose(
        threat_kind="ipv4-addr",
        threat_value="203.0.113.7",
        starts="2026-12-01",
        ends="2027-02-28",
        area="Eastern Mediterranean",
        tasks=[{"title": "Phase 1: surveillance", "starts": "2026-12-01", "ends": "2026-12-31"}],
    )
    assert (op.status, op.lead.iso3, op.proposer.iso3) == ("proposed", "TUR", "TUR")
    assert _answers(op) == {"TUR": "joined"} and op.awaiting == ["AZE", "PAK"]
    assert op.threat is not None and op.threat.value == "203.0.113.7"
    assert [t.title for t in op.tasks] == ["Phase 1: surveillance"]
    entry = world.last_audit()
    assert (entry.action, entry.target_id) == ("cooperation.operation.propose", str(op.id))
    assert entry.detail == {"for_state": "TUR", "for_state_id": world.states["TUR"]}
    assert entry.after["status"] == "proposed" and entry.before is None

    alone = world.fingerprint()
    with pytest.raises(Conflict, match="awaiting: AZE, PAK"):
        changes.activate_operation(world.user("TUR"), world.session, ref=op.id, clock=world.clock)
    assert world.fingerprint() == alone

    joined = changes.join_operation(world.user("PAK"), world.session, ref=op.id, clock=world.clock)
    assert _answers(joined) == {"TUR": "joined", "PAK": "joined"} and joined.awaiting == ["AZE"]
    assert world.last_audit().detail["for_state"] == "PAK"
    assert world.last_audit().before["participants"][0]["state"]["iso3"] == "TUR"
    with pytest.raises(Conflict, match="already joined"):
        changes.join_operation(world.user("PAK"), world.session, ref=op.id, clock=world.clock)

    declined = changes.decline_operation(
        world.user("AZE", Role.ADMIN), world.session, ref=op.id, clock=world.clock
    )
    assert _answers(declined)["AZE"] == "declined" and declined.awaiting == []
    with pytest.raises(Conflict, match="already declined"):
        changes.decline_operation(world.user("AZE"), world.session, ref=op.id, clock=world.clock)

    active = changes.activate_operation(
        world.user("TUR"), world.session, ref=op.id, clock=world.clock
    )
    assert active.status == "active"
    # a state that declined may still join an operation under way; one that joined may not
    # take it back
    rejoined = changes.join_operation(
        world.user("AZE"), world.session, ref=op.id, clock=world.clock
    )
    assert _answers(rejoined)["AZE"] == "joined"
    with pytest.raises(Conflict, match="already joined"):
        changes.decline_operation(world.user("PAK"), world.session, ref=op.id, clock=world.clock)

    before = world.fingerprint()
    with pytest.raises(InvalidInput) as blank:
        changes.conclude_operation(
            world.user("TUR"), world.session, ref=op.id, after_action="   ", clock=world.clock
        )
    assert blank.value.field == "after_action" and world.fingerprint() == before
    done = changes.conclude_operation(
        world.user("TUR"),
        world.session,
        ref=op.id,
        after_action="Infrastructure taken down; two hosts remain under watch.",
        clock=world.clock,
    )
    assert done.status == "concluded" and done.after_action.startswith("Infrastructure")
    assert world.last_audit().after["after_action"] == done.after_action
    for step in (changes.join_operation, changes.activate_operation, changes.cancel_operation):
        with pytest.raises(Conflict):
            step(world.user("TUR"), world.session, ref=op.id, clock=world.clock)


def test_another_lead_must_join_and_declining_cancels_the_proposal(world: World) -> None:
    op = world.propose(by="TUR", lead="Pakistan")
    assert op.lead.iso3 == "PAK" and _answers(op) == {"TUR": "joined"}
    with pytest.raises(PermissionDenied, match="only the lead state"):
        changes.activate_operation(world.user("TUR"), world.session, ref=op.id, clock=world.clock)
    changes.join_operation(world.user("AZE"), world.session, ref=op.id, clock=world.clock)
    with pytest.raises(Conflict, match="its lead and at least one other"):
        changes.activate_operation(world.user("PAK"), world.session, ref=op.id, clock=world.clock)
    cancelled = changes.decline_operation(
        world.user("PAK"), world.session, ref=op.id, clock=world.clock
    )
    assert cancelled.status == "cancelled"
    assert cancelled.status_reason == "the lead state (PAK) declined"
    assert world.last_audit().detail == {
        "for_state": "PAK", "for_state_id": world.states["PAK"], "cancelled": True
    }  # fmt: skip

    second = world.propose(by="TUR", lead="PAK", name="Second try (test)")
    changes.join_operation(world.user("PAK"), world.session, ref=second.id, clock=world.clock)
    started = changes.activate_operation(
        world.user("PAK"), world.session, ref=second.id, clock=world.clock
    )
    assert started.status == "active"


@pytest.mark.parametrize(
    ("fields", "error", "field"),
    [
        ({"threat": None}, InvalidInput, "threat"),
        ({"threat_kind": "domain-name"}, InvalidInput, "threat_value"),
        ({"threat_value": "evil.example"}, InvalidInput, "threat_kind"),
        ({"starts": "2027-01-02", "ends": "2027-01-01"}, InvalidInput, "ends"),
        ({"lead": "SAU"}, InvalidInput, "lead"),
        ({"lead": "Atlantis"}, NotFound, "lead"),
        ({"agreement": "999999999"}, NotFound, "agreement"),
        ({"agreement": "ATOP 4965"}, InvalidInput, "agreement"),  # GCC: no combined operations
        ({"tasks": [{"title": "t", "state": "SAU"}]}, InvalidInput, "tasks.0.state"),
        (
            {"tasks": [{"title": "t", "starts": "2027-02-01", "ends": "2027-01-01"}]},
            InvalidInput,
            "tasks.0.ends",
        ),
        ({"intel": ["indicator--00000000-0000-4000-8000-999999999999"]}, NotFound, "intel"),
    ],
)
def test_a_bad_proposal_names_its_field_and_writes_nothing(
    world: World, fields: dict[str, object], error: type[Exception], field: str
) -> None:
    before = world.fingerprint()
    with pytest.raises(error) as refused:
        world.propose(**fields)
    assert refused.value.field == field  # type: ignore[attr-defined]
    assert world.fingerprint() == before


def test_the_agreement_must_be_in_force_and_the_proposer_a_party(world: World) -> None:
    before = world.fingerprint()
    with pytest.raises(PermissionDenied, match="SAU is not a party"):
        world.propose(by="SAU")
    with pytest.raises(PermissionDenied, match="may not propose"):
        changes.propose_operation(
            world.user("TUR", Role.ANALYST),
            world.session,
            data=OperationCreate(name="x", agreement=str(world.agreement), threat="y"),
            clock=world.clock,
        )
    with pytest.raises(PermissionDenied, match="takes no part"):
        changes.propose_operation(
            ROOT,
            world.session,
            data=OperationCreate(name="x", agreement=str(world.agreement), threat="y"),
            clock=world.clock,
        )
    assert world.fingerprint() == before

    op = world.propose()
    lifecycle.suspend_agreement(
        world.user("AZE"), world.session, ref=world.agreement, clock=world.clock
    )
    with pytest.raises(Conflict, match="not in force") as refused:
        world.propose(name="Under a suspended agreement (test)")
    assert refused.value.field == "agreement"
    with pytest.raises(Conflict, match="not in force"):
        changes.join_operation(world.user("PAK"), world.session, ref=op.id, clock=world.clock)
    # a party may still decline, and the proposer call it off, while the agreement is suspended
    changes.decline_operation(world.user("PAK"), world.session, ref=op.id, clock=world.clock)
    assert (
        changes.cancel_operation(
            world.user("TUR"),
            world.session,
            ref=op.id,
            reason="agreement suspended",
            clock=world.clock,
        ).status_reason
        == "agreement suspended"
    )


def test_an_agreement_not_yet_in_force_covers_nothing(world: World) -> None:
    later = registry_changes.record_agreement(
        ROOT,
        world.session,
        data=AgreementCreate.model_validate(
            {
                "title": "A future combined-operations agreement (test)",
                "parties": ["TUR", "PAK"],
                "domains": ["combined_operations"],
                "in_force": date(2027, 6, 1),
            }
        ),
        clock=world.clock,
    )
    with pytest.raises(Conflict, match="not in force on 2026-11-24"):
        world.propose(agreement=str(later.id))


def test_who_cancels_when(world: World) -> None:
    op = world.propose(by="AZE", lead="TUR")
    changes.join_operation(world.user("PAK"), world.session, ref=op.id, clock=world.clock)
    with pytest.raises(PermissionDenied, match="proposer's state or the lead"):
        changes.cancel_operation(world.user("PAK"), world.session, ref=op.id, clock=world.clock)
    changes.join_operation(world.user("TUR"), world.session, ref=op.id, clock=world.clock)
    changes.activate_operation(world.user("TUR"), world.session, ref=op.id, clock=world.clock)
    with pytest.raises(PermissionDenied, match="only the lead may cancel"):
        changes.cancel_operation(world.user("AZE"), world.session, ref=op.id, clock=world.clock)
    by_node = changes.cancel_operation(
        ROOT, world.session, ref=op.id, reason="ordered by the node", clock=world.clock
    )
    assert by_node.status == "cancelled"
    assert world.last_audit().detail == {"for_state": "node"}
    assert world.last_audit().actor == "test"


def test_tasks_are_added_by_those_who_carry_the_operation(world: World) -> None:
    op = world.propose()
    with pytest.raises(PermissionDenied, match="only the lead and the states that joined"):
        changes.add_task(
            world.user("PAK"), world.session, ref=op.id, data=TaskCreate(title="x"),
            clock=world.clock,
        )  # fmt: skip
    changes.join_operation(world.user("PAK"), world.session, ref=op.id, clock=world.clock)
    before = world.fingerprint()
    with pytest.raises(InvalidInput) as bad:
        changes.add_task(
            world.user("PAK"), world.session, ref=op.id,
            data=TaskCreate(title="x", starts=date(2027, 1, 2), ends=date(2027, 1, 1)),
            clock=world.clock,
        )  # fmt: skip
    assert bad.value.field == "task.ends" and world.fingerprint() == before
    found = changes.add_task(
        world.user("PAK"),
        world.session,
        ref=op.id,
        data=TaskCreate(title="Phase 2: interdiction", state="AZE", starts=date(2027, 1, 1)),
        clock=world.clock,
    )
    task = found.tasks[-1]
    assert (task.title, task.state.iso3, task.added_by.iso3) == (
        "Phase 2: interdiction",
        "AZE",
        "PAK",
    )
    assert world.last_audit().detail["task"] == "Phase 2: interdiction"


def test_list_filters_and_counts(world: World) -> None:
    first = world.propose(name="Alpha (test)")
    second = world.propose(by="PAK", name="Bravo (test)", threat="Hafnium")
    changes.join_operation(world.user("TUR"), world.session, ref=second.id, clock=world.clock)
    viewer = world.user("AZE", Role.VIEWER)
    page = service.list_operations(viewer, world.session, historical=False, clock=world.clock)
    assert {o.id for o in page.items} == {first.id, second.id} and page.total == 2
    by_text = service.list_operations(viewer, world.session, text="hafnium", clock=world.clock)
    assert [o.name for o in by_text.items] == ["Bravo (test)"]
    by_state = service.list_operations(viewer, world.session, state="PAK", clock=world.clock)
    assert [o.id for o in by_state.items] == [second.id] and by_state.items[0].states == [
        "PAK", "TUR"
    ]  # fmt: skip
    with pytest.raises(InvalidInput) as bad:
        service.list_operations(viewer, world.session, status="ongoing", clock=world.clock)
    assert bad.value.field == "status"
