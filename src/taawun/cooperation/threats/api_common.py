"""The common values' REST router: the lists and node entries (every user), a value's
check, and an admin's add and remove (``common_service.py`` says what each does)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from taawun.access.deps import ClockDep, PrincipalDep, SessionDep
from taawun.cooperation.threats import common_service as service
from taawun.cooperation.threats.common_schemas import (
    CommonChange,
    CommonCheck,
    CommonEntryCreate,
    CommonEntryRead,
    CommonEntryRemove,
    CommonListRead,
)
from taawun.core.error_body import COMMON, error_responses

router = APIRouter(prefix="/api/v1/common", tags=["threats"], responses=error_responses(*COMMON))


@router.get("/lists")
def common_lists(principal: PrincipalDep, session: SessionDep) -> list[CommonListRead]:
    """The MISP warninglists loaded on this node, and what a hit on each means."""
    return service.list_lists(principal, session)


@router.get("/entries")
def common_entries(principal: PrincipalDep, session: SessionDep) -> list[CommonEntryRead]:
    """The node's own entries: values an admin made common, or kept out of the common
    values over the lists."""
    return service.list_entries(principal, session)


@router.get("/check")
def check_common(
    principal: PrincipalDep,
    session: SessionDep,
    value: Annotated[str, Query(min_length=1, max_length=512)],
    kind: Annotated[str | None, Query(description="guessed from the value when left out")] = None,
) -> CommonCheck:
    """Whether a value is common on this node, why, and every list or entry it is on."""
    return service.check(principal, session, value=value, kind=kind)


@router.post("/add", responses=error_responses(400, 403, 409))
def add_common(
    data: CommonEntryCreate, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> CommonChange:
    """Make a value (a domain with ``scope`` ``suffix``, a network) common on this node
    (admins and the node operator)."""
    return service.add_common(principal, session, data=data, clock=clock)


@router.post("/remove", responses=error_responses(400, 403, 404, 409))
def remove_common(
    data: CommonEntryRemove, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> CommonChange:
    """Make a value not common on this node: withdraw the node's entry, or keep it out of
    the common values over the lists (admins and the node operator)."""
    return service.remove_common(principal, session, data=data, clock=clock)
