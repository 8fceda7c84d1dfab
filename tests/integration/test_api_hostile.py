"""The REST API under hostile input (issue 8): integers no column can hold and digits ``int()``
will not read answer 4xx naming the field and value; an error the node did not expect
answers 500 in the one JSON shape, is logged with its traceback and keeps the connection;
405 says what is allowed."""

from __future__ import annotations

import http.client
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient

from taawun.intel.taxii import collections as taxii_collections
from taawun.registry import service as registry_service
from taawun.web.app import create_app

from .conftest import Node

TAXII = "application/taxii+json;version=2.1"
HOSTILE_INTEGERS = [
    "99999999999999999999",  # past 64 bits
    "9223372036854775808",  # 2**63: past BIGINT
    "2147483648",  # 2**31: past INTEGER (every id column on PostgreSQL)
    "4294967296",
    "²",  # str.isdigit() is true, int() refuses it
    "¹²",
    "9" * 5000,  # past int()'s default limit on digits
]
# (method, path with {v}, query parameter taking v or None, JSON body, the field named)
SHAPES: list[tuple[str, str, str | None, Any, str]] = [
    ("GET", "/api/v1/agreements/{v}", None, None, "agreement"),
    ("PATCH", "/api/v1/agreements/{v}", None, {}, "agreement"),
    ("POST", "/api/v1/agreements/{v}/suspend", None, None, "agreement"),
    ("POST", "/api/v1/agreements/{v}/terminate", None, None, "agreement"),
    ("POST", "/api/v1/agreements/{v}/resume", None, None, "agreement"),
    ("POST", "/api/v1/agreements/{v}/leave", None, None, "agreement"),
    ("GET", "/api/v1/proposals/{v}", None, None, "proposal"),
    ("POST", "/api/v1/proposals/{v}/accept", None, None, "proposal"),
    ("POST", "/api/v1/proposals/{v}/decline", None, None, "proposal"),
    ("POST", "/api/v1/proposals/{v}/withdraw", None, None, "proposal"),
    ("GET", "/api/v1/agreements", "offset", None, "offset"),
    ("GET", "/api/v1/agreements", "limit", None, "limit"),
    ("GET", "/api/v1/agreements", "party", None, "party"),
    ("GET", "/api/v1/agencies", "state_id", None, "state_id"),
    ("GET", "/api/v1/users", "agency_id", None, "agency_id"),
    ("GET", "/api/v1/audit", "limit", None, "limit"),
    ("DELETE", "/api/v1/tokens/{v}", None, None, "token_id"),
    ("PATCH", "/api/v1/memberships/{v}", None, {}, "membership_id"),
    ("GET", "/api/v1/states/{v}", None, None, "state"),
    ("GET", "/api/v1/states/{v}/profile", None, None, "state"),
    ("GET", "/api/v1/states/{v}/partners", None, None, "state"),
    ("GET", "/api/v1/dyads/{v}/TUR", None, None, "a"),
    ("GET", "/api/v1/dyads/TUR/{v}", None, None, "b"),
    ("GET", "/api/v1/intel", "agreement", None, "agreement"),
    ("GET", "/api/v1/intel", "owner", None, "agency"),
    ("GET", "/api/v1/intel", "limit", None, "limit"),
    ("GET", "/api/v1/intel/export", "agreement", None, "agreement"),
]


@pytest.fixture(scope="module")
def client(node: Node) -> TestClient:
    """The node's application, answering a server error instead of raising it into the test
    (not entered: the node's own client runs the application's lifespan)."""
    return TestClient(node.client.app, raise_server_exceptions=False)


@pytest.mark.parametrize("value", HOSTILE_INTEGERS, ids=lambda v: v[:24])
@pytest.mark.parametrize(
    ("method", "path", "param", "body", "field"),
    SHAPES,
    ids=[f"{m} {p} {q}" for m, p, q, *_ in SHAPES],
)
def test_integers_no_column_holds_are_4xx_naming_field_and_value(
    client: TestClient,
    node: Node,
    method: str,
    path: str,
    param: str | None,
    body: Any,
    field: str,
    value: str,
) -> None:
    response = client.request(
        method,
        path.format(v=value),
        params={param: value} if param else None,
        json=body,
        headers=node.auth("tr.admin"),
    )
    assert 400 <= response.status_code < 500, response.text[:300]
    assert response.headers["content-type"] == "application/json"
    error = response.json()
    assert error["error"] and error["message"]
    assert error["field"] == field
    assert error["value"] == value


@pytest.mark.parametrize("value", [2**31, 2**63, 2**70, -(2**63) - 1, -1, 0])
def test_ids_in_bodies_no_column_holds_name_nothing(
    client: TestClient, node: Node, value: int
) -> None:
    agency = client.post(
        "/api/v1/agencies",
        json={"state_id": value, "name": "Hostile Agency", "kind": "other"},
        headers=node.auth("tr.admin"),
    )
    assert agency.status_code == 404, agency.text
    assert agency.json()["field"] == "state" and agency.json()["value"] == str(value)
    user = client.post(
        "/api/v1/users",
        json={
            "username": "hostile.user",
            "agency_id": value,
            "role": "viewer",
            "clearance": "UNCLASSIFIED",
            "password": "hostile-password-1",
        },
        headers=node.auth("tr.admin"),
    )
    assert user.status_code == 404, user.text
    assert user.json()["field"] == "agency" and user.json()["value"] == str(value)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/tokens", {"name": "nul\x00name"}),
        ("/api/v1/tokens", {"name": "token", "username": "tr.admin\x00"}),
        ("/api/v1/agencies", {"state_id": 1, "name": "nul\x00agency"}),
        (
            "/api/v1/agreements",
            {"title": "nul\x00title", "parties": ["TUR", "PAK"], "domains": ["training"]},
        ),
    ],
)
def test_nul_in_a_body_is_never_a_server_error(
    client: TestClient, node: Node, backend: str, path: str, body: dict[str, Any]
) -> None:
    """SQLite stores NUL in text; PostgreSQL refuses it, and the node answers 422 then."""
    response = client.post(path, json=body, headers=node.auth("tr.admin"))
    assert response.status_code < 500, response.text
    assert response.headers["content-type"] == "application/json"
    if backend == "postgresql":
        assert response.status_code == 422, response.text
        assert response.json()["error"] == "invalid" and "NUL" in response.json()["message"]


def test_nul_in_a_url_is_422_naming_where(client: TestClient, node: Node) -> None:
    for url, field in [
        ("/api/v1/states/T%00R", "path"),
        ("/api/v1/intel/indicator--%00", "path"),
        ("/api/v1/agreements?q=a%00b", "q"),
        ("/api/v1/audit?action=%00", "action"),
    ]:
        response = client.get(url, headers=node.auth("tr.admin"))
        assert response.status_code == 422, (url, response.text)
        assert response.json()["field"] == field, url


def test_405_says_which_methods_are_allowed(client: TestClient, node: Node) -> None:
    agencies = client.put("/api/v1/agencies", headers=node.auth("tr.admin"))
    assert agencies.status_code == 405
    assert agencies.json()["error"] == "method_not_allowed"
    assert {"GET", "POST"} <= {m.strip() for m in agencies.headers["allow"].split(",")}
    me = client.delete("/api/v1/me", headers=node.auth("tr.admin"))
    assert me.status_code == 405 and "GET" in me.headers["allow"]


def test_405_under_taxii_is_a_taxii_error_with_allow(client: TestClient, node: Node) -> None:
    response = client.request(
        "TRACE", "/taxii2/", headers={"Accept": TAXII, **node.auth("tr.admin")}
    )
    assert response.status_code == 405
    assert response.headers["content-type"] == TAXII
    assert response.json()["http_status"] == "405"
    assert "GET" in response.headers["allow"]


def _boom(*_args: object, **_kwargs: object) -> Any:
    raise RuntimeError("secret internals: password=hunter2")


def test_an_unexpected_error_is_500_in_the_json_shape_and_logged(
    client: TestClient,
    node: Node,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(registry_service, "list_organizations", _boom)
    with caplog.at_level(logging.ERROR):
        response = client.get("/api/v1/organizations", headers=node.auth("tr.admin"))
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["error"] == "internal" and body["message"]
    assert "hunter2" not in response.text and "RuntimeError" not in response.text
    logged = [r for r in caplog.records if r.exc_info and "hunter2" in str(r.exc_info[1])]
    assert logged and logged[0].levelno == logging.ERROR


def test_an_unexpected_error_under_taxii_is_a_taxii_500(
    client: TestClient,
    node: Node,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(taxii_collections, "collections_for", _boom)
    with caplog.at_level(logging.ERROR):
        response = client.get(
            "/taxii2/root/collections/", headers={"Accept": TAXII, **node.auth("tr.liaison")}
        )
    assert response.status_code == 500
    assert response.headers["content-type"] == TAXII
    body = response.json()
    assert body["http_status"] == "500" and body["title"] == "Internal Server Error"
    assert "hunter2" not in response.text
    assert any(r.exc_info and "hunter2" in str(r.exc_info[1]) for r in caplog.records)


@contextmanager
def _serving(node: Node) -> Iterator[tuple[str, int]]:
    """The node's application under uvicorn on a free loopback port."""
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(engine=node.engine), host="127.0.0.1", port=0, log_level="critical"
        )
    )
    thread = threading.Thread(target=server.run, name="uvicorn-hostile", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        yield "127.0.0.1", server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(timeout=20)
    assert not thread.is_alive(), "uvicorn did not stop"


def test_a_500_keeps_the_connection_alive(node: Node, monkeypatch: pytest.MonkeyPatch) -> None:
    """Over a real socket: after an unexpected error (REST and TAXII) and after an expected
    one, the next request goes over the same connection."""
    monkeypatch.setattr(registry_service, "list_organizations", _boom)
    monkeypatch.setattr(taxii_collections, "collections_for", _boom)
    auth = node.auth("tr.liaison")
    requests = [
        ("/api/v1/organizations", {**auth}, 500),
        ("/taxii2/root/collections/", {"Accept": TAXII, **auth}, 500),
        ("/api/v1/agreements/99999999999999999999", {**auth}, 404),
        ("/api/v1/agencies?state_id=99999999999999999999", {**auth}, 422),
        ("/health", {}, 200),
    ]
    with _serving(node) as (host, port):
        connection = http.client.HTTPConnection(host, port, timeout=10)
        try:
            connection.connect()
            sock = connection.sock
            for path, headers, status in requests:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                assert response.status == status, path
                assert not response.will_close, path
                assert connection.sock is sock, path
        finally:
            connection.close()


@pytest.mark.parametrize("param", ["added_after", "version"])
def test_unicode_digits_in_a_timestamp_fraction_are_422(node: Node, param: str) -> None:
    """``²`` passes ``str.isdigit()`` but not ``int()``: it answered 500."""
    stamp = "2020-01-01T00:00:00.²Z"
    stix_id = "indicator--00000000-0000-4000-8000-0000000000aa"
    path = "/api/v1/intel" if param == "added_after" else f"/api/v1/intel/{stix_id}"
    answer = node.client.get(path, params={param: stamp}, headers=node.auth("tr.liaison"))
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == param
