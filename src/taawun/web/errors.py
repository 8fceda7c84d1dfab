"""The one mapping of errors to HTTP: every error body has the same JSON shape.

``{"error": code, "message": text, "field": name?, "value": value?, "candidates": [...]?}``
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from taawun.core.errors import TaawunError, Unauthenticated

_HTTP_CODES = {
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
}


def _taawun_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TaawunError)
    headers = {"WWW-Authenticate": 'Bearer realm="taawun", Basic realm="taawun"'}
    return JSONResponse(
        exc.to_dict(),
        status_code=exc.http_status,
        headers=headers if isinstance(exc, Unauthenticated) else None,
    )


def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
    loc = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path")]
    field = ".".join(loc) or None
    message = str(first.get("msg", "invalid request")).removeprefix("Value error, ")
    body: dict[str, object] = {
        "error": "invalid",
        "message": f"{field}: {message}" if field else message,
        "field": field,
        "details": [
            {"field": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg")}
            for e in exc.errors()
        ],
    }
    if "input" in first and isinstance(first["input"], str | int | float):
        body["value"] = str(first["input"])
    return JSONResponse(body, status_code=422)


def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "error")
    return JSONResponse({"error": code, "message": str(exc.detail)}, status_code=exc.status_code)


def install(app: FastAPI) -> None:
    app.add_exception_handler(TaawunError, _taawun_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
