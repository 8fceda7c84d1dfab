"""The API tokens page: the tokens an admin sees, issuing one, revoking one.

Through ``access.token_service`` as the REST API (``list_tokens``, ``issue_token``,
``revoke_token``): an admin sees the tokens of their agency's users and issues tokens for
users cleared no higher than themselves. A list never shows a token, only its first
characters: the token itself is in the one answer to the form that issued it, which is not
a redirect (the token cannot be put in a URL, and the node keeps only its digest), and like
every page is never cached (``Cache-Control: no-store``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from taawun.access import service as access
from taawun.access import token_service, tokens
from taawun.access.schemas import TokenIssued, TokenRead
from taawun.core.errors import Conflict, InvalidInput, PermissionDenied, TaawunError
from taawun.core.ids import RandomIds
from taawun.core.integers import INT32_MAX, bounded_int
from taawun.core.principal import Principal
from taawun.web.ui.admin._common import PAGE_SIZE, AdminDep, FormText, page_bounds, refusal
from taawun.web.ui.deps import CsrfDep, PageSessionDep, clock_of
from taawun.web.ui.paging import page_number
from taawun.web.ui.templates import N_, render

router = APIRouter()

STATUS_LABELS = {"valid": N_("valid"), "expired": N_("expired"), "revoked": N_("revoked")}
TokenId = Annotated[int, Path(ge=1, le=INT32_MAX)]


def token_status(token: TokenRead, now: datetime) -> str:
    """``revoked``, ``expired`` or ``valid`` (as ``taawun user tokens`` says)."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    return "valid"


def _page(
    request: Request,
    user: Principal,
    session: Session,
    *,
    username: str = "",
    number: int = 1,
    issued: TokenIssued | None = None,
    error: TaawunError | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    whose = username or None
    start = (number - 1) * PAGE_SIZE
    found = token_service.list_tokens(user, session, username=whose, offset=start, limit=PAGE_SIZE)
    now = clock_of(request).now()
    context: dict[str, Any] = {
        "tokens": [(t, token_status(t, now)) for t in found],
        "statuses": STATUS_LABELS,
        "usernames": [u.username for u in access.list_users(user, session) if u.active],
        "username": username,
        "issued": issued,
        "form": form or {"username": username, "name": "", "expires_in_days": ""},
        "default_days": tokens.DEFAULT_LIFETIME_DAYS,
        "max_days": tokens.MAX_LIFETIME_DAYS,
        **page_bounds(number, token_service.count_tokens(user, session, username=whose)),
        **refusal(error),
    }
    status = error.http_status if error else status_code
    return render(request, "admin/tokens.html.j2", context, status_code=status)


@router.get("/admin/tokens")
def tokens_page(
    request: Request,
    user: AdminDep,
    session: PageSessionDep,
    username: Annotated[str, Query(max_length=80)] = "",
    page: Annotated[str, Query(max_length=20)] = "1",
) -> Response:
    """The tokens the admin sees (``username``: one user's), 50 a page; the issue form."""
    return _page(request, user, session, username=username.strip(), number=page_number(page))


@router.post("/admin/tokens", dependencies=[CsrfDep])
def issue_token(
    request: Request,
    user: AdminDep,
    session: PageSessionDep,
    *,
    username: FormText = "",
    name: FormText = "",
    expires_in_days: FormText = "",
) -> Response:
    """Issue a token and show it, this once (201); a refusal shows the form naming the field."""
    form = {"username": username, "name": name, "expires_in_days": expires_in_days}
    days_text = expires_in_days.strip()
    days = bounded_int(days_text, maximum=INT32_MAX) if days_text else None
    try:
        if days_text and days is None:
            raise InvalidInput(
                f"expires_in_days: 1 to {tokens.MAX_LIFETIME_DAYS} days", field="expires_in_days"
            )
        issued = token_service.issue_token(
            user,
            session,
            username=username.strip() or user.username,
            name=name,
            expires_in_days=days,
            clock=clock_of(request),
            ids=RandomIds(),
        )
    except TaawunError as refused:
        return _page(request, user, session, error=refused, form=form)
    return _page(request, user, session, issued=issued, status_code=201)


@router.post("/admin/tokens/{token_id}/revoke", dependencies=[CsrfDep])
def revoke_token(
    request: Request,
    token_id: TokenId,
    user: AdminDep,
    session: PageSessionDep,
    back: FormText = "",
) -> Response:
    """Revoke a token; back to the list, or to its user's page (``back=user``). A token the
    admin does not see is the 404 page, as a missing one."""
    try:
        revoked = token_service.revoke_token(
            user, session, token_id=token_id, clock=clock_of(request)
        )
    except (Conflict, PermissionDenied) as refused:
        return _page(request, user, session, error=refused)
    if back == "user":
        return RedirectResponse(f"/admin/users/{revoked.user}", 303)
    return RedirectResponse("/admin/tokens", 303)
