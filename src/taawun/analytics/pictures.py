"""Pictures for a viewer (issue 11 §5): each ``*_plot`` function fetches an answer
(``network``, ``questions``, ``similarity``) for the viewer and draws it (``plots``), as PNG
or SVG. The CLI's ``taawun plot`` and the API's ``/plots/...`` call them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from sqlalchemy.orm import Session

from taawun.analytics import _inputs, network, plots, questions, similarity
from taawun.analytics.plots import ImageFormat
from taawun.core.clock import Clock
from taawun.core.principal import Principal

DEFAULT_FIRST: Final = 1946
"""Where a state's or a bloc's picture starts when no year is given: the post-war system."""


def span(first: int | None, last: int | None, clock: Clock) -> tuple[int, int]:
    """``first`` and ``last`` checked as every question checks them (``_inputs.window``);
    defaults 1946 and this year. The years of a state's or a bloc's picture, and of a
    state's report."""
    return _inputs.window(first, last, clock, default_first=DEFAULT_FIRST)


def network_plot(
    principal: Principal, session: Session, *, year: int, fmt: ImageFormat, clock: Clock
) -> bytes:
    """The network ``principal`` may see in ``year``, coloured by its communities."""
    net = network.network(principal, session, year=year, clock=clock)
    return plots.network_picture(net, network.measures(net), fmt=fmt)


def state_plot(
    principal: Principal,
    session: Session,
    *,
    state: str,
    first: int | None = None,
    last: int | None = None,
    fmt: ImageFormat,
    clock: Clock,
) -> bytes:
    """A state's partners per year, inside and outside the OIC, gains and losses."""
    first, last = span(first, last, clock)
    history = questions.state_history(
        principal, session, state=state, first=first, last=last, clock=clock
    )
    return plots.state_picture(history, fmt=fmt)


def dyad_plot(
    principal: Principal,
    session: Session,
    *,
    a: str,
    b: str,
    first: int | None = None,
    last: int | None = None,
    fmt: ImageFormat,
    clock: Clock,
) -> bytes:
    """Everything joining ``a`` and ``b`` on one timeline."""
    history = questions.dyad_history(
        principal, session, a=a, b=b, first=first, last=last, clock=clock
    )
    return plots.dyad_picture(history, fmt=fmt)


def sscores_plot(
    principal: Principal,
    session: Session,
    *,
    year: int,
    states: Sequence[str] | None = None,
    org: str | None = None,
    score: str = "s_valued_abs",
    fmt: ImageFormat,
    clock: Clock,
) -> bytes:
    """The S-score heat map of the chosen states (or an organisation's members)."""
    labels, matrix = similarity.sscore_matrix(
        principal, session, year=year, states=states, org=org, score=score, clock=clock
    )
    return plots.sscore_picture(labels, matrix, year=year, score=score, group=org, fmt=fmt)


def cohesion_plot(
    principal: Principal,
    session: Session,
    *,
    org: str,
    first: int | None = None,
    last: int | None = None,
    fmt: ImageFormat,
    clock: Clock,
) -> bytes:
    """A bloc's cohesion (mean S, κ) and the density of its internal ties over time."""
    first, last = span(first, last, clock)
    found = questions.bloc(principal, session, org=org, first=first, last=last, clock=clock)
    return plots.cohesion_picture(found.years, org=found.org, fmt=fmt)
