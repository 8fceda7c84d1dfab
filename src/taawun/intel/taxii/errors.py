"""The TAXII 2.1 error message (§3.6.1), and the one place errors become it.

Every failure under ``/taxii2`` answers a TAXII error body with the TAXII media
type instead of the REST shape of ``web/errors.py``; ``TaxiiRoute`` arranges it
without touching the application. What reaches the application's handlers from under
``/taxii2`` (a method no route takes, an error nobody expected) ``web/errors.py``
answers here too: ``render``, or ``unexpected`` for a bug.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException

from taawun.access.deps import SESSION_STATE, finish
from taawun.core.errors import TaawunError, TooManyRequests, Unauthenticated
from taawun.intel.taxii.media import TaxiiResponse

WWW_AUTHENTICATE = 'Bearer realm="taawun", Basic realm="taawun"'


class TaxiiError(TaawunError):
    """A protocol error with its own HTTP status (400 bad parameter, 406, 413, 415, ...)."""

    code = "taxii"

    def __init__(
        self,
        http_status: int,
        message: str,
        *,
        field: str | None = None,
        value: object = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message, field=field, value=value)
        self.http_status = http_status
        self.headers = headers


def bad_parameter(message: str, *, field: str, value: object = None) -> TaxiiError:
    return TaxiiError(400, message, field=field, value=value)


def error_response(
    status: int,
    description: str,
    *,
    error_code: str | None = None,
    details: dict[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> TaxiiResponse:
    """An error message: ``title`` (required), ``http_status`` as a string equal to the status."""
    body: dict[str, Any] = {
        "title": HTTPStatus(status).phrase,
        "description": description,
        "http_status": str(status),
    }
    if error_code:
        body["error_code"] = error_code
    if details:
        body["details"] = details
    return TaxiiResponse(orjson.dumps(body), status_code=status, headers=headers)


def render(exc: Exception) -> TaxiiResponse | None:
    """The TAXII answer to an error raised by an endpoint; None for a bug (``unexpected``)."""
    if isinstance(exc, TaawunError):
        details: dict[str, Any] = {k: v for k, v in exc.to_dict().items() if k != "message"}
        details.pop("error", None)
        return error_response(
            exc.http_status,
            exc.message,
            error_code=exc.code,
            details=details,
            headers=_headers(exc),
        )
    if isinstance(exc, HTTPException):
        return error_response(exc.status_code, str(exc.detail), headers=exc.headers)
    if isinstance(exc, RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        named: dict[str, Any] = {"field": where}
        if isinstance(first.get("input"), str | int | float):
            named["value"] = str(first["input"])
        message = f"{where}: {first.get('msg', 'invalid request')}"
        return error_response(400, message, error_code="invalid", details=named)
    return None


def unexpected() -> TaxiiResponse:
    """The answer to an error nobody expected (a bug, logged by the caller): nothing of it."""
    return error_response(
        500, "the node could not answer this request; the error is logged", error_code="internal"
    )


def _headers(exc: TaawunError) -> dict[str, str] | None:
    if isinstance(exc, Unauthenticated):
        return {"WWW-Authenticate": WWW_AUTHENTICATE}
    if isinstance(exc, TooManyRequests):
        return {"Retry-After": str(exc.retry_after)}
    return exc.headers if isinstance(exc, TaxiiError) else None


class TaxiiRoute(APIRoute):
    """A route whose errors are TAXII error messages (§3.6.1).

    The handler catches what the endpoint (or a dependency) raises and answers it
    here, before the application's REST handlers could. Because the request's
    unit of work then ends without an exception, the handler rolls it back itself
    (``access.deps.work_dep`` keeps the session on ``request.state``).
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def taxii_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:
                response = render(exc)
                if response is None:
                    raise
                session: Session | None = getattr(request.state, SESSION_STATE, None)
                if session is not None:
                    await finish(session.rollback)
                return response

        return taxii_handler
