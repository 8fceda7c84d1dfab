"""The questions an analyst asks (issue 11 §4): a state's history, a dyad's timeline, a
bloc, what partnership brought, who gained partners, who brokers between blocs.

Each answer is built from the registry (through ``repository`` and the dyad-years of
``service``) and the cooperation context's services, for one viewer: a confidential
agreement the viewer may not see counts in nothing, and every figure is traced to the rows
it comes from (``Event.source``). Here each question checks what it was asked
(``_inputs.py``), gathers and assembles its answer (the types in ``_answers.py``); the
arithmetic is in ``_history.py`` and ``_bloc.py``, a dyad's timeline in ``_dyad.py``, what
partnership brought in ``_brought.py``, the cooperation record read in ``_cooperation.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Final

from sqlalchemy.orm import Session

from taawun.analytics import _bloc, _brought, _dyad, _history, _inputs, repository, service
from taawun.analytics._answers import (
    SOURCE_DYADS,
    Bloc,
    Brought,
    DyadHistory,
    Event,
    PartnerChange,
    StateHistory,
    StateName,
    bloc_tables,
    brought_tables,
    changes_table,
    dyad_timeline,
    events_table,
    history_tables,
)
from taawun.analytics._brought import ACTIVITY
from taawun.analytics.schemas import FIRST_YEAR, Table
from taawun.core.clock import Clock
from taawun.core.errors import InvalidInput
from taawun.core.principal import Principal
from taawun.registry.schemas import StateRead

OIC: Final = "OIC"
BLOCS: Final = ("OIC", "NATO", "CSTO", "SCO", "WPact", "CIS", "ASEAN")
"""The blocs a bloc's ties are counted to (COW IGO keys; those with no member in the
window are left out)."""
BROKER_BLOCS: Final = ("OIC", "NATO", "CSTO", "SCO")
KINDS: Final = (
    "agreement",
    "obligation",
    "exercise",
    "transfer",
    "operation",
    "training",
    "shared_threat",
)
MAX_TOP: Final = 1000

__all__ = [  # the questions, their constants, their answers' types and tables (``_answers.py``)
    "ACTIVITY",
    "BLOCS",
    "BROKER_BLOCS",
    "KINDS",
    "MAX_TOP",
    "OIC",
    "SOURCE_DYADS",
    "Bloc",
    "Brought",
    "DyadHistory",
    "Event",
    "PartnerChange",
    "StateHistory",
    "StateName",
    "bloc",
    "bloc_tables",
    "brokers",
    "brought",
    "brought_tables",
    "changes_table",
    "dyad_history",
    "dyad_timeline",
    "events_table",
    "gainers",
    "history_tables",
    "state_history",
]


# --- naming states ------------------------------------------------------------------------


def _name(state: StateRead) -> StateName:
    assert state.cow_code is not None  # _inputs.state keeps states with a COW code
    return StateName(state.cow_code, state.cow_abbr or state.iso3 or state.name, state.name)


def _names(session: Session, ccodes: Iterable[int]) -> dict[int, StateName]:
    return {
        c: StateName(c, label.abbrev, label.name)
        for c, label in repository.state_labels(session, {int(c) for c in ccodes}).items()
    }


def _named(names: Mapping[int, StateName], ccode: int) -> StateName:
    """``ccode``'s name, or the code itself for a state the registry does not name."""
    return names.get(ccode, StateName(ccode, str(ccode), str(ccode)))


def _labelled(session: Session, columns: Mapping[str, Any]) -> dict[str, Any]:
    """``columns`` with a ``state`` column (each ``ccode``'s abbreviation) after ``ccode``."""
    names = _names(session, columns["ccode"])
    return {
        "ccode": columns["ccode"],
        "state": [names[c].abbrev if c in names else str(c) for c in map(int, columns["ccode"])],
        **{k: v for k, v in columns.items() if k != "ccode"},
    }


# --- a state's history --------------------------------------------------------------------


def state_history(
    principal: Principal,
    session: Session,
    *,
    state: str,
    first: int | None,
    last: int | None,
    clock: Clock | None = None,
) -> StateHistory:
    """``state``'s partners each year from ``first`` to ``last`` (``StateHistory.years``) and
    the partners it gained or lost, with the agreements behind each change; from the
    directed dyad-years ``principal`` may see (``service.dyad_years``)."""
    first, last = _inputs.window(first, last, clock)
    me = _inputs.state(principal, session, state, "state")
    assert me.cow_code is not None
    since = max(first - 1, FIRST_YEAR)  # the year before: what the first year gained
    dy = service.dyad_years(principal, session, first=since, last=last, directed=True, clock=clock)
    oic = repository.organization_members(session, OIC, since, last)
    columns, changes = _history.state_years(dy, me.cow_code, first=first, last=last, oic=oic)
    by_year = _history.partner_sets(dy, me.cow_code, range(first, last + 1))
    names = _names(session, {p for found in by_year.values() for p in found})
    names |= _names(session, {c.partner for c in changes} - names.keys())
    return StateHistory(
        state=_name(me),
        first=first,
        last=last,
        years=Table(
            name=f"history-{me.cow_code}-{first}-{last}",
            columns=dict(columns),
            title=f"{me.name}: partners per year, {first}-{last}",
            source=SOURCE_DYADS,
        ),
        changes=[
            PartnerChange(c.year, _named(names, c.partner), c.gained, c.agreements) for c in changes
        ],
        partners={
            year: [_named(names, p) for p in sorted(found)] for year, found in by_year.items()
        },
    )


# --- a dyad's history ---------------------------------------------------------------------


def dyad_history(
    principal: Principal,
    session: Session,
    *,
    a: str,
    b: str,
    first: int | None = None,
    last: int | None = None,
    clock: Clock | None = None,
) -> DyadHistory:
    """Everything joining ``a`` and ``b`` from ``first`` to ``last`` that ``principal`` may
    see, on one timeline: agreements (``registry.service.dyad``), what each owes the other
    (dyad-years collapsed into spans), exercises, transfers both ways, operations together,
    training, and shared threats (left out, with a note, for a viewer of no agency)."""
    first, last = _inputs.window(first, last, clock)
    sa, sb = _inputs.state(principal, session, a, "a"), _inputs.state(principal, session, b, "b")
    if sa.id == sb.id:
        raise InvalidInput("b: names the same state as a", field="b", value=b)
    x, y = _name(sa), _name(sb)
    items, notes = _dyad.timeline(
        principal,
        session,
        sa,
        sb,
        labels={x.ccode: x.abbrev, y.ccode: y.abbrev},
        first=first,
        last=last,
        clock=clock,
    )
    events = [Event(*item) for item in items]
    events.sort(key=lambda e: (e.start or date.max, KINDS.index(e.kind), e.source, e.label))
    return DyadHistory(a=x, b=y, events=events, first=first, last=last, notes=notes)


# --- a bloc -------------------------------------------------------------------------------


def bloc(
    principal: Principal,
    session: Session,
    *,
    org: str = OIC,
    first: int | None,
    last: int | None,
    clock: Clock | None = None,
) -> Bloc:
    """The organisation ``org`` (its full members each year) as a bloc from ``first`` to
    ``last``: density of its internal ties and cohesion (mean S-score and κ of its members,
    ``similarity.cohesion``), its strongest external partners, and its members' ties to
    the other blocs of ``BLOCS``."""
    from taawun.analytics import similarity

    first, last = _inputs.window(first, last, clock)
    key = _inputs.organization(session, org)
    members = repository.organization_members(session, key, first, last)
    if not any(members.values()):
        raise InvalidInput(
            f"org: {key} has no full members in {first}-{last}", field="org", value=org
        )
    dy = service.dyad_years(principal, session, first=first, last=last, clock=clock)
    years = _bloc.internal(dy, members, first=first, last=last)
    cohesion = similarity.cohesion(principal, session, org=key, first=first, last=last, clock=clock)
    years |= _bloc.cohesion(cohesion.rows(), first=first, last=last)
    external = _labelled(session, _bloc.external(dy, members))
    others = {
        k: found
        for k in BLOCS
        if k != key
        and any((found := repository.organization_members(session, k, first, last)).values())
    }
    return Bloc(
        org=key,
        first=first,
        last=last,
        years=Table(
            f"bloc-{key}-{first}-{last}",
            years,
            f"{key} as a bloc, {first}-{last}",
            SOURCE_DYADS,
        ),
        external=Table(
            f"bloc-{key}-external-{first}-{last}",
            external,
            f"{key}'s strongest external partners, {first}-{last}",
            SOURCE_DYADS,
        ),
        blocs=Table(
            f"bloc-{key}-blocs-{first}-{last}",
            _bloc.to_blocs(dy, members, others, first=first, last=last),
            f"{key} members' ties to other blocs, {first}-{last}",
            SOURCE_DYADS,
        ),
    )


# --- what partnership brought ------------------------------------------------------------


def brought(
    principal: Principal,
    session: Session,
    *,
    state: str,
    first: int | None,
    last: int | None,
    clock: Clock | None = None,
) -> Brought:
    """What ``state`` received while it had partners, ``first`` to ``last``: arms (SIPRI TIV)
    from allies and from others (``transfers.service.allies_share``, each TIV-table row
    listed), exercises with states it shared an agreement with that year, training seats
    it received, and threats it shared with partners (for a viewer of an agency)."""
    first, last = _inputs.window(first, last, clock)
    me = _inputs.state(principal, session, state, "state")
    got = _brought.received(principal, session, me, first=first, last=last, clock=clock)
    return Brought(
        state=_name(me),
        first=first,
        last=last,
        arms=got.arms,
        events=sorted(
            (Event(*i) for i in got.items),
            key=lambda e: (e.start or date.max, KINDS.index(e.kind), e.source),
        ),
        totals=got.totals,
        activity=got.activity,
        notes=got.notes,
    )


# --- who gained, who brokers -------------------------------------------------------------


def gainers(
    principal: Principal,
    session: Session,
    *,
    after: int,
    until: int | None = None,
    top: int = 10,
    clock: Clock | None = None,
) -> Table:
    """``ccode, state, before, after, gained``: partners in ``after`` and in ``until``
    (default this year), ``gained`` the difference; then ``new`` and ``lost`` partners.
    The ``top`` states by ``gained`` (then by new partners)."""
    this_year = _inputs.today(clock).year
    after = _inputs.in_record(after, "after", this_year)
    until = this_year if until is None else _inputs.in_record(until, "until", this_year)
    if until <= after:
        raise InvalidInput(f"until: {until} is not after {after}", field="until", value=until)
    top = _inputs.top(top, MAX_TOP)
    before, then = (
        _bloc.degrees(service.dyad_years(principal, session, first=y, last=y, clock=clock), y)
        for y in (after, until)
    )
    return Table(
        f"gainers-{after}-{until}",
        _labelled(session, _bloc.gainers(before, then, top)),
        f"Who gained the most partners from {after} to {until}",
        SOURCE_DYADS,
    )


def brokers(
    principal: Principal,
    session: Session,
    *,
    year: int,
    top: int = 10,
    clock: Clock | None = None,
) -> Table:
    """``ccode, state, oic, brokerage, betweenness, blocs``: who bridges blocs that year.
    The ``top`` states by brokerage (``network.measures``: ties between OIC members and
    the rest), then betweenness; ``blocs``: those of ``BROKER_BLOCS`` its partners belong
    to, joined by ``;``."""
    from taawun.analytics import network

    year = _inputs.year(year, clock)
    top = _inputs.top(top, MAX_TOP)
    net = network.network(principal, session, year=year, clock=clock)
    blocs = {k: repository.organization_members(session, k, year, year)[year] for k in BROKER_BLOCS}
    return Table(
        f"brokers-{year}",
        _bloc.brokers(network.measures(net).rows(), ((t.a, t.b) for t in net.ties), blocs, top),
        f"Who brokers between blocs in {year}",
        "network measures (networkx) of the network the viewer may see",
    )
