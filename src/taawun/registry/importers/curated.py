"""Agreements after ATOP's coverage, from ``curated/agreements_since_2019.csv``.

Columns: ``key`` → ``source_id`` (source "curated"), ``title``, ``signed``
(ISO date) → ``signed`` and ``in_force``, ``parties_iso3`` (``;``-separated
ISO3 codes) → parties entering on ``signed``, ``domains`` (``;``-separated,
from the vocabulary), ``source`` → ``citation``. Status is ``in_force``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taawun.registry.importers import sources as src
from taawun.registry.importers._agreements import AgreementRecord, PartyRecord
from taawun.registry.importers._csv import Table, read_table
from taawun.registry.importers.cow_states import StatesPlan
from taawun.registry.vocabulary import DOMAINS


@dataclass(slots=True)
class CuratedPlan:
    tables: list[Table]
    records: list[AgreementRecord]

    @property
    def rows(self) -> int:
        return sum(len(t.rows) for t in self.tables)


def parse(data_dir: Path, states: StatesPlan) -> CuratedPlan:
    table = read_table(
        data_dir,
        src.CURATED_AGREEMENTS_FILE,
        ["key", "title", "signed", "parties_iso3", "domains", "source"],
    )
    by_iso3 = {s.iso3: s for s in states.all_states() if s.iso3}
    records: list[AgreementRecord] = []
    seen: set[str] = set()
    for row in table.rows:
        key = row.text("key")
        if not key or key in seen:
            raise row.error(f"column 'key': {key!r} is empty or appears twice")
        seen.add(key)
        signed = row.iso_date("signed")
        parties = [p.strip() for p in row.text("parties_iso3").split(";") if p.strip()]
        domains = [d.strip() for d in row.text("domains").split(";") if d.strip()]
        if len(parties) < 2:
            raise row.error("column 'parties_iso3': an agreement needs at least two parties")
        for iso3 in parties:
            if iso3 not in by_iso3:
                raise row.error(f"column 'parties_iso3': unknown ISO3 code {iso3!r}")
        for domain in domains:
            if domain not in DOMAINS:
                raise row.error(f"column 'domains': unknown domain {domain!r}")
        if not row.text("title") or not row.text("source"):
            raise row.error("columns 'title' and 'source' must not be empty")
        values: dict[str, Any] = {
            "title": row.text("title"),
            "signed": signed,
            "in_force": signed,
            "ended": None,
            "status": "in_force",
            "status_since": signed,
            "confidential": False,
            "observed_through": None,
            "terms": {},
            "citation": row.text("source"),
        }
        party_records = [
            PartyRecord(by_iso3[i].cow_code, i, 0, signed, None, row.line) for i in parties
        ]
        records.append(
            AgreementRecord(key, values, None, {d: {} for d in domains}, [], party_records)
        )
    return CuratedPlan([table], records)
