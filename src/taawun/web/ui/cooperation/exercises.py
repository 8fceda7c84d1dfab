"""The joint exercises' pages: the list (the MME record and live exercises, filtered), one
exercise, the form to record one, and its cancellation.

Every read and change is the REST API's service call (``exercises.service``,
``exercises.changes``): a live exercise of other states is the 404 page, as a missing id
is. A change is a POST with the CSRF token answered 303 to the exercise; a refused one
shows the form or the page again naming the field, nothing written.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, Final

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import HTMLResponse, Response

from taawun.cooperation.exercises import changes, service
from taawun.cooperation.exercises.schemas import ExerciseCreate, ExerciseRead
from taawun.cooperation.exercises.vocabulary import COVERAGE, DOMAINS, LIVE_SOURCE, ROLES, STATUSES
from taawun.core.errors import InvalidInput, TaawunError
from taawun.core.principal import Principal
from taawun.web.ui.cooperation import _common as common
from taawun.web.ui.deps import CsrfDep, PageSessionDep, PageUserDep, clock_of
from taawun.web.ui.paging import page_number
from taawun.web.ui.templates import N_, render

router = APIRouter(include_in_schema=False)

PATH: Final = "/cooperation/exercises"
OWN: Final = "exercise"  # the field a NotFound of the exercise itself names
COVERAGE_LABELS: Final[dict[str, str]] = {
    "covered": N_("Under an agreement"),
    "outside": N_("Outside any agreement (flagged)"),
    "unassessed": N_("Not assessed (historical record)"),
}
SOURCE_LABELS: Final[dict[str, str]] = {"live": N_("Live"), "imported": N_("Historical (MME)")}
assert set(COVERAGE_LABELS) == set(COVERAGE)
WARFIGHTING: Final[dict[str, bool | None]] = {"": None, "yes": True, "no": False}

_ROLE: Final = re.compile(r"\s*\((" + "|".join(ROLES) + r")\)\s*$", re.IGNORECASE)
_DECIMAL: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)
Text = Annotated[str, Query(max_length=200)]
FormText = Annotated[str, Form(max_length=300)]


@router.get(PATH)
def exercises_page(
    request: Request,
    user: PageUserDep,
    session: PageSessionDep,
    *,
    state: Text = "",
    partner: Text = "",
    year_from: Text = "",
    year_to: Text = "",
    domain: Text = "",
    q: Text = "",
    source: Text = "",
    coverage: Text = "",
    status: Text = "",
    page: Text = "1",
) -> HTMLResponse:
    """The exercises the user may see, oldest first, 50 a page."""
    filters = {
        "state": state.strip(),
        "partner": partner.strip(),
        "year_from": year_from.strip(),
        "year_to": year_to.strip(),
        "domain": domain.strip(),
        "q": q.strip(),
        "source": source.strip(),
        "coverage": coverage.strip(),
        "status": status.strip(),
    }
    number = page_number(page)
    found, error = common.attempt(
        lambda: service.list_exercises(
            user,
            session,
            state=filters["state"] or None,
            partners=[filters["partner"]] if filters["partner"] else [],
            year_from=common.number(filters["year_from"], "year_from"),
            year_to=common.number(filters["year_to"], "year_to"),
            domains=[filters["domain"]] if filters["domain"] else [],
            text=filters["q"] or None,
            source=filters["source"] or None,
            coverage=filters["coverage"] or None,
            status=filters["status"] or None,
            limit=common.PAGE_SIZE,
            offset=common.offset(number),
        )
    )
    listing = common.Listing.of(PATH, filters, number, found, error)
    return common.list_page(
        request,
        ("cooperation/exercises.html.j2", "cooperation/_exercises_results.html.j2"),
        listing,
        {
            "found": found,
            "domains": DOMAINS,
            "coverages": COVERAGE_LABELS,
            "sources": SOURCE_LABELS,
            "statuses": STATUSES,
            "may_record": common.may_act(user),
        },
    )


# --- Recording an exercise ----------------------------------------------------------------


def _new_form(
    request: Request, form: dict[str, Any], error: TaawunError | None = None
) -> HTMLResponse:
    return render(
        request,
        "cooperation/exercise_new.html.j2",
        {"form": form, "domains": DOMAINS, **common.refusal(error)},
        status_code=common.status_of(error),
    )


@router.get(PATH + "/new")
def new_exercise_page(request: Request, user: PageUserDep) -> HTMLResponse:
    """The form to record an exercise my state takes part in."""
    return _new_form(request, {"domains": [], "warfighting": ""})


@router.post(PATH + "/new", dependencies=[CsrfDep])
def record_exercise(
    request: Request,
    user: PageUserDep,
    session: PageSessionDep,
    *,
    name: FormText = "",
    series: FormText = "",
    start: FormText = "",
    end: FormText = "",
    location: FormText = "",
    latitude: FormText = "",
    longitude: FormText = "",
    warfighting: FormText = "",
    participants: Annotated[str, Form(max_length=10_000)] = "",
    domains: Annotated[list[str], Form(max_length=40)] = [],  # noqa: B006 - FastAPI's way
    agreement: FormText = "",
    focus: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Record the exercise (``changes.record_exercise``); its page once done. Participants:
    one state (or organization, prefixed ``org:``) a line."""
    form: dict[str, Any] = {
        "name": name,
        "series": series,
        "start": start,
        "end": end,
        "location": location,
        "latitude": latitude,
        "longitude": longitude,
        "warfighting": warfighting,
        "participants": participants,
        "domains": domains,
        "agreement": agreement,
        "focus": focus,
    }
    try:
        data = common.validated(
            ExerciseCreate,
            {
                "name": name.strip(),
                "series": common.text(series),
                "start": start.strip(),
                "end": common.text(end),
                "location": common.text(location),
                "latitude": decimal_of(latitude, "latitude"),
                "longitude": decimal_of(longitude, "longitude"),
                "warfighting": warfighting_of(warfighting),
                "participants": participants_of(participants),
                "domains": domains,
                "agreement": common.text(agreement),
                "focus": focus.strip() or None,
            },
        )
        created = changes.record_exercise(user, session, data=data, clock=clock_of(request))
    except TaawunError as refused:
        if not common.is_refusal(refused):
            raise
        return _new_form(request, form, refused)
    return common.see_other(f"{PATH}/{created.id}")


def decimal_of(value: str | None, field: str) -> float | None:
    """A form's decimal number (a latitude, a longitude), the refusal naming ``field``; its
    range is the schema's to check."""
    given = common.text(value)
    if given is None:
        return None
    if len(given) > 32 or not _DECIMAL.fullmatch(given):
        raise InvalidInput(f"{field}: not a number (e.g. 41.02)", field=field, value=given)
    return float(given)


def decimal_text(value: float | None) -> str:
    """A decimal number as the form writes it (``decimal_of`` reads it back the same)."""
    return "" if value is None else format(Decimal(repr(value)), "f")


def warfighting_of(value: str | None) -> bool | None:
    """The form's warfighting choice: yes, no, or not known (empty)."""
    given = (value or "").strip()
    if given not in WARFIGHTING:
        raise InvalidInput(
            f"warfighting: unknown choice {given!r}; expected yes, no, or empty (not known)",
            field="warfighting",
            value=given,
        )
    return WARFIGHTING[given]


def warfighting_text(value: bool | None) -> str:
    """A warfighting flag as the form's choice (``warfighting_of`` reads it back)."""
    return next(key for key, flag in WARFIGHTING.items() if flag is value)


def participants_of(value: str) -> list[dict[str, str]]:
    """The form's participants, one a line: a state, or an organization prefixed ``org:``,
    with its role in parentheses when it is not ``participant`` (``TUR (host)``)."""
    out: list[dict[str, str]] = []
    for line in value.splitlines():
        named, role = _ROLE.sub("", line).strip(), _ROLE.search(line)
        if not named:
            continue
        who = (
            {"organization": named[4:].strip()}
            if named.lower().startswith("org:")
            else {"state": named}
        )
        out.append(who | ({"role": role[1].lower()} if role else {}))
    return out


def participants_text(exercise: ExerciseRead) -> str:
    """An exercise's participants as the form writes them (``participants_of`` reads it)."""
    lines = []
    for p in exercise.participants:
        named = f"org:{p.organization}" if p.organization else p.state or p.name
        lines.append(named if p.role == "participant" else f"{named} ({p.role})")
    return "\n".join(lines)


# --- Whom a state exercised with ----------------------------------------------------------


@router.get(PATH + "/partners")
def partners_page(
    request: Request,
    user: PageUserDep,
    session: PageSessionDep,
    *,
    state: Text = "",
    year_from: Text = "",
    year_to: Text = "",
    domain: Text = "",
    source: Text = "",
) -> HTMLResponse:
    """The states ``state`` exercised with, most exercises first
    (``service.exercise_partners``): at most one row a state."""
    form = {
        "state": state.strip(),
        "year_from": year_from.strip(),
        "year_to": year_to.strip(),
        "domain": domain.strip(),
        "source": source.strip(),
    }
    found, error = (None, None)
    if form["state"]:
        found, error = common.attempt(
            lambda: service.exercise_partners(
                user,
                session,
                state=form["state"],
                year_from=common.number(form["year_from"], "year_from"),
                year_to=common.number(form["year_to"], "year_to"),
                domains=[form["domain"]] if form["domain"] else [],
                source=form["source"] or None,
            )
        )
    return render(
        request,
        "cooperation/exercise_partners.html.j2",
        {
            "form": form,
            "found": found,
            "domains": DOMAINS,
            "sources": SOURCE_LABELS,
            **common.refusal(error),
        },
        status_code=common.status_of(error),
    )


# --- One exercise -------------------------------------------------------------------------


def may_change(user: Principal, exercise: ExerciseRead) -> bool:
    """Whether to offer the changes of a live exercise (the service decides each)."""
    live = exercise.source == LIVE_SOURCE
    return live and exercise.status != "cancelled" and common.may_act(user)


def _exercise_page(
    request: Request,
    user: Principal,
    exercise: ExerciseRead,
    error: TaawunError | None = None,
) -> HTMLResponse:
    return render(
        request,
        "cooperation/exercise.html.j2",
        {
            "exercise": exercise,
            "coverages": COVERAGE_LABELS,
            "may_change": may_change(user, exercise),
            **common.refusal(error),
        },
        status_code=common.status_of(error),
    )


@router.get(PATH + "/{ref}")
def exercise_page(
    request: Request, ref: str, user: PageUserDep, session: PageSessionDep
) -> HTMLResponse:
    """One exercise; a hidden one is the same 404 page as a missing one."""
    return _exercise_page(request, user, service.get_exercise(user, session, ref=ref))


@router.post(PATH + "/{ref}/cancel", dependencies=[CsrfDep])
def cancel_exercise(
    request: Request,
    ref: str,
    user: PageUserDep,
    session: PageSessionDep,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Cancel a live exercise (kept, as cancelled)."""
    try:
        done = changes.cancel_exercise(
            user, session, ref=ref, reason=common.text(reason), clock=clock_of(request)
        )
    except TaawunError as refused:
        if not common.is_refusal(refused, OWN):
            raise
        found = service.get_exercise(user, session, ref=ref)
        return _exercise_page(request, user, found, refused)
    return common.see_other(f"{PATH}/{done.id}")
