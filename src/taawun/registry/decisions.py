"""Registry changes: a state's decision on a proposal.

A proposal (an agreement recorded by a user, a widening amendment, the lifting of a
suspension) waits on the states it needs. A liaison or admin of one of them accepts it for
their state, and the last acceptance takes its step (``_proposals.take_step``); any state it
concerns may decline it, and the state that proposed it may withdraw it. Either closes it.
Whose decision counts is ``_proposals.deciding_state`` and ``policy.CONSENT``.

Each decision runs in a savepoint with its audit entry, naming the state decided for, and
reads the proposal back through the restricted query (``_writes.audited``).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from taawun.access.restrict import Action
from taawun.core.clock import Clock, SystemClock
from taawun.core.errors import Conflict, PermissionDenied
from taawun.core.principal import Principal
from taawun.registry import _consent, _proposals
from taawun.registry._writes import acting_for, audited, proposal_reader
from taawun.registry.policy import CONSENT
from taawun.registry.schemas import ProposalRead
from taawun.registry.service import find_proposal, get_proposal


def accept_proposal(
    principal: Principal,
    session: Session,
    *,
    proposal_id: str,
    clock: Clock | None = None,
) -> ProposalRead:
    """Accept a proposal for one's state (a liaison or admin of a state whose acceptance it
    needs). The last acceptance takes its step: the agreement enters into force, takes the
    amendment, or resumes."""
    clock = clock or SystemClock()
    proposal = find_proposal(principal, session, proposal_id, Action.CHANGE)
    state = _proposals.deciding_state(principal, proposal, verb="accept", required=True)
    row = next(p for p in proposal.parties if p.state_id == state)
    if row.decision is not None:
        raise Conflict(
            f"proposal {proposal.id}: your state has {row.decision} it already",
            field="proposal",
            value=proposal.id,
        )
    with session.begin_nested():
        with audited(
            principal,
            session,
            clock,
            action="registry.proposal.accept",
            target=("proposal", proposal.id),
            reread=proposal_reader(principal, session, proposal.id),
        ) as accepted:
            _consent.decide(proposal, state, "accepted", principal, clock.now())
            accepted.detail = acting_for(session, state)
        if _consent.complete(proposal):
            _proposals.take_step(principal, session, clock, proposal)
    return get_proposal(principal, session, proposal_id=proposal.id)


def decline_proposal(
    principal: Principal,
    session: Session,
    *,
    proposal_id: str,
    clock: Clock | None = None,
) -> ProposalRead:
    """Decline a proposal for one's state (any state it concerns): it is closed, and a
    proposed agreement becomes ``declined``."""
    clock = clock or SystemClock()
    proposal = find_proposal(principal, session, proposal_id, Action.CHANGE)
    state = _proposals.deciding_state(principal, proposal, verb="decline", required=False)
    return _proposals.close(
        principal, session, clock, proposal, status="declined", acting=state, decided=True
    )


def withdraw_proposal(
    principal: Principal,
    session: Session,
    *,
    proposal_id: str,
    clock: Clock | None = None,
) -> ProposalRead:
    """Withdraw a proposal: its proposing state's liaisons and admins may (and the node
    itself). A proposed agreement becomes ``withdrawn``."""
    clock = clock or SystemClock()
    proposal = find_proposal(principal, session, proposal_id, Action.CHANGE)
    acting = CONSENT.acts_for(principal, {proposal.proposer_state_id})
    if acting is None and not principal.system:
        raise PermissionDenied(
            f"proposal {proposal.id}: only a liaison or admin of the state that proposed it "
            "may withdraw it",
            field="proposal",
            value=proposal.id,
        )
    _proposals.require_open(proposal)
    return _proposals.close(
        principal, session, clock, proposal, status="withdrawn", acting=acting, decided=False
    )
