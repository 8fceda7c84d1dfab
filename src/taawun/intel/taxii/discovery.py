"""Server discovery (§4.1) and the one API root, ``/taxii2/root/`` (§4.2)."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request

from taawun.access.deps import PrincipalDep
from taawun.intel.taxii.errors import TaxiiRoute
from taawun.intel.taxii.media import TAXII_MEDIA_TYPE, TaxiiResponse

API_ROOT = "root"
MAX_CONTENT_LENGTH = 10 * 1024 * 1024  # bytes of a POSTed envelope (§4.2.1)

router = APIRouter(route_class=TaxiiRoute)


def api_root_url(request: Request) -> str:
    """The API root as an absolute URL (§4.1.1), as seen by the client."""
    return str(request.url_for("get_api_root"))


@router.get("/")
def get_discovery(request: Request, _principal: PrincipalDep) -> TaxiiResponse:
    """§4.1: the node's one API root, which is also its default."""
    root = api_root_url(request)
    return TaxiiResponse(
        orjson.dumps(
            {
                "title": "taawun TAXII 2.1",
                "description": (
                    "Intelligence shared between national agencies under security agreements; "
                    "every collection shows only what the caller's agency may read."
                ),
                "default": root,
                "api_roots": [root],
            }
        )
    )


@router.get(f"/{API_ROOT}/")
def get_api_root(_principal: PrincipalDep) -> TaxiiResponse:
    """§4.2: the API root's information."""
    return TaxiiResponse(
        orjson.dumps(
            {
                "title": "taawun",
                "description": "The agreements' collections and each agency's own.",
                "versions": [TAXII_MEDIA_TYPE],
                "max_content_length": MAX_CONTENT_LENGTH,
            }
        )
    )
