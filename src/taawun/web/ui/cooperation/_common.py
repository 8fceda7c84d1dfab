"""What every cooperation page shares: the list pages' paging and htmx answer, the forms'
refusals, the small conversions of form text into what the services take, and the user's
own state as the services' filters name it.

A list page is answered as ``agreements.py`` answers its own: the whole page, or with htmx
(``HX-Request``) its results only, the URL pushed to the history (``HX-Push-Url``); a filter
naming nothing known is shown on the page, naming the field (400; 200 to htmx, which does
not swap an error). A refused change (``InvalidInput``, ``Conflict``, ``PermissionDenied``,
or a ``NotFound`` about one of the form's fields) shows the form again with the message and
the field named, and the change's savepoint leaves the database as it was; a ``NotFound``
about the object itself stays the 404 page, the same for a hidden one as for a missing one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final, TypeVar
from urllib.parse import urlencode

from fastapi import Request
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, RedirectResponse

from taawun.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, TaawunError
from taawun.core.principal import Principal, Role
from taawun.web.ui import paging
from taawun.web.ui.deps import my_state
from taawun.web.ui.templates import render

PAGE_SIZE: Final = paging.PAGE_SIZE
DASHBOARD_ROWS: Final = 5
WRITERS: Final = frozenset({Role.ADMIN, Role.LIAISON})  # who may act for a state

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


def may_act(user: Principal) -> bool:
    """Whether to offer the user a state's changes at all (the services decide each)."""
    return user.state_id is not None and user.role in WRITERS


def text(value: str | None) -> str | None:
    """A form's text, spaces collapsed; an empty one is no value."""
    return " ".join(value.split()) or None if value else None


def see_other(url: str) -> RedirectResponse:
    """POST/redirect/GET: a change done, the page showing its result."""
    return RedirectResponse(url, status_code=303)


def list_url(path: str, filters: Mapping[str, Any], page: int = 1) -> str:
    """A list's URL for ``filters`` at ``page`` (empty filters left out)."""
    pairs: list[tuple[str, str]] = []
    for name, value in filters.items():
        values = value if isinstance(value, list) else [value]
        pairs.extend((name, str(v)) for v in values if v not in (None, "", False))
    if page > 1:
        pairs.append(("page", str(page)))
    return path + ("?" + urlencode(pairs) if pairs else "")


@dataclass(frozen=True, slots=True)
class Listing:
    """One page of a list: what the service found (None when a filter was refused), and
    the refusal."""

    path: str
    filters: dict[str, Any]
    number: int
    total: int = 0
    shown: int = 0
    error: TaawunError | None = None

    @classmethod
    def of(
        cls,
        path: str,
        filters: dict[str, Any],
        number: int,
        found: Any,
        error: TaawunError | None,
    ) -> Listing:
        """The page of ``found`` (a service's page with ``total`` and ``items``, or None)."""
        total, shown = (found.total, len(found.items)) if found else (0, 0)
        return cls(path, filters, number, total=total, shown=shown, error=error)

    def context(self) -> dict[str, Any]:
        pages = max(1, -(-self.total // PAGE_SIZE))
        first = (self.number - 1) * PAGE_SIZE + 1
        return {
            "filters": self.filters,
            "page_number": self.number,
            "pages": pages,
            "first_url": list_url(self.path, self.filters),
            "previous_url": list_url(self.path, self.filters, self.number - 1)
            if self.number > 1
            else None,
            "next_url": list_url(self.path, self.filters, self.number + 1)
            if self.number < pages
            else None,
            "first": first,
            "last": first + self.shown - 1,
            "total": self.total,
            **refusal(self.error),
        }


def offset(number: int) -> int:
    return (number - 1) * PAGE_SIZE


def list_page(
    request: Request,
    templates: tuple[str, str],
    listing: Listing,
    context: dict[str, Any],
) -> HTMLResponse:
    """The list page (``templates[0]``), or to htmx its results (``templates[1]``)."""
    fragment = paging.wants_fragment(request)
    status = 400 if listing.error is not None and not fragment else 200
    response = render(
        request,
        templates[1] if fragment else templates[0],
        {**listing.context(), **context},
        status_code=status,
    )
    response.headers["Vary"] = "HX-Request"
    if fragment:
        response.headers["HX-Push-Url"] = list_url(listing.path, listing.filters, listing.number)
    return response


def refusal(error: TaawunError | None) -> dict[str, Any]:
    """The template's keys for a refused filter or change: the field and the message."""
    return {
        "error_field": error.field if error else None,
        "error_message": error.message if error else None,
        "error_candidates": error.candidates[:10] if error else [],
    }


def status_of(error: TaawunError | None) -> int:
    """A page's status: 200, or a refusal's: 400 for a value refused or naming nothing
    (``InvalidInput``, a field's ``NotFound``), else its own (409, 403)."""
    if error is None:
        return 200
    return 400 if isinstance(error, InvalidInput | NotFound) else error.http_status


def is_refusal(error: TaawunError, own: str | None = None) -> bool:
    """Whether a form shows ``error`` again (with its field) rather than an error page:
    anything but a ``NotFound`` about the page's object itself (``own``, its field name)."""
    if isinstance(error, NotFound):
        return own is None or error.field != own
    return isinstance(error, InvalidInput | Conflict | PermissionDenied)


def validated(model: type[M], data: Mapping[str, Any]) -> M:
    """``data`` as ``model``; what it refuses is an ``InvalidInput`` naming the field."""
    try:
        return model.model_validate(data)
    except ValidationError as invalid:
        first = invalid.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        raise InvalidInput(f"{field}: {first['msg']}", field=field) from None


def day(value: str | None, field: str) -> date | None:
    """A form's date (YYYY-MM-DD), the refusal naming ``field``."""
    given = text(value)
    if given is None:
        return None
    try:
        return date.fromisoformat(given)
    except ValueError:
        raise InvalidInput(f"{field}: not a date (YYYY-MM-DD)", field=field, value=given) from None


def number(value: str | None, field: str) -> int | None:
    """A form's whole number, the refusal naming ``field``."""
    given = text(value)
    if given is None:
        return None
    if not given.isascii() or not given.lstrip("-").isdigit() or len(given) > 12:
        raise InvalidInput(f"{field}: not a whole number", field=field, value=given)
    return int(given)


def attempt(call: Callable[[], T]) -> tuple[T | None, TaawunError | None]:
    """``call()``'s answer, or None and the refusal of a filter (an ``InvalidInput``, or a
    ``NotFound`` for what a filter named: an unknown state, a hidden agreement)."""
    try:
        return call(), None
    except (InvalidInput, NotFound) as refused:
        return None, refused


def my_state_key(session: Session, user: Principal) -> str | None:
    """How the services' filters may name the user's state (its ISO3, else its COW code)."""
    mine = my_state(session, user)
    if mine is None:
        return None
    return mine.iso3 or str(mine.cow_code or mine.name)
