"""The arms transfers' pages: the list (SIPRI's public record and live transfers, filtered;
the flagged ones: outside any agreement covering technology exchange or military aid), one
transfer with what its reader's state may do (approve, refuse, deliver), and the form to
propose one; the item catalogue and the allies' share of a state's imports are
``transfer_reference``'s.

Every read and change is the REST API's service call (``transfers.service``,
``transfers.changes``): a live transfer of other states is the 404 page, as a missing id
is. A change is a POST with the CSRF token answered 303 to the transfer; a refused one shows
the page again naming the field, nothing written.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import HTMLResponse, Response

from taawun.cooperation.transfers import changes, service
from taawun.cooperation.transfers.schemas import DeliveryCreate, TransferCreate, TransferRead
from taawun.cooperation.transfers.vocabulary import CATEGORIES, KINDS
from taawun.core.errors import InvalidInput, NotFound, TaawunError
from taawun.core.integers import INT32_MAX, bounded_int, is_ascii_digits
from taawun.core.principal import Principal
from taawun.web.ui.cooperation import _common as common
from taawun.web.ui.cooperation import transfer_reference
from taawun.web.ui.deps import CsrfDep, PageSessionDep, PageUserDep, clock_of
from taawun.web.ui.paging import page_number
from taawun.web.ui.templates import render

router = APIRouter(include_in_schema=False)
router.include_router(transfer_reference.router)  # its paths before "/{ref}"

PATH: Final = "/cooperation/transfers"
OWN: Final = "transfer"  # the field a NotFound of the transfer itself names
STATUSES: Final = ("proposed", "approved", "refused", "delivered")
Text = Annotated[str, Query(max_length=200)]
FormText = Annotated[str, Form(max_length=300)]


def _listing(
    request: Request, user: Principal, session: Any, filters: dict[str, str], path: str
) -> HTMLResponse:
    number = page_number(filters.pop("page", "1"))
    flagged = {"1": True, "0": False}.get(filters["flagged"])
    found, error = common.attempt(
        lambda: service.list_transfers(
            user,
            session,
            kind=filters["kind"] or None,
            state=filters["state"] or None,
            supplier=filters["supplier"] or None,
            recipient=filters["recipient"] or None,
            first_year=common.number(filters["year_from"], "year_from"),
            last_year=common.number(filters["year_to"], "year_to"),
            status=filters["status"] or None,
            flagged=flagged,
            item=filters["item"] or None,
            limit=common.PAGE_SIZE,
            offset=common.offset(number),
        )
    )
    listing = common.Listing.of(path, filters, number, found, error)
    return common.list_page(
        request,
        ("cooperation/transfers.html.j2", "cooperation/_transfers_results.html.j2"),
        listing,
        {
            "found": found,
            "kinds": KINDS,
            "statuses": STATUSES,
            "may_propose": common.may_act(user),
        },
    )


@router.get(PATH)
def transfers_page(
    request: Request,
    user: PageUserDep,
    session: PageSessionDep,
    *,
    kind: Text = "",
    state: Text = "",
    supplier: Text = "",
    recipient: Text = "",
    year_from: Text = "",
    year_to: Text = "",
    status: Text = "",
    flagged: Text = "",
    item: Text = "",
    page: Text = "1",
) -> HTMLResponse:
    """The transfers the user may see: live ones first, then SIPRI's record; 50 a page."""
    filters = {
        "kind": kind.strip() if kind.strip() in KINDS else "",
        "state": state.strip(),
        "supplier": supplier.strip(),
        "recipient": recipient.strip(),
        "year_from": year_from.strip(),
        "year_to": year_to.strip(),
        "status": status.strip() if status.strip() in STATUSES else "",
        "flagged": flagged.strip() if flagged.strip() in ("0", "1") else "",
        "item": item.strip(),
        "page": page,
    }
    return _listing(request, user, session, filters, PATH)


@router.get(PATH + "/flagged")
def flagged_page(request: Request, user: PageUserDep) -> Response:
    """The flagged transfers: the list with its ``flagged`` filter."""
    return common.see_other(common.list_url(PATH, {"flagged": "1"}))


# --- Proposing ----------------------------------------------------------------------------


def _new_form(
    request: Request, form: dict[str, Any], error: TaawunError | None = None
) -> HTMLResponse:
    return render(
        request,
        "cooperation/transfer_new.html.j2",
        {"form": form, "categories": CATEGORIES, **common.refusal(error)},
        status_code=common.status_of(error),
    )


@router.get(PATH + "/new")
def new_transfer_page(request: Request, user: PageUserDep) -> HTMLResponse:
    """The form to propose a transfer my state supplies or receives."""
    return _new_form(request, {})


@router.post(PATH + "/new", dependencies=[CsrfDep])
def propose_transfer(
    request: Request,
    user: PageUserDep,
    session: PageSessionDep,
    *,
    supplier: FormText = "",
    recipient: FormText = "",
    item: FormText = "",
    description: FormText = "",
    category: FormText = "",
    quantity: FormText = "",
    tiv: FormText = "",
    public: FormText = "",
    comments: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Propose the transfer (``changes.propose_transfer``); its page once done."""
    form = {
        "supplier": supplier,
        "recipient": recipient,
        "item": item,
        "description": description,
        "category": category,
        "quantity": quantity,
        "tiv": tiv,
        "public": public,
        "comments": comments,
    }
    try:
        data = common.validated(
            TransferCreate,
            {
                "supplier": supplier.strip(),
                "recipient": recipient.strip(),
                "item": item.strip(),
                "description": common.text(description),
                "category": common.text(category),
                "quantity": common.number(quantity, "quantity"),
                "tiv": common.text(tiv),
                "public": public == "1",
                "comments": comments.strip() or None,
            },
        )
        created = changes.propose_transfer(user, session, data=data, clock=clock_of(request))
    except TaawunError as refused:
        if not common.is_refusal(refused):
            raise
        return _new_form(request, form, refused)
    return common.see_other(f"{PATH}/{created.id}")


# --- One transfer -------------------------------------------------------------------------


def _transfer_id(ref: str) -> int:
    """The path's id: anything that is no id names nothing (the 404 page)."""
    text = ref.strip()
    found = bounded_int(text, maximum=INT32_MAX) if is_ascii_digits(text) else None
    if not found:
        raise NotFound(f"transfer: no transfer {ref!r}", field=OWN, value=ref)
    return found


def _allowed(user: Principal, transfer: TransferRead) -> dict[str, bool]:
    """Which changes to offer (the services decide each): the side that did not propose
    approves or refuses; the supplier delivers what was approved."""
    if transfer.kind != "live" or not common.may_act(user):
        return {}
    sides = {"supplier": transfer.supplier.state, "recipient": transfer.recipient.state}
    mine = {side: s for side, s in sides.items() if s is not None and s.id == user.state_id}
    if not mine:
        return {}
    labels = {s.iso3 or s.name for s in mine.values()}
    return {
        "decide": transfer.status == "proposed" and transfer.proposed_by not in labels,
        "deliver": transfer.status == "approved" and "supplier" in mine,
    }


def _transfer_page(
    request: Request,
    user: Principal,
    transfer: TransferRead,
    error: TaawunError | None = None,
) -> HTMLResponse:
    return render(
        request,
        "cooperation/transfer.html.j2",
        {"t": transfer, "allowed": _allowed(user, transfer), **common.refusal(error)},
        status_code=common.status_of(error),
    )


@router.get(PATH + "/{ref}")
def transfer_page(
    request: Request, ref: str, user: PageUserDep, session: PageSessionDep
) -> HTMLResponse:
    """One transfer; a hidden one is the same 404 page as a missing one."""
    found = service.get_transfer(user, session, transfer_id=_transfer_id(ref))
    return _transfer_page(request, user, found)


@router.post(PATH + "/{ref}/{verb}", dependencies=[CsrfDep])
def change_transfer(
    request: Request,
    ref: str,
    verb: str,
    user: PageUserDep,
    session: PageSessionDep,
    *,
    quantity: FormText = "",
    on: FormText = "",
) -> Response:
    """``approve`` or ``refuse`` (the side that did not propose), ``deliver`` (the
    supplier, with the quantity and day delivered)."""
    transfer_id = _transfer_id(ref)
    clock = clock_of(request)
    try:
        if verb in ("approve", "refuse"):
            done = changes.decide_transfer(
                user, session, transfer_id=transfer_id, decision=verb, clock=clock
            )
        elif verb == "deliver":
            delivery = common.validated(
                DeliveryCreate,
                {"quantity": common.number(quantity, "quantity"), "on": common.day(on, "on")},
            )
            done = changes.deliver_transfer(
                user, session, transfer_id=transfer_id, data=delivery, clock=clock
            )
        else:
            service.get_transfer(user, session, transfer_id=transfer_id)
            raise InvalidInput(f"no such change: {verb!r}", field="verb", value=verb)
    except TaawunError as refused:
        if not common.is_refusal(refused, OWN):
            raise
        found = service.get_transfer(user, session, transfer_id=transfer_id)
        return _transfer_page(request, user, found, refused)
    return common.see_other(f"{PATH}/{done.id}")
