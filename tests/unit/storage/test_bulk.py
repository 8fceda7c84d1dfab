"""Bulk inserts through the driver's executemany write what ``session.execute`` writes."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    insert,
    select,
)
from sqlalchemy.orm import Session

from taawun.storage.bulk import insert_rows

metadata = MetaData()
sample = Table(
    "bulk_sample",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(40)),
    Column("flag", Boolean),
    Column("doc", JSON),
    Column("blob", LargeBinary),
)


def _rows(start: int, n: int) -> list[dict[str, Any]]:
    return [
        {
            "id": start + i,
            "name": f"row {i} — ü",
            "flag": i % 2 == 0,
            "doc": {"i": i, "list": [i, None], "nested": {"k": "v"}} if i % 3 else None,
            "blob": bytes([i % 256]) * 3,
        }
        for i in range(n)
    ]


@pytest.fixture
def table_db(db: Session) -> Session:
    metadata.create_all(db.connection())
    return db


def test_bulk_rows_equal_orm_core_rows(table_db: Session) -> None:
    insert_rows(table_db, sample, _rows(0, 50))
    table_db.execute(insert(sample), _rows(1000, 50))
    bulk = [
        tuple(r)[1:]
        for r in table_db.execute(select(sample).where(sample.c.id < 1000).order_by(sample.c.id))
    ]
    core = [
        tuple(r)[1:]
        for r in table_db.execute(select(sample).where(sample.c.id >= 1000).order_by(sample.c.id))
    ]
    assert len(bulk) == 50
    assert bulk == core
    assert bulk[1][2] == {"i": 1, "list": [1, None], "nested": {"k": "v"}}  # JSON came back


def test_bulk_insert_is_in_the_callers_transaction(table_db: Session) -> None:
    savepoint = table_db.begin_nested()
    insert_rows(table_db, sample, _rows(0, 5))
    assert table_db.scalar(select(sample.c.id).where(sample.c.id == 4)) == 4
    savepoint.rollback()
    assert table_db.scalar(select(sample.c.id).where(sample.c.id == 4)) is None


def test_a_row_missing_a_column_names_it(table_db: Session) -> None:
    rows = _rows(0, 2)
    del rows[1]["name"]
    with pytest.raises(KeyError, match="name"):
        insert_rows(table_db, sample, rows)


def test_nothing_to_insert_is_a_no_op(table_db: Session) -> None:
    insert_rows(table_db, sample, [])
    assert table_db.scalar(select(sample.c.id)) is None
