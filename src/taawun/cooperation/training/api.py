"""REST router of cooperation/training: programmes, their seats and graduates, and the
reciprocity ledger; one service call each."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query

from taawun.access.deps import ClockDep, PrincipalDep, SessionDep
from taawun.cooperation.training import changes, seats, service
from taawun.cooperation.training import ledger as ledgers
from taawun.cooperation.training.schemas import (
    GraduatesRecord,
    Ledger,
    ProgrammeCreate,
    ProgrammePage,
    ProgrammeRead,
    SeatsChange,
)
from taawun.core.error_body import COMMON, error_responses
from taawun.core.errors import InvalidInput
from taawun.core.integers import INT32_MAX

router = APIRouter(prefix="/api/v1", tags=["training"], responses=error_responses(*COMMON))

ProgrammeId = Annotated[str, Path(max_length=64, description="the programme's id (a UUID)")]
StateQuery = Annotated[str | None, Query(max_length=120)]


@router.get("/training/programmes")
def list_programmes(
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
    host: StateQuery = None,
    guest: StateQuery = None,
    agreement: Annotated[str | None, Query(max_length=120)] = None,
    status: Annotated[
        str | None, Query(description="planned, running, ended, completed or cancelled")
    ] = None,
    start: Annotated[date | None, Query(alias="from", description="starting on or after")] = None,
    end: Annotated[date | None, Query(alias="to", description="starting on or before")] = None,
    q: Annotated[str | None, Query(max_length=200, description="words in the subject")] = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0, le=INT32_MAX)] = 0,
) -> ProgrammePage:
    """The programmes the caller's state hosts, is offered seats in, or is party to the
    agreement of; newest first."""
    return service.list_programmes(
        principal,
        session,
        host=host,
        guest=guest,
        agreement=agreement,
        status=status,
        start=start,
        end=end,
        text=q,
        limit=limit,
        offset=offset,
        clock=clock,
    )


@router.post("/training/programmes", status_code=201, responses=error_responses(400, 409))
def record_programme(
    data: ProgrammeCreate, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> ProgrammeRead:
    """Record a programme the caller's state hosts, under an agreement covering training
    that is in force on its first day with the host and every guest as parties."""
    return changes.record_programme(principal, session, data=data, clock=clock)


@router.get("/training/programmes/{programme_id}")
def get_programme(
    programme_id: ProgrammeId, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> ProgrammeRead:
    return service.get_programme(principal, session, programme_id=programme_id, clock=clock)


@router.post("/training/programmes/{programme_id}/take", responses=error_responses(400, 409))
def take_seats(
    programme_id: ProgrammeId,
    data: SeatsChange,
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
) -> ProgrammeRead:
    """The caller's state takes seats it is offered; more than are left is refused (409)."""
    return seats.take_seats(principal, session, programme_id=programme_id, data=data, clock=clock)


@router.post("/training/programmes/{programme_id}/release", responses=error_responses(400, 409))
def release_seats(
    programme_id: ProgrammeId,
    data: SeatsChange,
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
) -> ProgrammeRead:
    """The caller's state gives back seats it took."""
    return seats.release_seats(
        principal, session, programme_id=programme_id, data=data, clock=clock
    )


@router.post("/training/programmes/{programme_id}/graduates", responses=error_responses(400, 409))
def record_graduates(
    programme_id: ProgrammeId,
    data: GraduatesRecord,
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
) -> ProgrammeRead:
    """The host records each guest's graduates, on or after the last day."""
    return changes.record_graduates(
        principal, session, programme_id=programme_id, data=data, clock=clock
    )


@router.post("/training/programmes/{programme_id}/cancel", responses=error_responses(400, 409))
def cancel_programme(
    programme_id: ProgrammeId, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> ProgrammeRead:
    """The host cancels a planned programme."""
    return changes.cancel_programme(principal, session, programme_id=programme_id, clock=clock)


@router.get("/training/ledger")
def ledger(
    principal: PrincipalDep,
    session: SessionDep,
    agreement: Annotated[str | None, Query(max_length=120)] = None,
    a: Annotated[str | None, Query(max_length=120, description="a pair: its first state")] = None,
    b: Annotated[str | None, Query(max_length=120, description="a pair: its second state")] = None,
    start: Annotated[date | None, Query(alias="from", description="starting on or after")] = None,
    end: Annotated[date | None, Query(alias="to", description="starting on or before")] = None,
    threshold: Annotated[
        float, Query(ge=0, le=1, description="the share of |balance| in the total that flags")
    ] = ledgers.DEFAULT_THRESHOLD,
) -> Ledger:
    """The reciprocity ledger of an agreement, of a pair of states (``a`` and ``b``), or of
    the pair under the agreement, over programmes starting within ``from``..``to``; counted
    over the programmes the caller may see."""
    if (a is None) != (b is None):
        raise InvalidInput("pair: name both states, a and b", field="b" if b is None else "a")
    return ledgers.ledger(
        principal,
        session,
        agreement=agreement,
        pair=(a, b) if a is not None and b is not None else None,
        start=start,
        end=end,
        threshold=threshold,
    )
