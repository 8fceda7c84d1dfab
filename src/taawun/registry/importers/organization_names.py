"""Organizations' names over time, from ``curated/organization_names.csv``.

COW IGO v3 names each organization once, as it was called when coded (the OIC is
"Org. Islamic Conference"). The curated file records each name an organization bears or
bore: ``organization`` (a COW IGO ``ioname``), ``name``, ``valid_from`` and ``valid_to``
(ISO dates, the first and last day of use; an empty ``valid_to`` marks the current name)
and ``source`` → ``OrganizationName``. The current name also becomes the organization's
``name`` and ``long_name``, in place of COW IGO's (part of the COW IGO source, so the
organization rows and their names are written together).

An organization's names may not overlap in time, and its current name, if listed, is the
latest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from taawun.registry.importers import sources as src
from taawun.registry.importers._csv import Row, Table, read_table
from taawun.registry.importers._sync import sync, table_of
from taawun.registry.importers.report import SourceReport
from taawun.registry.models import Organization, OrganizationName

_MAX = 200  # OrganizationName.name and .source


@dataclass(frozen=True, slots=True)
class NameRecord:
    org: str
    name: str
    valid_from: date
    valid_to: date | None
    source: str


def parse(
    data_dir: Path, organizations: dict[str, dict[str, Any]]
) -> tuple[Table, list[NameRecord]]:
    """Read and check the names; set each organization's current name in ``organizations``."""
    table = read_table(
        data_dir,
        src.ORGANIZATION_NAMES_FILE,
        ["organization", "name", "valid_from", "valid_to", "source"],
    )
    records: list[tuple[Row, NameRecord]] = []
    for row in table.rows:
        key, name = row.text("organization"), row.text("name")
        if key not in organizations:
            raise row.error(f"column 'organization': unknown organization {key!r}")
        source = f"{src.CURATED_SOURCE}: {row.text('source')}"
        if not name or not row.text("source") or len(name) > _MAX or len(source) > _MAX:
            raise row.error(f"columns 'name' and 'source': required, at most {_MAX} characters")
        valid_from = row.iso_date("valid_from")
        valid_to = row.iso_date("valid_to") if row.text("valid_to") else None
        if valid_to is not None and valid_to < valid_from:
            raise row.error(f"column 'valid_to': {valid_to} is before valid_from {valid_from}")
        records.append((row, NameRecord(key, name, valid_from, valid_to, source)))
    records.sort(key=lambda r: (r[1].org, r[1].valid_from))
    for (_, earlier), (row, later) in pairwise(records):
        if earlier.org == later.org and (
            earlier.valid_to is None or earlier.valid_to >= later.valid_from
        ):
            raise row.error(
                f"{later.org}: {later.name!r} begins while {earlier.name!r} is still in use"
            )
    for _, record in records:
        if record.valid_to is None:
            organizations[record.org]["name"] = record.name
            organizations[record.org]["long_name"] = record.name
    return table, [r for _, r in records]


def write(session: Session, names: list[NameRecord], report: SourceReport) -> None:
    """Upsert the names by (organization, name, valid_from); drop names the file no longer has."""
    org = table_of(Organization)
    org_ids = dict(session.execute(org.select().with_only_columns(org.c.key, org.c.id)).all())
    rows = [
        {
            "organization_id": org_ids[n.org],
            "name": n.name,
            "valid_from": n.valid_from,
            "valid_to": n.valid_to,
            "source": n.source,
        }
        for n in names
    ]
    table = table_of(OrganizationName)
    report.record(
        "organization_name",
        sync(
            session,
            table,
            key=["organization_id", "name", "valid_from"],
            rows=rows,
            scope=table.c.source.like(f"{src.CURATED_SOURCE}: %"),
        ),
    )
