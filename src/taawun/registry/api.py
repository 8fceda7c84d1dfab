"""The registry's REST router: the same questions and changes as the CLI, one service call each."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query, Response
from pydantic import BaseModel, ConfigDict

from taawun.access.deps import ClockDep, PrincipalDep, SessionDep
from taawun.core.error_body import COMMON, error_responses
from taawun.core.integers import INT32_MAX
from taawun.registry import changes, decisions, lifecycle, memberships, service
from taawun.registry.schemas import (
    AgreementCreate,
    AgreementOutcome,
    AgreementRead,
    AgreementSummary,
    AgreementUpdate,
    DyadTimeline,
    MembershipCreate,
    MembershipRead,
    MembershipUpdate,
    OrganizationMembers,
    OrganizationRead,
    Page,
    Partners,
    ProposalRead,
    StateProfile,
    StateRead,
)

router = APIRouter(prefix="/api/v1", tags=["registry"], responses=error_responses(*COMMON))

When = Annotated[
    str | None, Query(description="a year (2018) or a date (2018-06-30); default today")
]


class TransitionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    on: date | None = None


@router.get("/states/{name}")
def get_state(name: str, principal: PrincipalDep, session: SessionDep) -> StateRead:
    """A state by ISO3, ISO2, COW code or abbreviation, or common name."""
    return service.get_state(principal, session, name=name)


@router.get("/states/{name}/profile")
def state_profile(
    name: str, principal: PrincipalDep, session: SessionDep, clock: ClockDep, year: When = None
) -> StateProfile:
    return service.state_profile(principal, session, state=name, when=year, clock=clock)


@router.get("/states/{name}/partners")
def partners(
    name: str, principal: PrincipalDep, session: SessionDep, clock: ClockDep, year: When = None
) -> Partners:
    return service.partners(principal, session, state=name, when=year, clock=clock)


@router.get("/dyads/{a}/{b}")
def dyad(a: str, b: str, principal: PrincipalDep, session: SessionDep) -> DyadTimeline:
    return service.dyad(principal, session, a=a, b=b)


@router.get("/organizations")
def organizations(principal: PrincipalDep, session: SessionDep) -> list[OrganizationRead]:
    """Every organization: its current name, and its former names with their dates."""
    return service.list_organizations(principal, session)


@router.get("/organizations/{key}/members")
def organization_members(
    key: Annotated[str, Path(description="a key (OIC, LOAS) or any name, current or former")],
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
    year: When = None,
    status: Annotated[
        str | None, Query(description="full, associate, observer or suspended")
    ] = "full",
) -> OrganizationMembers:
    return service.organization_members(
        principal, session, organization=key, when=year, status=status, clock=clock
    )


@router.get("/agreements")
def list_agreements(
    principal: PrincipalDep,
    session: SessionDep,
    party: Annotated[list[str], Query(description="every named state must be a party")] = [],  # noqa: B006
    domain: Annotated[list[str], Query()] = [],  # noqa: B006
    organization: str | None = None,
    in_force: When = None,
    q: Annotated[str | None, Query(description="text in the title")] = None,
    status: str | None = None,
    source: str | None = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0, le=INT32_MAX)] = 0,
) -> Page[AgreementSummary]:
    return service.list_agreements(
        principal,
        session,
        parties=party,
        domains=domain,
        organization=organization,
        in_force=in_force,
        text=q,
        status=status,
        source=source,
        limit=limit,
        offset=offset,
    )


@router.get("/agreements/{ref}")
def get_agreement(ref: str, principal: PrincipalDep, session: SessionDep) -> AgreementRead:
    """By id, or by source reference such as ``ATOP 3275`` or ``curated:smda-2025``."""
    return service.get_agreement(principal, session, ref=ref)


@router.post("/agreements", status_code=201, responses=error_responses(400, 409))
def propose_agreement(
    data: AgreementCreate, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> AgreementOutcome:
    """Propose an agreement between the caller's state and others: it is recorded as
    ``proposed``, with a proposal that the caller's state has accepted, and enters into
    force once every other party has accepted it (``/proposals/{id}/accept``). With
    ``parent``, it is an implementing arrangement of that agreement."""
    return changes.propose_agreement(principal, session, data=data, clock=clock)


PROPOSED: dict[int | str, dict[str, Any]] = {
    202: {
        "model": AgreementOutcome,
        "description": "a proposal: the change waits for the acceptance of the parties",
    }
}


@router.patch("/agreements/{ref}", responses={**error_responses(400, 409), **PROPOSED})
def amend_agreement(
    ref: str,
    data: AgreementUpdate,
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
    response: Response,
) -> AgreementOutcome:
    """A change that only narrows the agreement (or only describes it) takes effect at once
    (200). One that could widen it (a higher ceiling, a new domain or party, confidentiality
    dropped, an earlier in-force date, other terms) is a proposal of the caller's state (202,
    with the proposal), taken when every party has accepted it."""
    outcome = changes.amend_agreement(principal, session, ref=ref, data=data, clock=clock)
    if outcome.proposal is not None and outcome.proposal.status == "open":
        response.status_code = 202
    return outcome


@router.post("/agreements/{ref}/resume", responses={**error_responses(400, 409), **PROPOSED})
def resume_agreement(
    ref: str,
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
    response: Response,
    body: Annotated[TransitionBody | None, Body()] = None,
) -> AgreementOutcome:
    """Lift a suspension: at once (200) when the caller's state suspended it; otherwise a
    proposal (202) that the suspending state (every party, if the node suspended it) must
    accept."""
    outcome = lifecycle.resume_agreement(
        principal, session, ref=ref, on=body.on if body else None, clock=clock
    )
    if outcome.proposal is not None and outcome.proposal.status == "open":
        response.status_code = 202
    return outcome


def _transition(verb: str, change: Callable[..., AgreementRead]) -> None:
    """``POST /agreements/{ref}/{verb}``: suspend, terminate or leave, optionally ``on`` a
    date; each takes effect at once."""

    def route(
        ref: str,
        principal: PrincipalDep,
        session: SessionDep,
        clock: ClockDep,
        body: Annotated[TransitionBody | None, Body()] = None,
    ) -> AgreementRead:
        return change(principal, session, ref=ref, on=body.on if body else None, clock=clock)

    route.__doc__ = change.__doc__
    router.post(
        f"/agreements/{{ref}}/{verb}",
        name=f"{verb}_agreement",
        responses=error_responses(400, 409),
    )(route)


_transition("suspend", lifecycle.suspend_agreement)
_transition("terminate", lifecycle.terminate_agreement)
_transition("leave", lifecycle.leave_agreement)


@router.get("/proposals")
def proposals(
    principal: PrincipalDep,
    session: SessionDep,
    awaiting: Annotated[
        Literal["me"] | None,
        Query(description="me: only those that wait for my state's decision"),
    ] = None,
    status: Annotated[Literal["open", "accepted", "declined", "withdrawn"], Query()] = "open",
) -> list[ProposalRead]:
    """The proposals of the caller's state's agreements (open ones by default), newest first."""
    return service.proposals(principal, session, awaiting_me=awaiting == "me", status=status)


ProposalId = Annotated[str, Path(description="the proposal's id (a UUID)")]


@router.get("/proposals/{proposal_id}")
def get_proposal(
    proposal_id: ProposalId, principal: PrincipalDep, session: SessionDep
) -> ProposalRead:
    """A proposal, with each state's decision; only the states it concerns see it."""
    return service.get_proposal(principal, session, proposal_id=proposal_id)


def _decision(verb: str, decide: Callable[..., ProposalRead]) -> None:
    """``POST /proposals/{id}/{verb}``: accept, decline or withdraw, for the caller's state."""

    def route(
        proposal_id: ProposalId, principal: PrincipalDep, session: SessionDep, clock: ClockDep
    ) -> ProposalRead:
        return decide(principal, session, proposal_id=proposal_id, clock=clock)

    route.__doc__ = decide.__doc__
    router.post(
        f"/proposals/{{proposal_id}}/{verb}",
        name=f"{verb}_proposal",
        responses=error_responses(409),
    )(route)


_decision("accept", decisions.accept_proposal)
_decision("decline", decisions.decline_proposal)
_decision("withdraw", decisions.withdraw_proposal)


@router.post("/memberships", status_code=201, responses=error_responses(400, 409))
def record_membership(
    data: MembershipCreate, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> MembershipRead:
    return memberships.record_membership(principal, session, data=data, clock=clock)


@router.patch("/memberships/{membership_id}", responses=error_responses(400))
def amend_membership(
    membership_id: Annotated[int, Path(ge=1, le=INT32_MAX)],
    data: MembershipUpdate,
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
) -> MembershipRead:
    return memberships.amend_membership(
        principal, session, membership_id=membership_id, data=data, clock=clock
    )
