"""What the admin pages share: who may open them, the clock, the form's refusal, labels.

The admin area is for those ``access.policy.is_admin`` calls admins (the rule the account
services apply to managing agencies and users and reading the audit log): anyone else
gets the 403 page on every page of it, before any service is asked. What an admin then
sees and may change is the services' affair, exactly as for the REST API.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, TypeVar

from fastapi import Depends, Form
from pydantic import BaseModel, ValidationError

from taawun.access import policy
from taawun.core.errors import InvalidInput, PermissionDenied, TaawunError
from taawun.core.principal import Clearance, Principal, Role
from taawun.web.ui.deps import PageUserDep
from taawun.web.ui.templates import N_

M = TypeVar("M", bound=BaseModel)

FormText = Annotated[str, Form(max_length=1000)]
PAGE_SIZE: Final = 50

ROLE_LABELS: Final[dict[str, str]] = {
    Role.ADMIN.value: N_("Administrator"),
    Role.LIAISON.value: N_("Liaison officer"),
    Role.ANALYST.value: N_("Analyst"),
    Role.VIEWER.value: N_("Viewer"),
}
CLEARANCE_LABELS: Final[dict[str, str]] = {
    Clearance.UNCLASSIFIED.name: N_("Unclassified"),
    Clearance.RESTRICTED.name: N_("Restricted"),
    Clearance.CONFIDENTIAL.name: N_("Confidential"),
    Clearance.SECRET.name: N_("Secret"),
    Clearance.TOP_SECRET.name: N_("Top secret"),
}
assert set(ROLE_LABELS) == {r.value for r in Role}
assert set(CLEARANCE_LABELS) == {c.name for c in Clearance}


async def admin_dep(user: PageUserDep) -> Principal:
    """The signed-in user, if an administrator; anyone else is refused (the 403 page)."""
    if not policy.is_admin(user):
        raise PermissionDenied(f"{user.username} ({user.role}) may not open the admin pages")
    return user


AdminDep = Annotated[Principal, Depends(admin_dep)]


def validated(model: type[M], **values: object) -> M:
    """``model`` from a form's values; a Pydantic error becomes ``InvalidInput`` naming the
    first bad field, as a service's refusal does."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        raise InvalidInput(f"{field}: {first['msg']}", field=field) from None


def refusal(error: TaawunError | None) -> dict[str, Any]:
    """The context a form shows a refused write with: the field it names, and why."""
    return {
        "error_field": error.field if error else None,
        "error_message": error.message if error else None,
    }


def page_bounds(number: int, total: int) -> dict[str, int]:
    """Where page ``number`` of ``total`` items starts and ends, and how many pages there are."""
    first = (number - 1) * PAGE_SIZE
    return {
        "page_number": number,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "first": first + 1,
        "last": min(first + PAGE_SIZE, total),
        "total": total,
    }
