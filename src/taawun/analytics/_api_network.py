"""REST routes of analytics: the partnership network of a year and its measures. Assembled
by ``analytics/api.py``."""

from __future__ import annotations

import enum
from typing import Annotated

from fastapi import APIRouter, Query, Response

from taawun.access.deps import ClockDep, PrincipalDep, SessionDep
from taawun.analytics import network
from taawun.analytics._http import table_response, table_responses
from taawun.analytics.schemas import ExportFormat
from taawun.core.error_body import COMMON, error_responses

router = APIRouter(responses=error_responses(*COMMON))
"""Included by ``analytics/api.py``'s router (prefix ``/api/v1/analytics``)."""

GRAPHML = "application/graphml+xml"
Year = Annotated[int, Query(ge=1815, le=2200, description="the year of the network")]


class GraphFormat(enum.StrEnum):
    JSON = "json"
    GRAPHML = "graphml"


@router.get(
    "/network",
    response_class=Response,
    responses={
        200: {
            "description": "the network: JSON {year, states, ties} or GraphML",
            "content": {"application/json": {}, GRAPHML: {}},
        }
    },
)
def get_network(
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
    year: Year,
    fmt: Annotated[GraphFormat, Query(alias="format")] = GraphFormat.JSON,
) -> Response:
    """The partnership network of ``year`` as the caller may see it: every system member,
    and the ties of the agreements in force with their strength, obligations, domains,
    agreements and cooperation activity."""
    net = network.network(principal, session, year=year, clock=clock)
    if fmt is GraphFormat.GRAPHML:
        return Response(
            network.to_graphml(net),
            media_type=GRAPHML,
            headers={"Content-Disposition": f'attachment; filename="network-{year}.graphml"'},
        )
    import orjson

    return Response(orjson.dumps(net.document()), media_type="application/json")


_TABLE = table_responses("the measures, in the format asked for")


@router.get("/measures", response_class=Response, responses=_TABLE)
def get_measures(
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
    year: Year,
    fmt: Annotated[ExportFormat, Query(alias="format")] = ExportFormat.JSON,
) -> Response:
    """Each state's network measures in ``year``: degree, weighted degree, eigenvector and
    betweenness centrality, clustering, community, brokerage between the OIC and the rest."""
    table = network.measures(network.network(principal, session, year=year, clock=clock))
    return table_response(table, fmt, f"measures-{year}")
