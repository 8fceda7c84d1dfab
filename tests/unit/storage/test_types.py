"""UTCDateTime: aware UTC in, aware UTC out, on every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from taawun.storage.base import UTCDateTime

# A temporary table of its own: invisible to the schema comparison, gone after the test.
_metadata = MetaData()
stamp = Table(
    "tmp_utc_stamp",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime()),
    prefixes=["TEMPORARY"],
)

KARACHI = timezone(timedelta(hours=5), "PKT")


@pytest.fixture
def stamps(db: Session) -> Session:
    connection = db.connection()
    if connection.dialect.name == "postgresql":
        # A non-UTC session zone: values must still come back in UTC.
        connection.execute(text("SET LOCAL TIME ZONE 'Asia/Karachi'"))
    stamp.create(connection, checkfirst=True)
    return db


def test_refuses_naive_datetimes(stamps: Session) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        stamps.execute(insert(stamp).values(id=1, at=datetime(2026, 1, 1, 12, 0)))


def test_returns_aware_utc(stamps: Session) -> None:
    given = datetime(2026, 3, 1, 17, 30, 15, 123456, tzinfo=KARACHI)
    stamps.execute(insert(stamp).values(id=1, at=given))

    got = stamps.scalar(select(stamp.c.at).where(stamp.c.id == 1))

    assert got is not None
    assert got.utcoffset() == timedelta(0)
    assert got.tzinfo is UTC
    assert got == given
    assert got.hour == 12


def test_null_stays_null(stamps: Session) -> None:
    stamps.execute(insert(stamp).values(id=1, at=None))
    assert stamps.scalar(select(stamp.c.at).where(stamp.c.id == 1)) is None
