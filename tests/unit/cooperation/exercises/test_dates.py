"""Dates known to the day, the month or the year (MME's "xx" days)."""

from __future__ import annotations

from datetime import date

import pytest

from taawun.cooperation.exercises.dates import check_order, parse_partial
from taawun.core.errors import InvalidInput


@pytest.mark.parametrize(
    ("text", "first", "last", "precision", "shown"),
    [
        ("2026-05-14", date(2026, 5, 14), date(2026, 5, 14), "day", "2026-05-14"),
        ("2026-05", date(2026, 5, 1), date(2026, 5, 31), "month", "2026-05"),
        ("1980-01-xx", date(1980, 1, 1), date(1980, 1, 31), "month", "1980-01"),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29), "month", "2024-02"),
        ("1996", date(1996, 1, 1), date(1996, 12, 31), "year", "1996"),
    ],
)
def test_a_partial_date_keeps_its_first_day_and_precision(
    text: str, first: date, last: date, precision: str, shown: str
) -> None:
    found = parse_partial(text, field="start")
    assert (found.first, found.last, found.precision, found.text) == (first, last, precision, shown)
    assert (found.period.start, found.period.end) == (first, last)


@pytest.mark.parametrize("text", ["2026-13", "2026-02-30", "26-05-01", "May 2026", "1850", ""])
def test_what_is_not_a_date_is_refused_naming_the_field(text: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_partial(text, field="end")
    assert err.value.field == "end"


def test_an_end_is_refused_only_when_it_must_fall_before_the_start() -> None:
    start = parse_partial("2026-05-14", field="start")
    check_order(start, parse_partial("2026-05", field="end"))  # any day of May: may be after
    check_order(start, None)
    with pytest.raises(InvalidInput) as err:
        check_order(start, parse_partial("2026-05-13", field="end"))
    assert err.value.field == "end" and "before the start 2026-05-14" in err.value.message
    with pytest.raises(InvalidInput):
        check_order(start, parse_partial("2026-04", field="end"))
