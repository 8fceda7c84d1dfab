"""Agreements by consent (issue 9 §1): what users record is proposed, and enters into force
when every party has accepted it; what could widen an agreement waits for every party; what
narrows it, a suspension, leaving and ending take effect at once; a suspension is lifted by
whoever made it; the imported record is the node's; arrangements implement treaties.

The three findings of the trial are the regression tests at the end: a Turkish liaison
alone put a Turkey–Saudi intelligence pact in force, raised its ceiling and added domains
alone, and resumed what Pakistan had suspended, regaining Pakistan's intel.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from taawun.access import service as access
from taawun.access.models import AuditEntry
from taawun.core.clock import FixedClock
from taawun.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from taawun.core.ids import AgencyId, StateId, UserId
from taawun.core.principal import Clearance, Principal, Role
from taawun.intel import changes as intel
from taawun.intel import service as intel_read
from taawun.intel.markings import MarkingDefaults
from taawun.registry import changes, decisions, lifecycle, service
from taawun.registry.models import (
    Agreement,
    AgreementDomain,
    AgreementParty,
    AgreementProposal,
    ProposalParty,
)
from taawun.registry.resolver import resolve_state
from taawun.registry.schemas import AgreementCreate, AgreementRead, AgreementUpdate, ProposalRead

from .conftest import PrincipalFor

ROOT = Principal.system_principal("test")
TODAY = date(2026, 11, 24)  # the ``clock`` fixture's day


def _on(day: date) -> FixedClock:
    return FixedClock(datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC))


CLOCK = _on(TODAY)


def _draft(**overrides: object) -> AgreementCreate:
    values: dict[str, object] = {
        "title": "Turkey–Pakistan–Azerbaijan intelligence sharing (consent test)",
        "parties": ["TUR", "PAK", "AZE"],
        "domains": ["intelligence_sharing"],
        "sharing_ceiling": "CONFIDENTIAL",
    }
    values.update(overrides)
    return AgreementCreate.model_validate(values)


def _state(session: Session, name: str) -> int:
    return resolve_state(session, name).id


def _grants(session: Session, state: str, day: date = TODAY) -> set[tuple[int, int, int]]:
    return set(service.sharing_grants(session, reader_state=_state(session, state), on=day))


def _granted(session: Session, agreement: int, state: str, day: date = TODAY) -> set[int]:
    """The states whose releases under ``agreement`` ``state`` may read on ``day``."""
    return {g[1] for g in _grants(session, state, day) if g[0] == agreement}


def _proposed(outcome: Any) -> ProposalRead:
    assert outcome.proposal is not None
    return outcome.proposal  # type: ignore[no-any-return]


def _snapshot(session: Session) -> tuple[int, ...]:
    session.flush()
    return tuple(
        session.scalar(select(func.count()).select_from(m)) or 0
        for m in (
            Agreement,
            AgreementParty,
            AgreementDomain,
            AgreementProposal,
            ProposalParty,
            AuditEntry,
        )
    )


def _entries(session: Session, action: str) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        )
    )


def _in_force(session: Session, principal_for: PrincipalFor, **overrides: object) -> AgreementRead:
    """An agreement of Turkey, Pakistan and Azerbaijan, proposed by Turkey and accepted by
    the other two: in force since the day of the last acceptance."""
    outcome = changes.propose_agreement(
        principal_for("TUR", role=Role.LIAISON), session, data=_draft(**overrides), clock=CLOCK
    )
    for state in ("PAK", "AZE"):
        decisions.accept_proposal(
            principal_for(state, role=Role.LIAISON),
            session,
            proposal_id=_proposed(outcome).id,
            clock=CLOCK,
        )
    return service.get_agreement(ROOT, session, ref=outcome.agreement.id)


# --- entering into force --------------------------------------------------------------------


def test_it_enters_into_force_on_the_given_date_once_every_party_accepted(
    loaded_db: Session, principal_for: PrincipalFor
) -> None:
    start = date(2026, 12, 1)
    outcome = changes.propose_agreement(
        principal_for("TUR", role=Role.LIAISON), loaded_db, data=_draft(in_force=start), clock=CLOCK
    )
    proposal = _proposed(outcome)
    assert outcome.agreement.status == "proposed"
    assert proposal.kind == "record" and sorted(proposal.awaiting) == ["AZE", "PAK"]
    after_one = decisions.accept_proposal(
        principal_for("PAK", role=Role.LIAISON), loaded_db, proposal_id=proposal.id, clock=CLOCK
    )
    assert after_one.status == "open" and after_one.awaiting == ["AZE"]
    agreement = outcome.agreement.id
    assert service.get_agreement(ROOT, loaded_db, ref=agreement).status == "proposed"
    assert not _granted(loaded_db, agreement, "TUR", start)
    # Azerbaijan accepts through an admin of one of its agencies: the last acceptance.
    done = decisions.accept_proposal(
        principal_for("AZE", role=Role.ADMIN), loaded_db, proposal_id=proposal.id, clock=CLOCK
    )
    assert done.status == "accepted" and done.awaiting == []
    read = service.get_agreement(ROOT, loaded_db, ref=agreement)
    assert (read.status, read.in_force) == ("in_force", start)
    assert not _granted(loaded_db, agreement, "TUR", start - timedelta(days=1))
    assert _granted(loaded_db, agreement, "TUR", start) == {
        _state(loaded_db, s) for s in ("TUR", "PAK", "AZE")
    }
    [entry] = _entries(loaded_db, "registry.agreement.enter_into_force")
    assert entry.detail == {"proposal": proposal.id, "accepted_by": ["AZE", "PAK", "TUR"]}


def test_without_a_date_it_enters_into_force_on_the_day_of_the_last_acceptance(
    loaded_db: Session, principal_for: PrincipalFor
) -> None:
    outcome = changes.propose_agreement(
        principal_for("TUR", role=Role.LIAISON), loaded_db, data=_draft(), clock=_on(TODAY)
    )
    proposal = _proposed(outcome).id
    decisions.accept_proposal(
        principal_for("PAK", role=Role.LIAISON), loaded_db, proposal_id=proposal, clock=_on(TODAY)
    )
    last = date(2026, 12, 3)
    decisions.accept_proposal(
        principal_for("AZE", role=Role.LIAISON), loaded_db, proposal_id=proposal, clock=_on(last)
    )
    read = service.get_agreement(ROOT, loaded_db, ref=outcome.agreement.id)
    assert (read.status, read.in_force, read.status_since) == ("in_force", last, last)
    assert {p.entered for p in read.party_spells} == {last}


def test_a_party_declines_and_the_proposer_withdraws(
    loaded_db: Session, principal_for: PrincipalFor
) -> None:
    turk = principal_for("TUR", role=Role.LIAISON)
    declined = changes.propose_agreement(turk, loaded_db, data=_draft(), clock=CLOCK)
    decisions.decline_proposal(
        principal_for("AZE", role=Role.LIAISON),
        loaded_db,
        proposal_id=_proposed(declined).id,
        clock=CLOCK,
    )
    read = service.get_agreement(ROOT, loaded_db, ref=declined.agreement.id)
    assert read.status == "declined"
    with pytest.raises(Conflict):  # closed: nothing more to accept
        decisions.accept_proposal(
            principal_for("PAK", role=Role.LIAISON),
            loaded_db,
            proposal_id=_proposed(declined).id,
            clock=CLOCK,
        )
    # Proposed again under the same title: a declined one is no duplicate.
    again = changes.propose_agreement(turk, loaded_db, data=_draft(), clock=CLOCK)
    with pytest.raises(PermissionDenied):  # only the proposing state withdraws
        decisions.withdraw_proposal(
            principal_for("PAK", role=Role.ADMIN),
            loaded_db,
            proposal_id=_proposed(again).id,
            clock=CLOCK,
        )
    withdrawn = decisions.withdraw_proposal(
        principal_for("TUR", role=Role.ADMIN),
        loaded_db,
        proposal_id=_proposed(again).id,
        clock=CLOCK,
    )
    assert withdrawn.status == "withdrawn"
    assert service.get_agreement(ROOT, loaded_db, ref=again.agreement.id).status == "withdrawn"
    for agreement in (declined.agreement.id, again.agreement.id):
        assert not _granted(loaded_db, agreement, "TUR")
    listed = service.list_agreements(ROOT, loaded_db, parties=["TUR", "AZE"], in_force="2026")
    assert not {declined.agreement.id, again.agreement.id} & {a.id for a in listed.items}


# --- amending ---------------------------------------------------------------------------------


def test_a_widening_amendment_waits_for_every_party_including_one_it_adds(
    loaded_db: Session, principal_for: PrincipalFor
) -> None:
    """Confidential, so Saudi Arabia, whom the amendment would add, sees the proposal
    but not the agreement until the amendment is taken."""
    agreement = _in_force(loaded_db, principal_for, confidential=True)
    saudi = principal_for("SAU", role=Role.LIAISON)
    outcome = changes.amend_agreement(
        principal_for("TUR", role=Role.LIAISON),
        loaded_db,
        ref=agreement.id,
        data=AgreementUpdate(sharing_ceiling=Clearance.SECRET, add_parties=["SAU"]),
        clock=CLOCK,
    )
    proposal = _proposed(outcome)
    assert proposal.kind == "amend" and proposal.status == "open"
    assert proposal.changes == {"sharing_ceiling": "SECRET", "add_parties": ["SAU"]}
    assert proposal.before == {"sharing_ceiling": "CONFIDENTIAL", "add_parties": []}
    assert outcome.agreement.sharing_ceiling == "CONFIDENTIAL"
    for state in ("PAK", "AZE"):
        decisions.accept_proposal(
            principal_for(state, role=Role.LIAISON), loaded_db, proposal_id=proposal.id, clock=CLOCK
        )
    unchanged = service.get_agreement(ROOT, loaded_db, ref=agreement.id)
    assert unchanged.sharing_ceiling == "CONFIDENTIAL" and "SAU" not in unchanged.parties
    assert service.get_proposal(saudi, loaded_db, proposal_id=proposal.id).awaiting == ["SAU"]
    with pytest.raises(NotFound):
        service.get_agreement(saudi, loaded_db, ref=agreement.id)
    decisions.accept_proposal(saudi, loaded_db, proposal_id=proposal.id, clock=CLOCK)
    amended = service.get_agreement(saudi, loaded_db, ref=agreement.id)
    assert amended.sharing_ceiling == "SECRET" and "SAU" in amended.parties
    assert (agreement.id, _state(loaded_db, "TUR"), int(Clearance.SECRET)) in _grants(
        loaded_db, "SAU"
    )


def test_narrowing_and_describing_take_effect_at_once(
    loaded_db: Session, principal_for: PrincipalFor
) -> None:
    agreement = _in_force(loaded_db, principal_for, domains=["intelligence_sharing", "training"])
    outcome = changes.amend_agreement(
        principal_for("AZE", role=Role.LIAISON),
        loaded_db,
        ref=agreement.id,
        data=AgreementUpdate(
            sharing_ceiling=Clearance.RESTRICTED,
            domains=["intelligence_sharing"],
            confidential=True,
            ended=date(2030, 1, 1),
            title="A narrower title",
            citation="text of 2026",
        ),
        clock=CLOCK,
    )
    assert outcome.proposal is None
    read = outcome.agreement
    assert (read.sharing_ceiling, read.domains, read.confidential) == (
        "RESTRICTED",
        ["intelligence_sharing"],
        True,
    )
    assert (read.ended, read.title) == (date(2030, 1, 1), "A narrower title")
    [entry] = _entries(loaded_db, "registry.agreement.amend")
    assert entry.detail and entry.detail["for_state"] == "AZE"
    # A lower ceiling counts from None as UNCLASSIFIED: from None to RESTRICTED widens.
    plain = _in_force(loaded_db, principal_for, title="No ceiling", sharing_ceiling=None)
    raised = changes.amend_agreement(
        principal_for("AZE", role=Role.LIAISON),
        loaded_db,
        ref=plain.id,
        data=AgreementUpdate(sharing_ceiling=Clearance.RESTRICTED),
        clock=CLOCK,
    )
    assert raised.proposal is not None and raised.agreement.sharing_ceiling is None


@pytest.mark.parametrize(
    ("change", "widens"),
    [
        ({"sharing_ceiling": "SECRET"}, True),
        ({"sharing_ceiling": "RESTRICTED"}, False),
        ({"domains": ["intelligence_sharing", "training"]}, True),
        ({"domains": ["training"]}, True),  # one dropped, one added
        ({"confidential": False}, True),
        ({"confidential": True}, False),
        ({"in_force": "2025-09-01"}, True),
        ({"in_force": "2027-01-01"}, False),
        ({"ended": "2031-01-01"}, True),
        ({"ended": "2029-01-01"}, False),
        ({"terms": {"exchange": "weekly"}}, True),
        ({"add_parties": ["SAU"]}, True),
        ({"title": "Another title", "citation": "a text", "signed": "2024-12-01"}, False),
    ],
)
def test_what_widens_is_proposed_and_what_does_not_is_taken(
    loaded_db: Session, principal_for: PrincipalFor, change: dict[str, Any], widens: bool
) -> None:
    agreement = _in_force(
        loaded_db,
        principal_for,
        confidential=not change.get("confidential", False),  # so that the change changes it
        in_force=date(2026, 1, 1),
        signed=date(2025, 6, 1),
    )
    changes.amend_agreement(
        ROOT, loaded_db, ref=agreement.id, data=AgreementUpdate(ended=date(2030, 1, 1)), clock=CLOCK
    )
    before = service.get_agreement(ROOT, loaded_db, ref=agreement.id)
    outcome = changes.amend_agreement(
        principal_for("PAK", role=Role.LIAISON),
        loaded_db,
        ref=agreement.id,
        data=AgreementUpdate.model_validate(change),
        clock=CLOCK,
    )
    after = service.get_agreement(ROOT, loaded_db, ref=agreement.id)
    assert (outcome.proposal is not None) is widens
    assert (after == before) is widens


def test_one_open_proposal_per_agreement_and_a_stale_one_is_not_taken(
    loaded_db: Session, principal_for: PrincipalFor
) -> None:
    agreement = _in_force(loaded_db, principal_for)
    turk, pak = (principal_for(s, role=Role.LIAISON) for s in ("TUR", "PAK"))
    first = _proposed(
        changes.amend_agreement(
            turk,
            loaded_db,
            ref=agreement.id,
            data=AgreementUpdate(sharing_ceiling=Clearance.SECRET),
            clock=CLOCK,
        )
    )
    snapshot = _snapshot(loaded_db)
    with pytest.raises(Conflict) as second:
        changes.amend_agreement(
            pak,
            loaded_db,
            ref=agreement.id,
            data=AgreementUpdate(domains=["intelligence_sharing", "training"]),
            clock=CLOCK,
        )
    assert second.value.field == "proposal" and first.id in second.value.message
    assert _snapshot(loaded_db) == snapshot
    # A suspension is at once, proposal or not; lifting it would be a second proposal.
    lifecycle.suspend_agreement(pak, loaded_db, ref=agreement.id, clock=CLOCK)
    snapshot = _snapshot(loaded_db)
    with pytest.raises(Conflict, match=first.id):
        lifecycle.resume_agreement(pak, loaded_db, ref=agreement.id, clock=CLOCK)
    assert _snapshot(loaded_db) == snapshot
    # Pakistan lowers the ceiling meanwhile, at once. The proposal no longer says what the
    # parties would accept: its last acceptance is refused, leaving everything as it was.
    changes.amend_agreement(
        pak,
        loaded_db,
        ref=agreement.id,
        data=AgreementUpdate(sharing_ceiling=Clearance.RESTRICTED),
        clock=CLOCK,
    )
    decisions.accept_proposal(pak, loaded_db, proposal_id=first.id, clock=CLOCK)
    snapshot = _snapshot(loaded_db)
    with pytest.raises(Conflict, match="sharing_ceiling changed"):
        decisions.accept_proposal(
            principal_for("AZE", role=Role.LIAISON), loaded_db, proposal_id=first.id, clock=CLOCK
        )
    assert _snapshot(loaded_db) == snapshot
    read = service.get_agreement(ROOT, loaded_db, ref=agreement.id)
    assert read.sharing_ceiling == "RESTRICTED"
    decisions.decline_proposal(
        principal_for("AZE", role=Role.LIAISON), loaded_db, proposal_id=first.id, clock=CLOCK
    )
    assert service.get_proposal(turk, loaded_db, proposal_id=first.id).status == "declined"


# --- suspending and resuming ------------------------------------------------------------------


def test_a_suspension_is_lifted_by_the_party_that_made_it(
    loaded_db: Session, principal_for: PrincipalFor
) -> None:
    agreement = _in_force(loaded_db, principal_for)
    pak, turk = principal_for("PAK", role=Role.LIAISON), principal_for("TUR", role=Role.ADMIN)
    suspended = lifecycle.suspend_agreement(pak, loaded_db, ref=agreement.id, clock=CLOCK)
    assert (suspended.status, suspended.suspended_by) == ("suspended", "PAK")
    outcome = lifecycle.resume_agreement(turk, loaded_db, ref=agreement.id, clock=CLOCK)
    proposal = _proposed(outcome)
    assert proposal.kind == "resume" and proposal.awaiting == ["PAK"]
    assert outcome.agreement.status == "suspended"
    assert not _granted(loaded_db, agreement.id, "TUR")
    with pytest.raises(PermissionDenied):  # its acceptance is not what is needed
        decisions.accept_proposal(
            principal_for("AZE", role=Role.LIAISON), loaded_db, proposal_id=proposal.id, clock=CLOCK
        )
    decisions.accept_proposal(pak, loaded_db, proposal_id=proposal.id, clock=CLOCK)
    read = service.get_agreement(ROOT, loaded_db, ref=agreement.id)
    assert (read.status, read.suspended_by) == ("in_force", None)
    # The suspender lifts its own suspension at once.
    lifecycle.suspend_agreement(turk, loaded_db, ref=agreement.id, clock=CLOCK)
    again = lifecycle.resume_agreement(turk, loaded_db, ref=agreement.id, clock=CLOCK)
    assert again.agreement.status == "in_force"
    assert again.proposal is not None and again.proposal.status == "accepted"


def test_what_the_node_suspended_every_party_must_resume(
    loaded_db: Session, principal_for: PrincipalFor
) -> None:
    """An admin of a state that is no party may suspend (for safety), recorded as the node;
    resuming then needs every party, and the admin cannot resume it."""
    agreement = _in_force(loaded_db, principal_for)
    admin = principal_for("SAU", role=Role.ADMIN)
    suspended = lifecycle.suspend_agreement(admin, loaded_db, ref=agreement.id, clock=CLOCK)
    assert suspended.suspended_by == "node"
    [entry] = _entries(loaded_db, "registry.agreement.suspend")
    assert entry.detail == {"for_state": "node"} and entry.actor == admin.username
    with pytest.raises(PermissionDenied):
        lifecycle.resume_agreement(admin, loaded_db, ref=agreement.id, clock=CLOCK)
    proposal = _proposed(
        lifecycle.resume_agreement(
            principal_for("TUR", role=Role.LIAISON), loaded_db, ref=agreement.id, clock=CLOCK
        )
    )
    assert sorted(proposal.awaiting) == ["AZE", "PAK"]
    decisions.accept_proposal(
        principal_for("PAK", role=Role.LIAISON), loaded_db, proposal_id=proposal.id, clock=CLOCK
    )
    assert service.get_agreement(ROOT, loaded_db, ref=agreement.id).status == "suspended"
    decisions.accept_proposal(
        principal_for("AZE", role=Role.ADMIN), loaded_db, proposal_id=proposal.id, clock=CLOCK
    )
    assert service.get_agreement(ROOT, loaded_db, ref=agreement.id).status == "in_force"


# --- leaving and ending -----------------------------------------------------------------------


def test_a_party_leaves_a_multilateral_agreement_and_its_access_ends_at_once(
    loaded_db: Session, principal_for: PrincipalFor
) -> None:
    agreement = _in_force(loaded_db, principal_for, in_force=date(2026, 1, 1))
    aze = _state(loaded_db, "AZE")
    assert aze in _granted(loaded_db, agreement.id, "TUR")
    assert _granted(loaded_db, agreement.id, "AZE")
    left = lifecycle.leave_agreement(
        principal_for("AZE", role=Role.LIAISON), loaded_db, ref=agreement.id, clock=CLOCK
    )
    spell = next(p for p in left.party_spells if p.state.iso3 == "AZE")
    assert spell.exited == TODAY - timedelta(days=1)  # its last day as a party
    assert not _granted(loaded_db, agreement.id, "AZE")
    assert aze not in _granted(loaded_db, agreement.id, "TUR")
    assert _granted(loaded_db, agreement.id, "TUR") == {
        _state(loaded_db, s) for s in ("TUR", "PAK")
    }
    with pytest.raises(PermissionDenied):  # no longer a party: it decides nothing
        lifecycle.suspend_agreement(
            principal_for("AZE", role=Role.LIAISON), loaded_db, ref=agreement.id, clock=CLOCK
        )
    with pytest.raises(Conflict, match="bilateral"):
        lifecycle.leave_agreement(
            principal_for("PAK", role=Role.LIAISON), loaded_db, ref=agreement.id, clock=CLOCK
        )
    ended = lifecycle.terminate_agreement(
        principal_for("PAK", role=Role.LIAISON), loaded_db, ref=agreement.id, clock=CLOCK
    )
    assert ended.status == "terminated" and not _granted(loaded_db, agreement.id, "TUR")


# --- the imported record, and implementing arrangements ---------------------------------------


def test_users_do_not_change_the_imported_record(
    loaded_db: Session, principal_for: PrincipalFor
) -> None:
    snapshot = _snapshot(loaded_db)
    for who in (principal_for("SAU", role=Role.LIAISON), principal_for("SAU", role=Role.ADMIN)):
        with pytest.raises(PermissionDenied) as refused:
            changes.amend_agreement(
                who,
                loaded_db,
                ref="ATOP 4965",
                data=AgreementUpdate(domains=["mutual_defense", "intelligence_sharing"]),
                clock=CLOCK,
            )
        assert refused.value.field == "agreement"
        assert "implementing arrangement with parent 'ATOP 4965'" in refused.value.message
        for act in (lifecycle.suspend_agreement, lifecycle.terminate_agreement):
            with pytest.raises(PermissionDenied, match="imported historical record"):
                act(who, loaded_db, ref="ATOP 4965")
    assert _snapshot(loaded_db) == snapshot
    # the node may
    lifecycle.suspend_agreement(ROOT, loaded_db, ref="curated:smda-2025", clock=CLOCK)


def test_an_implementing_arrangement_has_some_of_its_parents_parties(
    loaded_db: Session, principal_for: PrincipalFor
) -> None:
    saudi = principal_for("SAU", role=Role.LIAISON)
    data = {
        "title": "Saudi–Emirati intelligence arrangement under the GCC defence agreement",
        "parties": ["SAU", "ARE"],
        "domains": ["intelligence_sharing"],
        "sharing_ceiling": "CONFIDENTIAL",
        "parent": "ATOP 4965",
    }
    outcome = changes.propose_agreement(
        saudi, loaded_db, data=AgreementCreate.model_validate(data), clock=CLOCK
    )
    decisions.accept_proposal(
        principal_for("ARE", role=Role.LIAISON),
        loaded_db,
        proposal_id=_proposed(outcome).id,
        clock=CLOCK,
    )
    parent = service.get_agreement(saudi, loaded_db, ref="ATOP 4965")
    arrangement = service.get_agreement(saudi, loaded_db, ref=outcome.agreement.id)
    assert arrangement.parent == parent.id and arrangement.status == "in_force"
    assert outcome.agreement.id in parent.arrangements
    with pytest.raises(InvalidInput) as outside:
        changes.propose_agreement(
            saudi,
            loaded_db,
            data=AgreementCreate.model_validate(
                {**data, "title": "Outside the parent", "parties": ["SAU", "PAK"]}
            ),
            clock=CLOCK,
        )
    assert outside.value.field == "parties" and "PAK" in outside.value.message
    with pytest.raises(InvalidInput) as added:
        changes.amend_agreement(
            saudi,
            loaded_db,
            ref=outcome.agreement.id,
            data=AgreementUpdate(add_parties=["TUR"]),
            clock=CLOCK,
        )
    assert added.value.field == "parties"
    with pytest.raises(NotFound) as missing:
        changes.propose_agreement(
            saudi,
            loaded_db,
            data=AgreementCreate.model_validate(
                {**data, "title": "No such parent", "parent": "ATOP 99999"}
            ),
            clock=CLOCK,
        )
    assert missing.value.field == "parent"
    # A confidential arrangement is listed under its public parent only for its parties.
    hidden = changes.record_agreement(
        ROOT,
        loaded_db,
        data=AgreementCreate.model_validate(
            {**data, "title": "Confidential arrangement", "confidential": True}
        ),
        clock=CLOCK,
    )
    outsider = principal_for("TUR", role=Role.LIAISON)
    assert hidden.id in service.get_agreement(saudi, loaded_db, ref="ATOP 4965").arrangements
    assert hidden.id not in service.get_agreement(outsider, loaded_db, ref="ATOP 4965").arrangements


# --- audit ------------------------------------------------------------------------------------


def test_every_step_is_audited_with_the_state_acted_for(
    loaded_db: Session, principal_for: PrincipalFor
) -> None:
    start = loaded_db.scalar(select(func.max(AuditEntry.seq))) or 0
    agreement = _in_force(loaded_db, principal_for)
    proposal = _proposed(
        changes.amend_agreement(
            principal_for("PAK", role=Role.ADMIN),
            loaded_db,
            ref=agreement.id,
            data=AgreementUpdate(terms={"exchange": "weekly"}),
            clock=CLOCK,
        )
    )
    decisions.withdraw_proposal(
        principal_for("PAK", role=Role.LIAISON), loaded_db, proposal_id=proposal.id, clock=CLOCK
    )
    acted = [
        (e.action, e.actor, (e.detail or {}).get("for_state"))
        for e in loaded_db.scalars(
            select(AuditEntry).where(AuditEntry.seq > start).order_by(AuditEntry.seq)
        )
    ]
    assert acted == [
        ("registry.agreement.propose", "user-tur", "TUR"),
        ("registry.proposal.accept", "user-pak", "PAK"),
        ("registry.proposal.accept", "user-aze", "AZE"),
        ("registry.agreement.enter_into_force", "user-aze", None),
        ("registry.proposal.open", "user-pak", "PAK"),
        ("registry.proposal.withdraw", "user-pak", "PAK"),
    ]


# --- the trial's findings ---------------------------------------------------------------------


def test_a_liaisons_pact_is_not_in_force_and_grants_nothing_until_the_other_party_accepts(
    loaded_db: Session, principal_for: PrincipalFor
) -> None:
    """Finding 1: a Turkish liaison recorded a Turkey–Saudi intelligence pact, in force at
    once. Now it is proposed until Saudi Arabia accepts."""
    outcome = changes.propose_agreement(
        principal_for("TUR", role=Role.LIAISON),
        loaded_db,
        data=_draft(title="Turkey–Saudi intelligence pact", parties=["TUR", "SAU"], in_force=TODAY),
        clock=CLOCK,
    )
    agreement = outcome.agreement.id
    assert outcome.agreement.status == "proposed"
    assert not _granted(loaded_db, agreement, "TUR") and not _granted(loaded_db, agreement, "SAU")
    assert agreement not in {
        a.id
        for a in service.current_agreements_of(ROOT, loaded_db, state_id=_state(loaded_db, "TUR"))
    }
    decisions.accept_proposal(
        principal_for("SAU", role=Role.LIAISON),
        loaded_db,
        proposal_id=_proposed(outcome).id,
        clock=CLOCK,
    )
    assert _granted(loaded_db, agreement, "SAU") == {_state(loaded_db, s) for s in ("TUR", "SAU")}


def test_a_liaison_cannot_raise_the_ceiling_or_add_a_domain_alone(
    loaded_db: Session, principal_for: PrincipalFor
) -> None:
    """Finding 2: the same liaison then raised the pact's ceiling and added domains alone."""
    agreement = _in_force(loaded_db, principal_for)
    ceiling = {g[2] for g in _grants(loaded_db, "PAK") if g[0] == agreement.id}
    turk = principal_for("TUR", role=Role.LIAISON)
    raised = changes.amend_agreement(
        turk,
        loaded_db,
        ref=agreement.id,
        data=AgreementUpdate(sharing_ceiling=Clearance.TOP_SECRET),
        clock=CLOCK,
    )
    assert raised.proposal is not None and raised.proposal.status == "open"
    decisions.withdraw_proposal(turk, loaded_db, proposal_id=raised.proposal.id, clock=CLOCK)
    widened = changes.amend_agreement(
        turk,
        loaded_db,
        ref=agreement.id,
        data=AgreementUpdate(domains=["intelligence_sharing", "combined_operations"]),
        clock=CLOCK,
    )
    assert widened.proposal is not None and widened.proposal.status == "open"
    read = service.get_agreement(ROOT, loaded_db, ref=agreement.id)
    assert read.sharing_ceiling == "CONFIDENTIAL" and read.domains == ["intelligence_sharing"]
    assert {g[2] for g in _grants(loaded_db, "PAK") if g[0] == agreement.id} == ceiling


def _agency_user(session: Session, state: str, role: Role = Role.LIAISON) -> Principal:
    state_id = _state(session, state)
    agency = access.create_agency(
        ROOT, session, state_id=state_id, name=f"{state} service", clock=CLOCK
    )
    return Principal(
        user_id=UserId(5000 + state_id),
        username=f"{state.lower()}.{role.value}",
        agency_id=AgencyId(agency.id),
        state_id=StateId(state_id),
        role=role,
        clearance=Clearance.SECRET,
    )


def _indicator(n: int) -> dict[str, Any]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--00000000-0000-4000-8000-{n:012d}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "name": f"consent test indicator {n}",
        "pattern": f"[ipv4-addr:value = '192.0.2.{n}']",
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
    }


def test_a_liaison_cannot_resume_what_another_party_suspended_nor_read_its_intel(
    loaded_db: Session, clock: FixedClock
) -> None:
    """Finding 3: Pakistan suspended its pact with Turkey; Turkey's liaison resumed it alone
    and read again what Pakistan had released under it. Now the resumption is a proposal that
    waits for Pakistan, and Turkey reads nothing of Pakistan's meanwhile."""
    turk, pak = _agency_user(loaded_db, "TUR"), _agency_user(loaded_db, "PAK")
    agreement = changes.record_agreement(
        ROOT,
        loaded_db,
        data=_draft(parties=["TUR", "PAK"], in_force=date(2024, 1, 1)),
        clock=clock,
    )
    report = intel.share(
        pak,
        loaded_db,
        objects=[_indicator(7)],
        defaults=MarkingDefaults(
            release_to=(str(agreement.id),), classification=Clearance.CONFIDENTIAL
        ),
        clock=clock,
    )
    assert report.stored == 1, report

    def turkey_reads() -> set[str]:
        return {i.id for i in intel_read.list_intel(turk, loaded_db, clock=clock).items}

    assert turkey_reads() == {_indicator(7)["id"]}
    lifecycle.suspend_agreement(pak, loaded_db, ref=agreement.id, clock=clock)
    assert turkey_reads() == set()
    outcome = lifecycle.resume_agreement(turk, loaded_db, ref=agreement.id, clock=clock)
    assert outcome.agreement.status == "suspended" and _proposed(outcome).awaiting == ["PAK"]
    assert turkey_reads() == set()
    with pytest.raises(NotFound):
        intel_read.show(turk, loaded_db, stix_id=_indicator(7)["id"], clock=clock)
    decisions.accept_proposal(pak, loaded_db, proposal_id=_proposed(outcome).id, clock=clock)
    assert turkey_reads() == {_indicator(7)["id"]}
