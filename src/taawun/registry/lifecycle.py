"""Registry changes: an agreement suspended, resumed, left or ended.

Suspending, leaving and ending only narrow what an agreement grants, so any one party takes
them at once, for its state (``_proposals.acting_state``); an admin of another state may
suspend, for the node. Lifting a suspension widens it again, so it needs the consent of
whoever suspended it (every party, if the node did): it is a ``resume`` proposal, taken at
once when the proposer's state is all it needs, else by the last ``decisions.accept_proposal``.
Leaving and ending withdraw an open proposal of the agreement: the states it concerns, or the
agreement it would change, are not what they were. The node itself acts directly; being no
party, it never leaves.

Each runs in a savepoint with its audit entry, naming the state the actor acted for, and
reads the agreement back through the restricted query (``_writes.changing``).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from taawun.access.restrict import Action
from taawun.core.clock import Clock, SystemClock
from taawun.core.errors import Conflict, InvalidInput, PermissionDenied
from taawun.core.ids import IdFactory, RandomIds
from taawun.core.principal import Principal
from taawun.registry import _consent, _proposals
from taawun.registry._writes import acting_for, agreement_reader, changing
from taawun.registry.models import Agreement
from taawun.registry.schemas import AgreementOutcome, AgreementRead
from taawun.registry.service import agreement_read, find_agreement


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
    with changing(principal, session, clock, agreement, "suspend") as suspended:
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
        with changing(principal, session, clock, agreement, "resume", before=before) as resumed:
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
    with changing(principal, session, clock, agreement, "terminate") as ended:
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
    with changing(principal, session, clock, agreement, "leave") as left:
        _proposals.close_open(
            principal, session, agreement, clock, why="a party left the agreement"
        )
        for spell in agreement.parties:
            if spell.state_id == acting and (spell.exited is None or spell.exited >= leaving):
                spell.exited = leaving - timedelta(days=1)
        agreement.updated_at = now
        left.detail = {**acting_for(session, acting), "from": leaving.isoformat()}
    return left.result
