"""STIX and TAXII timestamps as integers of microseconds since the epoch.

STIX 2.1 §3.2 timestamps are RFC 3339 in UTC with a ``Z``; TAXII 2.1 §2
requires ``date_added`` and its headers as ``YYYY-MM-DDTHH:MM:SS.ssssssZ``.
Integers keep ordering and equality exact on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import UTC, datetime

from taawun.core.errors import InvalidInput

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_us(moment: datetime) -> int:
    delta = moment.astimezone(UTC) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def parse_us(text: str, *, field: str = "timestamp") -> int:
    """``2024-01-01T00:00:00.123Z`` → microseconds; more than 6 fractional digits are cut."""
    value = text.strip()
    if not value.endswith(("Z", "z")):
        raise InvalidInput(
            f"{field}: {text!r} is not a UTC timestamp ending in Z", field=field, value=text
        )
    head, dot, frac = value[:-1].partition(".")
    if dot and not frac.isdigit():
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
    moment = datetime.fromtimestamp(seconds, UTC)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{micros:06d}Z"


def from_us(us: int) -> datetime:
    seconds, micros = divmod(us, 1_000_000)
    return datetime.fromtimestamp(seconds, UTC).replace(microsecond=micros)
