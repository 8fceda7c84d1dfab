"""States from the COW State System Membership list v2016, with ISO codes from countrycode.

- ``cow/states2016.csv``: one row per spell in the state system. ``ccode`` →
  ``State.cow_code``, ``stateabb`` → ``cow_abbr``, ``statenme`` → ``name``;
  ``styear/stmonth/stday`` and ``endyear/endmonth/endday`` → a ``StateSpell``.
  An end of 2016-12-31 in the v2016 list means "still a member": stored as
  ``end=None``.
- ``crosswalk/countrycode_codelist_without_cldr.csv``: joined on ``cown``;
  ``iso2c``, ``iso3c`` and ``country.name.en.regex`` → ``iso2``, ``iso3``,
  ``name_pattern``. ISO codes are unique: if two COW states map to one code,
  the one in the system most recently keeps it (reported as a note).
- ``cow/COW-country-codes.csv`` (``CCode``, ``StateAbb``, ``StateNme``): a
  state that ATOP or COW IGO name but states2016 lacks is created from here.
  ATOP's own code 8152 (Annam, ATOPID 1320) is in neither; the ATOP 5.1
  codebook documents it as a Gleditsch–Ward state without a COW code.
- ``curated/states_extra.csv``: states outside the COW system (Palestine),
  keyed by ISO3.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from taawun.registry.importers import sources as src
from taawun.registry.importers._csv import Row, Table, read_table
from taawun.registry.importers._sync import sync, table_of
from taawun.registry.importers.report import SourceReport
from taawun.registry.models import State, StateSpell

_ONGOING = date(2016, 12, 31)

ATOP_ONLY_CODES: dict[int, tuple[str, str]] = {
    8152: (
        "Annam",
        "ATOP code 8152: a member of the state system by Gleditsch and Ward but not by COW "
        "(ATOP 5.1 codebook, on ATOPID 1320, the France–Annam alliance).",
    ),
}


@dataclass(slots=True)
class StateRecord:
    cow_code: int | None
    cow_abbr: str | None
    name: str
    source: str
    note: str | None = None
    iso2: str | None = None
    iso3: str | None = None
    name_pattern: str | None = None
    spells: list[tuple[date, date | None]] = field(default_factory=list)

    def values(self) -> dict[str, Any]:
        return {
            "cow_code": self.cow_code,
            "cow_abbr": self.cow_abbr,
            "name": self.name,
            "iso2": self.iso2,
            "iso3": self.iso3,
            "name_pattern": self.name_pattern,
            "source": self.source,
            "note": self.note,
        }


@dataclass(slots=True)
class StatesPlan:
    """States parsed from the files; other sources ask it for the COW codes they name."""

    tables: list[Table]
    by_code: dict[int, StateRecord]
    extra: list[StateRecord]
    catalog: dict[int, tuple[str | None, str, str, str | None]]
    notes: list[str]
    added: dict[int, StateRecord] = field(default_factory=dict)

    def require(self, code: int, row: Row, column: str) -> StateRecord:
        """The state with COW ``code``; create it from the catalog, or fail at ``row``."""
        if code in self.by_code:
            return self.by_code[code]
        found = self.catalog.get(code)
        if found is None:
            raise row.error(f"column {column!r}: unknown COW member code {code}")
        abbr, name, source, note = found
        state = StateRecord(code, abbr, name, source, note)
        self.by_code[code] = self.added[code] = state
        self.notes.append(
            f"{row.path} names COW code {code} ({name}), absent from {src.STATES_FILE}: "
            f"created from {source}"
        )
        return state

    def all_states(self) -> list[StateRecord]:
        return [*self.by_code.values(), *self.extra]

    @property
    def rows(self) -> int:
        return sum(len(t.rows) for t in self.tables)


def parse(data_dir: Path) -> StatesPlan:
    states = read_table(
        data_dir,
        src.STATES_FILE,
        ["stateabb", "ccode", "statenme", "styear", "stmonth", "stday", "endyear", "endmonth"],
    )
    codes = read_table(data_dir, src.COUNTRY_CODES_FILE, ["StateAbb", "CCode", "StateNme"])
    crosswalk = read_table(
        data_dir, src.CROSSWALK_FILE, ["cown", "iso2c", "iso3c", "country.name.en.regex"]
    )
    extra = read_table(data_dir, src.STATES_EXTRA_FILE, ["name", "iso3", "iso2", "note", "source"])

    by_code: dict[int, StateRecord] = {}
    for row in states.rows:
        code = row.int("ccode")
        start, _ = row.ymd("styear", "stmonth", "stday")
        end, _ = row.ymd("endyear", "endmonth", "endday")
        ongoing = end == _ONGOING and row.values.get("version", "2016").strip() == "2016"
        record = by_code.setdefault(
            code,
            StateRecord(code, row.text("stateabb"), row.text("statenme"), src.COW_STATES_SOURCE),
        )
        record.spells.append((start, None if ongoing else end))

    by_cown: dict[int, Row] = {}
    by_iso3: dict[str, Row] = {}
    for row in crosswalk.rows:
        if row.text("cown"):
            by_cown[row.int("cown")] = row
        if row.text("iso3c"):
            by_iso3[row.text("iso3c")] = row
    notes: list[str] = []
    _assign_iso(by_code, by_cown, notes)

    catalog: dict[int, tuple[str | None, str, str, str | None]] = {
        code: (None, name, "ATOP 5.1 codebook", note)
        for code, (name, note) in ATOP_ONLY_CODES.items()
    }
    for row in codes.rows:
        catalog[row.int("CCode")] = (
            row.text("StateAbb"),
            row.text("StateNme"),
            src.COW_CODES_SOURCE,
            f"Not in {src.STATES_FILE}; named by ATOP or COW IGO.",
        )

    extras = []
    taken = {s.iso3 for s in by_code.values() if s.iso3}
    for row in extra.rows:
        iso3 = row.text("iso3")
        if len(iso3) != 3 or iso3 in taken:
            raise row.error(f"column 'iso3': {iso3!r} is not a new ISO3 code")
        match = by_iso3.get(iso3)
        extras.append(
            StateRecord(
                None,
                None,
                row.text("name"),
                f"curated: {row.text('source')}",
                row.text("note") or None,
                row.text("iso2") or None,
                iso3,
                match.text("country.name.en.regex") if match else None,
            )
        )
    return StatesPlan([states, codes, crosswalk, extra], by_code, extras, catalog, notes)


def _assign_iso(by_code: dict[int, StateRecord], by_cown: dict[int, Row], notes: list[str]) -> None:
    """Give each COW state its ISO codes; a code claimed twice goes to the most recent state."""
    claims: dict[str, list[StateRecord]] = {}
    for code, state in by_code.items():
        row = by_cown.get(code)
        if row is None:
            continue
        state.name_pattern = row.text("country.name.en.regex") or None
        iso3 = row.text("iso3c")
        if iso3:
            claims.setdefault(iso3, []).append(state)
    for iso3, claimants in claims.items():
        claimants.sort(key=lambda s: max(e or date.max for _, e in s.spells), reverse=True)
        winner = claimants[0]
        winner.iso3 = iso3
        winner.iso2 = by_cown[winner.cow_code or 0].text("iso2c") or None
        for loser in claimants[1:]:
            notes.append(
                f"ISO {iso3} maps to COW {loser.cow_code} and {winner.cow_code}; "
                f"given to {winner.name}, in the system most recently"
            )


def write(session: Session, plan: StatesPlan, report: SourceReport) -> None:
    """Upsert states by COW code (or ISO3 when there is none), then their spells."""
    state = table_of(State)
    cow_states = list(plan.by_code.values())
    report.record(
        "state",
        sync(
            session,
            state,
            key=["cow_code"],
            rows=[s.values() for s in cow_states],
            scope=state.c.cow_code.is_not(None),
            delete_missing=False,
        ),
    )
    report.record(
        "state",
        sync(
            session,
            state,
            key=["iso3"],
            rows=[s.values() for s in plan.extra],
            scope=state.c.cow_code.is_(None),
            delete_missing=False,
        ),
    )
    ids = dict(
        session.execute(state.select().with_only_columns(state.c.cow_code, state.c.id)).all()
    )
    spell = table_of(StateSpell)
    rows = [
        {"state_id": ids[s.cow_code], "start": start, "end": end}
        for s in cow_states
        for start, end in s.spells
    ]
    cow_ids = [i for c, i in ids.items() if c is not None]
    report.record(
        "state_spell",
        sync(
            session,
            spell,
            key=["state_id", "start"],
            rows=rows,
            scope=spell.c.state_id.in_(cow_ids),
        ),
    )
