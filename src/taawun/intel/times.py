"""STIX and TAXII timestamps as integers of microseconds since the epoch.

STIX 2.1 §3.2 timestamps are RFC 3339 in UTC with a ``Z``; TAXII 2.1 §2
requires ``date_added`` and its headers as ``YYYY-MM-DDTHH:MM:SS.ssssssZ``.
Integers keep ordering and equality exact on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from functools import lru_cache

from taawun.core.errors import InvalidInput
from taawun.core.integers import is_ascii_digits

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = _EPOCH.toordinal()
# The form nearly every timestamp arrives in; anything else takes the general path.
_CANONICAL = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?Z"
)


@lru_cache(maxsize=8192)
def _day_number(day: str) -> int:
    """Days since the epoch of ``YYYY-MM-DD`` (ValueError when it is no calendar day)."""
    return date.fromisoformat(day).toordinal() - _EPOCH_ORDINAL


@lru_cache(maxsize=8192)
def _day_text(days: int) -> str:
    return date.fromordinal(days + _EPOCH_ORDINAL).isoformat()


def to_us(moment: datetime) -> int:
    delta = moment.astimezone(UTC) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _canonical(text: str) -> tuple[int, int, int, int, str] | None:
    """(days since the epoch, hours, minutes, seconds, six fraction digits) of a canonical
    STIX timestamp of a real instant; None for anything else (the general path judges it)."""
    match = _CANONICAL.fullmatch(text)
    if match is None:
        return None
    day, hours, minutes, seconds, frac = match.groups()
    h, m, s = int(hours), int(minutes), int(seconds)
    if h > 23 or m > 59 or s > 59:
        return None
    try:
        days = _day_number(day)
    except ValueError:
        return None
    return days, h, m, s, ((frac or "") + "000000")[:6]


def parse_us(text: str, *, field: str = "timestamp") -> int:
    """``2024-01-01T00:00:00.123Z`` → microseconds; more than 6 fractional digits are cut."""
    found = _canonical(text)
    if found is None:
        return _parse_general(text, field)
    days, h, m, s, micros = found
    return (((days * 24 + h) * 60 + m) * 60 + s) * 1_000_000 + int(micros)


def taxii_form(text: str) -> str | None:
    """``text`` in the TAXII 2.1 form (microseconds, ``Z``) when it is a canonical STIX
    timestamp of a real instant, by string operations alone; None otherwise."""
    found = _canonical(text)
    return None if found is None else f"{text[:19]}.{found[4]}Z"


def _parse_general(text: str, field: str) -> int:
    value = text.strip()
    if not value.endswith(("Z", "z")):
        raise InvalidInput(
            f"{field}: {text!r} is not a UTC timestamp ending in Z", field=field, value=text
        )
    head, dot, frac = value[:-1].partition(".")
    if dot and not is_ascii_digits(frac):
        raise InvalidInput(f"{field}: {text!r} has a malformed fraction", field=field, value=text)
    try:
        whole = datetime.fromisoformat(head).replace(tzinfo=UTC)
    except ValueError:
        raise InvalidInput(
            f"{field}: {text!r} is not a timestamp", field=field, value=text
        ) from None
    micros = int((frac + "000000")[:6]) if dot else 0
    return to_us(whole) + micros


def format_us(us: int) -> str:
    """TAXII 2.1 form: ``YYYY-MM-DDTHH:MM:SS.ssssssZ``."""
    seconds, micros = divmod(us, 1_000_000)
    days, seconds = divmod(seconds, 86_400)
    hours, seconds = divmod(seconds, 3_600)
    minutes, seconds = divmod(seconds, 60)
    return f"{_day_text(days)}T{hours:02d}:{minutes:02d}:{seconds:02d}.{micros:06d}Z"


def from_us(us: int) -> datetime:
    seconds, micros = divmod(us, 1_000_000)
    return datetime.fromtimestamp(seconds, UTC).replace(microsecond=micros)
