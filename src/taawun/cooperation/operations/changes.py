"""Combined operations: the changes, and who may make them.

A live operation is an act of states under an agreement, as the agreement itself is:

- **propose**: a liaison or admin of a state that is a party, on the day, of an agreement in
  force that covers ``combined_operations`` (the registry decides:
  ``covering_agreements``), naming the threat and a lead state (a party too; by default the
  proposer's). The operation is ``proposed`` and the proposer's state has joined it.
- **join** / **decline**: a liaison or admin of a current party state, while the operation
  is ``proposed`` or ``active``. Joining needs the agreement still in force; a state that
  declined may join later, one that joined may not decline (the lead concludes or cancels).
  If the lead state declines a proposed operation, the operation is cancelled.
- **activate**: the lead state, once it and at least one other party have joined (a
  combined operation has two states at least), with the agreement still covering it.
- **conclude**: the lead state, while ``active``, with an after-action summary.
- **cancel**: while ``proposed``, the proposer's state or the lead; while ``active``, the
  lead; and the node itself (its operator), for the node, at any time before the end.
- **add a task**, **link intel**: the lead or a state that joined, while the operation is
  open; a task's state must be a party; each linked object one the linking user may read.

Analysts and viewers of a party state see the operation and change nothing (403); anyone
else gets the answer a missing id gets (404), for changes as for reads. The historical
record (Geo-PKO) is changed by its importer alone. Each change runs in a savepoint, reads
its result back through the restricted query and appends an audit entry with before and
after, naming the state the actor acted for (or the node).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from taawun.cooperation.operations import _checks as check
from taawun.cooperation.operations import repository, service
from taawun.cooperation.operations.models import Operation
from taawun.cooperation.operations.schemas import (
    LIVE_SOURCE,
    OperationCreate,
    OperationRead,
    TaskCreate,
)
from taawun.core.clock import Clock, SystemClock
from taawun.core.errors import Conflict, InvalidInput, PermissionDenied
from taawun.core.ids import IdFactory, RandomIds
from taawun.core.principal import Principal
from taawun.registry import service as registry

JOINED, DECLINED = "joined", "declined"


def propose_operation(
    principal: Principal,
    session: Session,
    *,
    data: OperationCreate,
    clock: Clock | None = None,
    ids: IdFactory | None = None,
) -> OperationRead:
    """Propose a combined operation under an agreement; the proposer's state joins it."""
    clock = clock or SystemClock()
    ids = ids or RandomIds()
    now = clock.now()
    day = now.date()
    acting = check.actor(principal, "propose")
    if (data.threat_kind is None) != (data.threat_value is None):
        missing = "threat_kind" if data.threat_kind is None else "threat_value"
        raise InvalidInput(
            f"{missing}: a shared-threat value needs both its kind and its value", field=missing
        )
    if data.threat is None and data.threat_value is None:
        raise InvalidInput(
            "threat: name the threat, or give a shared-threat value (threat_kind and "
            "threat_value), or both",
            field="threat",
        )
    check.check_dates(data.starts, data.ends, field="ends")
    agreement = registry.get_agreement(principal, session, ref=data.agreement)
    lead = service.resolve_state(session, data.lead, field="lead").id if data.lead else acting
    check.covers(principal, session, agreement, day, actor=acting, others={lead: "lead"})
    parties = service.current_parties(principal, session, agreement.id, day)
    task_states = [
        check.task_state(session, t, parties, f"tasks.{i}") for i, t in enumerate(data.tasks)
    ]
    linked = check.readable(principal, session, data.intel, clock) if data.intel else []
    operation_id = check.new_id(session, ids)

    def work() -> None:
        session.add(
            Operation(
                id=operation_id,
                source=LIVE_SOURCE,
                source_id=str(ids.uuid()),
                public=False,
                name=data.name,
                description=data.description,
                status="proposed",
                status_since=now,
                agreement_id=agreement.id,
                lead_state_id=lead,
                proposer_state_id=acting,
                proposer_user_id=principal.user_id,
                proposer_agency_id=principal.agency_id,
                threat_name=data.threat,
                threat_kind=data.threat_kind,
                threat_value=data.threat_value,
                area=data.area,
                starts=data.starts,
                ends=data.ends,
                created_at=now,
                updated_at=now,
            )
        )
        session.flush()
        session.add(check.answer(principal, operation_id, acting, JOINED, now))
        for task, state_id in zip(data.tasks, task_states, strict=True):
            session.add(check.task(operation_id, task, state_id, acting, now))
        for stix_id in linked:
            session.add(check.link(principal, operation_id, stix_id, acting, now))

    return check.write(
        principal, session, clock, verb="propose", operation_id=operation_id, acting=acting,
        work=work,
    )  # fmt: skip


def join_operation(
    principal: Principal, session: Session, *, ref: str | int, clock: Clock | None = None
) -> OperationRead:
    """The principal's state joins (a party, the agreement still covering the operation)."""
    clock = clock or SystemClock()
    now = clock.now()
    op, acting = check.open_to_change(principal, session, ref, now.date(), "join")
    check.require_open(op, "joined")
    agreement = check.agreement_of(principal, session, op)
    check.covers(principal, session, agreement, now.date(), actor=acting)
    found = repository.answer(session, op.id, acting)
    if found is not None and found.response == JOINED:
        raise Conflict(
            f"operation: {check.label(session, acting)} has already joined {op.id}",
            field="operation",
            value=op.id,
        )
    before = service.operation_read(principal, session, op, clock=clock)

    def work() -> None:
        if found is None:
            session.add(check.answer(principal, op.id, acting, JOINED, now))
        else:
            found.response, found.decided_at = JOINED, now
            found.decided_by_user_id, found.decided_by_agency_id = (
                principal.user_id,
                principal.agency_id,
            )
        op.updated_at = now

    return check.write(
        principal, session, clock, verb="join", operation_id=op.id, acting=acting, work=work,
        before=before,
    )  # fmt: skip


def decline_operation(
    principal: Principal, session: Session, *, ref: str | int, clock: Clock | None = None
) -> OperationRead:
    """The principal's state declines to take part. The lead declining a proposed operation
    cancels it; a state that joined cannot decline."""
    clock = clock or SystemClock()
    now = clock.now()
    op, acting = check.open_to_change(principal, session, ref, now.date(), "decline")
    check.require_open(op, "declined")
    assert op.agreement_id is not None
    if acting not in service.current_parties(principal, session, op.agreement_id, now.date()):
        raise PermissionDenied(
            f"agreement: {check.label(session, acting)} is not a party of agreement "
            f"{op.agreement_id}",
            field="agreement",
            value=op.agreement_id,
        )
    found = repository.answer(session, op.id, acting)
    if found is not None:
        raise Conflict(
            f"operation: {check.label(session, acting)} has already {found.response} "
            f"{op.id}"
            + ("; the lead may conclude or cancel it" if found.response == JOINED else ""),
            field="operation",
            value=op.id,
        )
    before = service.operation_read(principal, session, op, clock=clock)
    lead_declines = acting == op.lead_state_id

    def work() -> None:
        session.add(check.answer(principal, op.id, acting, DECLINED, now))
        op.updated_at = now
        if lead_declines:
            op.status, op.status_since = "cancelled", now
            op.status_reason = f"the lead state ({check.label(session, acting)}) declined"

    return check.write(
        principal, session, clock, verb="decline", operation_id=op.id, acting=acting, work=work,
        before=before, detail={"cancelled": True} if lead_declines else None,
    )  # fmt: skip


def _lead_only(session: Session, op: Operation, acting: int, verb: str) -> None:
    if acting != op.lead_state_id:
        lead = check.label(session, op.lead_state_id) if op.lead_state_id else "none"
        raise PermissionDenied(
            f"operation: only the lead state ({lead}) may {verb} it",
            field="operation",
            value=op.id,
        )


def activate_operation(
    principal: Principal, session: Session, *, ref: str | int, clock: Clock | None = None
) -> OperationRead:
    """The lead starts the operation, once it and another party have joined."""
    clock = clock or SystemClock()
    now = clock.now()
    op, acting = check.open_to_change(principal, session, ref, now.date(), "activate")
    _lead_only(session, op, acting, "activate")
    if op.status != "proposed":
        raise Conflict(
            f"operation: {op.id} is {op.status}; only a proposed operation is activated",
            field="operation",
            value=op.id,
        )
    joined = {
        a.state_id for a in repository.answers_of(session, [op.id])[op.id] if a.response == JOINED
    }
    if acting not in joined or len(joined) < 2:
        seen = service.operation_read(principal, session, op, clock=clock)
        names = [p.state.iso3 or p.state.name for p in seen.participants if p.response == JOINED]
        raise Conflict(
            "operation: a combined operation starts once its lead and at least one other "
            f"party have joined; joined: {', '.join(names) or 'none'}; "
            f"awaiting: {', '.join(seen.awaiting) or 'none'}",
            field="operation",
            value=op.id,
        )
    agreement = check.agreement_of(principal, session, op)
    check.covers(principal, session, agreement, now.date(), actor=acting)
    return _set_status(
        principal, session, clock, op, acting=acting, verb="activate", status="active"
    )


def conclude_operation(
    principal: Principal,
    session: Session,
    *,
    ref: str | int,
    after_action: str,
    clock: Clock | None = None,
) -> OperationRead:
    """The lead ends an active operation, with its after-action summary."""
    clock = clock or SystemClock()
    now = clock.now()
    op, acting = check.open_to_change(principal, session, ref, now.date(), "conclude")
    _lead_only(session, op, acting, "conclude")
    if op.status != "active":
        raise Conflict(
            f"operation: {op.id} is {op.status}; only an active operation is concluded",
            field="operation",
            value=op.id,
        )
    summary = after_action.strip()
    if not summary:
        raise InvalidInput(
            "after_action: an operation is concluded with its after-action summary",
            field="after_action",
        )
    return _set_status(
        principal, session, clock, op, acting=acting, verb="conclude", status="concluded",
        after_action=summary,
    )  # fmt: skip


def cancel_operation(
    principal: Principal,
    session: Session,
    *,
    ref: str | int,
    reason: str | None = None,
    clock: Clock | None = None,
) -> OperationRead:
    """Call an operation off: the proposer's state or the lead while proposed, the lead
    while active, the node itself (for the node) at either time."""
    clock = clock or SystemClock()
    now = clock.now()
    acting: int | None
    if principal.system:
        op = service.find(principal, session, ref, day=now.date())
        if op.source != LIVE_SOURCE:
            raise PermissionDenied(
                f"operation: {op.name} is from the historical record; only its importer changes it",
                field="operation",
                value=ref,
            )
        acting = None
    else:
        op, acting = check.open_to_change(principal, session, ref, now.date(), "cancel")
        allowed = {op.lead_state_id} | (
            {op.proposer_state_id} if op.status == "proposed" else set()
        )
        if op.status in service.OPEN and acting not in allowed:
            who = "the proposer's state or the lead" if op.status == "proposed" else "the lead"
            raise PermissionDenied(
                f"operation: only {who} may cancel a {op.status} operation",
                field="operation",
                value=op.id,
            )
    check.require_open(op, "cancelled")
    text = " ".join(reason.split()) if reason else None
    return _set_status(
        principal, session, clock, op, acting=acting, verb="cancel", status="cancelled",
        reason=text,
    )  # fmt: skip


def _set_status(
    principal: Principal,
    session: Session,
    clock: Clock,
    op: Operation,
    *,
    acting: int | None,
    verb: str,
    status: str,
    reason: str | None = None,
    after_action: str | None = None,
) -> OperationRead:
    now = clock.now()
    before = service.operation_read(principal, session, op, clock=clock)

    def work() -> None:
        op.status, op.status_since, op.updated_at = status, now, now
        if reason is not None:
            op.status_reason = reason
        if after_action is not None:
            op.after_action = after_action

    return check.write(
        principal, session, clock, verb=verb, operation_id=op.id, acting=acting, work=work,
        before=before,
    )  # fmt: skip


def _contributor(session: Session, op: Operation, acting: int, verb: str) -> None:
    """The lead, or a state that joined: those who carry the operation."""
    joined = {
        a.state_id for a in repository.answers_of(session, [op.id])[op.id] if a.response == JOINED
    }
    if acting != op.lead_state_id and acting not in joined:
        raise PermissionDenied(
            f"operation: only the lead and the states that joined may {verb}",
            field="operation",
            value=op.id,
        )


def add_task(
    principal: Principal,
    session: Session,
    *,
    ref: str | int,
    data: TaskCreate,
    clock: Clock | None = None,
) -> OperationRead:
    """Add a task or phase, with its dates and the party state carrying it out."""
    clock = clock or SystemClock()
    now = clock.now()
    op, acting = check.open_to_change(principal, session, ref, now.date(), "add a task to")
    check.require_open(op, "given tasks")
    _contributor(session, op, acting, "add tasks")
    assert op.agreement_id is not None
    parties = service.current_parties(principal, session, op.agreement_id, now.date())
    state_id = check.task_state(session, data, parties, "task")
    before = service.operation_read(principal, session, op, clock=clock)

    def work() -> None:
        session.add(check.task(op.id, data, state_id, acting, now))
        op.updated_at = now

    return check.write(
        principal, session, clock, verb="task", operation_id=op.id, acting=acting, work=work,
        before=before, detail={"task": data.title},
    )  # fmt: skip


def link_intel(
    principal: Principal,
    session: Session,
    *,
    ref: str | int,
    stix_ids: Sequence[str],
    clock: Clock | None = None,
) -> OperationRead:
    """Link intel the principal may read; what is linked already is left as it is."""
    clock = clock or SystemClock()
    now = clock.now()
    op, acting = check.open_to_change(principal, session, ref, now.date(), "link intel to")
    check.require_open(op, "linked to intel")
    _contributor(session, op, acting, "link intel")
    if not stix_ids:
        raise InvalidInput("intel: name at least one STIX id", field="intel")
    wanted = check.readable(principal, session, stix_ids, clock)
    known = set(repository.intel_ids_of(session, op.id))
    new = [s for s in wanted if s not in known]
    if not new:
        raise Conflict(
            f"intel: {', '.join(wanted)} already linked to {op.id}", field="intel", value=wanted[0]
        )
    before = service.operation_read(principal, session, op, clock=clock)

    def work() -> None:
        for stix_id in new:
            session.add(check.link(principal, op.id, stix_id, acting, now))
        op.updated_at = now

    return check.write(
        principal, session, clock, verb="link", operation_id=op.id, acting=acting, work=work,
        before=before, detail={"linked": new},
    )  # fmt: skip
