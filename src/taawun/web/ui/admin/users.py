"""The users pages: the list with the form to add one, and a user's page with disable,
enable and reset password.

Through ``access.service`` as the REST API (``list_users``, ``create_user``, ``get_user``,
``disable_user``, ``enable_user``, ``set_password``), so ``access.policy`` decides: an
admin sees and manages the users of their own agency, gives no clearance above their own,
and another agency's user is the same 404 page as a missing one. A password is never put
back into a page. Disabling a user, or resetting their password, also ends their browser
sessions: the service tells ``access.hooks``' listeners, and ``sessions`` is one (so a
disable through the REST API or the CLI ends them too).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from taawun.access import policy, token_service
from taawun.access import service as access
from taawun.access.schemas import USERNAME_PATTERN, UserCreate, UserRead
from taawun.core.errors import Conflict, InvalidInput, PermissionDenied, TaawunError
from taawun.core.integers import INT32_MAX, bounded_int
from taawun.core.principal import Clearance, Principal
from taawun.web.ui.admin._common import (
    CLEARANCE_LABELS,
    PAGE_SIZE,
    ROLE_LABELS,
    AdminDep,
    FormText,
    page_bounds,
    refusal,
    validated,
)
from taawun.web.ui.admin.tokens import token_status
from taawun.web.ui.deps import CsrfDep, PageSessionDep, clock_of
from taawun.web.ui.paging import page_number
from taawun.web.ui.templates import N_, render

router = APIRouter()

Username = Annotated[str, Path(max_length=80)]
DONE = {  # ?done= after a change: what the user's page says was done
    "created": N_("The user was added. They can sign in with the password given."),
    "disabled": N_("The user is disabled: their password, tokens and sessions no longer work."),
    "enabled": N_("The user is enabled again."),
    "password": N_("The password was reset; the user's browser sessions were ended."),
}
# The schema's pattern for a browser's ``pattern=`` (anchored already, and a regex of the
# ``v`` flag, where a ``-`` in a class is escaped).
HTML_USERNAME_PATTERN = USERNAME_PATTERN.strip("^$").replace("-]", r"\-]")
EMPTY_FORM = {"username": "", "agency_id": "", "role": "viewer", "clearance": "UNCLASSIFIED"}


def _agency_names(user: Principal, session: Session) -> dict[int, str]:
    return {a.id: a.name for a in access.list_agencies(user, session)}


def _list_page(
    request: Request,
    user: Principal,
    session: Session,
    *,
    number: int = 1,
    error: TaawunError | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    start = (number - 1) * PAGE_SIZE
    shown = access.list_users(user, session, offset=start, limit=PAGE_SIZE)
    names = _agency_names(user, session)
    context: dict[str, Any] = {
        "users": shown,
        "agency_names": names,
        "my_agencies": {i: n for i, n in names.items() if policy.administers(user, i)},
        "roles": ROLE_LABELS,
        "clearances": {
            c.name: CLEARANCE_LABELS[c.name]
            for c in Clearance
            if policy.may_give_clearance(user, c)
        },
        "clearance_labels": CLEARANCE_LABELS,
        "form": form or {**EMPTY_FORM, "agency_id": str(user.agency_id or "")},
        "username_pattern": HTML_USERNAME_PATTERN,
        **page_bounds(number, access.count_users(user, session)),
        **refusal(error),
    }
    status = error.http_status if error else 200
    return render(request, "admin/users.html.j2", context, status_code=status)


@router.get("/admin/users")
def users_page(
    request: Request,
    user: AdminDep,
    session: PageSessionDep,
    page: Annotated[str, Query(max_length=20)] = "1",
) -> Response:
    """The users the admin sees (their agency's), 50 a page; the form to add one."""
    return _list_page(request, user, session, number=page_number(page))


@router.post("/admin/users", dependencies=[CsrfDep])
def add_user(
    request: Request,
    user: AdminDep,
    session: PageSessionDep,
    *,
    username: FormText = "",
    agency_id: FormText = "",
    role: FormText = "",
    clearance: FormText = "",
    password: FormText = "",
) -> Response:
    """Add a user; a refusal shows the form again naming the field, without the password."""
    form = {"username": username, "agency_id": agency_id, "role": role, "clearance": clearance}
    try:
        agency = bounded_int(agency_id.strip(), maximum=INT32_MAX)
        if agency is None:
            raise InvalidInput("agency_id: choose an agency", field="agency_id")
        data = validated(
            UserCreate,
            username=username.strip(),
            agency_id=agency,
            role=role,
            clearance=clearance,
            password=password,
        )
        created = access.create_user(user, session, data=data, clock=clock_of(request))
    except TaawunError as refused:
        return _list_page(request, user, session, error=refused, form=form)
    return RedirectResponse(f"/admin/users/{created.username}?done=created", 303)


def _user_page(
    request: Request,
    user: Principal,
    session: Session,
    username: str,
    *,
    error: TaawunError | None = None,
    done: str = "",
) -> Response:
    shown = access.get_user(user, session, username=username)  # NotFound: hidden or missing
    tokens = token_service.list_tokens(user, session, username=shown.username)
    now = clock_of(request).now()
    context: dict[str, Any] = {
        "shown": shown,
        "agency_name": _agency_names(user, session).get(shown.agency_id, ""),
        "roles": ROLE_LABELS,
        "clearances": CLEARANCE_LABELS,
        "is_self": policy.is_self(user, shown.id),
        "tokens": [(t, token_status(t, now)) for t in tokens],
        "done": DONE.get(done),
        **refusal(error),
    }
    status = error.http_status if error else 200
    return render(request, "admin/user.html.j2", context, status_code=status)


@router.get("/admin/users/{username}")
def user_page(
    request: Request,
    username: Username,
    user: AdminDep,
    session: PageSessionDep,
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """One user: role, clearance, agency, whether disabled, their tokens; the forms to
    disable or enable them and to reset their password."""
    return _user_page(request, user, session, username, done=done)


@router.post("/admin/users/{username}/disable", dependencies=[CsrfDep])
def disable_user(
    request: Request, username: Username, user: AdminDep, session: PageSessionDep
) -> Response:
    """Disable the user and end their browser sessions at once."""
    try:
        done = access.disable_user(user, session, username=username, clock=clock_of(request))
    except (Conflict, PermissionDenied) as refused:
        return _user_page(request, user, session, username, error=refused)
    return _back_to(done, "disabled")


@router.post("/admin/users/{username}/enable", dependencies=[CsrfDep])
def enable_user(
    request: Request, username: Username, user: AdminDep, session: PageSessionDep
) -> Response:
    try:
        done = access.enable_user(user, session, username=username, clock=clock_of(request))
    except (Conflict, PermissionDenied) as refused:
        return _user_page(request, user, session, username, error=refused)
    return _back_to(done, "enabled")


@router.post("/admin/users/{username}/password", dependencies=[CsrfDep])
def reset_password(
    request: Request,
    username: Username,
    user: AdminDep,
    session: PageSessionDep,
    *,
    password: FormText = "",
    current_password: FormText = "",
    revoke_tokens: FormText = "",
) -> Response:
    """Reset the user's password (one's own: with the current one), optionally revoking
    every token of theirs; their browser sessions end, except the admin's own."""
    try:
        done = access.set_password(
            user,
            session,
            username=username,
            password=password,
            current_password=current_password or None,
            revoke_tokens=revoke_tokens == "on",
            clock=clock_of(request),
        )
    except (InvalidInput, Conflict, PermissionDenied) as refused:
        return _user_page(request, user, session, username, error=refused)
    return _back_to(done, "password")


def _back_to(done: UserRead, what: str) -> Response:
    return RedirectResponse(f"/admin/users/{done.username}?done={what}", 303)
