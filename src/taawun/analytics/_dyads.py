"""Dyad-years from party spells, as ATOP 5.1 codes them (codebook sections 2.3, 2.5-2.7).

The rules, each from the codebook or, where it is silent, from ATOP's own state-year file
(``tests/integration/test_analytics_atop.py`` checks all 11,923 of its rows):

- **A party in a year.** A spell (one member row: a state in one phase of an alliance,
  from its entry to its exit, both days included) counts in every year it touches: ATOP's
  state-year file lists a state "during the years [it has] any active alliance
  commitments", the year of entry and the year of exit included. The spell is clipped to
  the agreement's own dates: in force from ``in_force`` to ``ended`` (the last day), and
  for a suspended agreement until the day before its suspension; an agreement that never
  entered into force (``proposed``, ``declined``, ``withdrawn``) has no years.
- **Pairs.** Two states form a dyad under an agreement in a year when spells of the same
  phase both touch the year and overlap in time: "we then eliminate cases in which one
  state joined the alliance after the other terminated its affiliation with the alliance
  in the same year" (2.6). Pairing within a phase keeps the two successor states of a
  bilateral alliance (Czech Republic and Slovakia, phases 2 and 3 at once, section 1.53)
  apart.
- **A phase change within a year.** When a dyad is paired under two phases of one alliance
  in the same year, the later phase codes it (the obligations in effect at the year's
  end): ATOP's state-year file does so (e.g. Japan 1905, ATOP 1415: phase 1's offence and
  neutrality end on 12 August, and 1905 is coded with phase 2's defence and consultation).
- **Direction.** State 1 owes state 2 what state 1's member row says it undertakes
  (member-level obligations, 2.33); a state may be a member and owe nothing (2.5). Where
  ATOP's ``OBVARY`` marks a member whose obligations differ between partners, the member
  file does not say which partner is owed what; the member is taken to owe them to every
  partner, so those directed rows may carry more than ATOP's directed file (the state-year
  file, "toward any state", is unaffected). Non-directed rows take, per obligation, the
  larger of both directions (2.6: "either state has ... toward the other").
- **Counting.** ``number``: the alliances the two share that year; a dyad-year joined only
  by agreements that carry none of the five obligations (a nuclear cooperation agreement,
  an intelligence-sharing arrangement) has ``atopally`` 0 and shows its domains.

Everything is vectorised: spells are expanded into spell-years, grouped by (agreement,
phase, year), and each group's pairs are generated with ``np.repeat`` — no loop over
dyads or years in Python.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, timedelta
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from taawun.analytics.schemas import (
    COOPERATION_DOMAINS,
    OBLIGATION_DOMAINS,
    OBLIGATIONS,
    DyadYears,
    IntArray,
)

NEVER_IN_FORCE = frozenset(("proposed", "declined", "withdrawn"))
_OPEN = np.datetime64("9999-12-31", "D")
Bools = npt.NDArray[np.bool_]


class SpellRow(NamedTuple):
    """One party spell with its agreement's facts, as ``repository.party_spells`` reads it.
    ``owes`` holds the party's five obligations (None: not coded per member)."""

    agreement_id: int
    ref: str
    status: str
    in_force: date | None
    ended: date | None
    status_since: date | None
    phase: int
    ccode: int
    entered: date | None
    exited: date | None
    owes: tuple[bool | None, bool | None, bool | None, bool | None, bool | None]


def _in_force_span(row: SpellRow) -> tuple[date, date | None] | None:
    """The agreement's first and last day in force as the record shows (None: never)."""
    if row.status in NEVER_IN_FORCE or row.in_force is None:
        return None
    last = row.ended
    if row.status == "suspended" and row.status_since is not None:
        before = row.status_since - timedelta(days=1)
        last = before if last is None else min(last, before)
    return row.in_force, last


def _day(value: date | None) -> np.datetime64:
    return _OPEN if value is None else np.datetime64(value, "D")


def _group_starts(*keys: npt.NDArray[np.int64]) -> IntArray:
    """Indices where a run of equal keys begins, in arrays already sorted by those keys."""
    n = len(keys[0])
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    change = np.zeros(n, dtype=bool)
    change[0] = True
    for key in keys:
        change[1:] |= key[1:] != key[:-1]
    return np.flatnonzero(change).astype(np.int64)


def _within_groups(starts: IntArray, n: int) -> tuple[IntArray, IntArray]:
    """Every ordered pair (i, j) of positions in the same group (groups: runs from
    ``starts``, covering ``0..n-1``), i == j included."""
    sizes = np.diff(np.append(starts, n))
    group = np.repeat(np.arange(len(starts)), sizes)
    reps = sizes[group]
    left = np.repeat(np.arange(n), reps)
    first_of_block = np.repeat(np.cumsum(reps) - reps, reps)
    right = np.repeat(starts[group], reps) + (np.arange(len(left)) - first_of_block)
    return left, right


def derive(
    rows: Sequence[SpellRow],
    domains: Mapping[int, Collection[str]],
    *,
    first: int,
    last: int,
    directed: bool,
) -> DyadYears:
    """The dyad-years from ``first`` to ``last`` of the spells ``rows`` (module docstring);
    ``domains`` gives each agreement's domains."""
    agreement_ids = sorted({r.agreement_id for r in rows})
    position = {a: k for k, a in enumerate(agreement_ids)}
    refs = {r.agreement_id: r.ref for r in rows}
    names = (*OBLIGATION_DOMAINS.values(), *COOPERATION_DOMAINS)
    covers = np.array(
        [[d in domains.get(a, ()) for d in names] for a in agreement_ids], dtype=bool
    ).reshape(len(agreement_ids), len(names))
    by_domain, cooperation = covers[:, : len(OBLIGATIONS)], covers[:, len(OBLIGATIONS) :]

    spells = _spells(rows, position, by_domain)
    alliance: Bools = np.asarray(by_domain.any(axis=1), dtype=bool)
    np.logical_or.at(alliance, spells.agreement, spells.owes.any(axis=1))

    pairs = _pairs(spells, first=first, last=last)
    result = _dyad_years(pairs, spells, alliance, cooperation)
    if not directed:
        result = _undirected(result)
    columns, offsets, chosen = result
    return DyadYears(
        first=first,
        last=last,
        directed=directed,
        columns=columns,
        offsets=offsets,
        agreement_index=chosen,
        refs=tuple(refs[a] for a in agreement_ids),
        alliance=alliance,
    )


class _Spells(NamedTuple):
    """The spells with some day in force, as arrays: agreement (its position), phase, COW
    code, first and last day (clipped to the agreement's days in force), obligations."""

    agreement: IntArray
    phase: IntArray
    ccode: IntArray
    start: npt.NDArray[np.datetime64]
    end: npt.NDArray[np.datetime64]
    owes: Bools


def _spells(rows: Sequence[SpellRow], position: Mapping[int, int], by_domain: Bools) -> _Spells:
    """One entry per spell row (a few thousand: the registry's party rows, not dyads); a
    party whose obligations are not coded per member owes what its agreement's domains say."""
    kept: list[tuple[int, int, int, np.datetime64, np.datetime64, tuple[bool, ...]]] = []
    for r in rows:
        span = _in_force_span(r)
        if span is None:
            continue
        a = position[r.agreement_id]
        first_day = np.datetime64(max(r.entered or span[0], span[0]), "D")
        last_day = min(_day(r.exited), _day(span[1]))
        owes = tuple(
            bool(by_domain[a, k]) if flag is None else flag for k, flag in enumerate(r.owes)
        )
        if first_day <= last_day:
            kept.append((a, r.phase, r.ccode, first_day, last_day, owes))
    return _Spells(
        agreement=np.array([k[0] for k in kept], dtype=np.int64),
        phase=np.array([k[1] for k in kept], dtype=np.int64),
        ccode=np.array([k[2] for k in kept], dtype=np.int64),
        start=np.array([k[3] for k in kept], dtype="datetime64[D]"),
        end=np.array([k[4] for k in kept], dtype="datetime64[D]"),
        owes=np.array([k[5] for k in kept], dtype=bool).reshape(len(kept), len(OBLIGATIONS)),
    )


class _Pairs(NamedTuple):
    left: IntArray  # spell of state 1
    right: IntArray  # spell of state 2
    year: IntArray


def _pairs(spells: _Spells, *, first: int, last: int) -> _Pairs:
    """Every (spell, spell, year) of two states in one phase of one agreement, both spells
    touching the year and overlapping in time; where a dyad is paired under several phases
    of an agreement in one year, only the latest phase's pairs."""
    agreement, phase, ccode = spells.agreement, spells.phase, spells.ccode
    start, end = spells.start, spells.end
    start_year = start.astype("datetime64[Y]").astype(np.int64) + 1970
    end_year = np.where(end == _OPEN, last, end.astype("datetime64[Y]").astype(np.int64) + 1970)
    y0, y1 = np.maximum(start_year, first), np.minimum(end_year, last)
    years = np.where(y0 <= y1, y1 - y0 + 1, 0)
    spell = np.repeat(np.arange(len(agreement)), years)
    year = y0[spell] + (np.arange(len(spell)) - np.repeat(np.cumsum(years) - years, years))

    order = np.lexsort((year, phase[spell], agreement[spell]))
    spell, year = spell[order], year[order]
    starts = _group_starts(agreement[spell], phase[spell], year)
    left, right = _within_groups(starts, len(spell))
    li, ri = spell[left], spell[right]
    ok = (ccode[li] != ccode[ri]) & (start[li] <= end[ri]) & (start[ri] <= end[li])
    li, ri, year = li[ok], ri[ok], year[left][ok]

    if not len(li):
        return _Pairs(li, ri, year)
    # The latest phase of each (state 1, state 2, agreement, year).
    order = np.lexsort((phase[li], year, ccode[ri], ccode[li], agreement[li]))
    li, ri, year = li[order], ri[order], year[order]
    starts = _group_starts(agreement[li], ccode[li], ccode[ri], year)
    sizes = np.diff(np.append(starts, len(li)))
    latest = np.repeat(phase[li][np.append(starts[1:], len(li)) - 1], sizes)
    keep = phase[li] == latest
    return _Pairs(li[keep], ri[keep], year[keep])


Result = tuple[dict[str, IntArray], IntArray, IntArray]


def _dyad_years(pairs: _Pairs, spells: _Spells, alliance: Bools, cooperation: Bools) -> Result:
    """Directed dyad-years: the pairs grouped by (state 1, state 2, year, agreement), then
    by (state 1, state 2, year)."""
    ccode, agreement, owes = spells.ccode, spells.agreement, spells.owes
    c1, c2, a = ccode[pairs.left], ccode[pairs.right], agreement[pairs.left]
    order = np.lexsort((a, pairs.year, c2, c1))
    c1, c2, year, a = c1[order], c2[order], pairs.year[order], a[order]
    owed = owes[pairs.left[order]]

    # One row per (dyad, year, agreement): what state 1 owes under it (any of its spells).
    starts = _group_starts(c1, c2, year, a)
    if len(starts):
        owed = np.logical_or.reduceat(owed, starts, axis=0)
    c1, c2, year, a = c1[starts], c2[starts], year[starts], a[starts]
    owed &= alliance[a][:, None]

    rows = _group_starts(c1, c2, year)
    columns: dict[str, IntArray] = {
        "ccode1": c1[rows],
        "ccode2": c2[rows],
        "year": year[rows],
        "atopally": np.zeros(len(rows), dtype=np.int64),
    }
    if len(rows):
        for k, name in enumerate(OBLIGATIONS):
            columns[name] = np.logical_or.reduceat(owed[:, k], rows).astype(np.int64)
        columns["number"] = np.add.reduceat(alliance[a].astype(np.int64), rows)
        shared = np.logical_or.reduceat(cooperation[a], rows, axis=0)
    else:
        for name in OBLIGATIONS:
            columns[name] = np.zeros(0, dtype=np.int64)
        columns["number"] = np.zeros(0, dtype=np.int64)
        shared = np.zeros((0, len(COOPERATION_DOMAINS)), dtype=bool)
    columns["atopally"] = (columns["number"] > 0).astype(np.int64)
    for k, name in enumerate(COOPERATION_DOMAINS):
        columns[name] = shared[:, k].astype(np.int64)
    return columns, np.append(rows, len(a)).astype(np.int64), a


def _undirected(directed: Result) -> Result:
    """Each pair once (ccode1 < ccode2), each obligation the larger of both directions. Every
    directed row has its mirror (pairing is symmetric), with the same agreements."""
    columns, offsets, chosen = directed
    c1, c2, year = columns["ccode1"], columns["ccode2"], columns["year"]
    lower = np.flatnonzero(c1 < c2)
    # Rows are sorted by (ccode1, ccode2, year): find each lower row's mirror by that key.
    width = np.int64(max(int(c2.max(initial=0)), int(c1.max(initial=0))) + 1)
    span = np.int64(int(year.max(initial=0)) + 1)
    key = (c1 * width + c2) * span + year
    mirror = np.searchsorted(key, (c2[lower] * width + c1[lower]) * span + year[lower])
    out = {name: values[lower] for name, values in columns.items()}
    for name in OBLIGATIONS:
        out[name] = np.maximum(columns[name][lower], columns[name][mirror])
    sizes = offsets[lower + 1] - offsets[lower]
    picked = np.repeat(offsets[lower], sizes) + (
        np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    )
    return out, np.append(0, np.cumsum(sizes)).astype(np.int64), chosen[picked]
