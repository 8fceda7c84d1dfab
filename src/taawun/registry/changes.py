"""Registry changes: agreements by consent (memberships are ``memberships.py``).

An agreement a user records is a proposal of their state: it enters into force once every
party state has accepted it, through a liaison or admin of one of its agencies. A change
that could widen what anyone reads or owes is a proposal too; one that only narrows, a
suspension, a party leaving and a termination take effect at once, for any one party. A
suspension is lifted with the consent of whoever suspended it (every party, if the node
did). The node itself (a system principal: importers, the operator at the shell) acts
directly, without proposals. The imported historical record is the node's alone: parties
who want to share under a treaty record an implementing arrangement under it (``parent``).
What widens and what a proposal changes is ``_consent.py``; the audited steps of a
proposal ``_proposals.py``; who may do what ``policy.CONSENT``.

Each use case runs in a savepoint (a rejected request leaves the database as it was),
appends an audit entry with before and after, naming the state the actor acted for, and
reads its result back through the restricted query (``_writes.audited``).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import date, timedelta

from sqlalchemy.orm import Session

from taawun.access.restrict import Action
from taawun.core.clock import Clock, SystemClock
from taawun.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from taawun.core.ids import IdFactory, RandomIds
from taawun.core.principal import Principal
from taawun.registry import _consent, _proposals, repository
from taawun.registry._writes import (
    Written,
    acting_for,
    agreement_reader,
    audited,
    proposal_reader,
    reference,
)
from taawun.registry.models import (
    Agreement,
    AgreementDomain,
    AgreementParty,
    AgreementProposal,
)
from taawun.registry.policy import CONSENT, is_in_force_on, spell_covers_day
from taawun.registry.resolver import resolve_state
from taawun.registry.schemas import (
    AgreementCreate,
    AgreementOutcome,
    AgreementRead,
    AgreementUpdate,
    ProposalRead,
)
from taawun.registry.service import (
    agreement_read,
    find_agreement,
    find_proposal,
    get_proposal,
    resolve_organization,
)
from taawun.registry.vocabulary import USER_SOURCE

# --- recording and proposing ---------------------------------------------------------------


def propose_agreement(
    principal: Principal,
    session: Session,
    *,
    data: AgreementCreate,
    clock: Clock | None = None,
    ids: IdFactory | None = None,
) -> AgreementOutcome:
    """Record a new agreement. A user's is proposed by their state (a liaison or admin of one
    of its parties), which counts as having accepted it; it enters into force when every other
    party accepts (``accept_proposal``). The node itself records it as given: in force if
    it has an in-force date (as the importers and the operator always have)."""
    clock = clock or SystemClock()
    ids = ids or RandomIds()
    now = clock.now()
    states = [resolve_state(session, p, field="parties") for p in data.parties]
    state_ids = [s.id for s in states]
    if len(set(state_ids)) != len(state_ids):
        raise InvalidInput("parties: a state is named twice", field="parties", value=data.parties)
    acting: int | None = None
    if not principal.system:
        acting = CONSENT.acts_for(principal, state_ids)
        if acting is None:
            raise PermissionDenied(
                "parties: only a liaison or admin of one of the parties may propose an agreement",
                field="parties",
            )
        if data.status not in (None, "proposed"):
            raise InvalidInput(
                "status: an agreement a user records starts proposed, and enters into force "
                "when every party has accepted it",
                field="status",
                value=data.status,
            )
    if data.in_force and data.signed and data.in_force < data.signed:
        raise InvalidInput(
            "in_force: the agreement cannot enter into force before it is signed",
            field="in_force",
            value=data.in_force,
        )
    status = (
        "proposed"
        if acting is not None
        else data.status or ("in_force" if data.in_force else "proposed")
    )
    if status == "in_force" and data.in_force is None:
        raise InvalidInput(
            "in_force: an agreement in force needs its in-force date", field="in_force"
        )
    parent = (
        _parent(principal, session, data.parent, state_ids, now.date()) if data.parent else None
    )
    org = resolve_organization(session, data.organization) if data.organization else None
    if repository.duplicate_exists(
        session, principal, title=data.title, signed=data.signed, party_ids=state_ids
    ):
        raise Conflict(
            f"title: an agreement {data.title!r} between these parties, signed on the same day,"
            " already exists",
            field="title",
            value=data.title,
        )
    agreement_id = _new_agreement_id(session, ids)
    proposal: AgreementProposal | None = None
    with audited(
        principal,
        session,
        clock,
        action="registry.agreement.record" if acting is None else "registry.agreement.propose",
        target=("agreement", agreement_id),
        reread=agreement_reader(principal, session, agreement_id),
    ) as written:
        agreement = Agreement(
            id=agreement_id,
            title=data.title,
            source=USER_SOURCE,
            source_id=str(ids.uuid()),
            signed=data.signed,
            in_force=data.in_force,
            status=status,
            status_since=(
                data.in_force or data.signed or now.date() if acting is None else now.date()
            ),
            confidential=data.confidential,
            sharing_ceiling=None if data.sharing_ceiling is None else int(data.sharing_ceiling),
            organization_id=org.id if org else None,
            parent_id=parent.id if parent else None,
            terms=data.terms,
            citation=data.citation,
            created_at=now,
            updated_at=now,
        )
        agreement.domains = [AgreementDomain(domain=d, terms={}) for d in data.domains]
        agreement.parties = [
            AgreementParty(state_id=s.id, phase=0, entered=data.in_force or data.signed)
            for s in states
        ]
        session.add(agreement)
        if acting is not None:
            session.flush()
            proposal = _consent.new_proposal(
                agreement,
                kind="record",
                values={},
                base={},
                proposer=principal,
                proposer_state=acting,
                concerned=set(state_ids),
                required=set(state_ids),
                now=now,
                ids=ids,
            )
            session.add(proposal)
            written.detail = {**acting_for(session, acting), "proposal": proposal.id}
    return AgreementOutcome(
        agreement=written.result,
        proposal=None
        if proposal is None
        else get_proposal(principal, session, proposal_id=proposal.id),
    )


def record_agreement(
    principal: Principal,
    session: Session,
    *,
    data: AgreementCreate,
    clock: Clock | None = None,
    ids: IdFactory | None = None,
) -> AgreementRead:
    """``propose_agreement``, for those who want the agreement only: a user's is proposed,
    the node's is recorded as given."""
    return propose_agreement(principal, session, data=data, clock=clock, ids=ids).agreement


def _parent(
    principal: Principal, session: Session, ref: str, state_ids: list[int], day: date
) -> Agreement:
    """The agreement an implementing arrangement implements: in force, with every one of the
    arrangement's parties among its parties today."""
    try:
        parent = find_agreement(principal, session, ref)
    except NotFound:
        raise NotFound(f"parent: no agreement {ref!r}", field="parent", value=ref) from None
    if not is_in_force_on(parent, day):
        raise InvalidInput(
            f"parent: agreement {reference(parent)} is not in force ({parent.status}); an "
            "implementing arrangement needs an agreement in force",
            field="parent",
            value=ref,
        )
    _within_parent(session, parent, state_ids, day)
    return parent


def _within_parent(session: Session, parent: Agreement, state_ids: list[int], day: date) -> None:
    members = {p.state_id for p in parent.parties if spell_covers_day(p.entered, p.exited, day)}
    outside = repository.states_by_ids(session, [s for s in state_ids if s not in members])
    if outside:
        names = ", ".join(sorted(s.iso3 or s.name for s in outside.values()))
        raise InvalidInput(
            f"parties: every party of an implementing arrangement must be a party of "
            f"{reference(parent)} today; {names} {'is' if len(outside) == 1 else 'are'} not",
            field="parties",
            value=names,
        )


# Ids of agreements recorded on the node are drawn at random from this range (imported ones
# are numbered from 1 as they are loaded, far below it): consecutive ids would tell a user
# who records one that an agreement they may not see was recorded just before (a gap),
# where a random id says nothing about its neighbours.
RECORDED_IDS = range(1_000_000, 2**31 - 1)


def _new_agreement_id(session: Session, ids: IdFactory) -> int:
    while True:  # a collision is a chance of about one in two thousand million per agreement
        candidate = RECORDED_IDS.start + ids.uuid().int % len(RECORDED_IDS)
        if not repository.agreement_id_taken(session, candidate):
            return candidate


# --- amending -------------------------------------------------------------------------------

AMENDABLE_STATUSES = ("proposed", "in_force", "suspended")


def amend_agreement(
    principal: Principal,
    session: Session,
    *,
    ref: str | int,
    data: AgreementUpdate,
    clock: Clock | None = None,
    ids: IdFactory | None = None,
) -> AgreementOutcome:
    """Change an agreement. What only narrows it (a lower ceiling, a domain dropped,
    confidential set, a later in-force date, an earlier end) or only describes it (title,
    citation, signing date) takes effect at once, for any one party. What could widen it
    (a higher ceiling, a new domain or party, confidentiality dropped, an earlier in-force
    date, other terms) becomes a proposal, taken when every party (and each state it adds)
    has accepted it; the outcome names it. The node itself changes agreements directly."""
    clock = clock or SystemClock()
    now = clock.now()
    day = now.date()
    agreement = find_agreement(principal, session, ref, Action.CHANGE)
    acting = _proposals.acting_state(principal, agreement, day, act="amend")
    if acting is not None and agreement.status not in AMENDABLE_STATUSES:
        raise Conflict(
            f"status: agreement {agreement.id} is {agreement.status}; only an agreement "
            "proposed, in force or suspended can be amended",
            field="status",
            value=agreement.status,
        )
    added = _added_parties(principal, session, agreement, data.add_parties or [], day)
    change = _consent.change_of(agreement, _consent.requested(data), added)
    _consent.check(agreement, change.values)
    before = agreement_read(session, agreement, principal=principal)
    if acting is None or not change.widening:
        with _changing(principal, session, clock, agreement, "amend", before=before) as amended:
            _consent.apply(agreement, change.values, day=day)
            agreement.updated_at = now
            amended.detail = {**acting_for(session, acting), "fields": sorted(change.values)}
        return AgreementOutcome(agreement=amended.result)
    _proposals.no_open_proposal(session, principal, agreement)
    concerned = _consent.current_parties(agreement, day) | set(added)
    proposal = _proposals.open_proposal(
        principal,
        session,
        clock,
        agreement=agreement,
        kind="amend",
        values=change.values,
        base=change.base,
        acting=acting,
        concerned=concerned,
        required=concerned,
        ids=ids or RandomIds(),
    )
    return AgreementOutcome(agreement=before, proposal=proposal)


def _added_parties(
    principal: Principal, session: Session, agreement: Agreement, names: list[str], day: date
) -> list[int]:
    states = [resolve_state(session, n, field="add_parties") for n in names]
    ids = [s.id for s in states]
    if len(set(ids)) != len(ids):
        raise InvalidInput("add_parties: a state is named twice", field="add_parties", value=names)
    already = [s for s in states if s.id in _consent.current_parties(agreement, day)]
    if already:
        raise InvalidInput(
            f"add_parties: {already[0].name} is a party already",
            field="add_parties",
            value=already[0].iso3 or already[0].name,
        )
    if ids and agreement.parent_id is not None:
        # A party of the arrangement is a party of its parent, so it sees it.
        parent = repository.agreement(session, principal, agreement.parent_id)
        if parent is None:
            raise NotFound(
                f"parent: no agreement {agreement.parent_id}",
                field="parent",
                value=agreement.parent_id,
            )
        _within_parent(session, parent, ids, day)
    return ids


# --- deciding on proposals ------------------------------------------------------------------


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


# --- suspending, resuming, leaving, ending --------------------------------------------------


def _effective(agreement: Agreement, on: date | None, day: date, *, verb: str) -> date:
    effective = on or day
    if agreement.in_force and effective < agreement.in_force and verb != "terminate":
        raise InvalidInput(
            f"on: {effective} is before the agreement entered into force",
            field="on",
            value=effective,
        )
    return effective


def _check_status(agreement: Agreement, allowed: tuple[str, ...], verb: str) -> None:
    if agreement.status not in allowed:
        raise Conflict(
            f"status: cannot {verb} agreement {agreement.id}: it is {agreement.status}",
            field="status",
            value=agreement.status,
        )


def suspend_agreement(
    principal: Principal,
    session: Session,
    *,
    ref: str | int,
    on: date | None = None,
    clock: Clock | None = None,
) -> AgreementRead:
    """Suspend an agreement in force, at once: the access it grants ends with the next read.
    Any one party may (recorded as suspended by that state), and an admin who can see it
    may, for the node (every party must then accept to lift it)."""
    clock = clock or SystemClock()
    now = clock.now()
    agreement = find_agreement(principal, session, ref, Action.CHANGE)
    acting = _proposals.acting_state(principal, agreement, now.date(), act="suspend")
    _check_status(agreement, ("in_force",), "suspend")
    effective = _effective(agreement, on, now.date(), verb="suspend")
    with _changing(principal, session, clock, agreement, "suspend") as suspended:
        agreement.status = "suspended"
        agreement.status_since = effective
        agreement.suspended_by_state_id = acting
        agreement.updated_at = now
        suspended.detail = acting_for(session, acting)
    return suspended.result


def resume_agreement(
    principal: Principal,
    session: Session,
    *,
    ref: str | int,
    on: date | None = None,
    clock: Clock | None = None,
    ids: IdFactory | None = None,
) -> AgreementOutcome:
    """Propose to lift a suspension (``on`` a day, or the day of the last acceptance). It
    needs the acceptance of the state that suspended it, or of every party if the node did
    (or the suspending state is no party any more); when that is the proposer's own state,
    it is lifted at once. The node itself lifts it directly."""
    clock = clock or SystemClock()
    now = clock.now()
    day = now.date()
    agreement = find_agreement(principal, session, ref, Action.CHANGE)
    acting = _proposals.acting_state(principal, agreement, day, act="resume")
    _check_status(agreement, ("suspended",), "resume")
    if on is not None:
        _effective(agreement, on, day, verb="resume")
    before = agreement_read(session, agreement, principal=principal)
    if acting is None:
        with _changing(principal, session, clock, agreement, "resume", before=before) as resumed:
            _proposals.close_open(principal, session, agreement, clock, why="resumed by the node")
            _consent.resume(agreement, on=on or day)
            agreement.updated_at = now
            resumed.detail = acting_for(session, None)
        return AgreementOutcome(agreement=resumed.result)
    _proposals.no_open_proposal(session, principal, agreement)
    parties = _consent.current_parties(agreement, day)
    by = agreement.suspended_by_state_id
    proposal = _proposals.open_proposal(
        principal,
        session,
        clock,
        agreement=agreement,
        kind="resume",
        values={"on": None if on is None else on.isoformat()},
        base={},
        acting=acting,
        concerned=parties,
        required={by} if by in parties else parties,
        ids=ids or RandomIds(),
    )
    after = agreement_reader(principal, session, agreement.id)()
    return AgreementOutcome(agreement=after, proposal=proposal)


def terminate_agreement(
    principal: Principal,
    session: Session,
    *,
    ref: str | int,
    on: date | None = None,
    clock: Clock | None = None,
) -> AgreementRead:
    """End an agreement in force or suspended, at once; any one party may. An open proposal
    of it is withdrawn."""
    clock = clock or SystemClock()
    now = clock.now()
    agreement = find_agreement(principal, session, ref, Action.CHANGE)
    acting = _proposals.acting_state(principal, agreement, now.date(), act="terminate")
    allowed = (
        ("proposed", "in_force", "suspended") if principal.system else ("in_force", "suspended")
    )
    _check_status(agreement, allowed, "terminate")
    effective = _effective(agreement, on, now.date(), verb="terminate")
    with _changing(principal, session, clock, agreement, "terminate") as ended:
        _proposals.close_open(
            principal, session, agreement, clock, why="the agreement was terminated"
        )
        agreement.status = "terminated"
        agreement.status_since = effective
        agreement.ended = effective
        agreement.updated_at = now
        ended.detail = acting_for(session, acting)
    return ended.result


def leave_agreement(
    principal: Principal,
    session: Session,
    *,
    ref: str | int,
    on: date | None = None,
    clock: Clock | None = None,
) -> AgreementRead:
    """One's state leaves a multilateral agreement (three or more parties) from ``on``
    (today by default): its spell ends the day before (``exited`` is a spell's last day), so
    from that day nothing is shared with it through the agreement. An open proposal of the
    agreement is withdrawn: the states it concerns have changed."""
    clock = clock or SystemClock()
    now = clock.now()
    day = now.date()
    agreement = find_agreement(principal, session, ref, Action.CHANGE)
    if principal.system:
        raise PermissionDenied(
            "agreement: the node itself is no party; a state leaves through its liaison or admin",
            field="agreement",
            value=agreement.id,
        )
    acting = _proposals.acting_state(principal, agreement, day, act="leave")
    assert acting is not None  # a user acts for a state, or was refused
    _check_status(agreement, ("in_force", "suspended"), "leave")
    if len(_consent.current_parties(agreement, day)) < 3:
        raise Conflict(
            f"parties: agreement {agreement.id} has two parties; a party may leave an "
            "agreement of three or more, and ends a bilateral one by terminating it",
            field="parties",
            value=agreement.id,
        )
    leaving = on or day
    if leaving < day:
        raise InvalidInput(
            f"on: a state leaves from today or a later day, not {leaving}", field="on", value=on
        )
    with _changing(principal, session, clock, agreement, "leave") as left:
        _proposals.close_open(
            principal, session, agreement, clock, why="a party left the agreement"
        )
        for spell in agreement.parties:
            if spell.state_id == acting and (spell.exited is None or spell.exited >= leaving):
                spell.exited = leaving - timedelta(days=1)
        agreement.updated_at = now
        left.detail = {**acting_for(session, acting), "from": leaving.isoformat()}
    return left.result


def _changing(
    principal: Principal,
    session: Session,
    clock: Clock,
    agreement: Agreement,
    verb: str,
    *,
    before: AgreementRead | None = None,
) -> AbstractContextManager[Written[AgreementRead]]:
    """``audited`` for a change of ``agreement`` (action ``registry.agreement.<verb>``), its
    state before read now unless given, and after re-read through the policy."""
    return audited(
        principal,
        session,
        clock,
        action=f"registry.agreement.{verb}",
        target=("agreement", agreement.id),
        reread=agreement_reader(principal, session, agreement.id),
        before=before or agreement_read(session, agreement, principal=principal),
    )
