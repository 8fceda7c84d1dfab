"""Proposals, for the registry's writes (``changes.py``, ``lifecycle.py``, ``decisions.py``):
who acts for which state, and the audited steps of consent (opening a proposal, taking it
once every state it needs accepted, closing it). The mechanics they rest on (what widens,
what a proposal changes) are in ``_consent.py``."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from taawun.access import audit
from taawun.core.clock import Clock
from taawun.core.errors import Conflict, PermissionDenied
from taawun.core.ids import IdFactory
from taawun.core.principal import Principal
from taawun.registry import _consent, repository
from taawun.registry._writes import (
    acting_for,
    agreement_reader,
    audited,
    proposal_reader,
    reference,
)
from taawun.registry.models import Agreement, AgreementProposal
from taawun.registry.policy import CONSENT
from taawun.registry.schemas import ProposalRead
from taawun.registry.service import agreement_read, get_proposal
from taawun.registry.vocabulary import USER_SOURCE


def acting_state(principal: Principal, agreement: Agreement, day: date, *, act: str) -> int | None:
    """The party state ``principal`` acts for in ``act`` (None: the node itself). Refuses a
    user's change to the imported record, and anyone who acts for no current party (an
    admin of another state may suspend, for the node)."""
    if principal.system:
        return None
    if agreement.source != USER_SOURCE:
        raise PermissionDenied(
            f"agreement: {reference(agreement)} is the imported historical record "
            f"({agreement.source}); users do not change it, only the node operator does. "
            f"To share under it, record an implementing arrangement with parent "
            f"{reference(agreement)!r} between some of its parties",
            field="agreement",
            value=reference(agreement),
        )
    state = CONSENT.acts_for(principal, _consent.current_parties(agreement, day))
    if state is None and not (act == "suspend" and CONSENT.may_suspend_for_the_node(principal)):
        raise PermissionDenied(
            f"agreement {agreement.id}: only a liaison or admin of a party state may {act} "
            "it (an admin of another state may only suspend it)",
            field="agreement",
            value=agreement.id,
        )
    return state


def no_open_proposal(session: Session, principal: Principal, agreement: Agreement) -> None:
    for found in repository.open_proposals_of(session, agreement.id):
        named = repository.proposal(session, principal, found.id) is not None
        raise Conflict(
            f"proposal: agreement {agreement.id} has an open proposal"
            + (f" ({found.id}, {found.kind})" if named else "")
            + "; it must be accepted, declined or withdrawn before another is made",
            field="proposal",
            value=found.id if named else None,
        )


def close_open(
    principal: Principal, session: Session, agreement: Agreement, clock: Clock, *, why: str
) -> None:
    """Withdraw the agreement's open proposal, if any: it ended, or its parties changed."""
    for found in repository.open_proposals_of(session, agreement.id):
        _consent.close(found, "withdrawn", clock.now())
        audit.record(
            session,
            principal=principal,
            action="registry.proposal.close",
            target_type="proposal",
            target_id=found.id,
            detail={"agreement": agreement.id, "why": why},
            clock=clock,
        )


def open_proposal(
    principal: Principal,
    session: Session,
    clock: Clock,
    *,
    agreement: Agreement,
    kind: str,
    values: dict[str, Any],
    base: dict[str, Any],
    acting: int,
    concerned: set[int],
    required: set[int],
    ids: IdFactory,
) -> ProposalRead:
    """Open a proposal of ``acting``'s state (which counts as accepting it); if no other
    state's acceptance is needed, take its step at once."""
    now = clock.now()
    proposal = _consent.new_proposal(
        agreement,
        kind=kind,
        values=values,
        base=base,
        proposer=principal,
        proposer_state=acting,
        concerned=concerned,
        required=required,
        now=now,
        ids=ids,
    )
    with session.begin_nested():
        with audited(
            principal,
            session,
            clock,
            action="registry.proposal.open",
            target=("proposal", proposal.id),
            reread=proposal_reader(principal, session, proposal.id),
        ) as opened:
            session.add(proposal)
            opened.detail = {**acting_for(session, acting), "agreement": agreement.id}
        if _consent.complete(proposal):
            take_step(principal, session, clock, proposal)
    return get_proposal(principal, session, proposal_id=proposal.id)


STEP_ACTIONS = {
    "record": "registry.agreement.enter_into_force",
    "amend": "registry.agreement.amend",
    "resume": "registry.agreement.resume",
}


def take_step(
    principal: Principal, session: Session, clock: Clock, proposal: AgreementProposal
) -> None:
    """Every required state accepted: take the proposal's step, audited on the agreement."""
    now = clock.now()
    why = _consent.stale(proposal, now.date())
    if why is not None:
        raise Conflict(
            f"proposal {proposal.id}: cannot be taken as proposed: {why}; decline or withdraw "
            "it, and propose again",
            field="proposal",
            value=proposal.id,
        )
    agreement = proposal.agreement
    before = agreement_read(session, agreement, principal=principal)
    with audited(
        principal,
        session,
        clock,
        action=STEP_ACTIONS[proposal.kind],
        target=("agreement", agreement.id),
        reread=agreement_reader(principal, session, agreement.id),
        before=before,
    ) as step:
        _consent.take_step(proposal, day=now.date(), now=now)
        step.detail = {
            "proposal": proposal.id,
            "accepted_by": sorted(
                p.state.iso3 or p.state.name for p in proposal.parties if p.required
            ),
        }


def deciding_state(
    principal: Principal, proposal: AgreementProposal, *, verb: str, required: bool
) -> int:
    concerned = {p.state_id for p in proposal.parties if p.required or not required}
    state = CONSENT.acts_for(principal, concerned)
    if state is None:
        raise PermissionDenied(
            f"proposal {proposal.id}: only a liaison or admin of a state whose acceptance it "
            f"needs may {verb} it" + (" (the node itself is no party)" if principal.system else ""),
            field="proposal",
            value=proposal.id,
        )
    require_open(proposal)
    return state


def require_open(proposal: AgreementProposal) -> None:
    """Only an open proposal is decided or withdrawn (409 otherwise)."""
    if proposal.status != "open":
        raise Conflict(
            f"proposal {proposal.id}: it is {proposal.status}, not open",
            field="proposal",
            value=proposal.id,
        )


def close(
    principal: Principal,
    session: Session,
    clock: Clock,
    proposal: AgreementProposal,
    *,
    status: str,
    acting: int | None,
    decided: bool,
) -> ProposalRead:
    now = clock.now()
    verb = {"declined": "decline", "withdrawn": "withdraw"}[status]
    with session.begin_nested():
        with audited(
            principal,
            session,
            clock,
            action=f"registry.proposal.{verb}",
            target=("proposal", proposal.id),
            reread=proposal_reader(principal, session, proposal.id),
        ) as closed:
            if decided and acting is not None:
                _consent.decide(proposal, acting, status, principal, now)
            _consent.close(proposal, status, now)
            closed.detail = acting_for(session, acting)
        agreement = proposal.agreement
        if proposal.kind == "record" and agreement.status == "proposed":
            before = agreement_read(session, agreement, principal=principal)
            with audited(
                principal,
                session,
                clock,
                action=f"registry.agreement.{verb}",
                target=("agreement", agreement.id),
                reread=agreement_reader(principal, session, agreement.id),
                before=before,
            ) as ended:
                agreement.status = status
                agreement.status_since = now.date()
                agreement.updated_at = now
                ended.detail = {**acting_for(session, acting), "proposal": proposal.id}
    return get_proposal(principal, session, proposal_id=proposal.id)
