"""Analytics use cases: figures for one viewer, computed from the registry when asked.

Each takes the ``principal`` first: what it reads goes through the registry's
confidentiality rule in the query (``repository.py``), so a figure never counts an
agreement its viewer may not see.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from types import MappingProxyType

from sqlalchemy.orm import Session

from taawun.analytics import _inputs, repository
from taawun.analytics._dyads import SpellRow, derive
from taawun.analytics.schemas import DyadYears
from taawun.core.clock import Clock
from taawun.core.principal import Principal
from taawun.registry.periods import Period
from taawun.registry.policy import AgreementPolicy
from taawun.registry.repository import under_revision

OnProgress = Callable[[str, int, int], None]


_year = _inputs.in_record
"""The rule for a year of the record (1815 to this year), kept here under its first name."""


def dyad_years(
    principal: Principal,
    session: Session,
    *,
    first: int | None = None,
    last: int | None = None,
    directed: bool = False,
    clock: Clock | None = None,
    on_progress: OnProgress | None = None,
) -> DyadYears:
    """Every dyad-year from ``first`` (default 1815, ATOP's first year) to ``last`` (default
    and at most this year) joined by an agreement ``principal`` may see, coded as ATOP 5.1
    codes them (``_dyads``): directed (what ccode1 owes ccode2) or not."""
    first, last = _inputs.window(first, last, clock)

    def progress(done: int) -> None:
        if on_progress:
            on_progress("dyad-years", done, 3)

    def compute() -> DyadYears:
        period = Period(date(first, 1, 1), date(last, 12, 31), f"{first}-{last}")
        progress(0)
        spells = repository.party_spells(session, principal, period)
        domains = repository.agreement_domains(session, principal, period)
        progress(1)
        return _frozen(derive(spells, domains, first=first, last=last, directed=directed))

    # The same table for every viewer who sees the same agreements, until the registry
    # changes: a page asking one state's history no longer derives the world's each time
    # (benchmarks/ui.py: 400 ms a page before).
    view = AgreementPolicy.view_key(principal)
    key = ("analytics.dyad_years", view, first, last, directed)
    table = under_revision(session, key, compute)
    progress(3)
    return table


def visible_spells(
    principal: Principal, session: Session, *, first: int, last: int
) -> tuple[tuple[SpellRow, ...], Mapping[int, frozenset[str]]]:
    """The party spells and the domains of the agreements ``principal`` sees in force
    during ``first..last`` (``repository.party_spells``, ``agreement_domains``), read once
    per viewer's view and registry revision: a dyad's page filters them instead of reading
    the world's again."""

    def read() -> tuple[tuple[SpellRow, ...], Mapping[int, frozenset[str]]]:
        period = Period(date(first, 1, 1), date(last, 12, 31), f"{first}-{last}")
        spells = tuple(repository.party_spells(session, principal, period))
        domains = repository.agreement_domains(session, principal, period)
        return spells, MappingProxyType({k: frozenset(v) for k, v in domains.items()})

    view = AgreementPolicy.view_key(principal)
    return under_revision(session, ("analytics.spells", view, first, last), read)


def _frozen(table: DyadYears) -> DyadYears:
    """``table`` with its arrays read-only: it is shared by every caller of the cache."""
    for array in (*table.columns.values(), table.offsets, table.agreement_index, table.alliance):
        array.flags.writeable = False
    return table
