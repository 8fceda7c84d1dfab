"""The training pages: the programmes (list, one programme, the form to record one), the
seats a guest state takes or gives back, the graduates the host records, a cancellation;
and the reciprocity ledger of an agreement or a pair of states over a window.

Every read and change is the REST API's service call (``training.service``, ``.changes``,
``.seats``, ``.ledger``) with the node's clock: a programme the user's state neither hosts,
is offered seats in, nor is party to the agreement of is the 404 page, as a missing id is.
A change is a POST with the CSRF token answered 303 to the programme; a refused one shows
the page again naming the field, its transaction left as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Final

from fastapi import APIRouter, Form, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, Response

from taawun.cooperation.training import changes, seats, service
from taawun.cooperation.training import ledger as ledgers
from taawun.cooperation.training.schemas import (
    PHASES,
    GraduatesRecord,
    Ledger,
    ProgrammeCreate,
    ProgrammeRead,
    SeatsChange,
)
from taawun.core.errors import InvalidInput, TaawunError
from taawun.core.principal import Principal
from taawun.web.ui.cooperation import _common as common
from taawun.web.ui.deps import CsrfDep, PageSessionDep, PageUserDep, clock_of
from taawun.web.ui.paging import page_number
from taawun.web.ui.templates import N_, render

router = APIRouter(include_in_schema=False)

PATH: Final = "/cooperation/training"
OWN: Final = "programme"  # the field a NotFound of the programme itself names
OFFER_ROWS: Final = 4  # guest rows of the form to record a programme
PHASE_LABELS: Final[dict[str, str]] = {
    "planned": N_("Planned"),
    "running": N_("Running"),
    "ended": N_("Ended (graduates not recorded)"),
    "completed": N_("Completed"),
    "cancelled": N_("Cancelled"),
}
assert set(PHASE_LABELS) == set(PHASES)

Text = Annotated[str, Query(max_length=200)]
FormText = Annotated[str, Form(max_length=200)]
FormList = Annotated[list[str], Form(max_length=200)]


@router.get(PATH)
def programmes_page(
    request: Request,
    user: PageUserDep,
    session: PageSessionDep,
    *,
    host: Text = "",
    guest: Text = "",
    agreement: Text = "",
    status: Text = "",
    start: Annotated[str, Query(alias="from", max_length=20)] = "",
    end: Annotated[str, Query(alias="to", max_length=20)] = "",
    q: Text = "",
    page: Text = "1",
) -> HTMLResponse:
    """The programmes the user's state hosts, is offered seats in, or is party to the
    agreement of; newest first, 50 a page."""
    filters = {
        "host": host.strip(),
        "guest": guest.strip(),
        "agreement": agreement.strip(),
        "status": status.strip(),
        "from": start.strip(),
        "to": end.strip(),
        "q": q.strip(),
    }
    number = page_number(page)
    found, error = common.attempt(
        lambda: service.list_programmes(
            user,
            session,
            host=filters["host"] or None,
            guest=filters["guest"] or None,
            agreement=filters["agreement"] or None,
            status=filters["status"] or None,
            start=common.day(filters["from"], "from"),
            end=common.day(filters["to"], "to"),
            text=filters["q"] or None,
            limit=common.PAGE_SIZE,
            offset=common.offset(number),
            clock=clock_of(request),
        )
    )
    listing = common.Listing.of(PATH, filters, number, found, error)
    return common.list_page(
        request,
        ("cooperation/programmes.html.j2", "cooperation/_programmes_results.html.j2"),
        listing,
        {"found": found, "phases": PHASE_LABELS, "may_record": common.may_act(user)},
    )


# --- The ledger ---------------------------------------------------------------------------


@router.get(PATH + "/ledger")
def ledger_page(
    request: Request,
    user: PageUserDep,
    session: PageSessionDep,
    *,
    agreement: Text = "",
    a: Text = "",
    b: Text = "",
    start: Annotated[str, Query(alias="from", max_length=20)] = "",
    end: Annotated[str, Query(alias="to", max_length=20)] = "",
    threshold: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    """The reciprocity ledger of an agreement, of a pair of states, or of the pair under the
    agreement, over the programmes starting in the window that the user may see."""
    form = {
        "agreement": agreement.strip(),
        "a": a.strip(),
        "b": b.strip(),
        "from": start.strip(),
        "to": end.strip(),
        "threshold": threshold.strip(),
    }
    found: Any = None
    error: TaawunError | None = None
    if form["agreement"] or form["a"] or form["b"]:
        found, error = common.attempt(lambda: _ledger(user, session, form))
    return render(
        request,
        "cooperation/ledger.html.j2",
        {"form": form, "found": found, **common.refusal(error)},
        status_code=common.status_of(error),
    )


def _ledger(user: Principal, session: Session, form: dict[str, str]) -> Ledger:
    if bool(form["a"]) != bool(form["b"]):
        raise InvalidInput("pair: name both states, a and b", field="b" if form["a"] else "a")
    return ledgers.ledger(
        user,
        session,
        agreement=form["agreement"] or None,
        pair=(form["a"], form["b"]) if form["a"] else None,
        start=common.day(form["from"], "from"),
        end=common.day(form["to"], "to"),
        threshold=_share(form["threshold"]),
    )


def _share(value: str) -> float:
    if not value:
        return ledgers.DEFAULT_THRESHOLD
    try:
        return float(value)
    except ValueError:
        raise InvalidInput("threshold: a share between 0 and 1", field="threshold") from None


# --- Recording a programme -----------------------------------------------------------------


def _new_form(
    request: Request, form: dict[str, Any], error: TaawunError | None = None
) -> HTMLResponse:
    return render(
        request,
        "cooperation/programme_new.html.j2",
        {"form": form, "rows": range(OFFER_ROWS), **common.refusal(error)},
        status_code=common.status_of(error),
    )


@router.get(PATH + "/new")
def new_programme_page(request: Request, user: PageUserDep, agreement: Text = "") -> HTMLResponse:
    """The form to record a programme my state hosts."""
    blank = {"guest": [""] * OFFER_ROWS, "seats": [""] * OFFER_ROWS}
    return _new_form(request, {"agreement": agreement, **blank})


@router.post(PATH + "/new", dependencies=[CsrfDep])
def record_programme(
    request: Request,
    user: PageUserDep,
    session: PageSessionDep,
    *,
    subject: FormText = "",
    agreement: FormText = "",
    start: FormText = "",
    end: FormText = "",
    location: FormText = "",
    guest: FormList = [],  # noqa: B006 - FastAPI's way
    seats: FormList = [],  # noqa: B006
) -> Response:
    """Record the programme (``changes.record_programme``); its page once done."""
    pad = [""] * OFFER_ROWS
    form: dict[str, Any] = {
        "subject": subject,
        "agreement": agreement,
        "start": start,
        "end": end,
        "location": location,
        "guest": (guest + pad)[:OFFER_ROWS],
        "seats": (seats + pad)[:OFFER_ROWS],
    }
    try:
        offers = [
            {"guest": g.strip(), "seats": common.number(s, "offers")}
            for g, s in zip(guest, seats, strict=False)
            if g.strip() or s.strip()
        ]
        data = common.validated(
            ProgrammeCreate,
            {
                "subject": subject,
                "agreement": agreement,
                "start": common.day(start, "start"),
                "end": common.day(end, "end"),
                "location": common.text(location),
                "offers": offers,
            },
        )
        created = changes.record_programme(user, session, data=data, clock=clock_of(request))
    except TaawunError as refused:
        if not common.is_refusal(refused):
            raise
        return _new_form(request, form, refused)
    return common.see_other(f"{PATH}/{created.id}")


# --- One programme ----------------------------------------------------------------------------


def _allowed(user: Principal, programme: ProgrammeRead, today: date) -> dict[str, bool]:
    """Which changes to offer (the services decide each)."""
    if not common.may_act(user) or programme.status in ("completed", "cancelled"):
        return {}
    host = programme.host_id == user.state_id
    guest = any(s.state_id == user.state_id for s in programme.seats)
    return {
        "seats": guest and programme.status == "planned",
        "graduates": host and programme.end <= today,
        "cancel": host and programme.status == "planned",
    }


def _programme_page(
    request: Request,
    user: Principal,
    programme: ProgrammeRead,
    *,
    error: TaawunError | None = None,
    action: str | None = None,
    form: dict[str, Any] | None = None,
) -> HTMLResponse:
    today = clock_of(request).now().date()
    mine = next((s for s in programme.seats if s.state_id == user.state_id), None)
    return render(
        request,
        "cooperation/programme.html.j2",
        {
            "programme": programme,
            "mine": mine,
            "allowed": _allowed(user, programme, today),
            "phases": PHASE_LABELS,
            "action": action,
            "form": form or {},
            **common.refusal(error),
        },
        status_code=common.status_of(error),
    )


@router.get(PATH + "/{programme_id}")
def programme_page(
    request: Request, programme_id: str, user: PageUserDep, session: PageSessionDep
) -> HTMLResponse:
    """One programme; a hidden one is the same 404 page as a missing one."""
    programme = service.get_programme(
        user, session, programme_id=programme_id, clock=clock_of(request)
    )
    return _programme_page(request, user, programme)


def _change(
    request: Request,
    user: Principal,
    session: Session,
    programme_id: str,
    *,
    action: str,
    do: Callable[[], ProgrammeRead],
    form: dict[str, Any] | None = None,
) -> Response:
    try:
        done = do()
    except TaawunError as refused:
        if not common.is_refusal(refused, OWN):
            raise
        programme = service.get_programme(
            user, session, programme_id=programme_id, clock=clock_of(request)
        )
        return _programme_page(request, user, programme, error=refused, action=action, form=form)
    return common.see_other(f"{PATH}/{done.id}")


@router.post(PATH + "/{programme_id}/{verb}", dependencies=[CsrfDep])
def change_programme(
    request: Request,
    programme_id: str,
    verb: str,
    user: PageUserDep,
    session: PageSessionDep,
    *,
    seats_count: Annotated[str, Form(alias="seats", max_length=20)] = "",
    guest: FormList = [],  # noqa: B006 - FastAPI's way
    graduates: FormList = [],  # noqa: B006
) -> Response:
    """``take`` or ``release`` seats (for the user's state), record ``graduates`` (the host:
    one count a guest), ``cancel`` (the host, while planned)."""
    clock = clock_of(request)

    def seat_change() -> SeatsChange:
        return common.validated(SeatsChange, {"seats": common.number(seats_count, "seats")})

    if verb in ("take", "release"):
        move = seats.take_seats if verb == "take" else seats.release_seats
        return _change(
            request, user, session, programme_id, action="seats",
            do=lambda: move(
                user, session, programme_id=programme_id, data=seat_change(), clock=clock
            ),
            form={"seats": seats_count},
        )  # fmt: skip
    if verb == "graduates":
        return _change(
            request, user, session, programme_id, action=verb,
            do=lambda: changes.record_graduates(
                user, session, programme_id=programme_id, clock=clock,
                data=_graduates(guest, graduates),
            ),
            form={"graduates": dict(zip(guest, graduates, strict=False))},
        )  # fmt: skip
    if verb == "cancel":
        return _change(
            request, user, session, programme_id, action=verb,
            do=lambda: changes.cancel_programme(
                user, session, programme_id=programme_id, clock=clock
            ),
        )  # fmt: skip
    service.get_programme(user, session, programme_id=programme_id, clock=clock)
    raise InvalidInput(f"no such change: {verb!r}", field="verb", value=verb)


def _graduates(guests: list[str], counts: list[str]) -> GraduatesRecord:
    return common.validated(
        GraduatesRecord,
        {
            "graduates": [
                {"guest": g, "graduates": common.number(c, "graduates")}
                for g, c in zip(guests, counts, strict=False)
                if c.strip()
            ]
        },
    )
