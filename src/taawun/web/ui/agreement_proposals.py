"""The proposals pages: the list (awaiting my state, made by my state, every one I may see),
one proposal with each party's decision and the change it proposes, and the decisions on it
(accept, decline, withdraw).

Reads and decisions go through the registry as the REST API's do (``service.proposals``,
``service.get_proposal``, ``decisions.accept_proposal``/``decline_proposal``/
``withdraw_proposal``): a state sees the proposals of its agreements only, and a proposal it
may not see is the same 404 page as an id that names nothing. The list is bounded by the
service (its newest ``MAX_LIMIT``) and shown 50 a page. The buttons a page shows are those
the consent policy (``policy.CONSENT``) would let the user use; the use cases refuse the
others anyway, and a refusal is shown on the proposal's page with the field it names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, RedirectResponse, Response

from taawun.core.errors import Conflict, InvalidInput, PermissionDenied, TaawunError
from taawun.core.principal import Principal
from taawun.registry import decisions
from taawun.registry import service as registry
from taawun.registry.policy import CONSENT
from taawun.registry.schemas import ProposalRead
from taawun.web.ui.agreement_forms import refusal, refusal_status
from taawun.web.ui.agreement_labels import (
    DECISION_LABELS,
    DOMAIN_LABELS,
    DONE_MESSAGES,
    FIELD_LABELS,
    PROPOSAL_LABELS,
    PROPOSAL_STATUS_LABELS,
)
from taawun.web.ui.deps import CsrfDep, PageSessionDep, PageUserDep, clock_of
from taawun.web.ui.paging import page_number
from taawun.web.ui.templates import N_, render

router = APIRouter(include_in_schema=False)

PAGE_SIZE: Final = 50
SHOWN: Final[dict[str, str]] = {
    "awaiting": N_("Awaiting my state's decision"),
    "mine": N_("Proposed by my state"),
    "all": N_("All I may see"),
}
ANY_STATUS: Final = "any"
Text = Annotated[str, Query(max_length=40)]
Decide = Callable[..., ProposalRead]
DECISIONS: Final[dict[str, tuple[Decide, str]]] = {  # verb: (use case, ?done= key)
    "accept": (decisions.accept_proposal, "accepted"),
    "decline": (decisions.decline_proposal, "declined"),
    "withdraw": (decisions.withdraw_proposal, "withdrawn"),
}


@router.get("/proposals")
def proposals_page(
    request: Request,
    user: PageUserDep,
    session: PageSessionDep,
    *,
    show: Text = "all",
    status: Text = "open",
    page: Text = "1",
) -> HTMLResponse:
    """The proposals the user's state may see, 50 a page: ``show`` those awaiting its
    decision, those it proposed, or all; ``status`` open (by default), closed ones, or any."""
    error: TaawunError | None = None
    found: list[ProposalRead] = []
    try:
        if show not in SHOWN:
            raise InvalidInput(f"show: unknown choice {show!r}", field="show", value=show)
        found = registry.proposals(
            user,
            session,
            awaiting_me=show == "awaiting",
            status=None if status == ANY_STATUS else status,
        )
    except InvalidInput as refused:
        error = refused
    if show == "mine":
        found = [p for p in found if p.proposer_state.id == user.state_id]
    number = page_number(page, PAGE_SIZE)
    pages = max(1, -(-len(found) // PAGE_SIZE))
    start = (number - 1) * PAGE_SIZE

    def url(n: int) -> str:
        return "/proposals?" + urlencode({"show": show, "status": status, "page": n})

    context = {
        "proposals": found[start : start + PAGE_SIZE],
        "total": len(found),
        "first": start + 1,
        "page_number": number,
        "pages": pages,
        "previous_url": url(number - 1) if number > 1 else None,
        "next_url": url(number + 1) if number < pages else None,
        "show": show,
        "status": status,
        "shown": SHOWN,
        "statuses": PROPOSAL_STATUS_LABELS,
        "kinds": PROPOSAL_LABELS,
        "error": refusal(error) if error else None,
        "my_state_id": user.state_id,
    }
    return render(request, "proposals.html.j2", context, 400 if error else 200)


def proposal_actions(user: Principal, proposal: ProposalRead) -> dict[str, bool]:
    """The decisions the consent policy lets ``user`` take on ``proposal`` (what
    ``decisions`` checks again): accept for a state whose acceptance is still needed,
    decline for another state it concerns, withdraw for the state that proposed it."""
    if proposal.status != "open":
        return dict.fromkeys(DECISIONS, False)
    waiting = {p.state.id for p in proposal.parties if p.required and p.decision is None}
    concerned = {p.state.id for p in proposal.parties} - {proposal.proposer_state.id}
    return {
        "accept": CONSENT.acts_for(user, waiting) is not None,
        "decline": CONSENT.acts_for(user, concerned) is not None,
        "withdraw": CONSENT.acts_for(user, {proposal.proposer_state.id}) is not None,
    }


def _proposal_page(
    request: Request,
    user: Principal,
    proposal: ProposalRead,
    error: TaawunError | None = None,
) -> HTMLResponse:
    done = request.query_params.get("done", "")
    context = {
        "proposal": proposal,
        "actions": proposal_actions(user, proposal),
        "changes": [
            {"field": name, "before": proposal.before.get(name), "after": value}
            for name, value in proposal.changes.items()
        ],
        "kinds": PROPOSAL_LABELS,
        "statuses": PROPOSAL_STATUS_LABELS,
        "decisions": DECISION_LABELS,
        "field_labels": FIELD_LABELS,
        "domains": DOMAIN_LABELS,
        "done": DONE_MESSAGES.get(done) if error is None else None,
        "error": refusal(error) if error else None,
    }
    return render(request, "proposal.html.j2", context, refusal_status(error) if error else 200)


@router.get("/proposals/{proposal_id}")
def proposal_page(
    request: Request, proposal_id: str, user: PageUserDep, session: PageSessionDep
) -> HTMLResponse:
    """One proposal; one the user's state may not see is the 404 page of a missing one."""
    proposal = registry.get_proposal(user, session, proposal_id=proposal_id)
    return _proposal_page(request, user, proposal)


def _decision_route(verb: str) -> None:
    decide, done = DECISIONS[verb]

    def route(
        request: Request, proposal_id: str, user: PageUserDep, session: PageSessionDep
    ) -> Response:
        return _decide(
            request, user, session=session, proposal_id=proposal_id, decide=decide, done=done
        )

    route.__doc__ = f"{verb.capitalize()} the proposal for the user's state; 303 back to it."
    router.post(
        f"/proposals/{{proposal_id}}/{verb}", name=f"ui_{verb}_proposal", dependencies=[CsrfDep]
    )(route)


def _decide(
    request: Request,
    user: Principal,
    *,
    session: Session,
    proposal_id: str,
    decide: Decide,
    done: str,
) -> Response:
    """Take the decision; a hidden or missing proposal is the 404 page (``NotFound`` goes
    on), a refused decision the proposal's page again with the reason."""
    try:
        decided = decide(user, session, proposal_id=proposal_id, clock=clock_of(request))
    except (InvalidInput, Conflict, PermissionDenied) as refused:
        proposal = registry.get_proposal(user, session, proposal_id=proposal_id)
        return _proposal_page(request, user, proposal, refused)
    return RedirectResponse(f"/proposals/{decided.id}?done={done}", 303)


for _verb in DECISIONS:
    _decision_route(_verb)
