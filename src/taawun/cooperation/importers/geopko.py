"""Geo-PKO (``peacekeeping/geopko_africa_1994_2018.csv``): UN peacekeeping in Africa,
1994-2018, as historical combined operations (PROVENANCE §7).

Cil, Fjelde, Hultman & Nilsson (2020), *Journal of Peace Research* 57(2). Each of the 12,190
rows is one deployment location of one mission on one UN deployment map (``Source``, with
``year`` and ``month``). What is imported:

- one public ``operation`` per ``Mission`` (27): ``status`` ``recorded``; ``starts`` and
  ``ends`` the first and last month mapped; ``area`` the host countries (``country``);
  ``source_rows`` the rows it has, so every row is accounted to a mission;
- one ``operation_deployment`` per mission, contributor and year: the troop-contributing
  countries are named in ``name.of.TCC1``..``14`` (with their COW code in ``TCC1``..``14``
  and troops in ``No.troops.per.TCC1``..``14``). Each distinct name is resolved once to a
  registry state (``_names.StateNames``, with the aliases below), and its COW code, where
  the row gives one, must name the same state (a mismatch is reported). Per year:
  ``records`` (rows naming the state; a state named twice in one row, two units at one
  location, is one record and counted as merged), ``maps`` (distinct maps), the records
  giving a troop number, and ``troops_peak``: the largest number of the state's troops on
  any one map of the year, summed over that map's locations. These are the numbers drawn
  on the maps, not official contribution totals; where a record gives none ("unknown",
  "NA") the sum is a lower bound.

Names that stay unresolved ("unknown", and "MA", an unexplained abbreviation with no code)
are counted per name and reported, never dropped silently. The import writes nothing when
run again on the same file (``_sync.sync`` by natural key).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from taawun.cooperation.importers._names import StateNames
from taawun.cooperation.operations import repository
from taawun.cooperation.operations.models import Operation, OperationDeployment
from taawun.cooperation.operations.schemas import GEOPKO_SOURCE
from taawun.core.clock import Clock
from taawun.core.principal import Principal
from taawun.registry.importers._csv import Row, Table, combined_sha256, read_table
from taawun.registry.importers._sync import sync, table_of
from taawun.registry.importers.report import SourceReport
from taawun.registry.importers.run import Source

KEY = "geopko"
FILE = "peacekeeping/geopko_africa_1994_2018.csv"
MAPPING_VERSION = "taawun-geopko-import/1"
CITATION = (
    "Cil, D., Fjelde, H., Hultman, L. & Nilsson, D. (2020). Mapping blue helmets: Introducing "
    "the Geocoded Peacekeeping Operations (Geo-PKO) dataset. Journal of Peace Research 57(2): "
    "360-370. Africa 1994-2018 file (thaonguyen-ha/GeoPKO @ 8b39fe5)."
)
OBSERVED_THROUGH = date(2018, 12, 31)
TCC_SLOTS = range(1, 15)
MISSING = frozenset({"", "NA"})

ALIASES = {
    # The data's own TCC code is 732 (South Korea); the resolver would take "Korea" for
    # COW 730, the Korea of 1887-1905.
    "Korea": "732",
    # One row (UNMIL, Monrovia, 2005-06): its TCC code is 205, Ireland.
    "Ireland and Scotland": "205",
    # MINUSCA rows give no code; Serbia is COW 345 (Yugoslavia/Serbia).
    "Serbia": "345",
}
UNIDENTIFIED = frozenset(
    {
        "unknown",
        # UNMISS, Malakal, 2017-2018, with no TCC code: not a country the data identify
        # (ISO2 "MA" is Morocco, which the resolver would otherwise pick).
        "MA",
    }
)


@dataclass
class Mission:
    name: str
    rows: int = 0
    first: tuple[int, int] = (9999, 12)
    last: tuple[int, int] = (0, 1)
    hosts: set[str] = field(default_factory=set)


@dataclass
class Contribution:
    """One state in one mission in one year, as the rows add up."""

    records: int = 0
    maps: set[tuple[int, str]] = field(default_factory=set)
    with_troops: int = 0
    troops_by_map: Counter[tuple[int, str]] = field(default_factory=Counter)

    def row(self, month: int, source: str, troops: list[int | None]) -> None:
        self.records += 1
        self.maps.add((month, source))
        if any(t is not None for t in troops):
            self.with_troops += 1
        self.troops_by_map[(month, source)] += sum(t for t in troops if t is not None)

    @property
    def troops_peak(self) -> int | None:
        return max(self.troops_by_map.values()) if self.with_troops else None


@dataclass
class GeoPkoPlan:
    """What the file says, resolved, with the account of every row and every name."""

    table: Table
    missions: dict[str, Mission]
    contributions: dict[tuple[str, int, int], Contribution]
    mentions: int = 0
    merged: int = 0
    mismatches: Counter[tuple[str, str]] = field(default_factory=Counter)
    names: StateNames | None = None
    resolved: dict[str, int | None] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return len(self.table.rows)

    @property
    def unidentified(self) -> Counter[str]:
        return self.names.non_state if self.names else Counter()

    @property
    def unresolved(self) -> Counter[str]:
        return self.names.unresolved if self.names else Counter()

    def notes(self) -> list[str]:
        resolved = self.mentions - sum(self.unidentified.values()) - sum(self.unresolved.values())
        out = [
            f"Geo-PKO: {self.rows} rows of {len(self.missions)} missions; {self.mentions} "
            f"troop-contributor mentions: {resolved} resolved to states ({self.merged} of them "
            f"a state named twice in one row, merged), "
            f"{sum(self.unidentified.values())} naming no identifiable country "
            f"({', '.join(f'{n!r}: {c}' for n, c in sorted(self.unidentified.items()))})"
        ]
        if self.names:
            out.extend(self.names.notes("Geo-PKO"))
        out.extend(
            f"Geo-PKO: {n} mention(s) of {name!r} carry COW code {code}, another state"
            for (name, code), n in sorted(self.mismatches.items())
        )
        return out


def _troops(row: Row, column: str) -> int | None:
    """A troop number; "unknown", "unkown", "NA" and empty cells give none."""
    raw = row.text(column)
    return int(raw) if raw.isdigit() else None


def _month(row: Row) -> tuple[int, int]:
    year, month = row.int("year"), row.int("month")
    if not 1994 <= year <= 2018 or not 1 <= month <= 12:
        raise row.error(f"columns year/month: {year}-{month} is outside 1994-2018")
    return year, month


def parse(session: Session, data_dir: Path) -> GeoPkoPlan:
    """Read and resolve the file, writing nothing (the registry must be imported)."""
    columns = ["Source", "Mission", "year", "month", "country"]
    for i in TCC_SLOTS:
        columns += [f"name.of.TCC{i}", f"TCC{i}", f"No.troops.per.TCC{i}"]
    table = read_table(data_dir, FILE, columns)
    names = StateNames(session, aliases=ALIASES, not_states=UNIDENTIFIED)
    codes = StateNames(session)
    plan = GeoPkoPlan(table, {}, defaultdict(Contribution), names=names)
    for row in table.rows:
        name = row.text("Mission")
        if not name:
            raise row.error("column 'Mission': empty")
        year, month = _month(row)
        mission = plan.missions.setdefault(name, Mission(name))
        mission.rows += 1
        mission.first = min(mission.first, (year, month))
        mission.last = max(mission.last, (year, month))
        mission.hosts.add(row.text("country"))
        troops: dict[int, list[int | None]] = defaultdict(list)
        for i in TCC_SLOTS:
            tcc = row.text(f"name.of.TCC{i}")
            if tcc in MISSING:
                continue
            plan.mentions += 1
            state_id = plan.resolved[tcc] = names.resolve(tcc)
            if state_id is None:
                continue
            code = row.text(f"TCC{i}")
            if code not in MISSING and codes.resolve(code) != state_id:
                plan.mismatches[(tcc, code)] += 1
            if state_id in troops:
                plan.merged += 1
            troops[state_id].append(_troops(row, f"No.troops.per.TCC{i}"))
        source = " ".join(row.text("Source").split())
        for state_id, numbers in troops.items():
            plan.contributions[(name, state_id, year)].row(month, source, numbers)
    return plan


def _last_day(year: int, month: int) -> date:
    return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)


def write(session: Session, plan: GeoPkoPlan, report: SourceReport, now: Any, day: date) -> None:
    operations = [
        {
            "source": GEOPKO_SOURCE,
            "source_id": m.name,
            "public": True,
            "name": m.name,
            "description": (
                f"UN peacekeeping mission {m.name}, as mapped by Geo-PKO: {len(m.hosts)} "
                f"host country(ies), {m.rows} deployment-location records"
            ),
            "status": "recorded",
            "area": "; ".join(sorted(m.hosts)),
            "starts": date(m.first[0], m.first[1], 1),
            "ends": _last_day(*m.last),
            "observed_through": OBSERVED_THROUGH,
            "source_rows": m.rows,
        }
        for m in sorted(plan.missions.values(), key=lambda m: m.name)
    ]
    report.record(
        "operation",
        sync(
            session,
            table_of(Operation),
            key=("source", "source_id"),
            rows=operations,
            scope=table_of(Operation).c.source == GEOPKO_SOURCE,
            on_insert=lambda r: {**r, "created_at": now, "updated_at": now, "status_since": now},
            on_update=lambda r: {**r, "updated_at": now},
        ),
    )
    ids = repository.ids_by_source_id(
        session, Principal.system_principal("import"), day, GEOPKO_SOURCE
    )
    deployments = [
        {
            "operation_id": ids[mission],
            "state_id": state_id,
            "year": year,
            "records": c.records,
            "maps": len(c.maps),
            "records_with_troops": c.with_troops,
            "troops_peak": c.troops_peak,
        }
        for (mission, state_id, year), c in sorted(plan.contributions.items())
    ]
    deployment = table_of(OperationDeployment)
    report.record(
        "operation_deployment",
        sync(
            session,
            deployment,
            key=("operation_id", "state_id", "year"),
            rows=deployments,
            scope=deployment.c.operation_id.in_(sorted(ids.values())),
        ),
    )


def _write(plan: GeoPkoPlan, clock: Clock, s: Session, r: SourceReport, p: Any) -> None:
    now = clock.now()
    write(s, plan, r, now, now.date())
    p(plan.rows)


def source(parsed: GeoPkoPlan, clock: Clock) -> Source:
    """The source ``import_sources`` writes: its checksum covers the file, the mapping and the
    states the names resolved to (a registry that resolves a name otherwise, a state added,
    makes the import run again)."""
    resolved = ";".join(f"{k}={v}" for k, v in sorted(parsed.resolved.items()))
    sha = combined_sha256([parsed.table], "|".join([MAPPING_VERSION, resolved]))
    return Source(KEY, CITATION, OBSERVED_THROUGH, parsed.rows, sha, partial(_write, parsed, clock))


def plan(session: Session, data_dir: Path, clock: Clock) -> tuple[list[Source], list[str]]:
    parsed = parse(session, data_dir)
    return [source(parsed, clock)], parsed.notes()
