"""Load the chosen MISP warninglists into the node's common-value index, once.

The lists ship inside ``pymispwarninglists`` (``data/misp-warninglists/lists/<key>/
list.json``, CC0), so no network is needed. Which lists, and what a hit on each means, is
``threats/warninglists.py``; this module reads each chosen list's JSON (its ``type``,
``matching_attributes`` and ``list``: the fields of MISP's ``schema.json``) and writes its
entries, normalised as ``threats/normalize.py`` normalises the values of intel, into the
table for its way of matching (``threats/models_common.py``).

Every entry read is accounted for, per list, in ``common_list`` (``read``, ``loaded``,
``merged``, ``rejected``: see ``_warninglist_entries.py``), and shown by ``taawun common
list --lists``. The source is skipped when no list file changed (checksum), at the cost
of reading the files' JSON (a tenth of a second); when some did, only those lists are
normalised and their rows replaced, and the correlation index's values are flagged again.
Loading all of them takes a few seconds, against the ~18 s of ``pymispwarninglists``'
own full-matching load, which a node would pay in every process that matches.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import Final

import pymispwarninglists
from pymispwarninglists.api import WarningList
from pymispwarninglists.exceptions import PyMISPWarningListsError
from sqlalchemy import Table, delete, insert, select, text, update
from sqlalchemy.orm import Session

from taawun.cooperation.importers._warninglist_entries import ParsedList
from taawun.cooperation.threats.models_common import (
    CommonExact,
    CommonHost,
    CommonList,
    CommonNetwork,
    CommonPattern,
)
from taawun.cooperation.threats.warninglists import CHOSEN, LEFT_OUT
from taawun.core.clock import Clock
from taawun.core.errors import DataFileError
from taawun.registry.importers._sync import table_of
from taawun.registry.importers.report import Counts, SourceReport
from taawun.registry.importers.run import Source
from taawun.storage.bulk import insert_rows

KEY: Final = "misp-warninglists"
MAPPING_VERSION: Final = "1"  # bump when the way entries are read changes
PACKAGE_VERSION: Final = "1.7"
CITATION: Final = (
    "MISP warninglists (CC0), as shipped in the pymispwarninglists package "
    f"{PACKAGE_VERSION}: https://github.com/MISP/misp-warninglists"
)


def lists_dir() -> Path:
    """Where the package keeps the lists (never the user's XDG copy, never the network)."""
    return Path(pymispwarninglists.__file__).parent / "data" / "misp-warninglists" / "lists"


@dataclass(slots=True)
class WarninglistsPlan:
    lists: list[ParsedList]
    notes: list[str]

    @property
    def rows(self) -> int:
        return sum(p.read for p in self.lists)


def read_lists(
    directory: Path | None = None, keys: Iterable[str] | None = None
) -> WarninglistsPlan:
    """Read the chosen lists (or those of ``keys``, a subset: tests): each file's JSON
    as ``pymispwarninglists`` checks it (a list type it knows), and its checksum. Their
    entries are normalised only when written (``ParsedList.parse``)."""
    directory = directory or lists_dir()
    wanted = sorted(CHOSEN) if keys is None else sorted(keys)
    present = {p.parent.name for p in directory.glob("*/list.json")}
    notes = [
        f"warninglist {key}: in the package but neither chosen nor left out (warninglists.py)"
        for key in sorted(present - set(CHOSEN) - set(LEFT_OUT))
    ]
    parsed = []
    for key in wanted:
        path = directory / key / "list.json"
        try:
            raw = path.read_bytes()
            meta = WarningList(json.loads(raw))
        except (OSError, ValueError, KeyError, TypeError, PyMISPWarningListsError) as exc:
            raise DataFileError(str(path), f"cannot read warninglist {key}: {exc}") from exc
        choice = CHOSEN[key]
        digest = hashlib.sha256(f"{MAPPING_VERSION}|{key}|{choice}|".encode() + raw)
        parsed.append(ParsedList(key, choice, meta, digest.hexdigest()))
    return WarninglistsPlan(parsed, notes)


def observed_through(plan: WarninglistsPlan) -> date | None:
    """The newest list's date: MISP versions most lists as ``YYYYMMDD``."""
    dates = []
    for one in plan.lists:
        text = str(one.meta.version)
        if len(text) == 8 and text.startswith("20"):
            try:
                dates.append(date(int(text[:4]), int(text[4:6]), int(text[6:])))
            except ValueError:
                continue
    return max(dates, default=None)


def plan(session: Session, data_dir: Path, clock: Clock) -> tuple[list[Source], list[str]]:
    """The warninglists as one source (``data_dir`` is not read: the lists are the
    package's); the lists' entries are normalised only if one has changed."""
    del session, data_dir, clock
    read = read_lists()
    digest = hashlib.sha256("|".join(f"{p.key}:{p.sha256}" for p in read.lists).encode())
    source = Source(
        KEY,
        CITATION,
        observed_through(read),
        read.rows,
        digest.hexdigest(),
        partial(write, read),
    )
    return [source], read.notes


def write(
    plan: WarninglistsPlan,
    session: Session,
    report: SourceReport,
    progress: Callable[[int], None],
) -> None:
    """Replace the rows of each list whose file changed (and drop lists no longer chosen),
    then flag the correlation index's values again if anything changed."""
    from taawun.cooperation.threats import common_service

    stored = {
        key: (list_id, sha)
        for list_id, key, sha in session.execute(
            select(CommonList.id, CommonList.key, CommonList.sha256)
        )
    }
    chosen = {p.key for p in plan.lists}
    changed = [p for p in plan.lists if stored.get(p.key, (0, ""))[1] != p.sha256]
    stale = [stored[p.key][0] for p in changed if p.key in stored]
    gone = [list_id for key, (list_id, _) in stored.items() if key not in chosen]
    counts = {t.__tablename__: Counts() for t in (*ROW_TABLES, CommonList)}
    if stale or gone:
        for table in ROW_TABLES:
            result = session.execute(delete(table).where(table.list_id.in_(stale + gone)))
            counts[table.__tablename__].deleted += result.rowcount  # type: ignore[attr-defined]
    if gone:
        session.execute(delete(CommonList).where(CommonList.id.in_(gone)))
        counts["common_list"].deleted += len(gone)
    done = sum(p.read for p in plan.lists if p not in changed)
    progress(done)
    for one in changed:
        one.parse()
        list_id = _write_list(session, one, stored.get(one.key, (None, ""))[0], counts)
        for target, columns, rows in _rows_of(one, list_id):
            bulk_insert(session, target, columns, rows)
            counts[target.name].inserted += len(rows)
        done += one.read
        progress(done)
    for table_name, table_counts in counts.items():
        report.record(table_name, table_counts)
    if changed or gone:
        if session.get_bind().dialect.name == "postgresql":
            # statistics for the planner now, not at autovacuum's leisure
            session.execute(text(f"ANALYZE {', '.join(t.__tablename__ for t in ROW_TABLES)}"))
        common_service.reflag_index(session)


ROW_TABLES: Final = (CommonExact, CommonHost, CommonNetwork, CommonPattern)


def _write_list(
    session: Session, one: ParsedList, list_id: int | None, counts: dict[str, Counts]
) -> int:
    values = {
        "key": one.key,
        "name": one.meta.name[:200],
        "description": one.meta.description,
        "version": int(one.meta.version),
        "match": one.meta.type,
        "effect": one.choice.effect,
        "namespace": one.choice.namespace,
        "read": one.read,
        "loaded": one.loaded,
        "merged": one.merged,
        "rejected": len(one.rejected),
        "sha256": one.sha256,
    }
    if list_id is None:
        counts["common_list"].inserted += 1
        return int(
            session.execute(
                insert(CommonList).values(**values).returning(CommonList.id)
            ).scalar_one()
        )
    session.execute(update(CommonList).where(CommonList.id == list_id).values(**values))
    counts["common_list"].updated += 1
    return list_id


Rows = list[tuple[object, ...]]


def _rows_of(one: ParsedList, list_id: int) -> list[tuple[Table, tuple[str, ...], Rows]]:
    return [
        (
            table_of(CommonExact),
            ("list_id", "kind", "value"),
            [(list_id, k, v) for k, v in one.exact],
        ),
        (table_of(CommonHost), ("list_id", "host"), [(list_id, h) for h in one.hosts]),
        (
            table_of(CommonNetwork),
            ("list_id", "family", "prefix", "network"),
            [(list_id, f, p, n) for f, p, n in one.networks],
        ),
        (
            table_of(CommonPattern),
            ("list_id", "kind", "match", "pattern"),
            [(list_id, k, m, p) for k, m, p in one.patterns],
        ),
    ]


def bulk_insert(session: Session, table: Table, columns: tuple[str, ...], rows: Rows) -> None:
    """Half a million rows: PostgreSQL's ``COPY`` (an executemany took 40 s there, COPY a
    few), SQLite's executemany through ``storage.bulk``; in the session's transaction."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        insert_rows(session, table, [dict(zip(columns, row, strict=True)) for row in rows])
        return
    driver = connection.connection.driver_connection
    assert driver is not None  # an open connection's
    sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
