"""The analytics REST router: the same tables as ``taawun export``, one service call each."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from taawun.access.deps import ClockDep, PrincipalDep, SessionDep
from taawun.analytics import export, service
from taawun.analytics._http import table_responses
from taawun.analytics.schemas import ExportFormat
from taawun.core.error_body import COMMON, error_responses

router = APIRouter(
    prefix="/api/v1/analytics", tags=["analytics"], responses=error_responses(*COMMON)
)

_TABLE = table_responses("the table, in the format asked for")


@router.get("/dyad-years", response_class=Response, responses=_TABLE)
def dyad_years(
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
    first: Annotated[
        int | None, Query(alias="from", ge=1815, le=2200, description="first year (1815)")
    ] = None,
    last: Annotated[
        int | None,
        Query(alias="to", ge=1815, le=2200, description="last year (this year, at most)"),
    ] = None,
    directed: Annotated[bool, Query(description="what ccode1 owes ccode2")] = False,
    fmt: Annotated[ExportFormat, Query(alias="format")] = ExportFormat.CSV,
) -> Response:
    """Dyad-years as ATOP 5.1 codes them, from the agreements the caller may see: ATOP's
    columns, then the node's cooperation domains and the agreements shared."""
    table = service.dyad_years(
        principal, session, first=first, last=last, directed=directed, clock=clock
    )
    name = f"dyad-years-{table.first}-{table.last}.{fmt.value}"
    return Response(
        export.render(table, fmt),
        media_type=export.MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _include() -> None:
    from taawun.analytics import _api_network, _api_pictures, _api_questions, _api_similarity

    for part in (_api_network, _api_similarity, _api_questions, _api_pictures):
        router.include_router(part.router)


_include()
