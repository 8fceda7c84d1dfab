"""The agreements pages: the list with its filters, and one agreement.

Both go through ``registry.service`` exactly as the REST API does (``list_agreements``,
``get_agreement``), so what a user sees is what the registry's policy lets them read: a
confidential agreement is listed only for its parties' users, and for anyone else its page
is the same 404 page as a reference that names nothing. The list is paginated by the
database, 50 a page.

The filter form works without script (a plain GET); with htmx it asks for the same URL with
``HX-Request`` and gets only the results (``_agreements_results.html.j2``), which replace
the list, the URL being pushed to the history. A history restore (``HX-History-Restore-
Request``) gets the whole page, since it replaces the whole body.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse

from taawun.core.errors import InvalidInput, NotFound, TaawunError
from taawun.core.integers import INT32_MAX, bounded_int, is_ascii_digits
from taawun.core.principal import Principal
from taawun.registry import service
from taawun.registry.schemas import AgreementRead, ProposalRead
from taawun.registry.vocabulary import AGREEMENT_STATUSES, DOMAINS
from taawun.web.ui.deps import PageSessionDep, PageUserDep
from taawun.web.ui.templates import N_, render

router = APIRouter()

PAGE_SIZE: Final = 50
RESULTS_ID: Final = "agreement-results"  # the element htmx swaps (in both templates)


DOMAIN_LABELS: Final[dict[str, str]] = {
    "mutual_defense": N_("Mutual defence"),
    "offense": N_("Offence"),
    "neutrality": N_("Neutrality"),
    "non_aggression": N_("Non-aggression"),
    "consultation": N_("Consultation"),
    "intelligence_sharing": N_("Intelligence sharing"),
    "training": N_("Training"),
    "joint_exercises": N_("Joint exercises"),
    "combined_operations": N_("Combined operations"),
    "technology_exchange": N_("Technology exchange"),
    "military_aid": N_("Military aid"),
}
STATUS_LABELS: Final[dict[str, str]] = {
    "proposed": N_("Proposed"),
    "in_force": N_("In force"),
    "suspended": N_("Suspended"),
    "terminated": N_("Terminated"),
    "expired": N_("Expired"),
    "declined": N_("Declined"),
    "withdrawn": N_("Withdrawn"),
}
PROPOSAL_LABELS: Final[dict[str, str]] = {
    "record": N_("Proposed as a new agreement"),
    "amend": N_("Amendment proposed"),
    "resume": N_("Resumption proposed"),
}
PROPOSAL_STATUS_LABELS: Final[dict[str, str]] = {
    "open": N_("open"),
    "accepted": N_("accepted"),
    "declined": N_("declined"),
    "withdrawn": N_("withdrawn"),
}
PROVISION_LABELS: Final[dict[str, str]] = {  # ATOP 5.1 codebook variables, decoded on import
    "military_contact": N_("Military contact"),
    "military_aid": N_("Military aid"),
    "integrated_command": N_("Integrated command"),
    "subordination": N_("Subordination of forces"),
    "organizations": N_("Organizations created"),
    "bases": N_("Bases and troop placements"),
    "contributions": N_("Contributions specified"),
    "specific_threat": N_("Specific threat"),
    "threat_states": N_("Threatening states (COW codes)"),
    "arms": N_("Arms"),
    "termination": N_("How it ended"),
}
TERM_LABELS: Final[dict[str, str]] = {  # the keys of terms the importers write
    "conditional": N_("Conditional"),
    "label": N_("Kind"),
    "title_source": N_("Source of the title"),
    "date_precision": N_("Precision of the dates"),
    "end_date_precision": N_("Precision of the end date"),
}
assert set(DOMAIN_LABELS) == set(DOMAINS) and set(STATUS_LABELS) == set(AGREEMENT_STATUSES)

Text = Annotated[str, Query(max_length=200)]


def _wants_fragment(request: Request) -> bool:
    """An htmx request for the results only (not a history restore, which needs the page)."""
    headers = request.headers
    return headers.get("hx-request") == "true" and "hx-history-restore-request" not in headers


def _page_number(value: str) -> int:
    """``?page=``, leniently: anything that is not a page number is the first page."""
    text = value.strip()
    number = bounded_int(text, maximum=INT32_MAX // PAGE_SIZE) if is_ascii_digits(text) else None
    return number if number else 1


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
    number = _page_number(page)
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
    }
    fragment = _wants_fragment(request)
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
    timeline = _timeline(agreement, _proposals_of(user, session, agreement.id))
    return render(
        request,
        "agreement.html.j2",
        {
            "agreement": agreement,
            "provisions": agreement.terms.get("provisions") or {},
            "other_terms": {
                k: v for k, v in agreement.terms.items() if k not in ("atop", "provisions")
            },
            "timeline": timeline,
            "domains": DOMAIN_LABELS,
            "statuses": STATUS_LABELS,
            "provision_labels": PROVISION_LABELS,
            "term_labels": TERM_LABELS,
        },
    )


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
