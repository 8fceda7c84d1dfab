"""Every answer of the node carries the security headers (issue 8): ``nosniff``, no referrer,
no framing, a Content-Security-Policy, and ``Cache-Control: no-store`` on everything but
``/health``. The docs pages get a policy that lets exactly their own inline script run.

Against ``create_app`` as ``taawun serve`` runs it, TAXII fast lane included."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from taawun.core.clock import SystemClock
from taawun.web.app import create_app

from .small_node import small_node

TAXII = "application/taxii+json;version=2.1"
ALWAYS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


@dataclass
class Node:
    client: TestClient
    token: str

    def get(self, path: str, **headers: str) -> Response:
        return self.client.get(path, headers={"Authorization": f"Bearer {self.token}", **headers})


@pytest.fixture(scope="module")
def node(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    engine, tokens = small_node(
        backend, "headers", tmp_path_factory.mktemp("headers"), users=["ali"], clock=SystemClock()
    )
    with TestClient(create_app(engine=engine)) as client:
        yield Node(client, tokens["ali"])
    engine.dispose()


def _policy(response: Response) -> dict[str, list[str]]:
    """The Content-Security-Policy as directive -> sources; exactly one header."""
    [header] = response.headers.get_list("content-security-policy")
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


def _assert_secured(response: Response, *, no_store: bool = True) -> dict[str, list[str]]:
    for name, value in ALWAYS.items():
        assert response.headers.get_list(name) == [value], (name, response.request.url)
    cache = response.headers.get_list("cache-control")
    assert (cache == ["no-store"]) if no_store else ("no-store" not in cache), cache
    policy = _policy(response)
    assert policy["frame-ancestors"] == ["'none'"]
    return policy


def test_api_answers_are_not_stored_and_load_nothing(node: Node) -> None:
    answers = [
        node.get("/api/v1/me"),
        node.get("/api/v1/tokens"),
        node.get("/api/v1/audit"),
        node.client.get("/api/v1/me"),  # 401
        node.client.get("/api/v1/me", headers={"Authorization": "Basic !!"}),  # 401, malformed
        node.get("/api/v1/nowhere"),  # 404
        node.client.delete("/api/v1/me"),  # 405
        node.get("/api/v1/agencies?state_id=x"),  # 422
        node.client.get("/openapi.json"),
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 401, 401, 404, 405, 422, 200]
    for answer in answers:
        policy = _assert_secured(answer)
        assert policy["default-src"] == ["'none'"]


def test_health_may_be_cached(node: Node) -> None:
    response = node.client.get("/health")
    assert response.status_code == 200
    _assert_secured(response, no_store=False)


def test_taxii_answers_carry_the_headers(node: Node) -> None:
    discovery = node.get("/taxii2/", Accept=TAXII)
    assert discovery.status_code == 200
    _assert_secured(discovery)
    collections = node.get("/taxii2/root/collections/", Accept=TAXII)
    _assert_secured(collections)
    own = collections.json()["collections"][0]["id"]
    lane = node.client.app.state  # type: ignore[attr-defined]
    before = lane.fast_lane_answers
    for _ in range(2):  # the lane may decline the first (a token's first use is recorded)
        objects = node.get(f"/taxii2/root/collections/{own}/objects/", Accept=TAXII)
        assert objects.status_code == 200
        _assert_secured(objects)
    if lane.inline_reads:  # SQLite: the fast lane answered at least the second read
        assert lane.fast_lane_answers > before
    refused = node.client.get("/taxii2/", headers={"Accept": TAXII})
    assert refused.status_code == 401
    _assert_secured(refused)


def _inline_script_hashes(html: str) -> list[str]:
    scripts = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, flags=re.S | re.I)
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in scripts
    ]


@pytest.mark.parametrize("path", ["/docs", "/docs/oauth2-redirect"])
def test_swagger_pages_may_run_their_own_inline_script_only(node: Node, path: str) -> None:
    page = node.client.get(path)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = _assert_secured(page)
    hashes = _inline_script_hashes(page.text)
    assert hashes, "the page has an inline script"
    for sha in hashes:
        assert sha in policy["script-src"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    for src in re.findall(r'<script[^>]*\bsrc="([^"]+)"', page.text):
        assert _allowed(src, policy["script-src"]), src
    for href in re.findall(r'<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"', page.text):
        assert _allowed(href, policy["style-src"]), href


def test_redoc_page_may_load_what_it_needs(node: Node) -> None:
    page = node.client.get("/redoc")
    assert page.status_code == 200
    policy = _assert_secured(page)
    assert "'unsafe-inline'" in policy["style-src"]  # its <style> and its styled components
    assert "blob:" in policy["worker-src"]  # its search runs in a worker made from a blob
    for src in re.findall(r'<script[^>]*\bsrc="([^"]+)"', page.text):
        assert _allowed(src, policy["script-src"]), src
    for href in re.findall(r'<link[^>]*href="([^"]+)"[^>]*rel="stylesheet"', page.text):
        assert _allowed(href, policy["style-src"]), href


def _allowed(url: str, sources: list[str]) -> bool:
    if url.startswith("/"):
        return "'self'" in sources
    origin = "/".join(url.split("/")[:3])
    return origin in sources
