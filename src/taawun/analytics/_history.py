"""A state's ties year by year, and a dyad's obligations as spans: the arithmetic behind
``questions.state_history`` and ``questions.dyad_history``, on directed dyad-years.

Directed rows with ``ccode1`` the state give its partners (the states it shares an
agreement with that year) and what it owes each (ATOP's member-level obligations,
codebook 2.33). Counting is vectorised with ``np.bincount`` over years; only the partner
sets of the one state are Python sets (tens of partners a year). ``own_dyad_years``
derives the rows of a few states' own agreements, for a dyad's obligations and a state's
partners, without deriving the whole system.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from taawun.analytics import service
from taawun.analytics._dyads import derive
from taawun.analytics.schemas import COOPERATION_DOMAINS, OBLIGATIONS, DyadYears
from taawun.core.principal import Principal


class Change(NamedTuple):
    year: int
    partner: int
    gained: bool
    agreements: tuple[str, ...]


def partner_sets(dy: DyadYears, ccode: int, years: range) -> dict[int, dict[int, tuple[str, ...]]]:
    """Per year, the state's partners and the agreements it shares with each."""
    c = dy.columns
    found: dict[int, dict[int, tuple[str, ...]]] = {y: {} for y in years}
    for row in np.flatnonzero(c["ccode1"] == ccode).tolist():
        year = int(c["year"][row])
        if year in found:
            found[year][int(c["ccode2"][row])] = tuple(dy.agreements_of(row))
    return found


def state_years(
    dy: DyadYears,
    ccode: int,
    *,
    first: int,
    last: int,
    oic: Mapping[int, frozenset[int]],
) -> tuple[dict[str, npt.NDArray[Any]], list[Change]]:
    """The columns of ``StateHistory.years`` for ``first..last`` and the partner changes,
    from directed dyad-years ``dy`` covering ``first - 1`` (when held) to ``last``.
    ``oic`` gives the OIC's full members per year."""
    c = dy.columns
    n = last - first + 1
    mine = c["ccode1"] == ccode
    inside = (c["year"] >= first) & (c["year"] <= last)
    rows = np.flatnonzero(mine & inside)
    at = c["year"][rows] - first

    def count(flags: npt.NDArray[np.int64] | None = None) -> npt.NDArray[np.int64]:
        weights = None if flags is None else flags[rows].astype(np.float64)
        return np.bincount(at, weights=weights, minlength=n).astype(np.int64)

    partners_oic = np.zeros(n, dtype=np.int64)
    for row, k in zip(rows.tolist(), at.tolist(), strict=True):
        if int(c["ccode2"][row]) in oic.get(first + k, frozenset()):
            partners_oic[k] += 1
    partners = count()
    columns: dict[str, npt.NDArray[Any]] = {
        "year": np.arange(first, last + 1, dtype=np.int64),
        "oic_member": np.array([ccode in oic.get(y, frozenset()) for y in range(first, last + 1)]),
        "partners": partners,
        "partners_oic": partners_oic,
        "partners_outside": partners - partners_oic,
        "share_oic": np.divide(
            partners_oic,
            partners,
            out=np.full(n, np.nan),
            where=partners > 0,
        ),
    }
    for name in OBLIGATIONS:
        columns[name] = count(c[name])
    for name in COOPERATION_DOMAINS:
        columns[name] = count(c[name])
    columns["degree_rank"] = _ranks(dy, ccode, first=first, last=last)

    sets = partner_sets(dy, ccode, range(first - 1, last + 1))
    held = first - 1 >= dy.first
    changes: list[Change] = []
    gained = np.zeros(n, dtype=np.int64)
    lost = np.zeros(n, dtype=np.int64)
    for k, year in enumerate(range(first, last + 1)):
        before = sets[year - 1] if held or year > first else {}
        now = sets[year]
        for p in sorted(now.keys() - before.keys()):
            changes.append(Change(year, p, True, now[p]))
            gained[k] += 1
        for p in sorted(before.keys() - now.keys()):
            changes.append(Change(year, p, False, before[p]))
            lost[k] += 1
    columns["gained"], columns["lost"] = gained, lost
    return columns, changes


def _ranks(dy: DyadYears, ccode: int, *, first: int, last: int) -> npt.NDArray[np.int64]:
    """Per year, 1 + the number of states with more partners than ``ccode`` (ties share
    the best rank: ``scipy.stats.rankdata(method="min")`` on descending degree)."""
    c = dy.columns
    n = last - first + 1
    inside = (c["year"] >= first) & (c["year"] <= last)
    keys = (c["year"][inside] - first) * (int(c["ccode1"].max(initial=0)) + 1) + c["ccode1"][inside]
    unique, degree = np.unique(keys, return_counts=True)
    width = int(c["ccode1"].max(initial=0)) + 1
    year_of, state_of = unique // width, unique % width
    own = np.zeros(n, dtype=np.int64)
    own[year_of[state_of == ccode]] = degree[state_of == ccode]
    more = degree > own[year_of]
    return 1 + np.bincount(year_of[more], minlength=n).astype(np.int64)


class Span(NamedTuple):
    owner: int
    partner: int
    first: int
    last: int
    obligations: tuple[str, ...]
    agreements: tuple[str, ...]


def obligation_spans(dy: DyadYears, a: int, b: int) -> list[Span]:
    """What ``a`` owes ``b`` and ``b`` owes ``a``, as runs of consecutive years with the same
    obligations under the same alliances (a new phase or alliance starts a new span; the
    agreements that carry no obligation are not named);
    years in which one owes the other nothing are left out."""
    c = dy.columns
    spans: list[Span] = []
    for owner, partner in ((a, b), (b, a)):
        rows = np.flatnonzero((c["ccode1"] == owner) & (c["ccode2"] == partner)).tolist()
        current: Span | None = None
        for row in rows:
            year = int(c["year"][row])
            owed = tuple(name for name in OBLIGATIONS if c[name][row])
            if not owed:
                continue
            chosen = dy.agreement_index[dy.offsets[row] : dy.offsets[row + 1]]
            refs = tuple(dy.refs[k] for k in chosen.tolist() if dy.alliance[k])
            if (
                current is not None
                and current.last == year - 1
                and (current.obligations, current.agreements) == (owed, refs)
            ):
                current = current._replace(last=year)
                continue
            if current is not None:
                spans.append(current)
            current = Span(owner, partner, year, year, owed, refs)
        if current is not None:
            spans.append(current)
    return spans


def own_dyad_years(
    principal: Principal, session: Session, ccodes: Collection[int], *, first: int, last: int
) -> DyadYears:
    """Directed dyad-years ``first..last`` derived (``_dyads.derive``) from the spells of
    the agreements every one of ``ccodes`` is party to, as ``principal`` may see them: the
    rows of those states together exactly (a state's own rows for one state, a dyad's for
    two)."""
    spells, domains = service.visible_spells(principal, session, first=first, last=last)
    parties: dict[int, set[int]] = defaultdict(set)
    for r in spells:
        parties[r.agreement_id].add(r.ccode)
    wanted = set(ccodes)
    shared = {k for k, found in parties.items() if wanted <= found}
    return derive(
        [r for r in spells if r.agreement_id in shared],
        {k: v for k, v in domains.items() if k in shared},
        first=first,
        last=last,
        directed=True,
    )
