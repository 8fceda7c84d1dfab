"""core: Clearance.parse, FixedClock, ensure_utc and the error body."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from taawun.core.clock import FixedClock, ensure_utc
from taawun.core.errors import Conflict, DataFileError, InvalidInput, NotFound
from taawun.core.principal import Clearance


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("secret", Clearance.SECRET),
        ("TOP_SECRET", Clearance.TOP_SECRET),
        ("top secret", Clearance.TOP_SECRET),
        ("top-secret", Clearance.TOP_SECRET),
        (" Restricted ", Clearance.RESTRICTED),
        (0, Clearance.UNCLASSIFIED),
        (4, Clearance.TOP_SECRET),
        (Clearance.CONFIDENTIAL, Clearance.CONFIDENTIAL),
    ],
)
def test_clearance_parse(given: str | int, expected: Clearance) -> None:
    assert Clearance.parse(given) is expected


def test_clearance_order() -> None:
    assert Clearance.UNCLASSIFIED < Clearance.RESTRICTED < Clearance.SECRET < Clearance.TOP_SECRET


def test_clearance_bad_name_lists_candidates() -> None:
    with pytest.raises(InvalidInput) as caught:
        Clearance.parse("cosmic")
    assert caught.value.field == "clearance"
    assert caught.value.candidates == [c.name for c in Clearance]
    assert "SECRET" in caught.value.message


@pytest.mark.parametrize("bad", [5, -1])
def test_clearance_bad_int(bad: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        Clearance.parse(bad)
    assert caught.value.value == bad


def test_fixed_clock_stands_still_and_advances() -> None:
    at = datetime(2026, 1, 1, 12, tzinfo=UTC)
    clock = FixedClock(at)
    assert clock.now() == clock.now() == at
    clock.advance(minutes=90)
    assert clock.now() == at + timedelta(minutes=90)


def test_fixed_clock_converts_to_utc_and_refuses_naive() -> None:
    clock = FixedClock(datetime(2026, 1, 1, 15, tzinfo=timezone(timedelta(hours=3))))
    assert clock.now() == datetime(2026, 1, 1, 12, tzinfo=UTC)
    assert clock.now().utcoffset() == timedelta(0)
    with pytest.raises(ValueError, match="aware"):
        FixedClock(datetime(2026, 1, 1))


def test_ensure_utc() -> None:
    naive = datetime(2026, 5, 1, 8, 30)
    assert ensure_utc(naive) == datetime(2026, 5, 1, 8, 30, tzinfo=UTC)
    karachi = datetime(2026, 5, 1, 13, 30, tzinfo=timezone(timedelta(hours=5)))
    converted = ensure_utc(karachi)
    assert converted.tzinfo is UTC
    assert converted.hour == 8


def test_error_to_dict() -> None:
    error = Conflict("username: taken", field="username", value="ali")
    assert error.to_dict() == {
        "error": "conflict",
        "message": "username: taken",
        "field": "username",
        "value": "ali",
    }
    assert NotFound("gone").to_dict() == {"error": "not_found", "message": "gone"}
    body = InvalidInput("bad", candidates=["A", "B"]).to_dict()
    assert body["candidates"] == ["A", "B"]
    assert (Conflict.http_status, NotFound.http_status) == (409, 404)


def test_data_file_error_names_file_and_line() -> None:
    error = DataFileError("atop.csv", "truncated", line=7)
    assert error.message == "atop.csv, line 7: truncated"
    assert error.to_dict()["value"] == "7"
