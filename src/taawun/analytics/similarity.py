"""Alliance portfolio similarity (issue 11 §3).

Signorino–Ritter S (valued and binary ATOP scale, absolute and squared distances), Scott's
π and Cohen's κ, as svmiller/fpsim computes them (``srs()``, ``spi()``, ``cohenk()`` in its
``inst/scripts``), over the COW system members of the year, from the directed dyad-years
the viewer may see (``service.dyad_years``: a confidential agreement counts only for those
who may see it). The arithmetic, and what was taken from fpsim, is in ``_sscores.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from taawun.analytics import _inputs, _sscores, repository, service
from taawun.analytics.schemas import Table
from taawun.core.clock import Clock, SystemClock
from taawun.core.errors import InvalidInput
from taawun.core.principal import Principal
from taawun.registry import resolver
from taawun.registry import service as registry
from taawun.registry.policy import AgreementPolicy
from taawun.registry.repository import under_revision

OnProgress = Callable[[str, int, int], None]

SCORES: Final = _sscores.SCORES
"""The eight scores (fpsim's ``sallyva, sallyvs, sallyba, sallybs, pallyv, pallyb, kallyv,
kallyb``)."""
PANEL: Final = (1816, 2018)
"""fpsim's panel: ATOP 5.1's years from the first year of the COW system."""
SOURCE: Final = (
    "ATOP 5.1 directed dyad-years derived from the registry, COW system membership; "
    "scores as svmiller/fpsim computes them (srs, spi, cohenk; inst/scripts)"
)
COHESION: Final = ("year", "members", "pairs", "s_valued_abs", "kappa_binary")

_Columns = dict[str, npt.NDArray[Any] | list[Any]]


@dataclass(frozen=True, slots=True)
class _World:
    """One year's system: its members (sorted COW codes) and their valued portfolios."""

    year: int
    members: npt.NDArray[np.int64]
    portfolio: _sscores.Portfolio


def _worlds(
    principal: Principal, session: Session, first: int, last: int, clock: Clock
) -> Iterator[_World]:
    """Each year's portfolios from one read of the directed dyad-years ``first..last``."""
    dyads = service.dyad_years(
        principal, session, first=first, last=last, directed=True, clock=clock
    )
    members = repository.system_members(session, first, last)
    c = dyads.columns
    value = _sscores.valued(c)
    order = np.argsort(c["year"], kind="stable")
    bounds = np.searchsorted(c["year"][order], np.arange(first, last + 2))
    for k, year in enumerate(range(first, last + 1)):
        rows = order[bounds[k] : bounds[k + 1]]
        codes = np.asarray(members[year], dtype=np.int64)
        yield _World(
            year,
            codes,
            _sscores.portfolios(codes, c["ccode1"][rows], c["ccode2"][rows], value[rows]),
        )


def _world(principal: Principal, session: Session, year: int, clock: Clock) -> _World:
    year = _inputs.year(year, clock)
    return next(_worlds(principal, session, year, year, clock))


def _chosen(
    principal: Principal,
    session: Session,
    world: _World,
    states: Sequence[str] | None,
    org: str | None,
) -> npt.NDArray[np.int64]:
    """The chosen states' rows in ``world`` (in the order given; each once): named
    ``states``, the full members of ``org`` in the system that year, or every member."""
    if states and org:
        raise InvalidInput("org: give states or an organisation, not both", field="org")
    if org:
        key = resolver.resolve_organization(session, org, field="org").key
        full = repository.organization_members(session, key, world.year, world.year)
        rows = np.flatnonzero(np.isin(world.members, sorted(full[world.year])))
        if len(rows) < 2:
            raise InvalidInput(
                f"org: {key} has fewer than two full members in {world.year}",
                field="org",
                value=org,
            )
        return rows
    if not states:
        return np.arange(len(world.members))
    rows_list: list[int] = []
    for name in states:
        state = registry.get_state(principal, session, name=name, field="states")
        at = int(np.searchsorted(world.members, state.cow_code or -1))
        if at == len(world.members) or world.members[at] != state.cow_code:
            raise InvalidInput(
                f"states: {state.name} is not a member of the state system in {world.year}",
                field="states",
                value=name,
            )
        if at not in rows_list:
            rows_list.append(at)
    if len(rows_list) < 2:
        raise InvalidInput("states: name at least two states", field="states")
    return np.asarray(rows_list, dtype=np.int64)


def _pairs_table(world: _World, rows: npt.NDArray[np.int64]) -> _Columns:
    i, j, scores = _sscores.pair_scores(world.portfolio, np.sort(rows))
    return {
        "ccode1": world.members[i],
        "ccode2": world.members[j],
        "year": np.full(len(i), world.year, dtype=np.int64),
        **scores,
    }


def abbreviations(session: Session, ccodes: Iterable[int]) -> dict[int, str]:
    """COW abbreviations of states by COW code (public facts): a table's labels."""
    codes = {int(c) for c in ccodes}
    return {c: label.abbrev for c, label in repository.state_labels(session, codes).items()}


def sscores(
    principal: Principal,
    session: Session,
    *,
    year: int,
    states: Sequence[str] | None = None,
    org: str | None = None,
    clock: Clock | None = None,
) -> Table:
    """Columns ``ccode1, ccode2, year, *SCORES`` for every pair (ccode1 < ccode2) of the
    chosen states (names, ISO or COW codes; or the members of ``org``; default every system
    member). Portfolios always run over every system member of ``year``."""
    world = _world(principal, session, year, clock or SystemClock())
    rows = _chosen(principal, session, world, states, org)
    return Table(
        "sscores",
        _pairs_table(world, rows),
        title=f"Alliance portfolio similarity, {world.year}",
        source=SOURCE,
    )


def sscore_matrix(
    principal: Principal,
    session: Session,
    *,
    year: int,
    states: Sequence[str] | None = None,
    org: str | None = None,
    score: str = "s_valued_abs",
    clock: Clock | None = None,
) -> tuple[list[str], npt.NDArray[np.float64]]:
    """The chosen states' labels (COW abbreviations) and their square matrix of ``score``
    (the diagonal 1): what a heat map draws."""
    if score not in SCORES:
        raise InvalidInput(
            f"score: {score!r} is not one of {', '.join(SCORES)}", field="score", value=score
        )
    world = _world(principal, session, year, clock or SystemClock())
    rows = _chosen(principal, session, world, states, org)
    i, j, scores = _sscores.pair_scores(world.portfolio, rows)
    place = np.full(len(world.members), -1, dtype=np.int64)
    place[rows] = np.arange(len(rows))
    matrix = np.eye(len(rows), dtype=np.float64)
    matrix[place[i], place[j]] = scores[score]
    matrix[place[j], place[i]] = scores[score]
    labels = abbreviations(session, world.members[rows].tolist())
    return [labels[int(c)] for c in world.members[rows]], matrix


def sscore_panel(
    principal: Principal,
    session: Session,
    *,
    first: int,
    last: int,
    clock: Clock | None = None,
    on_progress: OnProgress | None = None,
) -> Table:
    """``sscores`` for every pair of system members in every year from ``first`` to
    ``last`` (1816-2018: fpsim's panel)."""
    clock = clock or SystemClock()
    first, last = _inputs.window(first, last, clock)  # refused before anything is read
    years = last - first + 1
    parts: list[_Columns] = []
    if on_progress:
        on_progress("sscores", 0, years + 1)
    for done, world in enumerate(_worlds(principal, session, first, last, clock), start=2):
        parts.append(_pairs_table(world, np.arange(len(world.members))))
        if on_progress:
            on_progress("sscores", done, years + 1)
    names = ("ccode1", "ccode2", "year", *SCORES)
    return Table(
        "sscores-panel",
        {n: np.concatenate([p[n] for p in parts]) for n in names},
        title=f"Alliance portfolio similarity, {first}-{last}",
        source=SOURCE,
    )


def cohesion(
    principal: Principal,
    session: Session,
    *,
    org: str,
    first: int,
    last: int,
    clock: Clock | None = None,
) -> Table:
    """Per year: ``year, members, pairs, s_valued_abs, kappa_binary``, the mean of each
    score over every pair of the organisation's full members (those in the state system
    that year); years with fewer than two such members are left out."""
    clock = clock or SystemClock()
    first, last = _inputs.window(first, last, clock)  # refused before anything is read
    key = resolver.resolve_organization(session, org, field="org").key
    full = repository.organization_members(session, key, first, last)
    # Cached while the agreements the viewer sees and the bloc's members stay the same (a
    # membership is not an agreement: the registry's revision does not follow it, so the
    # members are in the key): a bloc's page no longer scores every pair of every year.
    members = tuple((year, tuple(sorted(full[year]))) for year in sorted(full))
    view = AgreementPolicy.view_key(principal)
    return under_revision(
        session,
        ("analytics.cohesion", view, key, first, last, members),
        lambda: _cohesion(
            principal, session, key=key, full=full, first=first, last=last, clock=clock
        ),
    )


def _cohesion(
    principal: Principal,
    session: Session,
    *,
    key: str,
    full: dict[int, frozenset[int]],
    first: int,
    last: int,
    clock: Clock,
) -> Table:
    found: dict[str, list[float]] = {name: [] for name in COHESION}
    for world in _worlds(principal, session, first, last, clock):
        rows = np.flatnonzero(np.isin(world.members, sorted(full[world.year])))
        if len(rows) < 2:
            continue
        _, _, scores = _sscores.pair_scores(world.portfolio, rows)
        found["year"].append(world.year)
        found["members"].append(len(rows))
        found["pairs"].append(len(rows) * (len(rows) - 1) // 2)
        found["s_valued_abs"].append(float(scores["s_valued_abs"].mean()))
        found["kappa_binary"].append(float(scores["kappa_binary"].mean()))
    table = Table(
        "cohesion",
        {
            "year": np.asarray(found["year"], dtype=np.int64),
            "members": np.asarray(found["members"], dtype=np.int64),
            "pairs": np.asarray(found["pairs"], dtype=np.int64),
            "s_valued_abs": np.asarray(found["s_valued_abs"], dtype=np.float64),
            "kappa_binary": np.asarray(found["kappa_binary"], dtype=np.float64),
        },
        title=f"{key}: cohesion (mean similarity among full members), {first}-{last}",
        source=SOURCE,
    )
    for column in table.columns.values():  # shared by the cache's callers
        if isinstance(column, np.ndarray):
            column.flags.writeable = False
    return table
