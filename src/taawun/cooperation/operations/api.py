"""REST router of combined operations: the same questions and changes as ``taawun ops``,
one service call each. A hidden operation answers 404 exactly like a missing one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Body, Path, Query

from taawun.access.deps import ClockDep, PrincipalDep, SessionDep
from taawun.cooperation.operations import changes, service
from taawun.cooperation.operations.schemas import (
    Alongside,
    Cancellation,
    Conclusion,
    DyadDeployments,
    IntelLinks,
    OperationCreate,
    OperationPage,
    OperationRead,
    TaskCreate,
)
from taawun.core.error_body import COMMON, error_responses
from taawun.core.integers import INT32_MAX

router = APIRouter(prefix="/api/v1", tags=["operations"], responses=error_responses(*COMMON))

Ref = Annotated[
    str, Path(description="the operation's id, or a mission of the record (MONUC)", max_length=100)
]
Year = Annotated[int | None, Query(ge=1800, le=2200)]


@router.get("/operations")
def list_operations(
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
    status: Annotated[
        str | None,
        Query(description="proposed, active, concluded, cancelled, or recorded (the record)"),
    ] = None,
    historical: Annotated[
        bool | None, Query(description="true: the record only; false: live operations only")
    ] = None,
    state: Annotated[
        str | None, Query(description="a state that joined, led or contributed")
    ] = None,
    agreement: Annotated[str | None, Query(description="the agreement they fall under")] = None,
    q: Annotated[str | None, Query(description="text in the name or the threat")] = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0, le=INT32_MAX)] = 0,
) -> OperationPage:
    """The operations the caller may see: the public record, and the live operations of
    the agreements its state is party to."""
    return service.list_operations(
        principal,
        session,
        status=status,
        historical=historical,
        state=state,
        agreement=agreement,
        text=q,
        limit=limit,
        offset=offset,
        clock=clock,
    )


@router.get("/operations/alongside/{state}")
def alongside(
    state: str,
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
    year: Year = None,
) -> Alongside:
    """Who served alongside ``state`` in UN missions (Geo-PKO), by mission-years shared."""
    return service.alongside(principal, session, state=state, year=year, clock=clock)


@router.get("/operations/alongside/{state}/{other}")
def dyad_deployments(
    state: str,
    other: str,
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
    year: Year = None,
) -> DyadDeployments:
    """Each mission and year in which both states contributed troops."""
    return service.dyad_deployments(principal, session, a=state, b=other, year=year, clock=clock)


@router.get("/operations/{ref}")
def get_operation(
    ref: Ref, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> OperationRead:
    """One operation, with its states' answers, tasks, the linked intel the caller may read,
    and, for the record, its contributors."""
    return service.get_operation(principal, session, ref=ref, clock=clock)


@router.post("/operations", status_code=201, responses=error_responses(400, 409))
def propose_operation(
    data: OperationCreate, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> OperationRead:
    """Propose a combined operation under an agreement in force that covers
    ``combined_operations``, for the caller's state (a liaison or admin of a party)."""
    return changes.propose_operation(principal, session, data=data, clock=clock)


def _step(verb: str, change: Callable[..., OperationRead]) -> None:
    """``POST /operations/{ref}/{verb}``: join, decline or activate, for the caller's state."""

    def route(
        ref: Ref, principal: PrincipalDep, session: SessionDep, clock: ClockDep
    ) -> OperationRead:
        return change(principal, session, ref=ref, clock=clock)

    route.__doc__ = change.__doc__
    router.post(
        f"/operations/{{ref}}/{verb}", name=f"{verb}_operation", responses=error_responses(409)
    )(route)


_step("join", changes.join_operation)
_step("decline", changes.decline_operation)
_step("activate", changes.activate_operation)


@router.post("/operations/{ref}/conclude", responses=error_responses(400, 409))
def conclude_operation(
    ref: Ref, data: Conclusion, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> OperationRead:
    """The lead concludes an active operation, with its after-action summary."""
    return changes.conclude_operation(
        principal, session, ref=ref, after_action=data.after_action, clock=clock
    )


@router.post("/operations/{ref}/cancel", responses=error_responses(400, 409))
def cancel_operation(
    ref: Ref,
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
    data: Annotated[Cancellation | None, Body()] = None,
) -> OperationRead:
    """Call off a proposed or active operation (the proposer's state or the lead while
    proposed, the lead while active)."""
    reason = data.reason if data else None
    return changes.cancel_operation(principal, session, ref=ref, reason=reason, clock=clock)


@router.post("/operations/{ref}/tasks", status_code=201, responses=error_responses(400, 409))
def add_task(
    ref: Ref, data: TaskCreate, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> OperationRead:
    """Add a task or phase (the lead or a state that joined)."""
    return changes.add_task(principal, session, ref=ref, data=data, clock=clock)


@router.post("/operations/{ref}/intel", responses=error_responses(400, 409))
def link_intel(
    ref: Ref, data: IntelLinks, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> OperationRead:
    """Link STIX objects the caller may read (the lead or a state that joined)."""
    return changes.link_intel(principal, session, ref=ref, stix_ids=data.intel, clock=clock)
