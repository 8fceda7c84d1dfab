"""Registry changes: agreements recorded and amended, by consent. Suspending, resuming,
leaving and ending an agreement are ``lifecycle.py``; accepting, declining and withdrawing
a proposal ``decisions.py``; memberships ``memberships.py``.

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
reads its result back through the restricted query (``_writes.audited`` and
``_writes.changing``).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from taawun.access.restrict import Action
from taawun.core.clock import Clock, SystemClock
from taawun.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from taawun.core.ids import IdFactory, RandomIds
from taawun.core.principal import Principal
from taawun.registry import _consent, _proposals, repository
from taawun.registry._writes import (
    acting_for,
    agreement_reader,
    audited,
    changing,
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
)
from taawun.registry.service import (
    agreement_read,
    find_agreement,
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
        with changing(principal, session, clock, agreement, "amend", before=before) as amended:
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
