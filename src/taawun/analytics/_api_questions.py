"""REST routes of analytics: the questions an analyst asks (``questions.py``). Assembled by
``analytics/api.py``. Each answers JSON (the whole answer) by default; ``format=csv`` or
``parquet`` gives one of its tables (``table=``)."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Query, Response

from taawun.access.deps import ClockDep, PrincipalDep, SessionDep
from taawun.analytics import export, questions
from taawun.analytics._http import table_response, table_responses
from taawun.analytics.choices import BlocTable, BroughtTable, HistoryTable
from taawun.analytics.schemas import ExportFormat, Table
from taawun.core.error_body import COMMON, error_responses

router = APIRouter(responses=error_responses(*COMMON))
"""Included by ``analytics/api.py``'s router (prefix ``/api/v1/analytics``)."""

_ANSWER = table_responses("the answer as JSON, or one of its tables in the format asked for")
First = Annotated[int | None, Query(alias="from", ge=1815, le=2200, description="first year")]
Last = Annotated[int | None, Query(alias="to", ge=1815, le=2200, description="last year")]
Fmt = Annotated[ExportFormat, Query(alias="format", description="json (all), csv or parquet")]
Top = Annotated[int, Query(ge=1, le=1000, description="how many rows")]
StateName = Annotated[str, Path(min_length=1, max_length=120, description="ISO3, COW code, name")]


def _json(document: Any) -> Response:
    data = orjson.dumps(document, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS)
    return Response(data, media_type=export.MEDIA_TYPES[ExportFormat.JSON])


def _table(table: Table, fmt: ExportFormat) -> Response:
    return table_response(table, fmt, table.name)


def _doc(table: Table) -> dict[str, Any]:
    return {"title": table.title, "source": table.source, "rows": table.rows()}


@router.get("/states/{state}/history", response_class=Response, responses=_ANSWER)
def state_history(
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
    *,
    state: StateName,
    first: First = None,
    last: Last = None,
    fmt: Fmt = ExportFormat.JSON,
    table: Annotated[HistoryTable, Query(description="the table csv/parquet give")] = (
        HistoryTable.YEARS
    ),
) -> Response:
    """A state's partners year by year, its rank, and the partners it gained or lost."""
    found = questions.state_history(
        principal, session, state=state, first=first, last=last, clock=clock
    )
    tables = questions.history_tables(found)
    if fmt is not ExportFormat.JSON:
        return _table(tables[table], fmt)
    return _json(
        {
            "state": found.state,
            "first": found.first,
            "last": found.last,
            "years": _doc(found.years),
            "changes": tables[HistoryTable.CHANGES].rows(),
        }
    )


@router.get("/dyads/{a}/{b}/history", response_class=Response, responses=_ANSWER)
def dyad_history(
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
    *,
    a: StateName,
    b: StateName,
    first: First = None,
    last: Last = None,
    fmt: Fmt = ExportFormat.JSON,
) -> Response:
    """Everything joining two states, on one timeline, each event with its source."""
    found = questions.dyad_history(
        principal, session, a=a, b=b, first=first, last=last, clock=clock
    )
    timeline = questions.dyad_timeline(found)
    if fmt is not ExportFormat.JSON:
        return _table(timeline, fmt)
    return _json(
        {
            "a": found.a,
            "b": found.b,
            "first": found.first,
            "last": found.last,
            "events": timeline.rows(),
            "notes": found.notes,
        }
    )


@router.get("/blocs/{org}", response_class=Response, responses=_ANSWER)
def bloc(
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
    *,
    org: Annotated[str, Path(min_length=1, max_length=120, description="OIC, NATO ...")],
    first: First = None,
    last: Last = None,
    fmt: Fmt = ExportFormat.JSON,
    table: Annotated[BlocTable, Query(description="the table csv/parquet give")] = (
        BlocTable.YEARS
    ),
) -> Response:
    """An organisation as a bloc: density and cohesion per year, its strongest external
    partners, its members' ties to other blocs."""
    found = questions.bloc(principal, session, org=org, first=first, last=last, clock=clock)
    tables = questions.bloc_tables(found)
    if fmt is not ExportFormat.JSON:
        return _table(tables[table], fmt)
    return _json(
        {
            "org": found.org,
            "first": found.first,
            "last": found.last,
            **{k.value: _doc(v) for k, v in tables.items()},
        }
    )


@router.get("/states/{state}/brought", response_class=Response, responses=_ANSWER)
def brought(
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
    *,
    state: StateName,
    first: First = None,
    last: Last = None,
    fmt: Fmt = ExportFormat.JSON,
    table: Annotated[BroughtTable, Query(description="the table csv/parquet give")] = (
        BroughtTable.ARMS
    ),
) -> Response:
    """What partnership brought a state: arms from allies and others (SIPRI TIV), exercises
    with partners, training received, shared threats, with the rows behind each."""
    found = questions.brought(principal, session, state=state, first=first, last=last, clock=clock)
    tables = questions.brought_tables(found)
    if fmt is not ExportFormat.JSON:
        return _table(tables[table], fmt)
    return _json(
        {
            "state": found.state,
            "first": found.first,
            "last": found.last,
            "totals": found.totals,
            "arms": _doc(found.arms),
            "activity": None if found.activity is None else _doc(found.activity),
            "events": tables[BroughtTable.EVENTS].rows(),
            "notes": found.notes,
        }
    )


@router.get("/gainers", response_class=Response, responses=_ANSWER)
def gainers(
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
    *,
    after: Annotated[int, Query(ge=1815, le=2200, description="partners in this year ...")],
    until: Annotated[
        int | None, Query(ge=1815, le=2200, description="... and in this one (this year)")
    ] = None,
    top: Top = 10,
    fmt: Fmt = ExportFormat.JSON,
) -> Response:
    """Who gained the most partners between two years."""
    found = questions.gainers(principal, session, after=after, until=until, top=top, clock=clock)
    return _json(_doc(found)) if fmt is ExportFormat.JSON else _table(found, fmt)


@router.get("/brokers", response_class=Response, responses=_ANSWER)
def brokers(
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
    *,
    year: Annotated[int, Query(ge=1815, le=2200, description="the year of the network")],
    top: Top = 10,
    fmt: Fmt = ExportFormat.JSON,
) -> Response:
    """Who brokers between the OIC and the rest in a year, and which blocs its partners
    belong to."""
    found = questions.brokers(principal, session, year=year, top=top, clock=clock)
    return _json(_doc(found)) if fmt is ExportFormat.JSON else _table(found, fmt)
