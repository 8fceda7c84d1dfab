"""Analytics use cases: figures for one viewer, computed from the registry when asked.

Each takes the ``principal`` first: what it reads goes through the registry's
confidentiality rule in the query (``repository.py``), so a figure never counts an
agreement its viewer may not see.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy.orm import Session

from taawun.analytics import _inputs, repository
from taawun.analytics._dyads import derive
from taawun.analytics.schemas import DyadYears
from taawun.core.clock import Clock
from taawun.core.principal import Principal
from taawun.registry.periods import Period

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

    period = Period(date(first, 1, 1), date(last, 12, 31), f"{first}-{last}")
    progress(0)
    spells = repository.party_spells(session, principal, period)
    domains = repository.agreement_domains(session, principal, period)
    progress(1)
    table = derive(spells, domains, first=first, last=last, directed=directed)
    progress(3)
    return table
