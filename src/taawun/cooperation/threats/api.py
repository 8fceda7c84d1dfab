"""REST router of shared threats: the same questions as ``taawun threats``, one service call
each, under the node's auth and error shape. Everything here is read from intel through the
release policy: a user of an agency is needed (403 for anyone else), and a hidden agreement
answers 404 like a missing one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from taawun.access.deps import ClockDep, PrincipalDep, SessionDep
from taawun.cooperation.threats import seen, service
from taawun.cooperation.threats.schemas import Reference, SeenRead, SharedThreatPage
from taawun.core.error_body import COMMON, error_responses

router = APIRouter(prefix="/api/v1/threats", tags=["threats"], responses=error_responses(*COMMON))

Since = Annotated[
    str | None,
    Query(
        description="only threats new since this day (YYYY-MM-DD): fewer than two states "
        "had seen them before it"
    ),
]
Limit = Annotated[int, Query(ge=1, le=service.MAX_LIMIT)]
Offset = Annotated[int, Query(ge=0)]
WithReference = Annotated[
    bool, Query(description="add the reference knowledge (MISP threat-actor galaxy)")
]


@router.get("/agreements/{agreement}")
def agreement_threats(
    agreement: str,
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
    since: Since = None,
    limit: Limit = 50,
    offset: Offset = 0,
    reference: WithReference = True,
) -> SharedThreatPage:
    """Values and threats seen in intel of two or more parties of the agreement, as far as
    the caller may read it, most parties first, then most recent."""
    return service.agreement_threats(
        principal,
        session,
        agreement=agreement,
        since=since,
        limit=limit,
        offset=offset,
        with_reference=reference,
        clock=clock,
    )


@router.get("/dyads/{a}/{b}")
def dyad_threats(
    a: str,
    b: str,
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
    since: Since = None,
    limit: Limit = 50,
    offset: Offset = 0,
    reference: WithReference = True,
) -> SharedThreatPage:
    """Values and threats seen in intel of both states that the caller may read."""
    return service.dyad_threats(
        principal,
        session,
        a=a,
        b=b,
        since=since,
        limit=limit,
        offset=offset,
        with_reference=reference,
        clock=clock,
    )


@router.get("/mine")
def my_threats(
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
    since: Since = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> SharedThreatPage:
    """Values and threats seen in intel of the caller's state and of another state."""
    return service.my_threats(
        principal, session, since=since, limit=limit, offset=offset, clock=clock
    )


@router.get("/seen")
def where_seen(
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
    value: Annotated[str, Query(min_length=1, max_length=2000)],
    kind: Annotated[str | None, Query(description="read the value as this kind only")] = None,
    limit: Annotated[int, Query(ge=1, le=seen.MAX_SIGHTINGS)] = 100,
) -> SeenRead:
    """Where a value (address, domain, URL, e-mail, hash, threat name...) was seen, in what
    the caller may read; common values are shown with the reason."""
    return seen.where_seen(principal, session, value=value, kind=kind, limit=limit, clock=clock)


@router.get("/reference/{agreement}")
def reference_actors(agreement: str, principal: PrincipalDep, session: SessionDep) -> Reference:
    """Reference knowledge, not intel: actors the MISP threat-actor galaxy (CFR suspected
    victims) says target two or more of the agreement's party states."""
    return service.agreement_reference(principal, session, agreement=agreement)
