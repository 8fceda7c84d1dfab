"""``web/headers.py`` on its own: pure ASGI, so a streamed body is passed on chunk by chunk
with the headers on its start; an endpoint's own values of those headers are replaced."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.responses import HTMLResponse, PlainTextResponse, StreamingResponse
from starlette.routing import Route
from starlette.types import Message

from taawun.web.headers import API_POLICY, SecurityHeaders, inline_script_hashes


async def _chunks() -> AsyncIterator[bytes]:
    for n in range(3):
        yield f"chunk {n}\n".encode()


def _app() -> SecurityHeaders:
    async def stream(_request: object) -> StreamingResponse:
        return StreamingResponse(_chunks(), media_type="text/plain")

    async def health(_request: object) -> PlainTextResponse:
        return PlainTextResponse("ok")

    async def cached(_request: object) -> PlainTextResponse:
        return PlainTextResponse("x", headers={"Cache-Control": "max-age=600"})

    async def docs(_request: object) -> HTMLResponse:
        return HTMLResponse("<html><script>run()</script><script src='/a.js'></script></html>")

    routes = [
        Route("/stream", stream),
        Route("/health", health),
        Route("/cached", cached),
        Route("/docs", docs),
    ]
    return SecurityHeaders(Starlette(routes=routes), docs_paths=["/docs"])


DISCONNECT_AFTER = 5.0  # seconds


def _get(path: str) -> list[Message]:
    sent: list[Message] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [],
        "client": ("203.0.113.1", 1),
        "server": ("testserver", 80),
    }

    requested: list[bool] = []

    async def receive() -> Message:
        if not requested:  # the request once; then nothing until the response is done
            requested.append(True)
            return {"type": "http.request", "body": b"", "more_body": False}
        # A server says "disconnect" once the client has gone; a bounded wait, so that a
        # response that listens for it cannot hang the test.
        await asyncio.sleep(DISCONNECT_AFTER)
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(_app()(scope, receive, send))
    return sent


def _headers(start: Message) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, value in start["headers"]:
        found.setdefault(name.decode().lower(), []).append(value.decode())
    return found


def test_a_streamed_body_stays_streamed() -> None:
    start, *body = _get("/stream")
    headers = _headers(start)
    assert headers["x-content-type-options"] == ["nosniff"]
    assert headers["content-security-policy"] == [API_POLICY]
    assert headers["cache-control"] == ["no-store"]
    chunks = [m["body"] for m in body if m.get("body")]
    assert chunks == [b"chunk 0\n", b"chunk 1\n", b"chunk 2\n"]


def test_health_is_not_no_store_and_endpoint_values_are_replaced() -> None:
    health = _headers(_get("/health")[0])
    assert "cache-control" not in health and health["x-frame-options"] == ["DENY"]
    cached = _headers(_get("/cached")[0])
    assert cached["cache-control"] == ["no-store"]


def test_a_docs_page_may_run_its_inline_script_only() -> None:
    start, *body = _get("/docs")
    [policy] = _headers(start)["content-security-policy"]
    [only] = inline_script_hashes(b"<script>run()</script>")
    assert f"script-src 'self' {only};" in policy
    assert b"".join(m.get("body", b"") for m in body).startswith(b"<html>")
