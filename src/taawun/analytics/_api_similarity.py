"""REST routes of analytics: similarity. Assembled by ``analytics/api.py``.

The tables of ``similarity``: one year's S-scores, π and κ, and a bloc's cohesion over
years. Each answers JSON (the default), CSV or Parquet (``?format=``), computed for the
caller from the agreements the caller may see. The whole panel (a million dyad-years) is
``taawun export sscores``'s, not an HTTP answer's.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from taawun.access.deps import ClockDep, PrincipalDep, SessionDep
from taawun.analytics import similarity
from taawun.analytics._http import table_response, table_responses
from taawun.analytics.schemas import ExportFormat
from taawun.core.error_body import COMMON, error_responses

router = APIRouter(responses=error_responses(*COMMON))
"""Included by ``analytics/api.py``'s router (prefix ``/api/v1/analytics``)."""

_TABLE = table_responses("the table, in the format asked for")
Year = Annotated[int, Query(ge=1815, le=2200, description="the year (1815 to this year)")]
First = Annotated[int, Query(alias="from", ge=1815, le=2200, description="first year")]
Last = Annotated[int, Query(alias="to", ge=1815, le=2200, description="last year")]
Format = Annotated[ExportFormat, Query(alias="format", description="json, csv or parquet")]


def _states(value: str | None) -> list[str] | None:
    """``TUR,PAK,IRN`` as a list of names (a name may hold spaces, not commas)."""
    if value is None:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]


@router.get("/sscores", response_class=Response, responses=_TABLE)
def sscores(
    *,
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
    year: Year,
    states: Annotated[
        str | None, Query(description="states by ISO3, COW code or name, comma-separated")
    ] = None,
    org: Annotated[
        str | None, Query(description="the full members of this organisation (OIC, NATO)")
    ] = None,
    fmt: Format = ExportFormat.JSON,
) -> Response:
    """Signorino–Ritter S (valued and binary, absolute and squared distances), Scott's π and
    Cohen's κ for every pair of the chosen states (default: every system member) in
    ``year``, as svmiller/fpsim computes them, over every member of the state system."""
    table = similarity.sscores(
        principal, session, year=year, states=_states(states), org=org, clock=clock
    )
    return table_response(table, fmt, f"sscores-{year}")


@router.get("/cohesion", response_class=Response, responses=_TABLE)
def cohesion(
    *,
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
    org: Annotated[str, Query(description="an organisation's key or name (OIC)")],
    first: First = similarity.PANEL[0],
    last: Last = similarity.PANEL[1],
    fmt: Format = ExportFormat.JSON,
) -> Response:
    """A bloc's cohesion per year: its full members, their pairs, and the mean valued S
    (absolute) and binary κ among them."""
    table = similarity.cohesion(principal, session, org=org, first=first, last=last, clock=clock)
    return table_response(table, fmt, f"cohesion-{first}-{last}")
