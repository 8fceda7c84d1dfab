"""The answers to the analyst's questions (``questions.py``): what each question returns,
for one viewer, every event traced to its source, and an answer's tables as the CLI
(``--table``) and the API (``?table=``) both give them (``choices``). Imported from
``questions``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Final

import numpy as np

from taawun.analytics.choices import BlocTable, BroughtTable, HistoryTable
from taawun.analytics.schemas import FIRST_YEAR, Table

SOURCE_DYADS: Final = (
    "dyad-years derived from the registry (ATOP 5.1 coding), as the viewer sees it"
)


@dataclass(frozen=True, slots=True)
class StateName:
    ccode: int
    abbrev: str
    name: str


@dataclass(frozen=True, slots=True)
class Event:
    """One thing on a timeline, traced to its source."""

    start: date | None
    end: date | None
    kind: str
    """``agreement``, ``obligation``, ``exercise``, ``transfer``, ``operation``,
    ``training`` or ``shared_threat``."""
    label: str
    source: str
    """Where it comes from: ``ATOP 5.1 3275``, ``MME v7 row 812``, ``SIPRI TIV 1974 USA→PAK``,
    a node record's id ..."""


@dataclass(frozen=True, slots=True)
class PartnerChange:
    year: int
    partner: StateName
    gained: bool
    """True: a new partner that year; False: lost."""
    agreements: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StateHistory:
    state: StateName
    first: int
    last: int
    years: Table
    """Per year: ``year, partners, partners_oic, partners_outside, share_oic, defense,
    offense, neutral, nonagg, consul`` (partners owed each), one column per cooperation
    domain, ``degree_rank`` (1 = most partners that year), ``gained, lost``; also
    ``oic_member`` (the state itself, that year)."""
    changes: list[PartnerChange]
    partners: dict[int, list[StateName]] = field(default_factory=dict)
    """Per year, the partners, by COW code."""


@dataclass(frozen=True, slots=True)
class DyadHistory:
    a: StateName
    b: StateName
    events: list[Event]
    """Ordered by start: agreements, obligations (per phase), exercises, transfers,
    operations, training, shared threats."""
    first: int = FIRST_YEAR
    last: int = FIRST_YEAR
    notes: list[str] = field(default_factory=list)
    """What was left out and why (shared threats, for a viewer of no agency)."""


@dataclass(frozen=True, slots=True)
class Bloc:
    org: str
    first: int
    last: int
    years: Table
    """Per year: ``year, members, internal_ties, density, cohesion_s, cohesion_kappa``."""
    external: Table
    """The strongest external partners over the window: ``ccode, state, members_tied,
    tie_years, strength``, strongest first."""
    blocs: Table
    """Per year and external bloc (NATO, CSTO, SCO, ...): ``year, bloc, members_tied,
    ties``."""


@dataclass(frozen=True, slots=True)
class Brought:
    state: StateName
    first: int
    last: int
    arms: Table
    """Per year: ``year, tiv_from_allies, tiv_from_others, share_from_allies``."""
    events: list[Event] = field(default_factory=list)
    """The rows behind every figure: transfers, exercises with partners, training received,
    shared threats."""
    totals: dict[str, float] = field(default_factory=dict)
    """``tiv_from_allies``, ``tiv_from_others``, ``exercises``, ``training``,
    ``shared_threats`` (and ``tiv_total``, ``tiv_from_non_states``, ``share_from_allies``,
    ``exercises_all``, ``training_seats``, ``live_transfers``)."""
    activity: Table | None = None
    """Per year: ``year, exercises, exercises_with_partners, training, training_seats,
    shared_threats`` (first seen that year)."""
    notes: list[str] = field(default_factory=list)


# --- an answer's tables -----------------------------------------------------------------


def changes_table(history: StateHistory) -> Table:
    """``StateHistory.changes`` as a table: ``year, ccode, partner, change, agreements``."""
    changes = history.changes
    return Table(
        name=f"history-{history.state.ccode}-changes-{history.first}-{history.last}",
        columns={
            "year": np.array([c.year for c in changes], dtype=np.int64),
            "ccode": np.array([c.partner.ccode for c in changes], dtype=np.int64),
            "partner": [c.partner.abbrev for c in changes],
            "change": ["gained" if c.gained else "lost" for c in changes],
            "agreements": [";".join(c.agreements) for c in changes],
        },
        title=f"{history.state.name}: partners gained and lost, {history.first}-{history.last}",
        source=SOURCE_DYADS,
    )


def events_table(events: Sequence[Event], name: str, title: str = "") -> Table:
    """A timeline as a table: ``start, end, kind, label, source`` (dates as ISO text)."""
    return Table(
        name=name,
        columns={
            "start": [None if e.start is None else e.start.isoformat() for e in events],
            "end": [None if e.end is None else e.end.isoformat() for e in events],
            "kind": [e.kind for e in events],
            "label": [e.label for e in events],
            "source": [e.source for e in events],
        },
        title=title,
        source="the registry and the cooperation record, as the viewer may see them",
    )


def history_tables(found: StateHistory) -> dict[HistoryTable, Table]:
    """A state's history as tables: its years and its partners' changes."""
    return {HistoryTable.YEARS: found.years, HistoryTable.CHANGES: changes_table(found)}


def dyad_timeline(found: DyadHistory) -> Table:
    """A dyad's events as one table (``events_table``)."""
    a, b = found.a, found.b
    title = f"{a.name} and {b.name}, {found.first}-{found.last}"
    return events_table(found.events, f"dyad-{a.ccode}-{b.ccode}", title)


def bloc_tables(found: Bloc) -> dict[BlocTable, Table]:
    return {
        BlocTable.YEARS: found.years,
        BlocTable.EXTERNAL: found.external,
        BlocTable.BLOCS: found.blocs,
    }


def brought_tables(found: Brought) -> dict[BroughtTable, Table]:
    """What partnership brought as tables: the arms, the activity per year (the events for
    a viewer who has none, or an empty one) and the events behind every figure."""
    state = found.state
    events = events_table(found.events, f"brought-{state.ccode}-events", f"{state.name}: the rows")
    return {
        BroughtTable.ARMS: found.arms,
        BroughtTable.ACTIVITY: found.activity or events,
        BroughtTable.EVENTS: events,
    }
