"""REST routes of analytics: pictures (PNG, SVG) and HTML reports. Assembled by
``analytics/api.py``.

Each route draws or writes what ``pictures`` and ``report`` do for the CLI, for the
caller; a picture answers ``image/png`` or ``image/svg+xml`` (``?format=``), a report
``text/html``: one self-contained page (inline SVG and styles, no script, no outside
address).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import HTMLResponse

from taawun.access.deps import ClockDep, PrincipalDep, SessionDep
from taawun.analytics import pictures, report
from taawun.analytics.plots import MEDIA_TYPES, ImageFormat
from taawun.core.error_body import COMMON, error_responses

router = APIRouter(responses=error_responses(*COMMON))
"""Included by ``analytics/api.py``'s router (prefix ``/api/v1/analytics``)."""

_PICTURE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the picture, in the format asked for",
        "content": {media: {} for media in MEDIA_TYPES.values()},
    }
}
_PAGE: dict[int | str, dict[str, Any]] = {
    200: {"description": "a self-contained HTML page", "content": {"text/html": {}}}
}
Year = Annotated[int, Query(ge=1815, le=2200, description="the year")]
First = Annotated[int | None, Query(alias="from", ge=1815, le=2200, description="first year")]
Last = Annotated[int | None, Query(alias="to", ge=1815, le=2200, description="last year")]
Format = Annotated[ImageFormat, Query(alias="format", description="png or svg")]
State = Annotated[str, Query(min_length=1, max_length=100, description="name, ISO or COW code")]


def _page(page: str, *names: str) -> HTMLResponse:
    """A report, shown in place (``inline``, with a file name to keep it under): its
    Content-Security-Policy (``web/headers.py``, ``REPORT_POLICY``) allows its inline styles
    and nothing else; it has no script and loads nothing."""
    slug = "-".join(re.sub(r"[^A-Za-z0-9_-]", "", n)[:40] or "state" for n in names)
    return HTMLResponse(
        page, headers={"Content-Disposition": f'inline; filename="report-{slug}.html"'}
    )


def _picture(picture: bytes, fmt: ImageFormat, name: str) -> Response:
    return Response(
        picture,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'inline; filename="{name}.{fmt.value}"'},
    )


@router.get("/plots/network", response_class=Response, responses=_PICTURE)
def plot_network(
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
    *,
    year: Year,
    fmt: Format = ImageFormat.PNG,
) -> Response:
    """The partnership network of ``year`` the caller may see: OIC members as diamonds,
    communities coloured, node size by weighted degree."""
    picture = pictures.network_plot(principal, session, year=year, fmt=fmt, clock=clock)
    return _picture(picture, fmt, f"network-{year}")


@router.get("/plots/state", response_class=Response, responses=_PICTURE)
def plot_state(
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
    *,
    state: State,
    first: First = None,
    last: Last = None,
    fmt: Format = ImageFormat.PNG,
) -> Response:
    """A state's partners per year (default 1946 to this year), inside and outside the
    OIC, with the partners gained and lost."""
    picture = pictures.state_plot(
        principal, session, state=state, first=first, last=last, fmt=fmt, clock=clock
    )
    return _picture(picture, fmt, "state")


@router.get("/plots/dyad", response_class=Response, responses=_PICTURE)
def plot_dyad(
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
    *,
    a: State,
    b: State,
    first: First = None,
    last: Last = None,
    fmt: Format = ImageFormat.PNG,
) -> Response:
    """Everything joining states ``a`` and ``b`` on one timeline."""
    picture = pictures.dyad_plot(
        principal, session, a=a, b=b, first=first, last=last, fmt=fmt, clock=clock
    )
    return _picture(picture, fmt, "dyad")


@router.get("/plots/sscores", response_class=Response, responses=_PICTURE)
def plot_sscores(
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
    *,
    year: Year,
    org: Annotated[str | None, Query(max_length=50, description="an organisation")] = None,
    states: Annotated[
        str | None, Query(max_length=2000, description="states, comma-separated")
    ] = None,
    score: Annotated[str, Query(max_length=20, description="the score drawn")] = "s_valued_abs",
    fmt: Format = ImageFormat.PNG,
) -> Response:
    """A heat map of the S-scores of ``states`` (or of ``org``'s members) in ``year``."""
    chosen = [s.strip() for s in states.split(",") if s.strip()] if states else None
    picture = pictures.sscores_plot(
        principal, session, year=year, states=chosen, org=org, score=score, fmt=fmt, clock=clock
    )
    return _picture(picture, fmt, f"sscores-{year}")


@router.get("/plots/cohesion", response_class=Response, responses=_PICTURE)
def plot_cohesion(
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
    *,
    org: Annotated[str, Query(max_length=50, description="an organisation")] = "OIC",
    first: First = None,
    last: Last = None,
    fmt: Format = ImageFormat.PNG,
) -> Response:
    """A bloc's cohesion (mean S-score, κ) and the density of its ties over time."""
    picture = pictures.cohesion_plot(
        principal, session, org=org, first=first, last=last, fmt=fmt, clock=clock
    )
    return _picture(picture, fmt, f"cohesion-{org}")


@router.get("/reports/state/{state}", response_class=HTMLResponse, responses=_PAGE)
def report_state(
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
    *,
    state: Annotated[str, Path(max_length=100, description="name, ISO or COW code")],
    first: First = None,
    last: Last = None,
) -> HTMLResponse:
    """A state's partnerships from ``from`` (default 1946) to ``to`` (default this year)
    as the caller sees them: one self-contained HTML page."""
    page = report.state_report(principal, session, state=state, first=first, last=last, clock=clock)
    return _page(page, state)


@router.get("/reports/dyad/{a}/{b}", response_class=HTMLResponse, responses=_PAGE)
def report_dyad(
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
    *,
    a: Annotated[str, Path(max_length=100, description="one state")],
    b: Annotated[str, Path(max_length=100, description="the other")],
    first: First = None,
    last: Last = None,
) -> HTMLResponse:
    """Everything joining two states as the caller sees it: one self-contained HTML page."""
    page = report.dyad_report(principal, session, a=a, b=b, first=first, last=last, clock=clock)
    return _page(page, a, b)
