"""Bring a table's rows in line with what a dataset says, by natural key, in bulk.

Existing rows are read once, compared column by column, and only the
differences are written: one ``INSERT`` executemany for new rows, one
``UPDATE`` executemany for changed rows, one ``DELETE`` for rows (within the
given scope) that the dataset no longer has. A forced re-import of unchanged
data therefore writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from taawun.registry.importers.report import Counts
from taawun.storage.base import Base

Record = dict[str, Any]
Key = tuple[Any, ...]


def sync(
    session: Session,
    table: Table,
    *,
    key: Sequence[str],
    rows: Sequence[Record],
    scope: ColumnElement[bool] | None = None,
    delete_missing: bool = True,
    on_insert: Callable[[Record], Record] | None = None,
    on_update: Callable[[Record], Record] | None = None,
) -> Counts:
    """Insert, update and delete so ``table`` (within ``scope``) holds exactly ``rows``.

    ``key`` names the natural-key columns; every other column present in a
    row is compared and written. ``on_insert``/``on_update`` add columns that
    are written but never compared (timestamps).
    """
    columns = sorted({c for r in rows for c in r} | set(key))
    stmt = select(table.c.id, *(table.c[c] for c in columns))
    if scope is not None:
        stmt = stmt.where(scope)
    existing: dict[Key, Record] = {}
    for found in session.execute(stmt).mappings():
        existing[tuple(found[c] for c in key)] = dict(found)

    to_insert: list[Record] = []
    to_update: list[Record] = []
    seen: set[Key] = set()
    for row in rows:
        k = tuple(row[c] for c in key)
        seen.add(k)
        old = existing.get(k)
        if old is None:
            to_insert.append(on_insert(row) if on_insert else row)
        elif any(old[c] != v for c, v in row.items()):
            change = {f"_{c}": v for c, v in (on_update(row) if on_update else row).items()}
            change["_id"] = old["id"]
            to_update.append(change)
    stale = [old["id"] for k, old in existing.items() if k not in seen] if delete_missing else []

    if to_insert:
        session.execute(insert(table), to_insert)
    if to_update:
        names = [n[1:] for n in to_update[0] if n != "_id"]
        session.execute(
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values({n: bindparam(f"_{n}") for n in names}),
            to_update,
            execution_options={"synchronize_session": False},
        )
    for start in range(0, len(stale), 500):
        chunk = stale[start : start + 500]
        session.execute(
            delete(table).where(table.c.id.in_(chunk)),
            execution_options={"synchronize_session": False},
        )
    return Counts(len(to_insert), len(to_update), len(stale))


def table_of(model: type[Base]) -> Table:
    """The Core table of an ORM model, typed as a ``Table`` (for bulk statements)."""
    return Base.metadata.tables[model.__tablename__]
