"""The pages of the web UI's foundation: sign in, sign out, the dashboard.

Every page goes through ``deps.page_work_dep`` (one transaction, the signed-in user found
from the session cookie) and reads through the same service functions as the REST API,
whose policies decide what the user sees. Every POST checks the CSRF token.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from taawun.access import service as access
from taawun.access.schemas import AuditEntryRead
from taawun.core.errors import PermissionDenied, TooManyRequests, Unauthenticated
from taawun.core.principal import Principal
from taawun.registry import service as registry
from taawun.registry.schemas import StateRef
from taawun.web.ui import admin, analytics, cooperation, intel, sessions
from taawun.web.ui.deps import CsrfDep, PageSessionDep, PageUserDep, PageWorkDep, clock_of, my_state
from taawun.web.ui.templates import N_, gettext_for, language_of, render

router = APIRouter(include_in_schema=False)

LOGIN_FAILED = N_("Unknown user or wrong password.")
LOGIN_LIMITED = N_("Too many failed sign-ins; try again later.")
DASHBOARD_ROWS = 10
AUDIT_ROWS = 10
FormText = Annotated[str, Form(max_length=1000)]


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this node, never another site."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith(("//", "/\\"))
        or any(c in target for c in "\r\n\\")
    ):
        return "/"
    return target


def _set_session_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        sessions.COOKIE,
        token,
        httponly=True,
        samesite="strict",
        path="/",
        secure=request.url.scheme == "https",
    )


@router.get("/sign-in")
def sign_in_page(request: Request, work: PageWorkDep, next: str = "/") -> Response:
    if work.found is not None:
        return RedirectResponse(safe_next(next), 303)
    return render(request, "sign_in.html.j2", {"next": safe_next(next), "username": ""})


@router.post("/sign-in", dependencies=[CsrfDep])
def sign_in(
    request: Request,
    work: PageWorkDep,
    username: FormText = "",
    password: FormText = "",
    next: FormText = "/",
) -> Response:
    """Check the password (``authenticate_password``: audited and rate-limited), then
    start a session. A failure says the same whether or not the username exists."""
    _ = gettext_for(language_of(request))
    session = work.session
    clock = clock_of(request)
    source = request.client.host if request.client else None
    context = {"next": safe_next(next), "username": username}
    try:
        principal = access.authenticate_password(
            session, username=username, password=password, clock=clock, source=source
        )
    except Unauthenticated:
        return render(request, "sign_in.html.j2", {**context, "error": _(LOGIN_FAILED)}, 401)
    except TooManyRequests as refused:
        answer = render(request, "sign_in.html.j2", {**context, "error": _(LOGIN_LIMITED)}, 429)
        answer.headers["Retry-After"] = str(refused.retry_after)
        return answer
    assert principal.user_id is not None
    sessions.end(session, token=request.cookies.get(sessions.COOKIE))  # no fixation
    sessions.purge(session, clock=clock, user_id=principal.user_id)
    token, _csrf = sessions.start(session, user_id=principal.user_id, clock=clock)
    response = RedirectResponse(safe_next(next), 303)
    _set_session_cookie(request, response, token)
    return response


@router.post("/sign-out", dependencies=[CsrfDep])
def sign_out(request: Request, work: PageWorkDep) -> Response:
    """End the session: its row is deleted, so the cookie no longer works anywhere."""
    sessions.end(work.session, token=request.cookies.get(sessions.COOKIE))
    response = RedirectResponse("/sign-in", 303)
    response.delete_cookie(sessions.COOKIE, path="/", httponly=True, samesite="strict")
    return response


def _state_key(state: StateRef) -> str:
    return str(state.cow_code) if state.cow_code is not None else (state.iso3 or state.name)


def _recent_audit(session: Session, user: Principal) -> list[AuditEntryRead] | None:
    """The newest audit events the user may read, or None when they may read none."""
    try:
        return access.list_audit(user, session, limit=AUDIT_ROWS)
    except PermissionDenied:
        return None


@router.get("/")
def dashboard(request: Request, user: PageUserDep, session: PageSessionDep) -> Response:
    """My state's agreements in force and the proposals awaiting its acceptance; for those
    who may read the audit log, its latest events."""
    today = clock_of(request).now().date()
    state = my_state(session, user)
    in_force: list[object] = []
    in_force_total = 0
    in_force_url = "/agreements"
    if state is not None:
        key = _state_key(state)
        page = registry.list_agreements(
            user, session, parties=[key], in_force=today, limit=DASHBOARD_ROWS
        )
        in_force, in_force_total = list(page.items), page.total
        in_force_url += "?" + urlencode({"party": key, "in_force": today.isoformat()})
    awaiting = registry.proposals(user, session, awaiting_me=True)
    return render(
        request,
        "dashboard.html.j2",
        {
            "state": state,
            "in_force": in_force,
            "in_force_total": in_force_total,
            "in_force_url": in_force_url,
            "awaiting": awaiting[:DASHBOARD_ROWS],
            "awaiting_total": len(awaiting),
            "audit": _recent_audit(session, user),
            **intel.dashboard_part(request, user, session),
            **cooperation.dashboard_part(request, user, session),
            **analytics.dashboard_part(request, user, session),
            **admin.dashboard_part(request, user, session),
        },
    )
