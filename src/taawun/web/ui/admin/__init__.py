"""The admin pages (issue 12): agencies, users, API tokens and the audit log, for admins.

Each page calls the account services exactly as the REST API's ``access/api.py`` does, so
``access.policy`` decides what an admin sees and may change; anyone but an admin gets the
403 page on every page here (``_common.admin_dep``). ``overview``: ``/admin``;
``agencies``: ``/admin/agencies``; ``users``: ``/admin/users``, ``/admin/users/<name>``;
``tokens``: ``/admin/tokens``; ``audit``: ``/admin/audit``, ``/admin/audit/verify``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from taawun.access import policy
from taawun.access import service as access
from taawun.core.principal import Principal
from taawun.web.ui.admin import agencies, audit, overview, tokens, users

router = APIRouter(include_in_schema=False)
router.include_router(overview.router)
router.include_router(agencies.router)
router.include_router(users.router)
router.include_router(tokens.router)
router.include_router(audit.router)


def dashboard_part(request: Request, user: Principal, session: Session) -> dict[str, Any]:
    """For an admin, the users of their agency (and how many are disabled) and the node's
    agencies, counted, for ``_dashboard_admin.html.j2``; nothing for anyone else."""
    if not policy.is_admin(user):
        return {}
    seen = access.list_users(user, session)
    return {
        "admin_users": len(seen),
        "admin_disabled": sum(1 for u in seen if not u.active),
        "admin_agencies": len(access.list_agencies(user, session)),
    }
