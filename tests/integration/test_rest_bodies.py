"""REST request bodies keep TAXII's limits and answer alike (issue 9 §2): a wrong content
type is 415, a body over 10 MiB is 413 (declared or not), malformed JSON names the body,
and nothing is written by a refused request."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from taawun.intel.models import IntelObject
from taawun.web.bodies import MAX_BODY_BYTES

from .conftest import Node

SHARE = "/api/v1/intel/share"


def _objects(node: Node) -> int:
    with node.engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(IntelObject)) or 0)


def _indicator(n: int) -> dict[str, object]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--00000000-0000-4000-8000-{n:012d}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "pattern": "[ipv4-addr:value = '10.9.9.9']",
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
    }


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
def test_a_body_that_is_not_json_is_415_naming_what_came(node: Node, content_type: str) -> None:
    before = _objects(node)
    response = node.client.post(
        SHARE,
        content=json.dumps({"objects": [_indicator(1)]}),
        headers={**node.auth("tr.liaison"), "Content-Type": content_type},
    )
    assert response.status_code == 415, response.text
    body = response.json()
    assert body["error"] == "unsupported_media_type" and body["field"] == "Content-Type"
    assert content_type in body["message"]
    assert _objects(node) == before


def test_a_body_over_the_limit_is_413_declared_or_streamed(node: Node) -> None:
    before = _objects(node)
    padding = "x" * (MAX_BODY_BYTES + 1)
    big = json.dumps({"objects": [], "tlp": padding}).encode()
    declared = node.client.post(
        SHARE, content=big, headers={**node.auth("tr.liaison"), "Content-Type": "application/json"}
    )
    assert declared.status_code == 413 and declared.json()["field"] == "Content-Length"

    def chunks():  # no Content-Length: sent chunked, counted as it comes
        for start in range(0, len(big), 1 << 20):
            yield big[start : start + (1 << 20)]

    streamed = node.client.post(
        SHARE,
        content=chunks(),
        headers={**node.auth("tr.liaison"), "Content-Type": "application/json"},
    )
    assert streamed.status_code == 413, streamed.text
    assert _objects(node) == before


@pytest.mark.parametrize("body", [b'{"objects": [1,', b"not json", b'{"objects": [}'])
def test_malformed_json_names_the_body(node: Node, body: bytes) -> None:
    """Before, the field was the character's position, e.g. ``"1"``."""
    response = node.client.post(
        SHARE, content=body, headers={**node.auth("tr.liaison"), "Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    answer = response.json()
    assert answer["field"] == "(body)"
    assert answer["message"].startswith("(body): not JSON: ")


def test_a_json_body_within_the_limit_is_served_as_before(node: Node) -> None:
    response = node.client.post(
        SHARE,
        json={"objects": [_indicator(77_001)]},
        headers=node.auth("tr.liaison"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["stored"] == 1
    charset = node.client.post(
        SHARE,
        content=json.dumps({"objects": [_indicator(77_002)]}),
        headers={**node.auth("tr.liaison"), "Content-Type": "application/json; charset=utf-8"},
    )
    assert charset.status_code == 200 and charset.json()["stored"] == 1
