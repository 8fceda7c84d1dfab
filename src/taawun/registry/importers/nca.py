"""Nuclear cooperation agreements from Fuhrmann's NCA dataset (version 2.0, 1951-2003).

``extra/nca_nuclear_cooperation_agreements_fuhrmann.csv`` (the Stata file converted to
CSV, values unchanged) has one row per *nuclear assistance dyad*: ``ccode1`` (COW code of
the supplier) pledged assistance to ``ccode2`` (the recipient) by an agreement signed in
``year``, of type ``nca_type`` (codebook of 3 January 2012: 1 safety, 2 intangibles,
3 materials, 4 research, 5 comprehensive power restricted, 6 comprehensive power
unrestricted, 7 military assistance); ``nca`` is 1 on every row. The codebook says a
bilateral agreement under which both states supply appears twice, once per direction, and
a multilateral one (EURATOM's) once per assistance dyad; about 1,500 agreements make its
3,152 rows. The dataset has no agreement id, so agreements are rebuilt as follows:

- rows of one pair of states, one year and one type are one group; the group holds as
  many agreements as the larger of its two directions has rows (A→B twice and B→A twice
  is two agreements under which both supply; A→B four times is four agreements). The
  n-th row of each direction joins the n-th agreement: the first row of an agreement
  is *imported*, a row of the other direction joining it is *merged*;
- a multilateral agreement therefore becomes one agreement per pair, as the data has it;
- a row whose supplier and recipient are the same state (line 2132: ``260,260``, named
  Germany and France) says nothing that can be recorded: *reported*, not imported;
- names (``country1``/``country2``) are labels: where one names another state than its
  code (matched by the registry's name patterns), the code is kept and the row reported.

Each agreement: source ``Fuhrmann NCA``, ``source_id`` ``{low}-{high}-{year}-{type}-{n}``
(the pair's COW codes, lower first), public, signed and in force from 1 January of the
signing year (``terms["date_precision"] = "year"``), status ``in_force`` with no end: the
dataset records signing only, never expiry (``terms["duration"]`` says so), observed
through 2003. Domain ``technology_exchange`` with the type in its terms; type 7 (nuclear
assistance for weapons) also ``military_aid``. Parties: the two states, entering on the
signing date. ``terms`` keeps the suppliers, the names as given and the source lines.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from taawun.registry.importers import sources as src
from taawun.registry.importers._agreements import AgreementRecord, PartyRecord
from taawun.registry.importers._csv import Row, Table, read_table
from taawun.registry.importers.cow_states import StatesPlan

NCA_TYPES: dict[int, str] = {
    1: "nuclear safety",
    2: "intangibles (research and development, training)",
    3: "nuclear materials",
    4: "research programme",
    5: "comprehensive power, restricted",
    6: "comprehensive power, unrestricted",
    7: "military assistance",
}
"""``nca_type`` as the NCA codebook (Fuhrmann, 3 January 2012) defines it."""

SHORT: dict[int, str] = {
    1: "safety",
    2: "intangibles",
    3: "materials",
    4: "research",
    5: "power, restricted",
    6: "power, unrestricted",
    7: "military",
}
COLUMNS = ["ccode1", "ccode2", "country1", "country2", "year", "nca", "nca_type"]
DURATION = "not recorded: the dataset codes the year an agreement was signed, never its end"


@dataclass(slots=True)
class NcaPlan:
    tables: list[Table]
    records: list[AgreementRecord]
    imported: int = 0
    merged: int = 0
    reported: list[str] = field(default_factory=list)
    unresolvable: int = 0

    @property
    def rows(self) -> int:
        return sum(len(t.rows) for t in self.tables)

    @property
    def notes(self) -> list[str]:
        return [f"{src.NCA_FILE}: {n}" for n in self.reported]


@dataclass(slots=True)
class _Agreement:
    pair: tuple[int, int]
    year: int
    kind: int
    n: int
    rows: list[Row] = field(default_factory=list)


def parse(data_dir: Path, states: StatesPlan) -> NcaPlan:
    table = read_table(data_dir, src.NCA_FILE, COLUMNS)
    plan = NcaPlan([table], [])
    patterns = {
        code: re.compile(s.name_pattern, re.IGNORECASE)
        for code, s in states.by_code.items()
        if s.name_pattern
    }
    groups: dict[tuple[int, int, int, int], list[_Agreement]] = defaultdict(list)
    seen: dict[tuple[int, int, int, int, int], int] = defaultdict(int)  # by direction
    for row in table.rows:
        supplier, recipient = row.int("ccode1"), row.int("ccode2")
        year, kind = row.int("year"), row.int("nca_type")
        if row.int("nca") != 1:
            raise row.error(f"column 'nca': the codebook codes it 1, found {row.text('nca')}")
        if kind not in NCA_TYPES:
            raise row.error(f"column 'nca_type': {kind} is not a type of the codebook (1-7)")
        if not 1945 <= year <= 2003:
            raise row.error(f"column 'year': {year} is outside the dataset's 1945-2003")
        states.require(supplier, row, "ccode1")
        states.require(recipient, row, "ccode2")
        _check_names(plan, patterns, states, row)
        if supplier == recipient:
            plan.unresolvable += 1
            plan.reported.append(
                f"line {row.line}: supplier and recipient are both COW {supplier} "
                f"({row.text('country1')!r}, {row.text('country2')!r}); not imported"
            )
            continue
        pair = (min(supplier, recipient), max(supplier, recipient))
        key = (*pair, year, kind)
        index = seen[(*key, supplier)]
        seen[(*key, supplier)] += 1
        group = groups[key]
        if index == len(group):
            group.append(_Agreement(pair, year, kind, index + 1))
            plan.imported += 1
        else:
            plan.merged += 1
        group[index].rows.append(row)
    for group in groups.values():
        plan.records.extend(_record(a, len(group), states) for a in group)
    return plan


def _check_names(
    plan: NcaPlan, patterns: dict[int, re.Pattern[str]], states: StatesPlan, row: Row
) -> None:
    """Report a code whose state was not in the COW system that year, and a name that
    matches not its code's state (by its name pattern) but another state in the system then
    ("Romania" for COW 225, Switzerland). A code without a name pattern is not judged."""
    year = row.int("year")
    for code_column, name_column in (("ccode1", "country1"), ("ccode2", "country2")):
        code, name = row.int(code_column), row.text(name_column)
        if not _in_system(states, code, year):
            plan.reported.append(
                f"line {row.line}: {code_column} {code} ({states.by_code[code].name}) was not "
                f"in the COW state system in {year}; the code is kept"
            )
        own = patterns.get(code)
        if own is None or own.search(name):
            continue
        others = sorted(
            c
            for c, p in patterns.items()
            if c != code and p.search(name) and _in_system(states, c, year)
        )
        if others:
            plan.reported.append(
                f"line {row.line}: {name_column} {name!r} names COW {others[0]}, but "
                f"{code_column} is {code}; the code is kept"
            )


def _in_system(states: StatesPlan, code: int, year: int) -> bool:
    first, last = date(year, 1, 1), date(year, 12, 31)
    return any(
        start <= last and (end is None or end >= first)
        for start, end in states.by_code[code].spells
    )


def _record(agreement: _Agreement, of: int, states: StatesPlan) -> AgreementRecord:
    low, high = agreement.pair
    signed = date(agreement.year, 1, 1)
    names = sorted(states.by_code[c].name for c in agreement.pair)
    suppliers = sorted({r.int("ccode1") for r in agreement.rows})
    count = f" ({agreement.n} of {of})" if of > 1 else ""
    title = (
        f"{'–'.join(names)} nuclear cooperation agreement ({SHORT[agreement.kind]}), "
        f"{agreement.year}{count}"
    )
    type_terms: dict[str, Any] = {
        "nca_type": agreement.kind,
        "label": NCA_TYPES[agreement.kind],
        "source": src.NCA_SOURCE,
    }
    domains: dict[str, dict[str, Any]] = {"technology_exchange": type_terms}
    if agreement.kind == 7:
        domains["military_aid"] = dict(type_terms)
    values: dict[str, Any] = {
        "title": title,
        "signed": signed,
        "in_force": signed,
        "ended": None,
        "status": "in_force",
        "status_since": signed,
        "confidential": False,
        "observed_through": src.NCA_THROUGH,
        "terms": {
            "nca_type": agreement.kind,
            "nca_type_label": NCA_TYPES[agreement.kind],
            "suppliers": suppliers,
            "names": [
                list(n)
                for n in sorted({(r.text("country1"), r.text("country2")) for r in agreement.rows})
            ],
            "source_lines": [r.line for r in agreement.rows],
            "date_precision": "year",
            "duration": DURATION,
        },
        "citation": src.NCA_CITATION,
    }
    first = agreement.rows[0].line
    parties = [PartyRecord(code, None, 0, signed, None, first) for code in (low, high)]
    source_id = f"{low}-{high}-{agreement.year}-{agreement.kind}-{agreement.n}"
    return AgreementRecord(source_id, values, None, domains, [], parties)
