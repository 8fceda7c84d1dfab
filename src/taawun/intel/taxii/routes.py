"""The TAXII 2.1 router: every endpoint under ``/taxii2``, then a catch-all so that any
other path there is answered with a TAXII error message too (404, or 405 with
``Allow`` where the path exists for other methods)."""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute
from starlette.routing import compile_path

from taawun.access.deps import work_dep
from taawun.intel.taxii import collections, discovery, manifest, objects, status, submit
from taawun.intel.taxii.errors import TaxiiError, TaxiiRoute
from taawun.intel.taxii.media import TAXII, TAXII_MEDIA_TYPE, accepts_taxii

PREFIX = "/taxii2"
MODULES = (discovery, collections, objects, manifest, submit, status)
# (path, methods) of every TAXII endpoint, for 405 answers and for tests.
ENDPOINTS: list[tuple[str, set[str]]] = [
    (PREFIX + route.path, set(route.methods or ()))
    for module in MODULES
    for route in module.router.routes
    if isinstance(route, APIRoute)
]
_PATTERNS: list[tuple[re.Pattern[str], set[str]]] = [
    (compile_path(path)[0], methods) for path, methods in ENDPOINTS
]


async def require_accept(request: Request) -> None:
    """§3.1: refuse (406) a request that cannot take a TAXII 2.1 answer."""
    accept = request.headers.get("accept")
    if not accepts_taxii(accept, required=request.method == "POST"):
        raise TaxiiError(
            406,
            f"Accept must admit {TAXII_MEDIA_TYPE} (or {TAXII}); got {accept!r}",
            field="Accept",
        )


router = APIRouter(
    prefix=PREFIX,
    tags=["taxii"],
    route_class=TaxiiRoute,
    # Every TAXII request is authenticated in its unit of work (``work_dep``, cached for the
    # endpoint's own dependencies), whether or not the endpoint exists.
    dependencies=[Depends(require_accept), Depends(work_dep, scope="function")],
)
for module in MODULES:
    router.include_router(module.router)


@router.api_route(
    "/{rest:path}",
    methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
    include_in_schema=False,
)
def no_endpoint(request: Request) -> Response:
    path = request.url.path
    allowed = {m for pattern, methods in _PATTERNS if pattern.match(path) for m in methods}
    if allowed:
        raise TaxiiError(
            405,
            f"{request.method} is not allowed on {path}",
            field="method",
            headers={"Allow": ", ".join(sorted(allowed))},
        )
    raise TaxiiError(404, f"no TAXII endpoint at {path} (TAXII paths end in '/')", field="path")
