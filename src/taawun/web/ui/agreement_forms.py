"""The forms that propose an agreement and amend one: ``/agreements/new`` and
``/agreements/{ref}/amend``, and what every agreement or proposal form shares (the refusal
shown again with the field it names, the clock, a date typed in a form).

Both go through the registry's use cases exactly as the REST API does
(``changes.propose_agreement``, ``changes.amend_agreement``): a user's new agreement is a
proposal of their state, binding no other state before its acceptance; an amendment that
could widen the agreement is a proposal too, one that only narrows it takes effect at once.
A refused form (a party that names no state, an end before the start, a user of no party)
is shown again with the error next to the field it names (400, 403 or 409): the use case
checks before it writes, so nothing is stored. After a write, 303 to the page showing it.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Final, TypeVar

from fastapi import APIRouter, Form, Request
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, RedirectResponse, Response

from taawun.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, TaawunError
from taawun.core.principal import Principal
from taawun.registry import changes
from taawun.registry import service as registry
from taawun.registry.policy import CONSENT
from taawun.registry.schemas import (
    AgreementCreate,
    AgreementOutcome,
    AgreementRead,
    AgreementUpdate,
)
from taawun.web.ui.agreement_labels import CLEARANCES, DOMAIN_LABELS, FIELD_LABELS
from taawun.web.ui.deps import CsrfDep, PageSessionDep, PageUserDep, clock_of, my_state
from taawun.web.ui.templates import render

router = APIRouter(include_in_schema=False)

PARTY_FIELDS: Final = 4  # party inputs on the new-agreement form (the API takes more)
REFUSALS: Final = (InvalidInput, NotFound, Conflict, PermissionDenied)
FormText = Annotated[str, Form(max_length=1000)]
FormList = Annotated[list[str], Form(max_length=400)]
TermsText = Annotated[str, Form(max_length=20_000)]
M = TypeVar("M", bound=BaseModel)


# --- shared by the agreement and proposal pages ---------------------------------------------


def refusal_status(refused: TaawunError) -> int:
    """The status of a form shown again: 403 not allowed, 409 a conflict, else 400 (a
    ``NotFound`` of a name typed in the form is a bad value, not a missing page)."""
    if isinstance(refused, PermissionDenied):
        return 403
    if isinstance(refused, Conflict):
        return 409
    return 400


def refusal(refused: TaawunError) -> dict[str, Any]:
    """The error a template shows: the field it names, the message, the candidates."""
    return {
        "field": refused.field,
        "field_label": FIELD_LABELS.get(refused.field or ""),
        "message": refused.message,
        "candidates": refused.candidates[:10],
    }


def parse_day(text: str, field: str) -> date | None:
    """A date typed in a form (``YYYY-MM-DD``, as ``<input type="date">`` sends it)."""
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{field}: {text!r} is not a date (YYYY-MM-DD)", field=field) from None


def validated(model: type[M], data: dict[str, Any]) -> M:
    """``model`` from a form's values; the first invalid value is an ``InvalidInput`` naming
    its field, as the service's own refusals do."""
    try:
        return model.model_validate(data)
    except ValidationError as invalid:
        first = invalid.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else None
        raise InvalidInput(f"{field}: {first['msg']}", field=field) from None


def parse_terms(text: str) -> dict[str, Any]:
    """Terms typed one a line, ``name: value``."""
    terms: dict[str, Any] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        if not colon or not name.strip():
            raise InvalidInput(
                f"terms: line {number} is not 'name: value'", field="terms", value=line
            )
        terms[name.strip()] = value.strip()
    return terms


def terms_text(terms: dict[str, Any]) -> str:
    return "\n".join(f"{name}: {value}" for name, value in terms.items())


def my_state_key(session: Session, user: Principal) -> str:
    """The user's state as a form names it (ISO3), or nothing for a user of no state."""
    state = my_state(session, user)
    return "" if state is None else (state.iso3 or state.name)


def may_propose(user: Principal) -> bool:
    """Whether the user acts for their state in consent (a liaison or an admin)."""
    return user.state_id is not None and CONSENT.acts_for(user, {user.state_id}) is not None


def after(outcome: AgreementOutcome, done: str) -> RedirectResponse:
    """303 to what the write made: the proposal still open, else the agreement."""
    proposal = outcome.proposal
    if proposal is not None and proposal.status == "open":
        return RedirectResponse(f"/proposals/{proposal.id}?done=proposed", 303)
    return RedirectResponse(f"/agreements/{outcome.agreement.id}?done={done}", 303)


# --- proposing an agreement -----------------------------------------------------------------


def _form_context(values: dict[str, Any], error: TaawunError | None) -> dict[str, Any]:
    return {
        "values": values,
        "error": refusal(error) if error else None,
        "domains": DOMAIN_LABELS,
        "clearances": CLEARANCES,
    }


@router.get("/agreements/new")
def new_agreement_page(request: Request, user: PageUserDep, session: PageSessionDep) -> Response:
    """The form proposing an agreement, with the user's state as the first party."""
    parties = [my_state_key(session, user)] + [""] * (PARTY_FIELDS - 1)
    values = {"party": parties, "domain": [], "confidential": True}
    context = {**_form_context(values, None), "may_propose": may_propose(user)}
    return render(request, "agreement_new.html.j2", context)


@router.post("/agreements/new", dependencies=[CsrfDep])
def propose_agreement(
    request: Request,
    user: PageUserDep,
    session: PageSessionDep,
    *,
    title: FormText = "",
    party: FormList = [],  # noqa: B006 - FastAPI's way
    domain: FormList = [],  # noqa: B006
    signed: FormText = "",
    in_force: FormText = "",
    organization: FormText = "",
    confidential: FormText = "",
    sharing_ceiling: FormText = "",
    citation: FormText = "",
    parent: FormText = "",
    terms: TermsText = "",
) -> Response:
    """Propose the agreement (``changes.propose_agreement``); 303 to its proposal."""
    values: dict[str, Any] = {
        "title": title.strip(),
        "party": (party + [""] * PARTY_FIELDS)[: max(PARTY_FIELDS, len(party))],
        "domain": domain,
        "signed": signed.strip(),
        "in_force": in_force.strip(),
        "organization": organization.strip(),
        "confidential": bool(confidential),
        "sharing_ceiling": sharing_ceiling.strip(),
        "citation": citation.strip(),
        "parent": parent.strip(),
        "terms": terms,
    }
    try:
        data = _create_of(values)
        outcome = changes.propose_agreement(user, session, data=data, clock=clock_of(request))
    except REFUSALS as refused:
        context = {**_form_context(values, refused), "may_propose": may_propose(user)}
        return render(request, "agreement_new.html.j2", context, refusal_status(refused))
    return after(outcome, "proposed")


def _create_of(values: dict[str, Any]) -> AgreementCreate:
    data: dict[str, Any] = {
        "title": values["title"],
        "parties": [p.strip() for p in values["party"] if p.strip()],
        "domains": values["domain"],
        "signed": parse_day(values["signed"], "signed"),
        "in_force": parse_day(values["in_force"], "in_force"),
        "confidential": values["confidential"],
        "terms": parse_terms(values["terms"]),
    }
    for name in ("organization", "sharing_ceiling", "citation", "parent"):
        if values[name]:
            data[name] = values[name]
    return validated(AgreementCreate, data)


# --- amending an agreement ------------------------------------------------------------------


def _current(agreement: AgreementRead) -> dict[str, Any]:
    """The amendable values of ``agreement`` as the amend form shows them."""
    return {
        "title": agreement.title,
        "domain": sorted(agreement.domains),
        "signed": agreement.signed.isoformat() if agreement.signed else "",
        "in_force": agreement.in_force.isoformat() if agreement.in_force else "",
        "ended": agreement.ended.isoformat() if agreement.ended else "",
        "confidential": agreement.confidential,
        "sharing_ceiling": agreement.sharing_ceiling or "",
        "citation": agreement.citation or "",
        "terms": terms_text(agreement.terms),
        "add_party": ["", ""],
    }


def _amend_page(
    request: Request,
    agreement: AgreementRead,
    values: dict[str, Any],
    error: TaawunError | None = None,
) -> HTMLResponse:
    context = {**_form_context(values, error), "agreement": agreement}
    status = refusal_status(error) if error else 200
    return render(request, "agreement_amend.html.j2", context, status)


@router.get("/agreements/{ref}/amend")
def amend_agreement_page(
    request: Request, ref: str, user: PageUserDep, session: PageSessionDep
) -> Response:
    """The amend form, filled with the agreement as it is (a hidden one: the 404 page)."""
    agreement = registry.get_agreement(user, session, ref=ref)
    return _amend_page(request, agreement, _current(agreement))


@router.post("/agreements/{ref}/amend", dependencies=[CsrfDep])
def amend_agreement(
    request: Request,
    ref: str,
    user: PageUserDep,
    session: PageSessionDep,
    *,
    title: FormText = "",
    domain: FormList = [],  # noqa: B006 - FastAPI's way
    signed: FormText = "",
    in_force: FormText = "",
    ended: FormText = "",
    confidential: FormText = "",
    sharing_ceiling: FormText = "",
    citation: FormText = "",
    add_party: FormList = [],  # noqa: B006
    terms: TermsText = "",
) -> Response:
    """Amend with the fields the form changed (``changes.amend_agreement``): 303 to the
    proposal it became, or to the agreement amended at once."""
    agreement = registry.get_agreement(user, session, ref=ref)
    values: dict[str, Any] = {
        "title": title.strip(),
        "domain": sorted(domain),
        "signed": signed.strip(),
        "in_force": in_force.strip(),
        "ended": ended.strip(),
        "confidential": bool(confidential),
        "sharing_ceiling": sharing_ceiling.strip(),
        "citation": citation.strip(),
        "add_party": add_party,
        "terms": terms.strip(),
    }
    try:
        data = validated(AgreementUpdate, _changed(_current(agreement), values))
        outcome = changes.amend_agreement(
            user, session, ref=agreement.id, data=data, clock=clock_of(request)
        )
    except REFUSALS as refused:
        return _amend_page(request, agreement, values, refused)
    return after(outcome, "amended")


def _changed(current: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """What the form changes: the fields whose values differ from the agreement's."""
    update: dict[str, Any] = {}
    for name in ("title", "confidential"):
        if values[name] != current[name]:
            update[name] = values[name]
    if values["domain"] != current["domain"]:
        update["domains"] = values["domain"]
    for name in ("signed", "in_force", "ended"):
        if values[name] != current[name]:
            update[name] = parse_day(values[name], name)
    for name in ("sharing_ceiling", "citation"):
        if values[name] != current[name]:
            update[name] = values[name] or None
    if values["terms"] != current["terms"].strip():
        update["terms"] = parse_terms(values["terms"])
    added = [p.strip() for p in values["add_party"] if p.strip()]
    if added:
        update["add_parties"] = added
    if not update:
        raise InvalidInput("nothing to change: the form is the agreement as it is")
    return update
