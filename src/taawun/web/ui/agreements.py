"""The agreements pages: the list with its filters, one agreement, and the changes taken
from its page (suspend, resume, terminate, leave).

Everything goes through ``registry`` exactly as the REST API does (``list_agreements``,
``get_agreement``, ``lifecycle.*``), so what a user sees is what the registry's policy lets
them read: a confidential agreement is listed only for its parties' users, and for anyone
else its page is the same 404 page as a reference that names nothing. The list is paginated
by the database, 50 a page.

The filter form works without script (a plain GET); with htmx it asks for the same URL with
``HX-Request`` and gets only the results (``_agreements_results.html.j2``), which replace
the list, the URL being pushed to the history. A history restore (``HX-History-Restore-
Request``) gets the whole page, since it replaces the whole body.

An agreement's page offers the changes the consent policy lets the user ask for
(``agreement_actions``); the use cases check again, and a refused change is the page again
with the reason (403, 409 or 400). Proposing and amending are ``agreement_forms.py``, the
proposals ``agreement_proposals.py``; their routers come first, so ``/agreements/new`` is
the form and not an agreement called "new".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Annotated, Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, RedirectResponse, Response

from taawun.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, TaawunError
from taawun.core.principal import Principal
from taawun.registry import lifecycle, service
from taawun.registry.changes import AMENDABLE_STATUSES
from taawun.registry.policy import CONSENT
from taawun.registry.schemas import AgreementOutcome, AgreementRead, ProposalRead
from taawun.registry.vocabulary import USER_SOURCE
from taawun.web.ui import agreement_forms, agreement_proposals
from taawun.web.ui.agreement_forms import may_propose, parse_day, refusal, refusal_status
from taawun.web.ui.agreement_labels import (
    DOMAIN_LABELS,
    DONE_MESSAGES,
    PROPOSAL_LABELS,
    PROPOSAL_STATUS_LABELS,
    PROVISION_LABELS,
    STATUS_LABELS,
    TERM_LABELS,
)
from taawun.web.ui.deps import CsrfDep, PageSessionDep, PageUserDep, clock_of
from taawun.web.ui.paging import page_number, wants_fragment
from taawun.web.ui.templates import render

router = APIRouter()
router.include_router(agreement_forms.router)
router.include_router(agreement_proposals.router)

PAGE_SIZE: Final = 50
RESULTS_ID: Final = "agreement-results"  # the element htmx swaps (in both templates)


Text = Annotated[str, Query(max_length=200)]


def _query(filters: dict[str, Any], page: int) -> str:
    """The list's URL for ``filters`` at ``page`` (empty filters left out)."""
    pairs: list[tuple[str, str]] = []
    for name, value in filters.items():
        values = value if isinstance(value, list) else [value]
        pairs.extend((name, v) for v in values if v)
    if page > 1:
        pairs.append(("page", str(page)))
    return "/agreements" + ("?" + urlencode(pairs) if pairs else "")


@router.get("/agreements", include_in_schema=False)
def agreements_page(
    request: Request,
    user: PageUserDep,
    session: PageSessionDep,
    *,
    party: Annotated[list[str], Query(max_length=200)] = [],  # noqa: B006 - FastAPI's way
    domain: Text = "",
    organization: Text = "",
    in_force: Text = "",
    q: Text = "",
    status: Text = "",
    page: Text = "1",
) -> HTMLResponse:
    """Agreements the user may see, filtered, 50 a page."""
    parties = [p.strip() for p in party if p.strip()][:4]
    filters: dict[str, Any] = {
        "party": parties,
        "domain": domain.strip(),
        "organization": organization.strip(),
        "in_force": in_force.strip(),
        "q": q.strip(),
        "status": status.strip(),
    }
    number = page_number(page)
    error: TaawunError | None = None
    try:
        found = service.list_agreements(
            user,
            session,
            parties=parties,
            domains=[filters["domain"]] if filters["domain"] else [],
            organization=filters["organization"] or None,
            in_force=filters["in_force"] or None,
            text=filters["q"] or None,
            status=filters["status"] or None,
            limit=PAGE_SIZE,
            offset=(number - 1) * PAGE_SIZE,
        )
    except (InvalidInput, NotFound) as refused:  # a filter naming nothing known: say so
        found, error = None, refused
    pages = max(1, -(-found.total // PAGE_SIZE)) if found else 1
    context: dict[str, Any] = {
        "filters": filters,
        "page": found,
        "page_number": number,
        "pages": pages,
        "first_url": _query(filters, 1),
        "previous_url": _query(filters, number - 1) if found and number > 1 else None,
        "next_url": _query(filters, number + 1) if found and number < pages else None,
        "first": (number - 1) * PAGE_SIZE + 1,
        "last": (number - 1) * PAGE_SIZE + len(found.items) if found else 0,
        "error_field": error.field if error else None,
        "error_message": error.message if error else None,
        "error_candidates": error.candidates[:10] if error else [],
        "domains": DOMAIN_LABELS,
        "statuses": STATUS_LABELS,
        "results_id": RESULTS_ID,
        "may_propose": may_propose(user),
    }
    fragment = wants_fragment(request)
    template = "_agreements_results.html.j2" if fragment else "agreements.html.j2"
    # htmx does not swap a 4xx answer: the filter's error is shown with a 200 there.
    response = render(
        request, template, context, status_code=400 if error and not fragment else 200
    )
    response.headers["Vary"] = "HX-Request"
    if fragment:  # the URL pushed to the history: the filters given, without the empty ones
        response.headers["HX-Push-Url"] = _query(filters, number)
    return response


@router.get("/agreements/{ref}", include_in_schema=False)
def agreement_page(
    request: Request, ref: str, user: PageUserDep, session: PageSessionDep
) -> HTMLResponse:
    """One agreement; a hidden one raises ``NotFound`` as a missing one does, and both
    become the same 404 page."""
    agreement = service.get_agreement(user, session, ref=ref)
    done = DONE_MESSAGES.get(request.query_params.get("done", ""))
    return _agreement_page(request, user, session, agreement, done=done)


def _agreement_page(
    request: Request,
    user: Principal,
    session: Session,
    agreement: AgreementRead,
    *,
    done: str | None = None,
    refused: tuple[str, TaawunError] | None = None,
) -> HTMLResponse:
    """The agreement's page; with ``refused`` (the verb and why), shown again after a
    refused change, with the status of the refusal."""
    proposals = _proposals_of(user, session, agreement.id)
    today = clock_of(request).now().date()
    open_proposal = next((p for p in proposals if p.status == "open"), None)
    context = {
        "agreement": agreement,
        "provisions": agreement.terms.get("provisions") or {},
        "other_terms": {
            k: v for k, v in agreement.terms.items() if k not in ("atop", "provisions")
        },
        "timeline": _timeline(agreement, proposals),
        "open_proposal": open_proposal,
        "open_proposal_label": PROPOSAL_LABELS.get(open_proposal.kind, open_proposal.kind)
        if open_proposal
        else None,
        "actions": agreement_actions(user, agreement, today, open_proposal is not None),
        "done": done,
        "refused_verb": refused[0] if refused else None,
        "error": refusal(refused[1]) if refused else None,
        "domains": DOMAIN_LABELS,
        "statuses": STATUS_LABELS,
        "provision_labels": PROVISION_LABELS,
        "term_labels": TERM_LABELS,
    }
    status = refusal_status(refused[1]) if refused else 200
    return render(request, "agreement.html.j2", context, status)


def agreement_actions(
    user: Principal, agreement: AgreementRead, today: date, pending: bool
) -> dict[str, bool]:
    """The changes the consent policy lets ``user`` ask for (what ``changes`` and
    ``lifecycle`` check again): a liaison or admin of a current party changes an agreement
    recorded on the node (never the imported record); an admin of another state may only
    suspend it; amending and resuming wait while a proposal of it is open (``pending``)."""
    if user.system or agreement.source != USER_SOURCE:
        return dict.fromkeys(LIFECYCLE, False) | {"amend": False}
    current = {p.state.id for p in agreement.party_spells if p.exited is None or p.exited >= today}
    party = CONSENT.acts_for(user, current) is not None
    status = agreement.status
    return {
        "amend": party and not pending and status in AMENDABLE_STATUSES,
        "suspend": status == "in_force" and (party or CONSENT.may_suspend_for_the_node(user)),
        "resume": party and not pending and status == "suspended",
        "terminate": party and status in ("in_force", "suspended"),
        "leave": party and status in ("in_force", "suspended") and len(current) >= 3,
    }


Change = Callable[..., AgreementRead | AgreementOutcome]
LIFECYCLE: Final[dict[str, tuple[Change, str]]] = {  # verb: (use case, ?done= key)
    "suspend": (lifecycle.suspend_agreement, "suspended"),
    "resume": (lifecycle.resume_agreement, "resumed"),
    "terminate": (lifecycle.terminate_agreement, "terminated"),
    "leave": (lifecycle.leave_agreement, "left"),
}


def _lifecycle_route(verb: str) -> None:
    change, done = LIFECYCLE[verb]

    def route(
        request: Request,
        ref: str,
        user: PageUserDep,
        session: PageSessionDep,
        on: Annotated[str, Form(max_length=40)] = "",
    ) -> Response:
        agreement = service.get_agreement(user, session, ref=ref)  # hidden: the 404 page
        try:
            day = parse_day(on, "on")
            outcome = change(user, session, ref=agreement.id, on=day, clock=clock_of(request))
        except (InvalidInput, NotFound, Conflict, PermissionDenied) as refused:
            return _agreement_page(request, user, session, agreement, refused=(verb, refused))
        if isinstance(outcome, AgreementOutcome):
            return agreement_forms.after(outcome, done)
        return RedirectResponse(f"/agreements/{outcome.id}?done={done}", 303)

    route.__doc__ = f"{verb.capitalize()} the agreement (``lifecycle``); 303 back to it."
    router.post(f"/agreements/{{ref}}/{verb}", name=f"ui_{verb}_agreement", dependencies=[CsrfDep])(
        route
    )


for _verb in LIFECYCLE:
    _lifecycle_route(_verb)


def _proposals_of(user: Principal, session: Session, agreement_id: int) -> list[ProposalRead]:
    """The proposals of the agreement the user's state may see (the registry's rule)."""
    every = service.proposals(user, session, status=None)
    return [p for p in every if p.agreement_id == agreement_id]


def _timeline(agreement: AgreementRead, proposals: Sequence[ProposalRead]) -> list[dict[str, Any]]:
    """What happened to the agreement, oldest first: its dates, its parties' entries and
    exits, and the proposals about it (with their decisions)."""
    events: list[tuple[date, int, dict[str, Any]]] = []

    def add(day: date | None, order: int, **event: Any) -> None:
        if day is not None:
            events.append((day, order, event))

    add(agreement.signed, 0, kind="signed")
    add(agreement.in_force, 1, kind="in_force")
    for spell in agreement.party_spells:
        if spell.entered not in (None, agreement.in_force, agreement.signed):
            add(spell.entered, 2, kind="joined", state=spell.state)
        if spell.exited is not None and spell.exited != agreement.ended:
            add(spell.exited, 3, kind="left", state=spell.state)
    for proposal in proposals:
        add(
            proposal.created_at.date(),
            4,
            kind="proposal",
            label=PROPOSAL_LABELS.get(proposal.kind, proposal.kind),
            proposal=proposal,
            status_label=PROPOSAL_STATUS_LABELS.get(proposal.status, proposal.status),
        )
    add(agreement.ended, 5, kind="ended")
    if agreement.status not in ("in_force", "proposed") and agreement.status_since not in (
        None,
        agreement.ended,
    ):
        add(agreement.status_since, 6, kind="status", status=agreement.status)
    return [{"day": day, **event} for day, _, event in sorted(events, key=lambda e: e[:2])]
