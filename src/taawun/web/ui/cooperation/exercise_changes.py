"""The form to change a live exercise: its name, series, dates, location (and its latitude
and longitude), participants, domains, whether it is a warfighting exercise, the agreement it
falls under, its focus.

The change is the REST API's ``PATCH /exercises/{ref}`` (``exercises.changes
.update_exercise``), given only the fields the form changed, as a script would send them: a
start or participants changed has the exercise assessed against the agreements again, an
agreement emptied has it assessed afresh. A hidden exercise is the 404 page, as a missing
one; one the user may not change (the historical record, a cancelled one) sends the user to
its page; a refused change shows the form again naming the field, nothing written.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Form, Request
from starlette.responses import HTMLResponse, Response

from taawun.cooperation.exercises import changes, service
from taawun.cooperation.exercises.schemas import ExerciseRead, ExerciseUpdate
from taawun.cooperation.exercises.vocabulary import DOMAINS
from taawun.core.errors import InvalidInput, TaawunError
from taawun.web.ui.cooperation import _common as common
from taawun.web.ui.cooperation.exercises import (
    OWN,
    PATH,
    decimal_of,
    decimal_text,
    may_change,
    participants_of,
    participants_text,
    warfighting_of,
    warfighting_text,
)
from taawun.web.ui.deps import CsrfDep, PageSessionDep, PageUserDep, clock_of
from taawun.web.ui.templates import render

router = APIRouter(include_in_schema=False)

FormText = Annotated[str, Form(max_length=300)]
TEXTS: Final = ("name", "series", "start", "end", "location", "agreement", "focus")


def form_of(exercise: ExerciseRead) -> dict[str, Any]:
    """The form as the exercise fills it."""
    return {
        "name": exercise.name or "",
        "series": exercise.series or "",
        "start": exercise.start,
        "end": exercise.end or "",
        "location": exercise.location or "",
        "latitude": decimal_text(exercise.latitude),
        "longitude": decimal_text(exercise.longitude),
        "warfighting": warfighting_text(exercise.warfighting),
        "agreement": str(exercise.agreement.id) if exercise.agreement else "",
        "focus": exercise.focus or "",
        "participants": participants_text(exercise),
        "domains": list(exercise.domains),
    }


def _values(form: dict[str, Any]) -> dict[str, Any]:
    """The form's values as ``ExerciseUpdate`` takes them (an empty text is no value)."""
    values: dict[str, Any] = {name: common.text(form[name]) for name in TEXTS}
    values["focus"] = form["focus"].strip() or None  # its lines kept
    values["latitude"] = decimal_of(form["latitude"], "latitude")
    values["longitude"] = decimal_of(form["longitude"], "longitude")
    values["warfighting"] = warfighting_of(form["warfighting"])
    values["participants"] = participants_of(form["participants"])
    values["domains"] = list(form["domains"])
    return values


def _comparable(name: str, value: Any) -> Any:
    """A value as two forms compare it: participants and domains in any order."""
    if name == "participants":
        return sorted(sorted(p.items()) for p in value)
    return sorted(value) if name == "domains" else value


def changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What the form changed, as the update to send: the fields whose values differ."""
    old, new = _values(before), _values(after)
    update = {
        name: value
        for name, value in new.items()
        if _comparable(name, value) != _comparable(name, old[name])
    }
    if "start" in update and update["start"] is None:
        raise InvalidInput("start: an exercise keeps its start", field="start")
    return update


def _form_page(
    request: Request,
    exercise: ExerciseRead,
    form: dict[str, Any],
    error: TaawunError | None = None,
) -> HTMLResponse:
    return render(
        request,
        "cooperation/exercise_edit.html.j2",
        {"exercise": exercise, "form": form, "domains": DOMAINS, **common.refusal(error)},
        status_code=common.status_of(error),
    )


@router.get(PATH + "/{ref}/edit")
def edit_page(request: Request, ref: str, user: PageUserDep, session: PageSessionDep) -> Response:
    """The form, filled with the exercise as it is."""
    exercise = service.get_exercise(user, session, ref=ref)
    if not may_change(user, exercise):
        return common.see_other(f"{PATH}/{exercise.id}")
    return _form_page(request, exercise, form_of(exercise))


@router.post(PATH + "/{ref}/edit", dependencies=[CsrfDep])
def change_exercise(
    request: Request,
    ref: str,
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
    """Change the exercise (``changes.update_exercise``) with what the form changed; its
    page once done (at once when nothing changed)."""
    exercise = service.get_exercise(user, session, ref=ref)
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
        update = changed(form_of(exercise), form)
        if update:
            data = common.validated(ExerciseUpdate, update)
            changes.update_exercise(user, session, ref=ref, data=data, clock=clock_of(request))
    except TaawunError as refused:
        if not common.is_refusal(refused, OWN):
            raise
        return _form_page(request, exercise, form, refused)
    return common.see_other(f"{PATH}/{exercise.id}")
