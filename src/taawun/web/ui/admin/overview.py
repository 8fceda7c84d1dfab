"""The admin area's front page: what there is to administer, counted, with its links.

The counts come from the same service functions as the pages they lead to
(``list_agencies``, ``list_users``, ``list_tokens``), so they count what the admin sees.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from taawun.access import service as access
from taawun.access import token_service
from taawun.web.ui.admin._common import AdminDep
from taawun.web.ui.admin.tokens import token_status
from taawun.web.ui.deps import PageSessionDep, clock_of
from taawun.web.ui.templates import render

router = APIRouter()


@router.get("/admin")
def overview(request: Request, user: AdminDep, session: PageSessionDep) -> Response:
    users = access.list_users(user, session)
    now = clock_of(request).now()
    statuses = [token_status(t, now) for t in token_service.list_tokens(user, session)]
    return render(
        request,
        "admin/overview.html.j2",
        {
            "agencies": len(access.list_agencies(user, session)),
            "users": len(users),
            "disabled": sum(1 for u in users if not u.active),
            "tokens": statuses.count("valid"),
        },
    )
