"""An organisation as a bloc, who gained partners, who brokers between blocs: the
arithmetic behind ``questions.bloc``, ``questions.gainers`` and ``questions.brokers``, on
non-directed dyad-years (and, for brokers, the network's measures).

A tie is a dyad-year (two states sharing at least one agreement the viewer may see that
year). Membership is per year (COW IGO full members, ``repository.organization_members``),
so a state counts as a member only in the years it was one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from taawun.analytics.schemas import DyadYears

Columns = dict[str, npt.NDArray[Any] | list[Any]]
Members = Mapping[int, frozenset[int]]


def _in(ccodes: npt.NDArray[np.int64], years: npt.NDArray[np.int64], members: Members) -> Any:
    """Whether each (ccode, year) is a member that year (a boolean array): a lookup in a
    year-by-COW-code matrix of membership."""
    if not len(ccodes) or not members:
        return np.zeros(len(ccodes), dtype=bool)
    first = min(members)
    width = max(int(ccodes.max()), *(max(m, default=0) for m in members.values())) + 1
    matrix = np.zeros((max(members) - first + 1, width), dtype=bool)
    for year, found in members.items():
        matrix[year - first, list(found)] = True
    at = years - first
    inside = (at >= 0) & (at < len(matrix))
    out = np.zeros(len(ccodes), dtype=bool)
    out[inside] = matrix[at[inside], ccodes[inside]]
    return out


def internal(dy: DyadYears, members: Members, *, first: int, last: int) -> Columns:
    """Per year: ``year, members, internal_ties, density`` (ties among members over the
    m(m-1)/2 pairs of members; NaN below two members)."""
    c = dy.columns
    both = _in(c["ccode1"], c["year"], members) & _in(c["ccode2"], c["year"], members)
    n = last - first + 1
    ties = np.bincount(c["year"][both] - first, minlength=n).astype(np.int64)
    m = np.array([len(members.get(y, ())) for y in range(first, last + 1)], dtype=np.int64)
    pairs = m * (m - 1) // 2
    return {
        "year": np.arange(first, last + 1, dtype=np.int64),
        "members": m,
        "internal_ties": ties,
        "density": np.divide(ties, pairs, out=np.full(n, np.nan), where=pairs > 0),
    }


def external(dy: DyadYears, members: Members) -> Columns:
    """Non-members tied to members, over the window: ``ccode, members_tied, tie_years,
    strength`` (``tie_years``: member-tie-years, one per member tied each year;
    ``strength``: their share of all member-years), strongest first."""
    c = dy.columns
    in1, in2 = _in(c["ccode1"], c["year"], members), _in(c["ccode2"], c["year"], members)
    one = in1 != in2
    outsider = np.where(in1, c["ccode2"], c["ccode1"])[one]
    member = np.where(in1, c["ccode1"], c["ccode2"])[one]
    ccodes, tie_years = np.unique(outsider, return_counts=True)
    tied = np.array(
        [len(np.unique(member[outsider == k])) for k in ccodes.tolist()], dtype=np.int64
    )
    possible = sum(len(found) for found in members.values())
    order = np.lexsort((ccodes, -tied, -tie_years))
    return {
        "ccode": ccodes[order].astype(np.int64),
        "members_tied": tied[order],
        "tie_years": tie_years[order].astype(np.int64),
        "strength": tie_years[order] / possible if possible else np.zeros(len(order)),
    }


def to_blocs(
    dy: DyadYears, members: Members, blocs: Mapping[str, Members], *, first: int, last: int
) -> Columns:
    """Per year and bloc: ``year, bloc, bloc_members, members_tied, ties``: the members
    tied to some member of the bloc (another state), and the distinct pairs (member, bloc
    member) tied. A state in both (Turkey in the OIC and NATO) counts on both sides."""
    c = dy.columns
    in1, in2 = _in(c["ccode1"], c["year"], members), _in(c["ccode2"], c["year"], members)
    out: dict[str, list[Any]] = {k: [] for k in ("year", "bloc", "bloc_members")}
    out |= {"members_tied": [], "ties": []}
    for key, bloc in blocs.items():
        b1, b2 = _in(c["ccode1"], c["year"], bloc), _in(c["ccode2"], c["year"], bloc)
        pair = (in1 & b2) | (in2 & b1)
        tied_member = np.concatenate([c["ccode1"][in1 & b2], c["ccode2"][in2 & b1]])
        tied_year = np.concatenate([c["year"][in1 & b2], c["year"][in2 & b1]])
        ties = np.bincount(c["year"][pair] - first, minlength=last - first + 1)
        for k, year in enumerate(range(first, last + 1)):
            out["year"].append(year)
            out["bloc"].append(key)
            out["bloc_members"].append(len(bloc.get(year, ())))
            out["members_tied"].append(len(np.unique(tied_member[tied_year == year])))
            out["ties"].append(int(ties[k]))
    return {
        "year": np.array(out["year"], dtype=np.int64),
        "bloc": out["bloc"],
        "bloc_members": np.array(out["bloc_members"], dtype=np.int64),
        "members_tied": np.array(out["members_tied"], dtype=np.int64),
        "ties": np.array(out["ties"], dtype=np.int64),
    }


def degrees(dy: DyadYears, year: int) -> dict[int, set[int]]:
    """Each state's partners in ``year`` (from directed or non-directed rows)."""
    c = dy.columns
    found: dict[int, set[int]] = {}
    at = c["year"] == year
    for a, b in zip(c["ccode1"][at].tolist(), c["ccode2"][at].tolist(), strict=True):
        found.setdefault(a, set()).add(b)
        found.setdefault(b, set()).add(a)
    return found


def gainers(before: Mapping[int, set[int]], after: Mapping[int, set[int]], top: int) -> Columns:
    """``ccode, before, after, gained, new, lost`` from each state's partners at two dates
    (``degrees``): ``gained`` is the change in their number, ``new`` and ``lost`` the
    partners that came and went. The ``top`` states by ``gained``, then by ``new``, then
    by COW code."""
    ranked = sorted(
        (
            (
                len(after.get(c, ())) - len(before.get(c, ())),
                len(after.get(c, set()) - before.get(c, set())),
                c,
            )
            for c in before.keys() | after.keys()
        ),
        key=lambda r: (-r[0], -r[1], r[2]),
    )[:top]
    ccodes = [c for _, _, c in ranked]
    return {
        "ccode": np.array(ccodes, dtype=np.int64),
        "before": np.array([len(before.get(c, ())) for c in ccodes], dtype=np.int64),
        "after": np.array([len(after.get(c, ())) for c in ccodes], dtype=np.int64),
        "gained": np.array([g for g, _, _ in ranked], dtype=np.int64),
        "new": np.array([n for _, n, _ in ranked], dtype=np.int64),
        "lost": np.array(
            [len(before.get(c, set()) - after.get(c, set())) for c in ccodes], dtype=np.int64
        ),
    }


def cohesion(rows: Iterable[Mapping[str, Any]], *, first: int, last: int) -> Columns:
    """``cohesion_s, cohesion_kappa`` per year from ``similarity.cohesion``'s rows (its
    ``s_valued_abs`` and ``kappa_binary``; NaN in a year it has none)."""
    by_year = {int(r["year"]): r for r in rows}
    return {
        name: np.array(
            [by_year.get(y, {}).get(score, np.nan) for y in range(first, last + 1)], dtype=float
        )
        for name, score in (("cohesion_s", "s_valued_abs"), ("cohesion_kappa", "kappa_binary"))
    }


def brokers(
    rows: Iterable[Mapping[str, Any]],
    ties: Iterable[tuple[int, int]],
    blocs: Mapping[str, frozenset[int]],
    top: int,
) -> Columns:
    """``ccode, state, oic, brokerage, betweenness, degree, blocs``: the ``top`` of
    ``network.measures``' ``rows`` by brokerage, then betweenness; ``blocs``: those of
    ``blocs`` (in their order) some partner of the state (by ``ties``) belongs to, joined
    by ``;``."""
    chosen = sorted(rows, key=lambda r: (-r["brokerage"], -r["betweenness"], r["ccode"]))[:top]
    partners: dict[int, set[int]] = defaultdict(set)
    for a, b in ties:
        partners[a].add(b)
        partners[b].add(a)
    return {
        "ccode": np.array([r["ccode"] for r in chosen], dtype=np.int64),
        "state": [str(r["state"]) for r in chosen],
        "oic": np.array([bool(r["oic"]) for r in chosen]),
        "brokerage": np.array([r["brokerage"] for r in chosen], dtype=float),
        "betweenness": np.array([r["betweenness"] for r in chosen], dtype=float),
        "degree": np.array([r["degree"] for r in chosen], dtype=np.int64),
        "blocs": [";".join(k for k in blocs if partners[r["ccode"]] & blocs[k]) for r in chosen],
    }
