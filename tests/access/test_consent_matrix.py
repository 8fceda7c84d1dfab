"""Who may take which step of consent: every actor against every act, on a public and on a
confidential agreement, on both databases.

The agreement joins A (Turkey), B (Pakistan) and D (Azerbaijan), covers intelligence sharing
at CONFIDENTIAL and is in force (recorded by the node). C (Saudi Arabia) is no party. D's
liaison proposes what the others decide on. Each cell is what the act did:

- ``proposed``: a proposal is open and the agreement unchanged;
- ``applied``: the change was made at once;
- ``pending``: the actor's acceptance was recorded and the proposal still waits for another;
- ``closed``: the proposal was declined or withdrawn;
- ``read``: the proposal was read;
- ``403`` (PermissionDenied), ``404`` (NotFound, worded exactly as for a missing one).

A refused act leaves the database as it was, and an act that succeeds records, in its audit
entry, the state it was taken for (the node for C's admin and the system).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from taawun.access.models import AuditEntry
from taawun.core.clock import FixedClock
from taawun.core.errors import NotFound, PermissionDenied
from taawun.core.ids import AgencyId, StateId, UserId
from taawun.core.principal import Clearance, Principal, Role
from taawun.registry import changes, decisions, lifecycle, service
from taawun.registry.models import AgreementProposal, ProposalParty
from taawun.registry.resolver import resolve_state
from taawun.registry.schemas import AgreementCreate, AgreementUpdate

CLOCK = FixedClock(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
ROOT = Principal.system_principal("test")
PARTIES = ("TUR", "PAK", "AZE")

ACTORS: dict[str, tuple[str, Role] | None] = {
    "liaison-A": ("TUR", Role.LIAISON),
    "admin-A": ("TUR", Role.ADMIN),
    "analyst-A": ("TUR", Role.ANALYST),
    "viewer-A": ("TUR", Role.VIEWER),
    "liaison-B": ("PAK", Role.LIAISON),
    "liaison-C": ("SAU", Role.LIAISON),
    "admin-C": ("SAU", Role.ADMIN),
    "system": None,
}
ACTS = (
    "propose",
    "accept",
    "decline",
    "withdraw",
    "amend-widen",
    "amend-narrow",
    "suspend",
    "resume",
    "leave",
    "terminate",
    "read-proposal",
)
# On a public agreement; columns in the order of ACTORS (prop: proposed, appl: applied,
# pend: pending, clos: closed).
# fmt: off
PUBLIC: dict[str, tuple[str, ...]] = {
    #                 liais-A admin-A anal-A  viewr-A liais-B liais-C admin-C system
    "propose":       ("prop", "prop", "403", "403", "prop", "403", "403", "appl"),
    "accept":        ("pend", "pend", "403", "403", "pend", "404", "404", "403"),
    "decline":       ("clos", "clos", "403", "403", "clos", "404", "404", "403"),
    "withdraw":      ("clos", "clos", "403", "403", "403",  "404", "404", "clos"),
    "amend-widen":   ("prop", "prop", "403", "403", "prop", "403", "403", "appl"),
    "amend-narrow":  ("appl", "appl", "403", "403", "appl", "403", "403", "appl"),
    "suspend":       ("appl", "appl", "403", "403", "appl", "403", "appl", "appl"),
    "resume":        ("prop", "prop", "403", "403", "appl", "403", "403", "appl"),
    "leave":         ("appl", "appl", "403", "403", "appl", "403", "403", "403"),
    "terminate":     ("appl", "appl", "403", "403", "appl", "403", "403", "appl"),
    "read-proposal": ("read", "read", "read", "read", "read", "404", "404", "read"),
}
# fmt: on
CODES = {"prop": "proposed", "appl": "applied", "pend": "pending", "clos": "closed"}
NON_PARTIES = ("liaison-C", "admin-C")


def expected(act: str, actor: str, confidential: bool) -> str:
    """A confidential agreement, and its proposals, answer a non-party as missing things do;
    proposing a new agreement is about no existing one."""
    cell = PUBLIC[act][list(ACTORS).index(actor)]
    cell = CODES.get(cell, cell)
    if confidential and actor in NON_PARTIES and act != "propose":
        return "404"
    return cell


@dataclass
class World:
    session: Session
    agreement: int
    states: dict[str, int]

    def user(self, state: str, role: Role) -> Principal:
        state_id = self.states[state]
        return Principal(
            user_id=UserId(9000 + state_id),
            username=f"{state.lower()}.{role.value}",
            agency_id=AgencyId(8000 + state_id),
            state_id=StateId(state_id),
            role=role,
            clearance=Clearance.SECRET,
        )

    def actor(self, name: str) -> Principal:
        found = ACTORS[name]
        return ROOT if found is None else self.user(*found)

    def liaison(self, state: str) -> Principal:
        return self.user(state, Role.LIAISON)

    def read(self) -> Any:
        return service.get_agreement(ROOT, self.session, ref=self.agreement)

    def proposal_by(self, state: str) -> str:
        """A widening proposal of ``state``'s liaison: the ceiling raised to SECRET."""
        outcome = changes.amend_agreement(
            self.liaison(state),
            self.session,
            ref=self.agreement,
            data=AgreementUpdate(sharing_ceiling=Clearance.SECRET),
            clock=CLOCK,
        )
        assert outcome.proposal is not None
        return outcome.proposal.id


@pytest.fixture(params=[False, True], ids=["public", "confidential"])
def world(request: pytest.FixtureRequest, loaded_db: Session) -> World:
    states = {s: resolve_state(loaded_db, s).id for s in (*PARTIES, "SAU")}
    agreement = changes.record_agreement(
        ROOT,
        loaded_db,
        data=AgreementCreate.model_validate(
            {
                "title": "Turkey–Pakistan–Azerbaijan intelligence sharing (consent matrix)",
                "parties": list(PARTIES),
                "domains": ["intelligence_sharing"],
                "in_force": date(2026, 1, 1),
                "sharing_ceiling": "CONFIDENTIAL",
                "confidential": request.param,
            }
        ),
        clock=CLOCK,
    )
    return World(session=loaded_db, agreement=agreement.id, states=states)


# --- the acts: each sets up what it needs, acts as ``who``, and says what happened ---------


def _propose(world: World, who: Principal) -> str:
    outcome = changes.propose_agreement(
        who,
        world.session,
        data=AgreementCreate.model_validate(
            {
                "title": "A new agreement of the three (consent matrix)",
                "parties": list(PARTIES),
                "domains": ["training"],
                "in_force": "2026-12-01",
            }
        ),
        clock=CLOCK,
    )
    if outcome.proposal is None:
        return "applied" if outcome.agreement.status != "proposed" else "unexpected"
    return "proposed" if outcome.agreement.status == "proposed" else "unexpected"


def _decided(world: World, proposal_id: str) -> str:
    status = service.get_proposal(ROOT, world.session, proposal_id=proposal_id).status
    return {"open": "pending", "accepted": "taken"}.get(status, "closed")


def _accept(world: World, who: Principal) -> str:
    proposal = world.proposal_by("AZE")
    return _act_on(
        world,
        proposal,
        lambda: decisions.accept_proposal(who, world.session, proposal_id=proposal, clock=CLOCK),
    )


def _decline(world: World, who: Principal) -> str:
    proposal = world.proposal_by("AZE")
    return _act_on(
        world,
        proposal,
        lambda: decisions.decline_proposal(who, world.session, proposal_id=proposal, clock=CLOCK),
    )


def _withdraw(world: World, who: Principal) -> str:
    proposal = world.proposal_by("TUR")
    return _act_on(
        world,
        proposal,
        lambda: decisions.withdraw_proposal(who, world.session, proposal_id=proposal, clock=CLOCK),
    )


def _read_proposal(world: World, who: Principal) -> str:
    proposal = world.proposal_by("AZE")
    service.get_proposal(who, world.session, proposal_id=proposal)
    return "read"


def _act_on(world: World, proposal: str, act: Callable[[], object]) -> str:
    act()
    return _decided(world, proposal)


def _amended(world: World, who: Principal, ceiling: Clearance) -> str:
    before = world.read()
    outcome = changes.amend_agreement(
        who,
        world.session,
        ref=world.agreement,
        data=AgreementUpdate(sharing_ceiling=ceiling),
        clock=CLOCK,
    )
    after = world.read()
    if outcome.proposal is not None and outcome.proposal.status == "open":
        return "proposed" if after == before else "unexpected"
    return "applied" if after.sharing_ceiling == ceiling.name else "unexpected"


def _suspend(world: World, who: Principal) -> str:
    lifecycle.suspend_agreement(who, world.session, ref=world.agreement, clock=CLOCK)
    return "applied" if world.read().status == "suspended" else "unexpected"


def _resume(world: World, who: Principal) -> str:
    outcome = lifecycle.resume_agreement(who, world.session, ref=world.agreement, clock=CLOCK)
    status = world.read().status
    if outcome.proposal is not None and outcome.proposal.status == "open":
        return "proposed" if status == "suspended" else "unexpected"
    return "applied" if status == "in_force" else "unexpected"


def _leave(world: World, who: Principal) -> str:
    left = lifecycle.leave_agreement(who, world.session, ref=world.agreement, clock=CLOCK)
    current = {
        p.state.id for p in left.party_spells if p.exited is None or p.exited >= CLOCK.now().date()
    }
    return "applied" if who.state_id not in current and len(current) == 2 else "unexpected"


def _terminate(world: World, who: Principal) -> str:
    lifecycle.terminate_agreement(who, world.session, ref=world.agreement, clock=CLOCK)
    return "applied" if world.read().status == "terminated" else "unexpected"


def _suspended_by_pakistan(world: World) -> None:
    """Pakistan's liaison suspended it: only Pakistan's consent lifts the suspension."""
    lifecycle.suspend_agreement(
        world.liaison("PAK"), world.session, ref=world.agreement, clock=CLOCK
    )


SETUPS: dict[str, Callable[[World], None]] = {"resume": _suspended_by_pakistan}
RUN: dict[str, Callable[[World, Principal], str]] = {
    "propose": _propose,
    "accept": _accept,
    "decline": _decline,
    "withdraw": _withdraw,
    "amend-widen": lambda w, who: _amended(w, who, Clearance.SECRET),
    "amend-narrow": lambda w, who: _amended(w, who, Clearance.RESTRICTED),
    "suspend": _suspend,
    "resume": _resume,
    "leave": _leave,
    "terminate": _terminate,
    "read-proposal": _read_proposal,
}


def _snapshot(session: Session) -> tuple[Any, ...]:
    session.flush()
    counts = tuple(
        session.scalar(select(func.count()).select_from(m)) or 0
        for m in (AuditEntry, AgreementProposal, ProposalParty)
    )
    decisions = tuple(
        session.execute(
            select(
                ProposalParty.proposal_id, ProposalParty.state_id, ProposalParty.decision
            ).order_by(ProposalParty.proposal_id, ProposalParty.state_id)
        )
    )
    statuses = tuple(
        session.scalars(select(AgreementProposal.status).order_by(AgreementProposal.id))
    )
    return (*counts, decisions, statuses)


def _missing_message(exc: NotFound) -> bool:
    """Worded exactly as for something that does not exist."""
    if exc.field == "agreement":
        return exc.message == f"agreement: no agreement {exc.value!r}"
    return exc.field == "proposal" and exc.message == f"proposal: no proposal {exc.value!r}"


@pytest.mark.parametrize("actor", list(ACTORS))
@pytest.mark.parametrize("act", ACTS)
def test_the_consent_matrix(world: World, act: str, actor: str) -> None:
    confidential = world.read().confidential
    want = expected(act, actor, confidential)
    setup = SETUPS.get(act)
    if setup is not None:
        setup(world)
    who = world.actor(actor)
    session = world.session
    # What the act needs (a proposal to decide on) is made before the act is judged: run
    # the act's own set-up as part of it, but compare the database from just before the act.
    marks: list[tuple[Any, ...]] = []
    original = world.proposal_by

    def proposal_by(state: str) -> str:
        made = original(state)
        marks.append(_snapshot(session))
        return made

    world.proposal_by = proposal_by  # type: ignore[method-assign]
    before = _snapshot(session)
    agreement_before = world.read()
    start = session.scalar(select(func.max(AuditEntry.seq))) or 0
    try:
        got = RUN[act](world, who)
    except PermissionDenied:
        got = "403"
    except NotFound as exc:
        got = "404"
        assert _missing_message(exc), exc.message
    if got in ("403", "404"):
        assert _snapshot(session) == (marks[-1] if marks else before), "a refusal wrote"
        assert world.read() == agreement_before
    assert got == want, f"{act} by {actor} ({'confidential' if confidential else 'public'})"
    if got in ("proposed", "applied", "pending", "closed") and not who.system:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.seq > start).order_by(AuditEntry.seq)
        ).all()
        named = {(e.detail or {}).get("for_state") for e in entries} - {None}
        acting_for = "node" if actor == "admin-C" else ACTORS[actor][0]  # type: ignore[index]
        assert acting_for in named, (act, actor, named)
        if act not in ("accept", "decline", "withdraw", "read-proposal"):
            assert named == {acting_for}, (act, actor, named)
