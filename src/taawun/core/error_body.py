"""The JSON body of every REST error, described for the OpenAPI.

``TaawunError.to_dict`` makes it and ``web/errors.py`` answers it; the routers declare,
with ``error_responses``, which error statuses their operations answer, so the document
says what a client will get (schemathesis holds the node to it).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorDetail(BaseModel):
    field: str
    message: str


class ErrorBody(BaseModel):
    """``{"error": code, "message": text, "field"?, "value"?, "candidates"?, "details"?}``"""

    error: str = Field(description="invalid, not_found, forbidden, conflict, unauthenticated, ...")
    message: str = Field(description="what was wrong, naming the field")
    field: str | None = Field(default=None, description="the field, parameter or header at fault")
    value: str | None = Field(default=None, description="the value given for it")
    candidates: list[str] | None = Field(default=None, description="what an ambiguous name fits")
    details: list[ErrorDetail] | None = Field(default=None, description="every invalid field")
    retry_after: int | None = Field(default=None, description="429: seconds to wait")


DESCRIPTIONS = {
    400: "a malformed request",
    401: "no valid credentials (Bearer token or HTTP Basic)",
    403: "the caller may not do this",
    404: "nothing the caller may see answers to this name",
    405: "the path does not take this method (see Allow)",
    409: "the request collides with what is stored",
    413: "a request body over 10 MiB",
    415: "a request body that is not application/json",
    422: "a value is malformed or out of range; names the field and value",
    429: "too many failed sign-ins; wait Retry-After seconds",
    500: "an error the node did not expect (logged); nothing of it is shown",
    503: "a store the node needs is not answering; try again later",
}
# What any operation behind authentication may answer (413 and 415: one sent a body;
# ``web/bodies.py``).
COMMON = (401, 403, 404, 413, 415, 422, 429, 503)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a router or an operation: each status with the error body."""
    return {s: {"model": ErrorBody, "description": DESCRIPTIONS[s]} for s in statuses}
