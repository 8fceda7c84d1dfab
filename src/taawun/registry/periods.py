"""When a question is asked about: a year or a date, parsed once, checked clearly."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from taawun.core.errors import InvalidInput

_YEAR = re.compile(r"^\d{4}$")


@dataclass(frozen=True, slots=True)
class Period:
    """A closed range of days; a year asks about any day in it, a date about that day."""

    start: date
    end: date
    label: str

    @classmethod
    def year(cls, year: int) -> Period:
        if not 1800 <= year <= 2200:
            raise InvalidInput(f"year {year} is out of range (1800-2200)", field="year", value=year)
        return cls(date(year, 1, 1), date(year, 12, 31), str(year))

    @classmethod
    def day(cls, day: date) -> Period:
        return cls(day, day, day.isoformat())


def parse_when(value: str | int | date | None, *, field: str) -> Period | None:
    """``1960`` (a year), ``1960-05-01`` (a date), or None; anything else is refused."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return Period.day(value)
    if isinstance(value, int):
        return Period.year(value)
    text = value.strip()
    if _YEAR.match(text):
        return Period.year(int(text))
    return Period.day(parse_date(text, field=field))


def parse_date(value: str, *, field: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            f"{field}: {value!r} is not a date; expected YYYY-MM-DD (or a year YYYY)",
            field=field,
            value=value,
        ) from None
