"""The combined operations' pages: the list (live and the Geo-PKO record) and one operation
with the changes its reader's state may make; the proposal form (``operation_proposals``)
and "who served alongside whom" in the record (``alongside``) are modules of their own,
their routes placed before ``/{ref}``, which would take their last segment for a ref.

Every read and change is the REST API's service call (``operations.service`` and
``operations.changes``), with the node's clock: the activity rule decides in SQL which
operations a user sees, so a live operation of an agreement the user's state is not party
to is the 404 page, exactly as a reference that names nothing, for its page as for every
change. A change is a POST with the page's CSRF token, answered 303 to the operation's page;
a refused one (its savepoint rolled back) shows the page again with the message naming the
field.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Final

from fastapi import APIRouter, Form, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, Response

from taawun.cooperation.operations import changes, service
from taawun.cooperation.operations.schemas import STATUSES, OperationRead, TaskCreate
from taawun.core.errors import InvalidInput, TaawunError
from taawun.core.principal import Principal
from taawun.registry import service as registry
from taawun.web.ui.cooperation import _common as common
from taawun.web.ui.cooperation import alongside, operation_proposals
from taawun.web.ui.deps import CsrfDep, PageSessionDep, PageUserDep, clock_of
from taawun.web.ui.paging import page_number
from taawun.web.ui.templates import N_, render

router = APIRouter(include_in_schema=False)
router.include_router(alongside.router)
router.include_router(operation_proposals.router)

PATH: Final = "/cooperation/operations"
OWN: Final = "operation"  # the field a NotFound of the operation itself names
STATUS_LABELS: Final[dict[str, str]] = {
    "proposed": N_("Proposed"),
    "active": N_("Active"),
    "concluded": N_("Concluded"),
    "cancelled": N_("Cancelled"),
    "recorded": N_("Recorded (historical)"),
}
RESPONSE_LABELS: Final[dict[str, str]] = {"joined": N_("Joined"), "declined": N_("Declined")}
KINDS: Final[dict[str, str]] = {"live": N_("Live"), "historical": N_("Historical (Geo-PKO)")}
assert set(STATUS_LABELS) == set(STATUSES)

Text = Annotated[str, Query(max_length=200)]
FormText = Annotated[str, Form(max_length=200)]
LongText = Annotated[str, Form(max_length=20_000)]


@router.get(PATH)
def operations_page(
    request: Request,
    user: PageUserDep,
    session: PageSessionDep,
    *,
    status: Text = "",
    kind: Text = "",
    state: Text = "",
    agreement: Text = "",
    q: Text = "",
    page: Text = "1",
) -> HTMLResponse:
    """The operations the user may see, newest first, 50 a page."""
    filters = {
        "kind": kind.strip() if kind.strip() in KINDS else "",
        "status": status.strip(),
        "state": state.strip(),
        "agreement": agreement.strip(),
        "q": q.strip(),
    }
    number = page_number(page)
    found, error = common.attempt(
        lambda: service.list_operations(
            user,
            session,
            status=filters["status"] or None,
            historical={"live": False, "historical": True}.get(filters["kind"]),
            state=filters["state"] or None,
            agreement=filters["agreement"] or None,
            text=filters["q"] or None,
            limit=common.PAGE_SIZE,
            offset=common.offset(number),
            clock=clock_of(request),
        )
    )
    listing = common.Listing.of(PATH, filters, number, found, error)
    return common.list_page(
        request,
        ("cooperation/operations.html.j2", "cooperation/_operations_results.html.j2"),
        listing,
        {
            "found": found,
            "statuses": STATUS_LABELS,
            "kinds": KINDS,
            "may_propose": common.may_act(user),
        },
    )


# --- One operation --------------------------------------------------------------------------


def _history(op: OperationRead) -> list[dict[str, Any]]:
    """What happened to a live operation, oldest first: proposed, each state's answer, each
    task added, and its status now."""
    events: list[tuple[datetime, int, dict[str, Any]]] = [(op.created_at, 0, {"kind": "created"})]
    for p in op.participants:
        events.append((p.decided_at, 1, {"kind": p.response, "state": p.state}))
    for t in op.tasks:
        events.append((t.created_at, 2, {"kind": "task", "state": t.added_by, "title": t.title}))
    if op.status != "proposed":
        events.append((op.status_since, 3, {"kind": "status", "status": op.status}))
    return [{"at": at, **event} for at, _, event in sorted(events, key=lambda e: e[:2])]


def _allowed(user: Principal, session: Session, op: OperationRead) -> dict[str, bool]:
    """Which changes to offer the user (the services decide; this only spares a refusal)."""
    if op.historical or not common.may_act(user) or op.status not in service.OPEN:
        return {}
    me = registry.state_labels(session, [user.state_id] if user.state_id else []).get(
        user.state_id or 0
    )
    answer = {p.state.id: p.response for p in op.participants}.get(user.state_id or 0)
    lead = op.lead is not None and op.lead.id == user.state_id
    proposer = op.proposer is not None and op.proposer.id == user.state_id
    active = op.status == "active"
    return {
        "join": me in op.awaiting or answer == "declined",
        "decline": me in op.awaiting,
        "activate": lead and not active,
        "conclude": lead and active,
        "cancel": lead or (proposer and not active),
        "add": lead or answer == "joined",
    }


def _operation_page(
    request: Request,
    user: Principal,
    session: Session,
    op: OperationRead,
    *,
    error: TaawunError | None = None,
    action: str | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    return render(
        request,
        "cooperation/operation.html.j2",
        {
            "op": op,
            "allowed": _allowed(user, session, op),
            "history": [] if op.historical else _history(op),
            "statuses": STATUS_LABELS,
            "responses": RESPONSE_LABELS,
            "action": action,
            "form": form or {},
            **common.refusal(error),
        },
        status_code=common.status_of(error),
    )


@router.get(PATH + "/{ref}")
def operation_page(
    request: Request, ref: str, user: PageUserDep, session: PageSessionDep
) -> HTMLResponse:
    """One operation; a hidden one is the same 404 page as a missing one."""
    op = service.get_operation(user, session, ref=ref, clock=clock_of(request))
    return _operation_page(request, user, session, op)


def _change(
    request: Request,
    user: Principal,
    session: Session,
    ref: str,
    *,
    action: str,
    do: Callable[[], OperationRead],
    form: dict[str, str] | None = None,
) -> Response:
    """Make a change to the operation ``ref``; 303 to its page, or the page again with the
    refusal (a NotFound of the operation itself stays the 404 page)."""
    try:
        done = do()
    except TaawunError as refused:
        if not common.is_refusal(refused, OWN):
            raise
        op = service.get_operation(user, session, ref=ref, clock=clock_of(request))
        return _operation_page(request, user, session, op, error=refused, action=action, form=form)
    return common.see_other(f"{PATH}/{done.id}")


STEPS: Final = {
    "join": changes.join_operation,
    "decline": changes.decline_operation,
    "activate": changes.activate_operation,
}


@router.post(PATH + "/{ref}/{step}", dependencies=[CsrfDep])
def change_operation(
    request: Request,
    ref: str,
    step: str,
    user: PageUserDep,
    session: PageSessionDep,
    *,
    after_action: LongText = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    title: FormText = "",
    state: FormText = "",
    starts: FormText = "",
    ends: FormText = "",
    intel: LongText = "",
) -> Response:
    """A change to an operation: ``join``, ``decline``, ``activate`` (for the user's state),
    ``conclude`` (with the after-action summary), ``cancel`` (with a reason), ``tasks`` (add
    a task), ``intel`` (link objects, one STIX id a line)."""
    clock = clock_of(request)
    if step in STEPS:
        change = STEPS[step]
        return _change(
            request, user, session, ref, action=step,
            do=lambda: change(user, session, ref=ref, clock=clock),
        )  # fmt: skip
    if step == "conclude":
        return _change(
            request, user, session, ref, action=step,
            do=lambda: changes.conclude_operation(
                user, session, ref=ref, after_action=_required(after_action, "after_action"),
                clock=clock,
            ),
            form={"after_action": after_action},
        )  # fmt: skip
    if step == "cancel":
        return _change(
            request, user, session, ref, action=step,
            do=lambda: changes.cancel_operation(
                user, session, ref=ref, reason=common.text(reason), clock=clock
            ),
            form={"reason": reason},
        )  # fmt: skip
    if step == "tasks":
        form = {"title": title, "state": state, "starts": starts, "ends": ends}
        return _change(
            request, user, session, ref, action=step,
            do=lambda: changes.add_task(
                user, session, ref=ref, clock=clock,
                data=common.validated(
                    TaskCreate, {k: v.strip() or None for k, v in form.items()}
                ),
            ),
            form=form,
        )  # fmt: skip
    if step == "intel":
        return _change(
            request, user, session, ref, action=step,
            do=lambda: changes.link_intel(
                user, session, ref=ref, stix_ids=_ids(intel), clock=clock
            ),
            form={"intel": intel},
        )  # fmt: skip
    service.get_operation(user, session, ref=ref, clock=clock)  # a hidden one: 404 first
    raise InvalidInput(f"no such change: {step!r}", field="step", value=step)


def _required(value: str, field: str) -> str:
    given = value.strip()
    if not given:
        raise InvalidInput(f"{field}: required", field=field)
    return given


def _ids(value: str) -> list[str]:
    """STIX ids, one a line (or separated by spaces or commas), at most the API's number."""
    found = [part for part in value.replace(",", " ").split() if part]
    if not found:
        raise InvalidInput("intel: give at least one STIX id", field="intel")
    if len(found) > 100:
        raise InvalidInput("intel: at most 100 ids at a time", field="intel")
    return found


def dashboard_rows(request: Request, user: Principal, session: Session) -> dict[str, Any]:
    """The dashboard's "operations I take part in": active ones first, then proposed, at most
    five (two bounded queries)."""
    key = common.my_state_key(session, user)
    if key is None:
        return {"coop_operations": []}
    clock = clock_of(request)
    rows: list[Any] = []
    for status in service.OPEN[::-1]:
        found = service.list_operations(
            user,
            session,
            status=status,
            historical=False,
            state=key,
            limit=common.DASHBOARD_ROWS,
            clock=clock,
        )
        rows.extend(found.items)
    return {"coop_operations": rows[: common.DASHBOARD_ROWS]}
