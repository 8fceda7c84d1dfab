"""The audit log's pages: the entries an admin may read, newest first, and the chain's
verification.

Through ``access.service`` as the REST API (``list_audit``, ``verify_audit``), so
``access.policy.AuditPolicy`` decides which entries an admin reads (those about their own
agency, within their clearance) and what verification tells them of the others.

A page is 50 entries, newest first, filtered by action (exact or a dotted prefix), actor
and days; the next page starts before the last entry shown (the service's ``before``
cursor), so a page costs the same at any depth of the log. The filter form works without
script; with htmx only the results are asked for and swapped in, as on the agreements
list.

Verification reads the whole chain, so it is its own page, opened on purpose; with
``TAAWUN_AUDIT_CHECKPOINT`` set, the checkpoints there are verified too, as ``taawun audit
verify --checkpoint`` does.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from taawun.access import checkpoints
from taawun.access import service as access
from taawun.access.checkpoints import Checkpoint
from taawun.core.errors import DataFileError, InvalidInput
from taawun.core.settings import Settings
from taawun.web.ui.admin._common import PAGE_SIZE, AdminDep
from taawun.web.ui.deps import PageSessionDep
from taawun.web.ui.paging import page_number, wants_fragment
from taawun.web.ui.templates import render

router = APIRouter()

RESULTS_ID: Final = "audit-results"  # the element htmx swaps (in both templates)


def _url(filters: dict[str, str], before: int | None = None, page: int = 1) -> str:
    pairs = [(k, v) for k, v in filters.items() if v]
    if before is not None:
        pairs += [("before", str(before)), ("page", str(page))]
    return "/admin/audit" + ("?" + urlencode(pairs) if pairs else "")


def _day(value: str, field: str, *, days: int = 0) -> datetime | None:
    """A day of the form (``since``, ``until``: both included) as the start of a UTC day."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value) + timedelta(days=days)
    except (ValueError, OverflowError):
        raise InvalidInput(
            f"{field}: {value!r} is not a date (YYYY-MM-DD)", field=field, value=value
        ) from None
    return datetime.combine(day, time(), tzinfo=UTC)


@router.get("/admin/audit")
def audit_page(
    request: Request,
    user: AdminDep,
    session: PageSessionDep,
    *,
    action: Annotated[str, Query(max_length=60)] = "",
    actor: Annotated[str, Query(max_length=200)] = "",
    since: Annotated[str, Query(max_length=20)] = "",
    until: Annotated[str, Query(max_length=20)] = "",
    before: Annotated[str, Query(max_length=20)] = "",
    page: Annotated[str, Query(max_length=20)] = "1",
) -> Response:
    """The newest entries the admin may read, 50 a page, filtered by action, actor and
    days; each page after the first starts before the last entry of the one before
    (``before``, a cursor: the database reads one page whatever the log's length)."""
    filters = {
        "action": action.strip(),
        "actor": actor.strip(),
        "since": since.strip(),
        "until": until.strip(),
    }
    cursor = int(before) if before.isdigit() and len(before) <= 18 else None
    number = page_number(page) if cursor is not None else 1
    error: InvalidInput | None = None
    found: list[Any] = []
    try:
        found = access.list_audit(
            user,
            session,
            limit=PAGE_SIZE + 1,
            action=filters["action"] or None,
            actor=filters["actor"] or None,
            before=cursor,
            since=_day(filters["since"], "since"),
            until=_day(filters["until"], "until", days=1),
        )
    except InvalidInput as refused:
        error = refused
    entries = found[:PAGE_SIZE]
    context: dict[str, Any] = {
        "entries": entries,
        "filters": filters,
        "action": filters["action"],
        "page_number": number,
        "first": (number - 1) * PAGE_SIZE + 1,
        "last": (number - 1) * PAGE_SIZE + len(entries),
        "previous_url": _url(filters) if cursor is not None else None,
        "next_url": _url(filters, entries[-1].seq, number + 1) if len(found) > PAGE_SIZE else None,
        "error_field": error.field if error else None,
        "error_message": error.message if error else None,
        "results_id": RESULTS_ID,
    }
    fragment = wants_fragment(request)
    template = "admin/_audit_results.html.j2" if fragment else "admin/audit.html.j2"
    status = 400 if error and not fragment else 200
    response = render(request, template, context, status_code=status)
    response.headers["Vary"] = "HX-Request"
    if fragment:
        response.headers["HX-Push-Url"] = _url(filters, cursor, number) if cursor else _url(filters)
    return response


def _checkpoints() -> tuple[Path | None, list[Checkpoint], str | None]:
    """The node's checkpoint file (``TAAWUN_AUDIT_CHECKPOINT``), what it holds, and why it
    could not be read (a missing file holds nothing yet: ``taawun serve`` writes it)."""
    path = Settings.from_env().audit_checkpoint
    if path is None or not path.exists():
        return path, [], None
    try:
        return path, checkpoints.read_checkpoints(path), None
    except DataFileError as unreadable:
        return path, [], unreadable.message


@router.get("/admin/audit/verify")
def verify_page(request: Request, user: AdminDep, session: PageSessionDep) -> Response:
    """Verify the hash chain (and the checkpoints, if the node keeps any): intact, or each
    entry where it breaks."""
    path, taken, unreadable = _checkpoints()
    if unreadable is not None:
        raise InvalidInput(unreadable, field="checkpoint")
    report = access.verify_audit(user, session, checkpoints=taken)
    context: dict[str, Any] = {
        "report": report,
        "checkpoint_path": path,
        "checkpoints": taken,
        "last_checkpoint": max(taken, key=lambda c: c.seq) if taken else None,
    }
    return render(request, "admin/audit_verify.html.j2", context)
