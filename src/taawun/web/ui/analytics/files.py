"""The analytics pages' files: pictures (SVG, PNG), tables (CSV, JSON, Parquet, GraphML) and
HTML reports, for the signed-in user.

The REST API serves them to a bearer token (``analytics/_api_*.py``); a browser has a
session cookie, so the pages serve them here by calling those very route functions with the
signed-in user as the principal: the same service call, the same confidentiality rule, the
same answer (content type, ``Content-Disposition`` file name) byte for byte. A report's own
Content-Security-Policy (inline styles only) is set by ``web/headers.py`` by its path.

Paths: ``/analytics/pictures/{network,sscores}.{svg,png}``, ``…/state/{state}.svg``,
``…/dyad/{a}/{b}.svg``, ``…/cohesion/{org}.svg``; ``/analytics/export/…`` as the API's
``/api/v1/analytics/…``; ``/analytics/reports/state/{state}`` and ``…/dyad/{a}/{b}``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from taawun.analytics import _api_network as api_network
from taawun.analytics import _api_pictures as api_pictures
from taawun.analytics import _api_questions as api_questions
from taawun.analytics import _api_similarity as api_similarity
from taawun.analytics.choices import BlocTable, HistoryTable
from taawun.analytics.plots import ImageFormat
from taawun.analytics.schemas import ExportFormat
from taawun.web.ui.deps import PageSessionDep, PageUserDep, clock_of

router = APIRouter(prefix="/analytics", include_in_schema=False)

Year = api_pictures.Year
First = api_pictures.First
Last = api_pictures.Last
Name = Annotated[str, Path(min_length=1, max_length=100, description="name, ISO or COW code")]
States = Annotated[str | None, Query(max_length=2000)]
Org = Annotated[str | None, Query(max_length=50)]
TableFormat = Annotated[ExportFormat, Query(alias="format")]


# --- pictures -------------------------------------------------------------------------------


@router.get("/pictures/network.{fmt}")
def network_picture(
    request: Request, user: PageUserDep, session: PageSessionDep, fmt: ImageFormat, year: Year
) -> Response:
    """The network of ``year`` (``/api/v1/analytics/plots/network``)."""
    return api_pictures.plot_network(user, session, clock_of(request), year=year, fmt=fmt)


@router.get("/pictures/state/{state}.{fmt}")
def state_picture(
    request: Request,
    user: PageUserDep,
    session: PageSessionDep,
    *,
    state: Name,
    fmt: ImageFormat,
    first: First = None,
    last: Last = None,
) -> Response:
    """A state's partners per year (``/api/v1/analytics/plots/state``)."""
    clock = clock_of(request)
    return api_pictures.plot_state(
        user, session, clock, state=state, first=first, last=last, fmt=fmt
    )


@router.get("/pictures/dyad/{a}/{b}.{fmt}")
def dyad_picture(
    request: Request,
    user: PageUserDep,
    session: PageSessionDep,
    *,
    a: Name,
    b: Name,
    fmt: ImageFormat,
    first: First = None,
    last: Last = None,
) -> Response:
    """A dyad's timeline (``/api/v1/analytics/plots/dyad``)."""
    clock = clock_of(request)
    return api_pictures.plot_dyad(user, session, clock, a=a, b=b, first=first, last=last, fmt=fmt)


@router.get("/pictures/sscores.{fmt}")
def sscores_picture(
    request: Request,
    user: PageUserDep,
    session: PageSessionDep,
    *,
    fmt: ImageFormat,
    year: Year,
    states: States = None,
    org: Org = None,
) -> Response:
    """The S-score heat map (``/api/v1/analytics/plots/sscores``)."""
    clock = clock_of(request)
    return api_pictures.plot_sscores(
        user, session, clock, year=year, states=states, org=org, fmt=fmt
    )


@router.get("/pictures/cohesion/{org}.{fmt}")
def cohesion_picture(
    request: Request,
    user: PageUserDep,
    session: PageSessionDep,
    *,
    org: Name,
    fmt: ImageFormat,
    first: First = None,
    last: Last = None,
) -> Response:
    """A bloc's cohesion over time (``/api/v1/analytics/plots/cohesion``)."""
    clock = clock_of(request)
    return api_pictures.plot_cohesion(
        user, session, clock, org=org, first=first, last=last, fmt=fmt
    )


# --- tables ---------------------------------------------------------------------------------


@router.get("/export/network")
def network_file(
    request: Request,
    user: PageUserDep,
    session: PageSessionDep,
    *,
    year: Year,
    fmt: Annotated[api_network.GraphFormat, Query(alias="format")] = api_network.GraphFormat.JSON,
) -> Response:
    """The network as JSON or GraphML (``/api/v1/analytics/network``)."""
    return api_network.get_network(user, session, clock_of(request), year=year, fmt=fmt)


@router.get("/export/measures")
def measures_file(
    request: Request,
    user: PageUserDep,
    session: PageSessionDep,
    *,
    year: Year,
    fmt: TableFormat = ExportFormat.JSON,
) -> Response:
    """The network's measures (``/api/v1/analytics/measures``)."""
    return api_network.get_measures(user, session, clock_of(request), year=year, fmt=fmt)


@router.get("/export/states/{state}/history")
def history_file(
    request: Request,
    user: PageUserDep,
    session: PageSessionDep,
    *,
    state: Name,
    first: First = None,
    last: Last = None,
    fmt: TableFormat = ExportFormat.JSON,
    table: HistoryTable = HistoryTable.YEARS,
) -> Response:
    """A state's history (``/api/v1/analytics/states/{state}/history``)."""
    return api_questions.state_history(
        user,
        session,
        clock_of(request),
        state=state,
        first=first,
        last=last,
        fmt=fmt,
        table=table,
    )


@router.get("/export/dyads/{a}/{b}/history")
def dyad_file(
    request: Request,
    user: PageUserDep,
    session: PageSessionDep,
    *,
    a: Name,
    b: Name,
    first: First = None,
    last: Last = None,
    fmt: TableFormat = ExportFormat.JSON,
) -> Response:
    """A dyad's timeline (``/api/v1/analytics/dyads/{a}/{b}/history``)."""
    clock = clock_of(request)
    return api_questions.dyad_history(
        user, session, clock, a=a, b=b, first=first, last=last, fmt=fmt
    )


@router.get("/export/sscores")
def sscores_file(
    request: Request,
    user: PageUserDep,
    session: PageSessionDep,
    *,
    year: Year,
    states: States = None,
    org: Org = None,
    fmt: TableFormat = ExportFormat.JSON,
) -> Response:
    """S-scores, π and κ of the chosen states (``/api/v1/analytics/sscores``)."""
    return api_similarity.sscores(
        principal=user,
        session=session,
        clock=clock_of(request),
        year=year,
        states=states,
        org=org,
        fmt=fmt,
    )


@router.get("/export/blocs/{org}")
def bloc_file(
    request: Request,
    user: PageUserDep,
    session: PageSessionDep,
    *,
    org: Name,
    first: First = None,
    last: Last = None,
    fmt: TableFormat = ExportFormat.JSON,
    table: BlocTable = BlocTable.YEARS,
) -> Response:
    """An organisation as a bloc (``/api/v1/analytics/blocs/{org}``)."""
    return api_questions.bloc(
        user,
        session,
        clock_of(request),
        org=org,
        first=first,
        last=last,
        fmt=fmt,
        table=table,
    )


# --- reports --------------------------------------------------------------------------------


@router.get("/reports/state/{state}")
def state_report(
    request: Request,
    user: PageUserDep,
    session: PageSessionDep,
    *,
    state: Name,
    first: First = None,
    last: Last = None,
) -> Response:
    """A state's report (``/api/v1/analytics/reports/state/{state}``)."""
    clock = clock_of(request)
    return api_pictures.report_state(user, session, clock, state=state, first=first, last=last)


@router.get("/reports/dyad/{a}/{b}")
def dyad_report(
    request: Request,
    user: PageUserDep,
    session: PageSessionDep,
    *,
    a: Name,
    b: Name,
    first: First = None,
    last: Last = None,
) -> Response:
    """A dyad's report (``/api/v1/analytics/reports/dyad/{a}/{b}``)."""
    clock = clock_of(request)
    return api_pictures.report_dyad(user, session, clock, a=a, b=b, first=first, last=last)
