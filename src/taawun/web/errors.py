"""The one mapping of errors to HTTP: every error body has the same JSON shape.

``{"error": code, "message": text, "field": name?, "value": value?, "candidates": [...]?}``
(``core/error_body.py`` describes it for the OpenAPI). Under ``/taxii2`` the same errors
are TAXII error messages instead, made by ``intel/taxii/errors.py``.

An error nobody expected is 500 in the same shape (``internal``), logged with its
traceback; nothing of it is shown. ``AnswerEveryError`` answers it before Starlette's
last-resort handler would: that one answers and then re-raises to the server, which then
closes the connection, so that every bug cost the client its keep-alive connection.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from taawun.core.errors import InvalidInput, TaawunError, TooManyRequests, Unauthenticated
from taawun.intel.taxii import errors as taxii_errors
from taawun.intel.taxii.routes import PREFIX as TAXII_PREFIX
from taawun.web.bodies import RestBodies

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "bad_request",  # a body that is not JSON, for one
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
}


def _under_taxii(path: str) -> bool:
    return path == TAXII_PREFIX or path.startswith(TAXII_PREFIX + "/")


def _taawun_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TaawunError)
    if _under_taxii(request.url.path):
        return taxii_errors.render(exc) or taxii_errors.unexpected()
    headers = {"WWW-Authenticate": 'Bearer realm="taawun", Basic realm="taawun"'}
    if isinstance(exc, TooManyRequests):
        headers = {"Retry-After": str(exc.retry_after)}
    return JSONResponse(
        exc.to_dict(),
        status_code=exc.http_status,
        headers=headers if isinstance(exc, Unauthenticated | TooManyRequests) else None,
    )


def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if _under_taxii(request.url.path):
        return taxii_errors.render(exc) or taxii_errors.unexpected()
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
    if first.get("type") == "json_invalid":  # its loc is (body, a character's position)
        at = first.get("loc", ("body", "?"))[-1]
        ctx = first.get("ctx")
        error = ctx.get("error", "invalid JSON") if isinstance(ctx, dict) else "invalid JSON"
        first = {**first, "loc": ("(body)",), "msg": f"not JSON: {error} at character {at}"}
        first.pop("input", None)
    loc = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path")]
    field = ".".join(loc) or None
    message = str(first.get("msg", "invalid request")).removeprefix("Value error, ")
    body: dict[str, object] = {
        "error": "invalid",
        "message": f"{field}: {message}" if field else message,
        "field": field,
        "details": [
            {"field": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg")}
            for e in ([first] if first.get("type") == "json_invalid" else exc.errors())
        ],
    }
    if "input" in first and isinstance(first["input"], str | int | float):
        body["value"] = str(first["input"])
    return JSONResponse(body, status_code=422)


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405 and (allowed := _allowed_methods(request)):
        headers["Allow"] = allowed
    if _under_taxii(request.url.path):
        exc = StarletteHTTPException(exc.status_code, exc.detail, headers=headers)
        return taxii_errors.render(exc) or taxii_errors.unexpected()
    code = _HTTP_CODES.get(exc.status_code, "error")
    return JSONResponse(
        {"error": code, "message": str(exc.detail)},
        status_code=exc.status_code,
        headers=headers or None,
    )


_METHODS = frozenset({"get", "head", "post", "put", "patch", "delete", "options", "trace"})


def _allowed_methods(request: Request) -> str | None:
    """Every method the OpenAPI documents at this path (Starlette names only the first
    route's, and a path's GET and POST are often two routes)."""
    path = request.url.path
    methods = {
        method.upper()
        for template, operations in request.app.openapi().get("paths", {}).items()
        if compile_path(template)[0].match(path)
        for method in operations
        if method in _METHODS
    }
    return ", ".join(sorted(methods)) if methods else None


def _unstorable(request: Request, exc: Exception) -> Response:
    """A value the database refused (a number past its column, NUL in text): the request's
    doing, so 422, the same answer as an ``InvalidInput``. The checks before the database
    name the field; this is the net under them, logged so that the gap is seen and closed."""
    assert isinstance(exc, DataError)
    log.warning(
        "the database refused a value of %s %r", request.method, request.url.path, exc_info=exc
    )
    orig = exc.orig
    if getattr(orig, "sqlstate", None) == "22003":
        what = "a number is out of range"
    elif "NUL" in str(orig) or getattr(orig, "sqlstate", None) in ("22021", "22P05"):
        what = "text has a NUL or a character that cannot be stored"
    else:
        what = "the database refused it"
    return _taawun_error(request, InvalidInput(f"a value in the request cannot be stored: {what}"))


def _internal_error(scope: Scope) -> Response:
    if _under_taxii(scope["path"]):
        return taxii_errors.unexpected()
    return JSONResponse(
        {"error": "internal", "message": "the node could not answer this request; it is logged"},
        status_code=500,
    )


class AnswerEveryError:
    """ASGI middleware: an exception no handler took is answered 500 (and logged) here.

    Only while nothing of the answer was sent: after that, raising on to the server (which
    closes the connection) is the only way left to tell the client the answer is broken.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception:
            if started:
                raise
            log.exception("unexpected error answering %s %r", scope["method"], scope["path"])
            await _internal_error(scope)(scope, receive, send)


def _nul_refusal(scope: Scope) -> Response | None:
    """The answer to a URL with a NUL character in it; None for every other URL."""
    path: str = scope["path"]
    query: bytes = scope["query_string"]
    if "\x00" not in path and b"%00" not in query and b"\x00" not in query:
        return None
    field, value = "path", path
    if "\x00" not in path:
        pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
        field, value = next(((k, v) for k, v in pairs if "\x00" in k + v), ("query", ""))
    message = f"{field}: contains a NUL character"
    if _under_taxii(path):
        error = taxii_errors.bad_parameter(message, field=field, value=value)
        return taxii_errors.render(error) or taxii_errors.unexpected()
    return JSONResponse(InvalidInput(message, field=field, value=value).to_dict(), 422)


class RefuseNul:
    """ASGI middleware: a URL with NUL in its path or query is refused before any route sees
    it. No name of the node has one, and PostgreSQL takes none in text, so a NUL that
    reached a query would fail it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (refusal := _nul_refusal(scope)) is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)


def install(app: FastAPI) -> None:
    app.add_exception_handler(TaawunError, _taawun_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DataError, _unstorable)
    app.add_middleware(AnswerEveryError)
    app.add_middleware(RestBodies)
    app.add_middleware(RefuseNul)
