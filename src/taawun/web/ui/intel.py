"""The intel pages: the feed of what I may read, one object, its release and revocation, and
the dashboard's part (the share form is ``intel_share.py``).

Every read goes through ``intel.service`` as the REST API's does (``list_intel``, ``show``,
``readable_summaries``, ``referring`` for what refers to an object, and ``manifest_page`` for
an object's versions as TAXII's versions endpoint), every write through ``intel.changes``
(``change_release``, ``revoke``); "where else its values were seen" and the feed's
observable-value filter through ``cooperation.threats.seen.where_seen`` as
``/api/v1/threats/seen`` does. So a user sees what the release policy lets them read, and an
object they may not read is the same 404 page as an id that names nothing.

The feed is paginated by the database with the service's cursor (``next``: the last row's
``date_added``), 50 a page, newest added first. Its free text is searched in the 20,000
newest objects at a time (``SEARCH_DEPTH``; the page says how far back it searched, and
its next page goes on below), so that a search takes the same time whatever the store's
size. Its filter form works
without script; with htmx it gets only the results (``_intel_results.html.j2``), the URL
pushed to the history, as ``agreements.py`` does.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any, Final
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Form, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, RedirectResponse, Response

from taawun.access import service as access
from taawun.cooperation.threats import extract, seen
from taawun.cooperation.threats.schemas import ValueSeen
from taawun.core.clock import Clock
from taawun.core.errors import InvalidInput, NotFound, PermissionDenied, TaawunError
from taawun.core.principal import Principal
from taawun.intel import changes, service
from taawun.intel.repository import Filters, Scope
from taawun.intel.schemas import IntelPage, IntelReferrer
from taawun.intel.times import format_us, from_us, parse_us
from taawun.registry import service as registry
from taawun.web.ui import intel_share
from taawun.web.ui.deps import CsrfDep, PageSessionDep, PageUserDep, clock_of
from taawun.web.ui.intel_share import CLASSIFICATION_LABELS, sharing_agreements
from taawun.web.ui.paging import page_number, wants_fragment
from taawun.web.ui.templates import render

router = APIRouter()
router.include_router(intel_share.router)  # before /intel/{stix_id}: /intel/share is a page

PAGE_SIZE: Final = 50
# Objects a free-text search reads a page, newest first: no index serves a substring, and
# reading the whole store for a rare one took 0.6 s at a million (``benchmarks/ui.py``).
SEARCH_DEPTH: Final = 20_000
RESULTS_ID: Final = "intel-results"  # the element htmx swaps (in both templates)
VERSIONS_SHOWN: Final = 20
REFS_SHOWN: Final = 50
REFERRERS_SHOWN: Final = 50  # objects referring to the one shown, the latest stored first
VALUES_SEEN: Final = 10  # values of an object looked up elsewhere
SIGHTINGS_SHOWN: Final = 20  # per value
DASHBOARD_ROWS: Final = 8
DASHBOARD_DAYS: Final = 30
DASHBOARD_SCAN: Final = 50
REF_PROPERTIES: Final = (
    "source_ref",
    "target_ref",
    "sighting_of_ref",
    "where_sighted_refs",
    "observed_data_refs",
    "object_refs",
    "sample_refs",
    "created_by_ref",
)
STIX_TYPES: Final = (
    "indicator",
    "malware",
    "threat-actor",
    "intrusion-set",
    "campaign",
    "attack-pattern",
    "tool",
    "vulnerability",
    "infrastructure",
    "course-of-action",
    "report",
    "note",
    "grouping",
    "relationship",
    "sighting",
    "observed-data",
    "identity",
    "location",
    "ipv4-addr",
    "ipv6-addr",
    "domain-name",
    "url",
    "email-addr",
    "file",
)
TLP_CLASSES: Final[dict[str, str]] = {  # TLP label -> CSS class (intel.css)
    "TLP:CLEAR": "tlp-clear",
    "TLP:GREEN": "tlp-green",
    "TLP:AMBER": "tlp-amber",
    "TLP:AMBER+STRICT": "tlp-amber-strict",
    "TLP:RED": "tlp-red",
}

Text = Annotated[str, Query(max_length=200)]


def _moment(timestamp: str) -> datetime:
    """A STIX or TAXII timestamp as a datetime, for ``format_datetime``."""
    return from_us(parse_us(timestamp))


def _day(timestamp: str) -> date:
    return _moment(timestamp).date()


def _pretty(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()


SHOWING: Final = {"moment": _moment, "day": _day, "pretty": _pretty}  # for the templates


def _feed_url(filters: dict[str, str], before: str = "") -> str:
    pairs = [(k, v) for k, v in filters.items() if v]
    if before:
        pairs.append(("before", before))
    return "/intel" + ("?" + urlencode(pairs) if pairs else "")


def _day_start(value: str, field: str, *, days: int = 0) -> str:
    """A date (``since``, ``until``) as a timestamp: the day's start, ``days`` later."""
    try:
        day = date.fromisoformat(value) + timedelta(days=days)
    except (ValueError, OverflowError):
        raise InvalidInput(
            f"{field}: {value!r} is not a date (YYYY-MM-DD)", field=field, value=value
        ) from None
    return day.isoformat() + "T00:00:00Z"


def _owners(user: Principal, session: Session) -> dict[int, dict[str, Any]]:
    """Every agency the user sees (a node has few), with its state: for owner names."""
    agencies = access.list_agencies(user, session)
    states = registry.state_refs(session, {a.state_id for a in agencies})
    return {a.id: {"agency": a, "state": states.get(a.state_id)} for a in agencies}


def _by_value(
    user: Principal, session: Session, filters: dict[str, str], clock: Clock
) -> IntelPage:
    """The objects holding an observable value (the correlation index's normal forms, so a
    defanged or differently written value is found), newest first, one page; the type and
    owner filters apply to them."""
    found = seen.where_seen(user, session, value=filters["value"], limit=PAGE_SIZE, clock=clock)
    ids = [s.id for v in found.values for s in v.sightings]
    items = service.readable_summaries(user, session, stix_ids=ids, clock=clock)
    order = {stix_id: n for n, stix_id in enumerate(dict.fromkeys(ids))}
    items = [
        i
        for i in sorted(items, key=lambda i: order.get(i.id, 0))
        if (not filters["type"] or i.type == filters["type"])
        and (not filters["owner"] or str(i.owner_agency_id) == filters["owner"])
    ]
    return IntelPage(items=items, total=len(items), limit=PAGE_SIZE, next=None)


def _feed(
    user: Principal, session: Session, filters: dict[str, str], before: str, clock: Clock
) -> IntelPage:
    """One page of the feed, newest added first; ``before`` is the previous page's
    ``next`` (the feed's cursor), ``since`` and ``until`` are days, both included."""
    if filters["value"]:
        return _by_value(user, session, filters, clock)
    since = _day_start(filters["since"], "since") if filters["since"] else None
    until = _day_start(filters["until"], "until", days=1) if filters["until"] else None
    return service.list_intel(
        user,
        session,
        types=[filters["type"]] if filters["type"] else (),
        text=filters["q"] or None,
        owner=filters["owner"] or None,
        agreement=filters["agreement"] or None,
        added_after=since,
        added_before=before or until,
        newest_first=True,
        include_revoked=filters["revoked"] == "1",
        limit=PAGE_SIZE,
        search_depth=SEARCH_DEPTH,
        clock=clock,
    )


@router.get("/intel", include_in_schema=False)
def feed_page(
    request: Request,
    user: PageUserDep,
    session: PageSessionDep,
    *,
    kind: Annotated[str, Query(alias="type", max_length=200)] = "",
    q: Text = "",
    owner: Text = "",
    agreement: Text = "",
    since: Text = "",
    until: Text = "",
    value: Text = "",
    revoked: Text = "",
    before: Text = "",
    page: Text = "1",
) -> HTMLResponse:
    """What the user may read, filtered, 50 a page."""
    filters = {
        "type": kind.strip(),
        "q": q.strip(),
        "owner": owner.strip(),
        "agreement": agreement.strip(),
        "since": since.strip(),
        "until": until.strip(),
        "value": value.strip(),
        "revoked": "1" if revoked.strip() == "1" else "",
    }
    number = page_number(page)
    error: TaawunError | None = None
    try:
        found: IntelPage | None = _feed(user, session, filters, before.strip(), clock_of(request))
    except (InvalidInput, NotFound) as refused:  # a filter naming nothing known: say so
        found, error = None, refused
    context: dict[str, Any] = {
        "filters": filters,
        "page": found,
        "page_number": number,
        "first_url": _feed_url(filters),
        "next_url": _feed_url(filters, found.next) + f"&page={number + 1}"
        if found and found.next
        else None,
        "owners": _owners(user, session),
        "types": STIX_TYPES,
        "tlp_classes": TLP_CLASSES,
        "error_field": error.field if error else None,
        "error_message": error.message if error else None,
        "error_candidates": error.candidates[:10] if error else [],
        "results_id": RESULTS_ID,
        "search_depth": SEARCH_DEPTH,
        **SHOWING,
    }
    fragment = wants_fragment(request)
    template = "_intel_results.html.j2" if fragment else "intel.html.j2"
    response = render(
        request, template, context, status_code=400 if error and not fragment else 200
    )
    response.headers["Vary"] = "HX-Request"
    if fragment:
        response.headers["HX-Push-Url"] = str(request.url.path) + (
            "?" + request.url.query if request.url.query else ""
        )
    return response


# --- one object ---------------------------------------------------------------------------


@router.get("/intel/{stix_id}", include_in_schema=False)
def object_page(
    request: Request,
    stix_id: str,
    user: PageUserDep,
    session: PageSessionDep,
    version: Text = "",
) -> HTMLResponse:
    """One object (a version of it with ``?version=``); a hidden one raises ``NotFound``
    as a missing one does, and both become the same 404 page."""
    context = _object_context(request, user, session, stix_id, version.strip() or None)
    return render(request, "intel_object.html.j2", context)


def _object_context(
    request: Request,
    user: Principal,
    session: Session,
    stix_id: str,
    version: str | None = None,
) -> dict[str, Any]:
    clock = clock_of(request)
    found = service.show(user, session, stix_id=stix_id, version=version, clock=clock)
    mine = found.owner_agency_id == user.agency_id
    today = clock.now().date()
    owners = _owners(user, session)
    released = registry.agreement_summaries(user, session, found.released_under)
    context: dict[str, Any] = {
        "o": found,
        "body": found.object,
        "mine": mine,
        "owner": owners.get(found.owner_agency_id),
        "owners": owners,
        "released": [released[i] for i in found.released_under if i in released],
        "released_hidden": [i for i in found.released_under if i not in released],
        "versions": _versions(user, session, stix_id, clock),
        "refs": _refs(user, session, found.object, clock),
        "referrers": _referrers(user, session, found.id, clock),
        "seen": _seen_elsewhere(user, session, found.object, stix_id, clock),
        "tlp_class": TLP_CLASSES.get(found.tlp, "tlp-clear"),
        "classification_label": CLASSIFICATION_LABELS.get(found.classification),
        "classification_class": "class-" + found.classification.lower().replace("_", "-"),
        **SHOWING,
    }
    if mine:
        context["sharing"] = sharing_agreements(user, session, today)
    return context


def _versions(
    user: Principal, session: Session, stix_id: str, clock: Clock
) -> list[dict[str, str]]:
    """The versions of the object the user may read, oldest added first, as TAXII's
    versions endpoint lists them (at most ``VERSIONS_SHOWN``)."""
    records, _more = service.manifest_page(
        user,
        session,
        scope=Scope(),
        filters=Filters(ids=(stix_id,), versions=("all",)),
        limit=VERSIONS_SHOWN,
        clock=clock,
    )
    return [{"version": format_us(v), "added": format_us(a)} for _, a, v in records]


def _refs(
    user: Principal, session: Session, body: dict[str, Any], clock: Clock
) -> list[dict[str, Any]]:
    """What the object points to (a relationship's ends, a report's objects, a sighting's
    ...), each with the summary of it the user may read, or none (not shared with them)."""
    pairs: list[tuple[str, str]] = []
    for name in REF_PROPERTIES:
        value = body.get(name)
        for ref in value if isinstance(value, list) else [value]:
            if isinstance(ref, str) and len(pairs) < REFS_SHOWN:
                pairs.append((name, ref))
    ids = [ref for _, ref in pairs]
    readable = {
        s.id: s for s in service.readable_summaries(user, session, stix_ids=ids, clock=clock)
    }
    return [{"property": n, "id": ref, "summary": readable.get(ref)} for n, ref in pairs]


def _referrers(user: Principal, session: Session, stix_id: str, clock: Clock) -> dict[str, Any]:
    """What refers to the object, as the user may read it (``service.referring``, at most
    ``REFERRERS_SHOWN``): the relationships it is an end of, each with its other end (the
    summary the user may read, or none), and the other objects (reports, sightings, notes,
    what an identity authored...) with the property that refers to it."""
    page = service.referring(user, session, stix_id=stix_id, limit=REFERRERS_SHOWN, clock=clock)
    ends: dict[str, IntelReferrer] = {}  # a relationship of the object to itself: once
    others: list[IntelReferrer] = []
    for r in page.items:
        if r.property in ("source_ref", "target_ref"):
            ends.setdefault(r.id, r)
        else:
            others.append(r)
    wanted = [r.other_ref for r in ends.values() if r.other_ref]
    readable = {
        s.id: s for s in service.readable_summaries(user, session, stix_ids=wanted, clock=clock)
    }
    relationships = [
        {
            "relationship": r,
            "other_id": r.other_ref,
            "other": readable.get(r.other_ref or ""),
            "outgoing": r.property == "source_ref",  # the object is its source
        }
        for r in ends.values()
    ]
    return {
        "relationships": relationships,
        "others": others,
        "more": page.more,
        "shown": REFERRERS_SHOWN,
    }


def _seen_elsewhere(
    user: Principal, session: Session, body: dict[str, Any], stix_id: str, clock: Clock
) -> list[ValueSeen]:
    """Each value of the object (at most ``VALUES_SEEN``) where the user may read it in
    other objects: the states and the objects."""
    found: list[ValueSeen] = []
    for kind, value in extract.values_of(body)[:VALUES_SEEN]:
        answer = seen.where_seen(
            user, session, value=value, kind=kind, limit=SIGHTINGS_SHOWN, clock=clock
        )
        for v in answer.values:
            others = [s for s in v.sightings if s.id != stix_id]
            if others:
                found.append(v.model_copy(update={"sightings": others}))
    return found


# --- release and revoke (the owner agency) ---------------------------------------------


@router.post("/intel/{stix_id}/release", include_in_schema=False, dependencies=[CsrfDep])
def release(
    request: Request,
    stix_id: str,
    user: PageUserDep,
    session: PageSessionDep,
    release_to: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI's way
) -> Response:
    """Replace the agreements the object is released under (``changes.change_release``)."""
    try:
        changes.change_release(
            user, session, stix_id=stix_id, release_to=release_to, clock=clock_of(request)
        )
    except (InvalidInput, PermissionDenied) as refused:
        return _refused(request, user, session, stix_id, refused, form="release")
    return RedirectResponse(f"/intel/{stix_id}#release", 303)


@router.post("/intel/{stix_id}/revoke", include_in_schema=False, dependencies=[CsrfDep])
def revoke(request: Request, stix_id: str, user: PageUserDep, session: PageSessionDep) -> Response:
    """Revoke the object (``changes.revoke``): a new version with ``revoked: true``, which
    its owner still reads; back to the object's page."""
    try:
        changes.revoke(user, session, stix_id=stix_id, clock=clock_of(request))
    except (InvalidInput, PermissionDenied) as refused:
        return _refused(request, user, session, stix_id, refused, form="revoke")
    return RedirectResponse(f"/intel/{stix_id}", 303)


def _refused(
    request: Request,
    user: Principal,
    session: Session,
    stix_id: str,
    refused: TaawunError,
    *,
    form: str,
) -> HTMLResponse:
    """The object's page again, with why the change was refused (nothing was written: the
    services check before they write)."""
    context = _object_context(request, user, session, stix_id)
    context |= {"error_form": form, "error_field": refused.field, "error_message": refused.message}
    status = 400 if isinstance(refused, InvalidInput) else refused.http_status
    return render(request, "intel_object.html.j2", context, status_code=status)


# --- the dashboard's part ------------------------------------------------------------------


def dashboard_part(request: Request, user: Principal, session: Session) -> dict[str, Any]:
    """Intel other agencies released that the user may read, added in the last
    ``DASHBOARD_DAYS`` days: one bounded page of the feed, newest first (``DASHBOARD_SCAN``
    rows), the user's agency's own left out, the latest ``DASHBOARD_ROWS``."""
    clock = clock_of(request)
    since = (clock.now() - timedelta(days=DASHBOARD_DAYS)).date()
    try:
        page = service.list_intel(
            user,
            session,
            added_after=since.isoformat() + "T00:00:00Z",
            newest_first=True,
            limit=DASHBOARD_SCAN,
            clock=clock,
        )
    except PermissionDenied:  # a user of no agency reads no intel
        return {"intel_new": None}
    others = [i for i in page.items if i.owner_agency_id != user.agency_id]
    return {
        "intel_new": others[:DASHBOARD_ROWS],
        "intel_owners": _owners(user, session) if others else {},
        "intel_feed_url": _feed_url({"since": since.isoformat()}),
        "intel_day": _day,
    }
