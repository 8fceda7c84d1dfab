"""The transfers' REST router: the same questions and changes as ``taawun transfers``, one
service call each."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Path, Query

from taawun.access.deps import ClockDep, PrincipalDep, SessionDep
from taawun.cooperation.transfers import changes, service
from taawun.cooperation.transfers.schemas import (
    AlliesShare,
    DeliveryCreate,
    ItemRead,
    Page,
    TransferCreate,
    TransferRead,
)
from taawun.core.error_body import COMMON, error_responses
from taawun.core.integers import INT32_MAX

router = APIRouter(prefix="/api/v1", tags=["transfers"], responses=error_responses(*COMMON))

Year = Annotated[int | None, Query(ge=1800, le=2200)]
TransferId = Annotated[int, Path(ge=1, le=INT32_MAX, description="the transfer's id")]
Limit = Annotated[int, Query(ge=1, le=service.MAX_LIMIT)]
Offset = Annotated[int, Query(ge=0, le=INT32_MAX)]
Kind = Annotated[
    Literal["aggregate", "deal", "live"] | None,
    Query(description="aggregate (SIPRI's TIV table), deal (its registers) or live"),
]


@router.get("/transfers")
def list_transfers(
    principal: PrincipalDep,
    session: SessionDep,
    kind: Kind = None,
    state: Annotated[str | None, Query(description="supplier or recipient")] = None,
    supplier: str | None = None,
    recipient: str | None = None,
    year_from: Year = None,
    year_to: Year = None,
    status: Literal["proposed", "approved", "refused", "delivered"] | None = None,
    flagged: Annotated[bool | None, Query(description="outside any agreement")] = None,
    item: Annotated[str | None, Query(description="text in the designation")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[TransferRead]:
    """Transfers the caller may see: live ones of its state (and of agreements it is party
    to) first, newest first, then SIPRI's public record by year."""
    return service.list_transfers(
        principal,
        session,
        kind=kind,
        state=state,
        supplier=supplier,
        recipient=recipient,
        first_year=year_from,
        last_year=year_to,
        status=status,
        flagged=flagged,
        item=item,
        limit=limit,
        offset=offset,
    )


@router.get("/transfers/flagged")
def flagged_transfers(
    principal: PrincipalDep,
    session: SessionDep,
    kind: Kind = None,
    state: Annotated[str | None, Query(description="supplier or recipient")] = None,
    year_from: Year = None,
    year_to: Year = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[TransferRead]:
    """Transfers outside any agreement covering ``technology_exchange`` or ``military_aid``
    between the two states in their year (live: on the day they were recorded)."""
    return service.list_transfers(
        principal,
        session,
        kind=kind,
        state=state,
        first_year=year_from,
        last_year=year_to,
        flagged=True,
        limit=limit,
        offset=offset,
    )


@router.get("/transfers/items")
def list_items(
    principal: PrincipalDep,
    session: SessionDep,
    q: Annotated[str | None, Query(description="text in the designation")] = None,
    source: Annotated[str | None, Query(description="MISP galaxy uavs, or SIPRI")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[ItemRead]:
    """The item catalogue: the MISP ``uavs`` galaxy and the designations of SIPRI's
    registers, each linked to the galaxy entry it names."""
    return service.list_items(principal, session, text=q, source=source, limit=limit, offset=offset)


@router.get("/transfers/allies/{state}")
def allies_share(
    state: str,
    principal: PrincipalDep,
    session: SessionDep,
    year_from: Year = None,
    year_to: Year = None,
) -> AlliesShare:
    """Per year, the share of ``state``'s arms imports (SIPRI TIV) that came from states it
    was allied with that year (an agreement with an ATOP obligation in force with both),
    with each supplier's part."""
    return service.allies_share(
        principal, session, state=state, first_year=year_from, last_year=year_to
    )


@router.get("/transfers/{transfer_id}")
def get_transfer(
    transfer_id: TransferId, principal: PrincipalDep, session: SessionDep
) -> TransferRead:
    return service.get_transfer(principal, session, transfer_id=transfer_id)


@router.post("/transfers", status_code=201, responses=error_responses(400, 409))
def propose_transfer(
    data: TransferCreate, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> TransferRead:
    """Propose a transfer, for the caller's state (the supplier or the recipient); the other
    side approves or refuses it. Recorded, and flagged, when no agreement covers it."""
    return changes.propose_transfer(principal, session, data=data, clock=clock)


@router.post("/transfers/{transfer_id}/approve", responses=error_responses(409))
def approve_transfer(
    transfer_id: TransferId, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> TransferRead:
    """Approve a proposed transfer, for the side that did not propose it."""
    return changes.decide_transfer(
        principal, session, transfer_id=transfer_id, decision="approve", clock=clock
    )


@router.post("/transfers/{transfer_id}/refuse", responses=error_responses(409))
def refuse_transfer(
    transfer_id: TransferId, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> TransferRead:
    """Refuse a proposed transfer, for the side that did not propose it."""
    return changes.decide_transfer(
        principal, session, transfer_id=transfer_id, decision="refuse", clock=clock
    )


@router.post("/transfers/{transfer_id}/deliver", responses=error_responses(400, 409))
def deliver_transfer(
    transfer_id: TransferId,
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
    body: Annotated[DeliveryCreate | None, Body()] = None,
) -> TransferRead:
    """Record the delivery of an approved transfer, for the supplier."""
    return changes.deliver_transfer(
        principal, session, transfer_id=transfer_id, data=body or DeliveryCreate(), clock=clock
    )
