"""What every change of a combined operation shares (``changes.py`` has the rules): the
audited write, who acts for which state, and the checks against the agreement, the dates,
the tasks' states and the linked intel."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from taawun.access import audit
from taawun.access.restrict import Action
from taawun.cooperation.operations import repository, service
from taawun.cooperation.operations.models import (
    Operation,
    OperationIntel,
    OperationState,
    OperationTask,
)
from taawun.cooperation.operations.schemas import LIVE_SOURCE, OperationRead, TaskCreate
from taawun.core.clock import Clock
from taawun.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from taawun.core.ids import IdFactory
from taawun.core.principal import Principal, Role
from taawun.intel import service as intel
from taawun.registry import service as registry
from taawun.registry.periods import Period
from taawun.registry.policy import is_in_force_on
from taawun.registry.schemas import AgreementRead

RECORDED_IDS = range(1_000_000, 2**31 - 1)
"""Ids of live operations, drawn at random: the ids around one's own operations do not
reveal how many others there are (as for agreements recorded on the node)."""
ACTORS = (Role.LIAISON, Role.ADMIN)


# --- the shape of every change -------------------------------------------------------------


def _snapshot(read: OperationRead | None) -> dict[str, Any] | None:
    """What the audit keeps of an operation: everything but the linked objects' contents,
    of which only the ids the actor may read are named."""
    if read is None:
        return None
    out = read.model_dump(mode="json", exclude={"intel"})
    out["intel"] = [i.id for i in read.intel]
    return out


def _acting_for(session: Session, state_id: int | None) -> dict[str, Any]:
    """Whom the actor acted for, as the registry's entries name it: a state, or the node."""
    if state_id is None:
        return {"for_state": "node"}
    return {"for_state": label(session, state_id), "for_state_id": state_id}


def write(
    principal: Principal,
    session: Session,
    clock: Clock,
    *,
    verb: str,
    operation_id: int,
    acting: int | None,
    work: Callable[[], None],
    before: OperationRead | None = None,
    detail: dict[str, Any] | None = None,
) -> OperationRead:
    """A savepoint; the work; the operation read back through the restricted query; the
    audit entry. A refusal anywhere leaves nothing behind, its entry included."""
    with session.begin_nested():
        work()
        session.flush()
        after = service.get_operation(principal, session, ref=operation_id, clock=clock)
        audit.record(
            session,
            principal=principal,
            action=f"cooperation.operation.{verb}",
            target_type="operation",
            target_id=operation_id,
            before=_snapshot(before),
            after=_snapshot(after),
            detail={**_acting_for(session, acting), **(detail or {})},
            clock=clock,
        )
    return after


# --- the checks ----------------------------------------------------------------------------


def label(session: Session, state_id: int) -> str:
    return service.labels(session, [state_id]).get(state_id, str(state_id))


def actor(principal: Principal, verb: str) -> int:
    """The state a user acts for: a liaison's or admin's; nobody else takes a step."""
    if principal.system:
        raise PermissionDenied(
            f"operation: the node takes no part in operations; to {verb} one, act as a liaison "
            "or admin of a party state (--as USER)",
            field="operation",
        )
    if principal.state_id is None or principal.role not in ACTORS:
        raise PermissionDenied(
            f"operation: a {principal.role.value} may not {verb} an operation; a liaison or "
            "admin of a party state may",
            field="operation",
        )
    return principal.state_id


def open_to_change(
    principal: Principal, session: Session, ref: str | int, day: date, verb: str
) -> tuple[Operation, int]:
    """The live operation ``ref`` and the state the principal acts for. Hidden: 404; seen
    but not the principal's to change (the record, an analyst, the node): 403."""
    op = service.find(principal, session, ref, day=day)
    if op.source != LIVE_SOURCE:
        raise PermissionDenied(
            f"operation: {op.name} is from the historical record ({op.source}); only its "
            "importer changes it",
            field="operation",
            value=ref,
        )
    acting = actor(principal, verb)
    if repository.operation(session, principal, day, op.id, Action.CHANGE) is None:
        raise PermissionDenied(f"operation: you may not {verb} it", field="operation", value=ref)
    return op, acting


def require_open(op: Operation, verb: str) -> None:
    if op.status not in service.OPEN:
        raise Conflict(
            f"operation: {op.id} is {op.status}; only a proposed or active operation can be {verb}",
            field="operation",
            value=op.id,
        )


def covers(
    principal: Principal,
    session: Session,
    agreement: AgreementRead,
    day: date,
    *,
    actor: int,
    others: dict[int, str] | None = None,
) -> None:
    """The agreement covers a combined operation of ``actor`` (and of ``others``, each with
    the field naming it) on ``day``: it covers the domain, is in force, and each is a party.
    The reasons are told apart for the message; the registry's ``covering_agreements``
    decides."""
    ref = f"agreement {agreement.id}"
    if service.COMBINED_OPERATIONS not in agreement.domains:
        raise InvalidInput(
            f"agreement: {ref} does not cover combined_operations (it covers "
            f"{', '.join(agreement.domains) or 'nothing'})",
            field="agreement",
            value=agreement.id,
        )
    if not is_in_force_on(agreement, day):
        raise Conflict(
            f"agreement: {ref} is not in force on {day.isoformat()} ({agreement.status})",
            field="agreement",
            value=agreement.id,
        )
    parties = service.current_parties(principal, session, agreement.id, day)
    if actor not in parties:
        raise PermissionDenied(
            f"agreement: {label(session, actor)} is not a party of {ref}; only its parties "
            "take part in its operations",
            field="agreement",
            value=agreement.id,
        )
    for state_id, field in (others or {}).items():
        if state_id not in parties:
            raise InvalidInput(
                f"{field}: {label(session, state_id)} is not a party of {ref}",
                field=field,
                value=label(session, state_id),
            )
    states = sorted({actor, *(others or {})})
    covering = registry.covering_agreements(
        principal,
        session,
        state_ids=states,
        domains=[service.COMBINED_OPERATIONS],
        period=Period.day(day),
    )
    if agreement.id not in {c.id for c in covering}:
        raise Conflict(
            f"agreement: {ref} does not cover a combined operation of these states on "
            f"{day.isoformat()}",
            field="agreement",
            value=agreement.id,
        )


def agreement_of(principal: Principal, session: Session, op: Operation) -> AgreementRead:
    assert op.agreement_id is not None, "a live operation has its agreement"
    try:
        return registry.get_agreement(principal, session, ref=op.agreement_id)
    except NotFound:
        raise PermissionDenied(
            f"agreement: your state is no longer a party of agreement {op.agreement_id}",
            field="agreement",
        ) from None


def check_dates(starts: date | None, ends: date | None, *, field: str) -> None:
    if starts and ends and ends < starts:
        raise InvalidInput(
            f"{field}: {ends.isoformat()} is before the start, {starts.isoformat()}",
            field=field,
            value=ends.isoformat(),
        )


def readable(
    principal: Principal, session: Session, stix_ids: Sequence[str], clock: Clock
) -> list[str]:
    """``stix_ids`` without repeats, each one the principal may read (else ``NotFound``,
    worded as for a missing object: a link may not reveal what one cannot read)."""
    wanted = list(dict.fromkeys(" ".join(s.split()) for s in stix_ids))
    found = {
        s.id for s in intel.readable_summaries(principal, session, stix_ids=wanted, clock=clock)
    }
    for stix_id in wanted:
        if stix_id not in found:
            raise NotFound(f"intel: no object {stix_id!r}", field="intel", value=stix_id)
    return wanted


def task_state(session: Session, task: TaskCreate, parties: set[int], field: str) -> int | None:
    """The party state a task names (None: the operation as a whole), its dates in order."""
    check_dates(task.starts, task.ends, field=f"{field}.ends")
    if task.state is None:
        return None
    state = service.resolve_state(session, task.state, field=f"{field}.state")
    if state.id not in parties:
        raise InvalidInput(
            f"{field}.state: {state.iso3 or state.name} is not a party of the agreement",
            field=f"{field}.state",
            value=task.state,
        )
    return state.id


def new_id(session: Session, ids: IdFactory) -> int:
    while True:  # a collision is a chance of about one in two thousand million
        candidate = RECORDED_IDS.start + ids.uuid().int % len(RECORDED_IDS)
        if not repository.id_taken(session, candidate):
            return candidate


# --- rows ---------------------------------------------------------------------------------


def answer(
    principal: Principal, operation_id: int, state_id: int, response: str, now: Any
) -> OperationState:
    return OperationState(
        operation_id=operation_id,
        state_id=state_id,
        response=response,
        decided_by_user_id=principal.user_id,
        decided_by_agency_id=principal.agency_id,
        decided_at=now,
    )


def task(
    operation_id: int, task: TaskCreate, state_id: int | None, added_by: int, now: Any
) -> OperationTask:
    return OperationTask(
        operation_id=operation_id,
        title=task.title,
        state_id=state_id,
        starts=task.starts,
        ends=task.ends,
        added_by_state_id=added_by,
        created_at=now,
    )


def link(
    principal: Principal, operation_id: int, stix_id: str, state_id: int, now: Any
) -> OperationIntel:
    return OperationIntel(
        operation_id=operation_id,
        stix_id=stix_id,
        linked_by_state_id=state_id,
        linked_by_user_id=principal.user_id,
        linked_at=now,
    )
