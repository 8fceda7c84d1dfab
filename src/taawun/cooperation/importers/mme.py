"""Joint exercises from the Multinational Military Exercises dataset, version 7.

D'Orazio, Vito; Galambos, Kevin. 2021. "Multinational Military Exercises, 1980-2010."
Harvard Dataverse, V1, https://doi.org/10.7910/DVN/KHFODX (``exercises/mme_v7.csv``,
3,707 rows; see data/PROVENANCE §6). One exercise per row, public, traced by its row:

- ``MMEID`` → ``source_id``. Three ids (mme3457, mme3458, mme3460) each name two different
  exercises (Baltic Circle 1996 and Noble Award 2007, ...): both rows are kept, as
  ``mme3457-1`` and ``mme3457-2`` in file order, and asking for ``mme3457`` lists both.
- ``Ex_Name``, ``Series_Name``, ``Location``, ``FocusDescription``,
  ``AdditionalParticipantInfo`` → name, series, location, focus, participant note; MME's
  missing-value code "-9" (and an empty cell) → none. ``lat``/``lon`` → latitude, longitude.
- ``s.year``/``s.month``/``s.day`` and ``e.*`` → start and end with their precision: a day
  coded "xx" makes the date ``month`` precise (``StartDate``/``EndDate`` repeat them in mixed
  formats and are not read). Six rows end before they start as coded; they are kept as
  coded and named in the report.
- ``CPX``, ``Air``, ``Land``, ``Sea``, ``Amphibious``, ``Cyber``, ``Peacekeeping``,
  ``Humanitarian`` (0/1) → domains (``CPX`` is ``command-post``); ``Warfighting`` →
  ``warfighting``, the exercise's purpose rather than a domain.
- ``StateA`` … ``StateAM`` → participants, resolved by ``_names.StateNames`` (the registry's
  resolver) with the aliases below; "Federal Republic of Germany" (and "Germany") before
  3 October 1990 is COW 260, the German Federal Republic, not today's Germany (255). "NATO"
  is the registry's organization, in a participant cell or as the whole
  ``AdditionalParticipantInfo``. "-9" (an unnamed participant) sets
  ``unnamed_participants``; a name that is no state (Hong Kong, Bermuda, "Baltic States")
  is kept as a participant with neither state nor organization; a state named twice in a
  row is one participant. The report counts each kind, so every cell is accounted for.
- MME codes no host. Where the ``Location`` names (by the same resolver) one of the
  participating states, and no sea, gulf, ocean or strait, that state is the ``host``
  (``host_basis`` "location"): "Haifa, Israel" with Israel taking part; not "South China Sea".

Coverage: the record is ``unassessed``. An agreement covers an exercise when it has the
``joint_exercises`` domain, and no imported agreement has it (ATOP codes obligations and
military aid; ``registry/importers/atop.py``), so asking would flag all 3,707 as outside any
agreement and say nothing. Alliances between participants are the registry's question
(``taawun dyad``), not a flag on the exercise.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, Final

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from taawun.cooperation.exercises.dates import PartialDate, from_parts
from taawun.cooperation.exercises.models import Exercise, ExerciseDomain, ExerciseParticipant
from taawun.cooperation.exercises.vocabulary import (
    HOST_FROM_LOCATION,
    MME_SOURCE,
    RECORDED,
    UNASSESSED,
)
from taawun.cooperation.importers._names import StateNames
from taawun.core.clock import Clock
from taawun.core.errors import InvalidInput, NotFound
from taawun.registry import service as registry
from taawun.registry.importers._agreements import Progress
from taawun.registry.importers._csv import Row, read_table
from taawun.registry.importers._sync import sync, table_of
from taawun.registry.importers.report import SourceReport
from taawun.registry.importers.run import Source
from taawun.registry.importers.sources import CROSSWALK_FILE

KEY: Final = "mme"
FILE: Final = "exercises/mme_v7.csv"
MAPPING_VERSION: Final = "taawun-mme-import/1"
CITATION: Final = (
    'D\'Orazio, Vito; Galambos, Kevin. 2021. "Multinational Military Exercises, 1980-2010." '
    "Harvard Dataverse, V1, https://doi.org/10.7910/DVN/KHFODX (version 7)."
)
OBSERVED_THROUGH: Final = date(2010, 12, 31)
MISSING: Final = "-9"
DOMAIN_COLUMNS: Final = {
    "CPX": "command-post",
    "Air": "air",
    "Land": "land",
    "Sea": "sea",
    "Amphibious": "amphibious",
    "Cyber": "cyber",
    "Peacekeeping": "peacekeeping",
    "Humanitarian": "humanitarian",
}
TEXT_COLUMNS: Final = ("Ex_Name", "Series_Name", "Location", "FocusDescription")
ALIASES: Final = {
    "st. christopher": "60",  # St. Kitts and Nevis (COW 60), under its island's old name
    "Serbia": "345",  # COW codes Serbia as the continuation of Yugoslavia (345)
    "Serbia and Montenegro": "345",
    "Yugoslavia": "345",
    "Soviet Union": "365",  # COW 365 is the USSR and then Russia
    "USSR": "365",
}
NOT_STATES: Final = frozenset(
    {"Baltic States", "Bermuda", "Hong Kong SAR China", "Netherlands Antilles", "New Caledonia"}
)
ORGANIZATIONS: Final = {"NATO": "NATO"}  # as MME writes it → the registry's organization key
WEST_GERMANY: Final = frozenset({"Federal Republic of Germany", "West Germany", "Germany"})
UNIFICATION: Final = date(1990, 10, 3)
_REGEX = "country.name.en.regex"
_GFR_NAME = "German Federal Republic"  # COW 260, as the registry names it
_WATER = re.compile(r"\b(sea|seas|gulf|ocean|strait|straits|waters)\b", re.IGNORECASE)


@dataclass(slots=True)
class MmePlan:
    """What the import will write, and how every row and participant cell was accounted for."""

    sha256: str
    rows: int
    exercises: list[dict[str, Any]] = field(default_factory=list)
    participants: list[dict[str, Any]] = field(default_factory=list)  # with "source_id"
    domains: list[dict[str, Any]] = field(default_factory=list)  # with "source_id"
    cells: Counter[str] = field(default_factory=Counter)
    by_state: Counter[int] = field(default_factory=Counter)
    reused_ids: dict[str, list[str]] = field(default_factory=dict)
    end_before_start: list[str] = field(default_factory=list)
    hosts_from_location: int = 0
    notes: list[str] = field(default_factory=list)


def _text(row: Row, column: str) -> str | None:
    value = " ".join(row.text(column).split())
    return None if value in ("", MISSING) else value


def _coordinate(row: Row, column: str, bound: float) -> float | None:
    raw = row.text(column)
    if raw in ("", MISSING, "NA"):
        return None
    try:
        value = float(raw)
    except ValueError:
        raise row.error(f"column {column!r}: expected a number, found {raw!r}") from None
    if not -bound <= value <= bound:
        raise row.error(f"column {column!r}: {value} is out of range")
    return value


def _date(row: Row, prefix: str) -> PartialDate:
    year, month = row.int(f"{prefix}.year"), row.int(f"{prefix}.month")
    raw_day = row.text(f"{prefix}.day").lower()
    known = raw_day != "xx"
    day = row.int(f"{prefix}.day") if known else 1
    try:
        return from_parts(year, month, day, "day" if known else "month", field=prefix, value=None)
    except InvalidInput:
        raise row.error(
            f"columns {prefix}.year/month/day: no date {year}-{month}-{raw_day}"
        ) from None


def _flag(row: Row, column: str) -> bool:
    value = row.int(column)
    if value not in (0, 1):
        raise row.error(f"column {column!r}: expected 0 or 1, found {value}")
    return value == 1


def _as_of(name: str, start: date) -> str:
    """The name to resolve for a state named as it was at ``start``: West Germany by year."""
    if name in WEST_GERMANY:
        return "260" if start < UNIFICATION else "255"
    return name


class _Places:
    """Whether a location names a given state, by the countrycode name patterns the registry's
    resolver uses (``crosswalk/``, ``country.name.en.regex``), matched as it matches them.
    Only the participants' patterns are tried, so a row costs a few searches, not one per
    state; the German Federal Republic, which has no pattern of its own, answers to
    Germany's ("West Germany", "Stuttgart, Germany")."""

    def __init__(self, session: Session, data_dir: Path) -> None:
        self._session = session
        table = read_table(data_dir, CROSSWALK_FILE, ["country.name.en", "iso3c", _REGEX])
        self._by_key: dict[str, str] = {}
        for r in table.rows:
            for key in (r.text("iso3c"), r.text("country.name.en")):
                if key and r.text(_REGEX):
                    self._by_key.setdefault(key, r.text(_REGEX))
        self._by_key.setdefault(_GFR_NAME, self._by_key.get("DEU", ""))
        self._patterns: dict[int, re.Pattern[str] | None] = {}

    def names(self, state_id: int, location: str) -> bool:
        if state_id not in self._patterns:
            label = registry.state_labels(self._session, [state_id]).get(state_id, "")
            regex = self._by_key.get(label)
            try:
                self._patterns[state_id] = re.compile(regex, re.IGNORECASE) if regex else None
            except re.error:
                self._patterns[state_id] = None
        pattern = self._patterns[state_id]
        return pattern is not None and pattern.search(_fold(location)) is not None


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


class _Organizations:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._ids: dict[str, int | None] = {}

    def id(self, name: str) -> int | None:
        if name not in self._ids:
            try:
                found = registry.resolve_organization(self._session, ORGANIZATIONS[name])
                self._ids[name] = found.id
            except NotFound:
                self._ids[name] = None
        return self._ids[name]


@dataclass(frozen=True, slots=True)
class _Context:
    """What resolves a row: its participant columns, state names, places, organizations."""

    state_columns: list[str]
    names: StateNames
    places: _Places
    orgs: _Organizations


def _source_ids(rows: list[Row]) -> tuple[list[str], dict[str, list[str]]]:
    """MMEIDs, those used twice made unique by their order in the file."""
    counts = Counter(r.text("MMEID") for r in rows)
    seen: Counter[str] = Counter()
    ids: list[str] = []
    reused: dict[str, list[str]] = {}
    for r in rows:
        mmeid = r.text("MMEID")
        if not mmeid:
            raise r.error("column 'MMEID': empty")
        if counts[mmeid] == 1:
            ids.append(mmeid)
            continue
        seen[mmeid] += 1
        ids.append(f"{mmeid}-{seen[mmeid]}")
        reused.setdefault(mmeid, []).append(f"{ids[-1]} ({_text(r, 'Ex_Name') or 'unnamed'})")
    return ids, reused


def parse(session: Session, data_dir: Path) -> MmePlan:
    """Read and resolve the whole file; nothing is written."""
    table = read_table(
        data_dir,
        FILE,
        [
            "MMEID",
            *TEXT_COLUMNS,
            "lat",
            "lon",
            "Warfighting",
            "AdditionalParticipantInfo",
            *DOMAIN_COLUMNS,
            *(f"{p}.{u}" for p in ("s", "e") for u in ("year", "month", "day")),
        ],
    )
    ctx = _Context(
        state_columns=[c for c in table.columns if re.fullmatch(r"State[A-Z]{1,2}", c)],
        names=StateNames(session, aliases=ALIASES, not_states=NOT_STATES),
        places=_Places(session, data_dir),
        orgs=_Organizations(session),
    )
    ids, reused = _source_ids(table.rows)
    plan = MmePlan(sha256="", rows=len(table.rows), reused_ids=reused)
    for row, source_id in zip(table.rows, ids, strict=True):
        _exercise(plan, row, source_id, ctx)
    plan.notes = _notes(plan, ctx.names)
    digest = hashlib.sha256(f"{MAPPING_VERSION}\n{table.sha256}\n".encode())
    for part in (plan.exercises, plan.participants, plan.domains):
        digest.update(orjson.dumps(part, default=str))
    plan.sha256 = digest.hexdigest()
    return plan


def _exercise(plan: MmePlan, row: Row, source_id: str, ctx: _Context) -> None:
    names, places, orgs = ctx.names, ctx.places, ctx.orgs
    start, end = _date(row, "s"), _date(row, "e")
    if end.last < start.first:
        plan.end_before_start.append(f"{source_id} ({start.text} to {end.text})")
    parts: list[dict[str, Any]] = []
    seen_names: set[str] = set()
    seen_states: set[int] = set()
    unnamed = False
    for column in ctx.state_columns:
        name = " ".join(row.text(column).split())
        if not name:
            continue
        if name == MISSING:
            plan.cells["unnamed (-9)"] += 1
            unnamed = True
            continue
        if name in seen_names:
            plan.cells["merged: named twice in the row"] += 1
            continue
        seen_names.add(name)
        part: dict[str, Any] = {
            "source_id": source_id,
            "name": name,
            "role": "participant",
            "state_id": None,
            "organization_id": None,
            "source_column": column,
        }
        if name in ORGANIZATIONS and (org_id := orgs.id(name)) is not None:
            part["organization_id"] = org_id
            plan.cells["organization"] += 1
        elif (state_id := names.resolve(_as_of(name, start.first))) is not None:
            if state_id in seen_states:
                plan.cells["merged: the same state under two names"] += 1
                continue
            seen_states.add(state_id)
            part["state_id"] = state_id
            plan.cells["state"] += 1
            plan.by_state[state_id] += 1
        else:
            plan.cells["kept unresolved (no state)"] += 1
        parts.append(part)
    note = _text(row, "AdditionalParticipantInfo")
    if note in ORGANIZATIONS and note not in seen_names and (org_id := orgs.id(note)):
        parts.append(
            {
                "source_id": source_id,
                "name": note,
                "role": "participant",
                "state_id": None,
                "organization_id": org_id,
                "source_column": "AdditionalParticipantInfo",
            }
        )
        plan.cells["organization from AdditionalParticipantInfo"] += 1
    location = _text(row, "Location")
    host_basis = None
    if location and not _WATER.search(location):
        named = [p for p in parts if p["state_id"] and places.names(p["state_id"], location)]
        if len(named) == 1:
            named[0]["role"], host_basis = "host", HOST_FROM_LOCATION
            plan.hosts_from_location += 1
    plan.participants.extend(parts)
    plan.domains.extend(
        {"source_id": source_id, "domain": domain}
        for column, domain in DOMAIN_COLUMNS.items()
        if _flag(row, column)
    )
    plan.exercises.append(
        {
            "source": MME_SOURCE,
            "source_id": source_id,
            "source_row": row.line,
            "name": _text(row, "Ex_Name"),
            "series": _text(row, "Series_Name"),
            "location": location,
            "latitude": _coordinate(row, "lat", 90),
            "longitude": _coordinate(row, "lon", 180),
            "start_date": start.first,
            "start_precision": start.precision,
            "end_date": end.first,
            "end_precision": end.precision,
            "warfighting": _flag(row, "Warfighting"),
            "focus": _text(row, "FocusDescription"),
            "participant_note": note,
            "unnamed_participants": unnamed,
            "host_basis": host_basis,
            "agreement_id": None,
            "coverage": UNASSESSED,
            "public": True,
            "status": RECORDED,
            "recorded_by_state_id": None,
        }
    )


def _notes(plan: MmePlan, names: StateNames) -> list[str]:
    cells = ", ".join(f"{n} {what}" for what, n in sorted(plan.cells.items()))
    notes = [
        f"{KEY}: {plan.rows} rows, {len(plan.exercises)} exercises; participant cells: {cells}",
        f"{KEY}: {sum(1 for e in plan.exercises if e['unnamed_participants'])} exercise(s) "
        "name participants MME could not ('-9'): flagged unnamed_participants",
        f"{KEY}: host read from the location for {plan.hosts_from_location} exercise(s)",
    ]
    notes.extend(
        f"{KEY}: MMEID {mmeid} names {len(kept)} exercises, kept as {'; '.join(kept)}"
        for mmeid, kept in sorted(plan.reused_ids.items())
    )
    if plan.end_before_start:
        notes.append(
            f"{KEY}: {len(plan.end_before_start)} exercise(s) end before they start as coded, "
            f"kept as coded: {', '.join(plan.end_before_start)}"
        )
    notes.extend(
        f"{KEY}: {n} cell(s) name {name!r}, which is no state (kept as an unresolved participant)"
        for name, n in sorted(names.non_state.items())
    )
    notes.extend(names.notes(KEY))
    return notes


def write(
    session: Session, plan: MmePlan, clock: Clock, report: SourceReport, progress: Progress
) -> None:
    now = clock.now()
    exercise = table_of(Exercise)
    report.record(
        "exercise",
        sync(
            session,
            exercise,
            key=["source", "source_id"],
            rows=plan.exercises,
            scope=exercise.c.source == MME_SOURCE,
            on_insert=lambda r: {**r, "created_at": now, "updated_at": now},
            on_update=lambda r: {**r, "updated_at": now},
        ),
    )
    progress(plan.rows // 2)
    ids: dict[str, int] = dict(
        session.execute(
            select(exercise.c.source_id, exercise.c.id).where(exercise.c.source == MME_SOURCE)
        ).all()
    )
    mine = select(exercise.c.id).where(exercise.c.source == MME_SOURCE).scalar_subquery()
    for model, key, rows in (
        (ExerciseParticipant, ["exercise_id", "name"], plan.participants),
        (ExerciseDomain, ["exercise_id", "domain"], plan.domains),
    ):
        table = table_of(model)
        keyed = [
            {"exercise_id": ids[r["source_id"]], **{k: v for k, v in r.items() if k != "source_id"}}
            for r in rows
        ]
        report.record(
            str(table.name),
            sync(session, table, key=key, rows=keyed, scope=table.c.exercise_id.in_(mine)),
        )
    progress(plan.rows)


def plan(session: Session, data_dir: Path, clock: Clock) -> tuple[list[Source], list[str]]:
    """The MME source for ``import_sources``, and the report's notes."""
    parsed = parse(session, data_dir)
    source = Source(
        KEY,
        CITATION,
        OBSERVED_THROUGH,
        parsed.rows,
        parsed.sha256,
        partial(_write, parsed, clock),
    )
    return [source], parsed.notes


def _write(
    parsed: MmePlan, clock: Clock, session: Session, report: SourceReport, progress: Progress
) -> None:
    write(session, parsed, clock, report, progress)
