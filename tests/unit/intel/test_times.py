"""STIX/TAXII timestamps as microseconds: exact round trips and clear refusals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taawun.core.errors import InvalidInput
from taawun.intel.times import format_us, from_us, parse_us, to_us


def test_taxii_format_has_microseconds_and_z() -> None:
    assert format_us(parse_us("2024-01-02T03:04:05.123Z")) == "2024-01-02T03:04:05.123000Z"
    assert format_us(0) == "1970-01-01T00:00:00.000000Z"


def test_more_than_six_fraction_digits_are_cut() -> None:
    assert parse_us("2024-01-01T00:00:00.1234567Z") == parse_us("2024-01-01T00:00:00.123456Z")


@pytest.mark.parametrize(
    "bad", ["2024-01-01T00:00:00", "2024-13-01T00:00:00Z", "yesterday", "2024-01-01T00:00:00.abcZ"]
)
def test_bad_timestamps_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInput):
        parse_us(bad, field="added_after")


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1)))
def test_round_trip(moment: datetime) -> None:
    aware = moment.replace(tzinfo=UTC)
    us = to_us(aware)
    assert from_us(us) == aware
    assert parse_us(format_us(us)) == us


@given(
    st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 31)),
    st.text(alphabet="0123456789", max_size=9),
)
def test_any_fraction_length_is_read_to_the_microsecond(moment: datetime, frac: str) -> None:
    text = f"{moment:%Y-%m-%dT%H:%M:%S}" + (f".{frac}" if frac else "") + "Z"
    micros = int((frac + "000000")[:6])
    expected = to_us(moment.replace(tzinfo=UTC, microsecond=micros))
    assert parse_us(text) == expected
    assert parse_us(text.replace("Z", "z")) == expected


@pytest.mark.parametrize(
    "bad", ["2024-01-01T00:00:00+05:00Z", "2024-01-01T00:00:00.12٣Z", "2024-01-01T00:00:00.Z"]
)
def test_offsets_and_other_digits_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInput):
        parse_us(bad)


@pytest.mark.parametrize(
    "bad",
    [
        "2024-02-30T00:00:00Z",
        "2024-01-01T24:00:00Z",
        "2024-01-01T00:60:00Z",
        "2024-01-01T00:00:60Z",
    ],
)
def test_canonical_looking_but_impossible_instants_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInput, match="not a timestamp"):
        parse_us(bad)


@given(
    st.integers(
        min_value=to_us(datetime(1, 1, 1, tzinfo=UTC)),
        max_value=to_us(datetime(9999, 12, 31, tzinfo=UTC)),
    )
)
def test_format_matches_datetime_formatting(us: int) -> None:
    moment = from_us(us)
    assert format_us(us) == moment.isoformat(timespec="microseconds").replace("+00:00", "Z")
