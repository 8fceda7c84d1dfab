"""What the analytics pages share: the clock, the years a page is asked for, a refused
question shown on its page (naming the field), and the labels of the tables' columns."""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import quote, urlencode

from fastapi import Request
from starlette.responses import HTMLResponse

from taawun.core.errors import InvalidInput, NotFound, TaawunError
from taawun.core.integers import bounded_int, is_ascii_digits
from taawun.web.ui.templates import N_, render

__all__ = [
    "DEFAULT_SSCORES",
    "REFUSED",
    "path_part",
    "problem",
    "refused",
    "year_of",
    "years_query",
]

FIELD_LABELS: Final[dict[str, str]] = {
    "state": N_("State"),
    "a": N_("First state"),
    "b": N_("Second state"),
    "year": N_("Year"),
    "from": N_("From (year)"),
    "to": N_("To (year)"),
    "states": N_("States"),
    "org": N_("Organisation"),
    "sort": N_("Order by"),
}
DEFAULT_SSCORES: Final = (1955, "TUR,IRQ,PAK,IRN,GBR,USA,EGY,SAU")
"""The S-scores shown before any is asked for: the Baghdad Pact's year, its members, the
United States, and the Arab states that stayed out."""
REFUSED: Final = (InvalidInput, NotFound)
"""What a question may be refused with: a value out of range, or a name naming nothing."""


def year_of(value: str | None, field: str) -> int | None:
    """A year typed into a form (``None`` when left empty); anything but digits is refused
    naming ``field``. Its range is the question's to check (``analytics._inputs``)."""
    text = (value or "").strip()
    if not text:
        return None
    number = bounded_int(text, maximum=9999) if is_ascii_digits(text) else None
    if number is None:
        raise InvalidInput(f"{field}: {text!r} is not a year", field=field, value=text)
    return number


def years_query(first: int | None, last: int | None) -> str:
    """``?from=…&to=…`` for the years given (empty when none is)."""
    pairs = [(k, str(v)) for k, v in (("from", first), ("to", last)) if v is not None]
    return "?" + urlencode(pairs) if pairs else ""


def path_part(name: str | int) -> str:
    """A state's or an organisation's name as one segment of a path."""
    return quote(str(name), safe="")


def refused(
    request: Request,
    template: str,
    error: TaawunError,
    context: dict[str, Any] | None = None,
) -> HTMLResponse:
    """``template`` showing why the question was refused, naming the field: 404 for a name
    that names nothing, 400 for anything else."""
    status = 404 if isinstance(error, NotFound) else 400
    return render(request, template, {**(context or {}), **problem(error)}, status)


def problem(error: TaawunError | None) -> dict[str, Any]:
    """The template's ``error_*`` values (``analytics/_problem.html.j2``)."""
    if error is None:
        return {"error_field": None, "error_message": None, "error_candidates": []}
    return {
        "error_field": error.field,
        "error_label": FIELD_LABELS.get(error.field or "", error.field or ""),
        "error_message": error.message,
        "error_candidates": list(error.candidates[:10]),
    }
