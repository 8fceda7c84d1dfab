"""Dates known to the day, the month or the year: ``2026-05-14``, ``2026-05``, ``2026``.

MME codes an unknown day as "xx" (814 of 3,707 start days); a user recording a planned
exercise may know only its month. A ``PartialDate`` keeps the first day of what is known and
the precision, so that a year filter still works on the date, and ``last`` gives the latest
day it may stand for (an end known to the month may be any day of that month).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from taawun.core.errors import InvalidInput
from taawun.registry.periods import Period

_TEXT = re.compile(r"^(?P<y>\d{4})(?:-(?P<m>\d{1,2})(?:-(?P<d>\d{1,2}|xx))?)?$", re.IGNORECASE)
FIRST_YEAR, LAST_YEAR = 1900, 2200


@dataclass(frozen=True, slots=True)
class PartialDate:
    first: date
    precision: str

    @property
    def last(self) -> date:
        if self.precision == "day":
            return self.first
        if self.precision == "month":
            days = calendar.monthrange(self.first.year, self.first.month)[1]
            return self.first.replace(day=days)
        return date(self.first.year, 12, 31)

    @property
    def text(self) -> str:
        return format_partial(self.first, self.precision)

    @property
    def period(self) -> Period:
        """The days it may stand for, as the registry asks about them (a one-day period for
        a date known to the day: "in force on that day")."""
        return Period(self.first, self.last, self.text)


def format_partial(first: date, precision: str) -> str:
    if precision == "year":
        return f"{first.year:04d}"
    if precision == "month":
        return f"{first.year:04d}-{first.month:02d}"
    return first.isoformat()


def parse_partial(value: str | date, *, field: str) -> PartialDate:
    """``YYYY-MM-DD``, ``YYYY-MM`` (or ``YYYY-MM-xx``, as MME writes it) or ``YYYY``."""
    if isinstance(value, date):
        return PartialDate(value, "day")
    m = _TEXT.match(value.strip())
    if m is None:
        raise InvalidInput(
            f"{field}: {value!r} is not a date; expected YYYY-MM-DD, YYYY-MM or YYYY",
            field=field,
            value=value,
        )
    year = int(m["y"])
    month = int(m["m"]) if m["m"] else 1
    day_text = (m["d"] or "xx").lower()
    if day_text != "xx":
        return from_parts(year, month, int(day_text), "day", field=field, value=value)
    return from_parts(year, month, 1, "month" if m["m"] else "year", field=field, value=value)


def from_parts(
    year: int, month: int, day: int, precision: str, *, field: str, value: object
) -> PartialDate:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidInput(
            f"{field}: year {year} is out of range ({FIRST_YEAR}-{LAST_YEAR})",
            field=field,
            value=value,
        )
    try:
        return PartialDate(date(year, month, day), precision)
    except ValueError:
        raise InvalidInput(
            f"{field}: {value!r} is not a valid date", field=field, value=value
        ) from None


def check_order(start: PartialDate, end: PartialDate | None) -> None:
    """Refuse an end that must fall before the start: the latest day the end may stand for is
    before the earliest the start may (``2026-05`` to ``2026-05-03`` is fine)."""
    if end is not None and end.last < start.first:
        raise InvalidInput(
            f"end: {end.text} is before the start {start.text}", field="end", value=end.text
        )
