"""Request bodies of the REST API: JSON, of bounded size, refused before any route reads them.

TAXII has its own rules (``intel/taxii/submit.py``: 415 for a body that is not TAXII, 413
past ``max_content_length``); the REST API keeps the same limit and answers alike in its own
error body: a POST, PUT or PATCH under ``/api/`` that carries a body must send it as
``application/json`` (415 otherwise, naming what came) and of at most
``MAX_BODY_BYTES`` bytes (413, on ``Content-Length`` and on the bytes actually sent). A
body is read here whole (it is bounded) and handed on as it came.
"""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from taawun.core.integers import bounded_int, is_ascii_digits
from taawun.intel.taxii.discovery import MAX_CONTENT_LENGTH

MAX_BODY_BYTES = MAX_CONTENT_LENGTH  # 10 MiB, as for a TAXII envelope
PREFIX = "/api/"
_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


def _refusal(status: int, error: str, message: str, field: str, value: str | None) -> JSONResponse:
    body: dict[str, object] = {"error": error, "message": f"{field}: {message}", "field": field}
    if value is not None:
        body["value"] = value
    return JSONResponse(body, status_code=status)


def _too_large(size: str) -> JSONResponse:
    return _refusal(
        413,
        "too_large",
        f"the body ({size} bytes) is over the limit of {MAX_BODY_BYTES:,} bytes",
        "Content-Length",
        None,
    )


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


class RestBodies:
    """ASGI middleware holding REST request bodies to their media type and size."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in _WITH_BODY
            or not scope["path"].startswith(PREFIX)
        ):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        declared = headers.get("content-length")
        if declared is not None and bounded_int(declared, maximum=MAX_BODY_BYTES) is None:
            refusal = (
                _too_large(declared)
                if is_ascii_digits(declared)
                else _refusal(400, "bad_request", "not a number", "Content-Length", declared)
            )
            await refusal(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                await _too_large(f"more than {MAX_BODY_BYTES:,}")(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        content_type = headers.get("content-type")
        if size and not _is_json(content_type or ""):
            refusal = _refusal(
                415,
                "unsupported_media_type",
                f"must be application/json; got {content_type!r}",
                "Content-Type",
                content_type,
            )
            await refusal(scope, receive, send)
            return
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: a disconnect, when it comes

        await self.app(scope, replay, send)
