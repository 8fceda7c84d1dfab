"""The analytics pages of the whole system: the network at a year, S-scores of chosen states,
an organisation as a bloc.

Each page asks what the API's route asks (``network.network`` and ``network.measures``,
``similarity.sscores``, ``questions.bloc``) for the signed-in user, so what it shows is what
the registry's confidentiality rule lets that user see. Long tables are shown 50 rows a
page (the rest is in the exports); the pictures are ``files.py``'s SVG.
"""

from __future__ import annotations

from typing import Annotated, Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import HTMLResponse

from taawun.analytics import network, pictures, questions, similarity
from taawun.analytics.schemas import Table
from taawun.core.errors import InvalidInput
from taawun.web.ui.analytics._shared import (
    DEFAULT_SSCORES,
    REFUSED,
    path_part,
    problem,
    refused,
    year_of,
    years_query,
)
from taawun.web.ui.deps import PageSessionDep, PageUserDep, clock_of
from taawun.web.ui.paging import page_number
from taawun.web.ui.templates import N_, render

router = APIRouter(prefix="/analytics", include_in_schema=False)

PAGE_SIZE: Final = 50
EXTERNAL_SHOWN: Final = 20
"""A bloc's strongest external partners shown (the export has them all)."""
YearText = Annotated[str, Query(max_length=10)]
Text = Annotated[str, Query(max_length=2000)]
MEASURES: Final[dict[str, str]] = {  # network.measures' columns a page orders by
    "weighted_degree": N_("Weighted degree (strength)"),
    "degree": N_("Partners (degree)"),
    "eigenvector": N_("Eigenvector centrality"),
    "betweenness": N_("Betweenness"),
    "brokerage": N_("OIC brokerage"),
}


def _rows_page(rows: list[dict[str, Any]], page: str) -> tuple[list[dict[str, Any]], int, int]:
    """``rows`` at page ``page`` (50 a page): the rows, the page number, the pages."""
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    number = min(page_number(page), pages)
    return rows[(number - 1) * PAGE_SIZE : number * PAGE_SIZE], number, pages


def _url(path: str, **query: Any) -> str:
    pairs = [(k, str(v)) for k, v in query.items() if v not in (None, "")]
    return path + ("?" + urlencode(pairs) if pairs else "")


# --- the network --------------------------------------------------------------------------


@router.get("/network")
def network_page(
    request: Request,
    user: PageUserDep,
    session: PageSessionDep,
    *,
    year: YearText = "",
    sort: Annotated[str, Query(max_length=30)] = "weighted_degree",
    page: Annotated[str, Query(max_length=10)] = "1",
) -> HTMLResponse:
    """The network at ``year`` (default this year): its picture, its states' measures ordered
    by ``sort``, 50 a page, each state linked to its profile; GraphML and table exports."""
    clock = clock_of(request)
    context: dict[str, Any] = {"year": year, "sort": sort, "measures": MEASURES}
    try:
        if sort not in MEASURES:
            raise InvalidInput(f"sort: no measure {sort!r}", field="sort", value=sort)
        chosen = year_of(year, "year") or clock.now().year
        net = network.network(user, session, year=chosen, clock=clock)
        table = network.measures(net)
    except REFUSED as error:
        return refused(request, "analytics/network.html.j2", error, context)
    ranked = sorted(table.rows(), key=lambda r: (-r[sort], r["state"]))
    shown, number, pages = _rows_page(ranked, page)
    at = {"year": chosen, "sort": sort}
    context |= {
        "year": chosen,
        "net": net,
        "rows": shown,
        "first_rank": (number - 1) * PAGE_SIZE + 1,
        "page_number": number,
        "pages": pages,
        "previous_url": _url("/analytics/network", **at, page=number - 1) if number > 1 else None,
        "next_url": _url("/analytics/network", **at, page=number + 1) if number < pages else None,
        "oic_members": sum(1 for s in net.states.values() if s.oic),
        "isolates": sum(1 for r in ranked if r["degree"] == 0),
        "picture_url": f"/analytics/pictures/network.svg?year={chosen}",
        "years": {
            "previous": chosen - 1,
            "next": chosen + 1 if chosen < clock.now().year else None,
        },
        **problem(None),
    }
    return render(request, "analytics/network.html.j2", context)


# --- S-scores -----------------------------------------------------------------------------


@router.get("/sscores")
def sscores_page(
    request: Request,
    user: PageUserDep,
    session: PageSessionDep,
    *,
    year: YearText = "",
    states: Text = "",
    org: Annotated[str, Query(max_length=50)] = "",
    page: Annotated[str, Query(max_length=10)] = "1",
) -> HTMLResponse:
    """S-scores, π and κ of every pair of ``states`` (or of ``org``'s members) in ``year``:
    the heat map and the pairs, 50 a page; exports."""
    if not (year.strip() or states.strip() or org.strip()):
        year, states = str(DEFAULT_SSCORES[0]), DEFAULT_SSCORES[1]
    chosen_states = [s.strip() for s in states.split(",") if s.strip()] or None
    query = {"year": year.strip(), "states": ",".join(chosen_states or []), "org": org.strip()}
    context: dict[str, Any] = {"query": query}
    try:
        chosen = year_of(year, "year") or clock_of(request).now().year
        table = similarity.sscores(
            user,
            session,
            year=chosen,
            states=chosen_states,
            org=query["org"] or None,
            clock=clock_of(request),
        )
    except REFUSED as error:
        return refused(request, "analytics/sscores.html.j2", error, context)
    query["year"] = str(chosen)
    shown, number, pages = _rows_page(table.rows(), page)
    names = similarity.abbreviations(
        session, {r["ccode1"] for r in shown} | {r["ccode2"] for r in shown}
    )
    at = {k: v for k, v in query.items() if v}
    context |= {
        "rows": shown,
        "total": len(table),
        "names": names,
        "page_number": number,
        "pages": pages,
        "previous_url": _url("/analytics/sscores", **at, page=number - 1) if number > 1 else None,
        "next_url": _url("/analytics/sscores", **at, page=number + 1) if number < pages else None,
        "picture_url": _url("/analytics/pictures/sscores.svg", **at),
        "export_url": _url("/analytics/export/sscores", **at),
        **problem(None),
    }
    return render(request, "analytics/sscores.html.j2", context)


# --- a bloc -------------------------------------------------------------------------------


@router.get("/blocs/{org}")
def bloc_page(
    request: Request,
    user: PageUserDep,
    session: PageSessionDep,
    org: Annotated[str, Path(min_length=1, max_length=100)],
    *,
    first: Annotated[str, Query(alias="from", max_length=10)] = "",
    last: Annotated[str, Query(alias="to", max_length=10)] = "",
) -> HTMLResponse:
    """An organisation as a bloc (default 1946 to this year): density and cohesion per year,
    its strongest external partners, its members' ties to other blocs in the last year."""
    clock = clock_of(request)
    context: dict[str, Any] = {
        "action": f"/analytics/blocs/{path_part(org)}",
        "first_value": first,
        "last_value": last,
    }
    try:
        window = pictures.span(year_of(first, "from"), year_of(last, "to"), clock)
        found = questions.bloc(user, session, org=org, first=window[0], last=window[1], clock=clock)
    except REFUSED as error:
        return refused(request, "analytics/bloc.html.j2", error, context)
    key, years = path_part(found.org), years_query(*window)
    context |= {
        "bloc": found,
        "years": list(reversed(found.years.rows())),
        "external": _first_rows(found.external, EXTERNAL_SHOWN),
        "external_total": len(found.external),
        "blocs": [r for r in found.blocs.rows() if r["year"] == found.last],
        "picture_url": f"/analytics/pictures/cohesion/{key}.svg{years}",
        "export_url": f"/analytics/export/blocs/{key}{years}",
        "first_value": found.first,
        "last_value": found.last,
        **problem(None),
    }
    return render(request, "analytics/bloc.html.j2", context)


def _first_rows(table: Table, count: int) -> list[dict[str, Any]]:
    return table.rows()[:count]
