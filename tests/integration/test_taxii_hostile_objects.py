"""One bad object fails alone, and what one object may cost is bounded (issue 8).

Over TAXII (POST objects, §5.5: the status resource lists each failure, §4.3.1) and over
the REST share, an object that would break the parser (a pattern nesting 400 parentheses),
the JSON encoder (a property nested 300 levels deep) or the time budget (a pattern of
megabytes) is refused on its own with a reason naming the property and the limit, and its
neighbours are stored. The limits are in ``taawun.intel._stix_limits`` (README "Limits").
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from taawun.intel import _stix_limits as limits
from taawun.intel import changes
from taawun.intel.schemas import ShareReport

from .taxii_conftest import ROOT, TAXII, Taxii, indicator, taxii_node

OWNER = "tr.liaison"
PARTNER = "pk.liaison"
EXTENSION = "extension-definition--00000000-0000-4000-8000-00000000beef"


@pytest.fixture(scope="module")
def taxii(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Taxii]:
    yield from taxii_node(backend, tmp_path_factory, "taxii_hostile")


def nested(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {"leaf": "x"}
    for _ in range(levels - 1):
        value = {"x": value}
    return value


def deep_pattern() -> dict[str, Any]:
    return indicator(pattern="[" + "(" * 400 + "file:name = 'x'" + ")" * 400 + "]")


def deep_custom_property() -> dict[str, Any]:
    """Custom properties are legal beside a toplevel-property-extension (STIX 2.1 §7.3)."""
    return indicator(
        extensions={EXTENSION: {"extension_type": "toplevel-property-extension"}},
        x_deep=nested(300),
    )


def deep_extension() -> dict[str, Any]:
    return indicator(
        extensions={EXTENSION: {"extension_type": "property-extension", "deep": nested(300)}}
    )


def huge_pattern() -> dict[str, Any]:
    return indicator(pattern="[file:name = '" + "a" * 2_000_000 + "']")


def huge_hash_in_pattern() -> dict[str, Any]:
    return indicator(pattern="[file:hashes.'SHA-256' = '" + "a" * 5_000_000 + "']")


def huge_hash_value() -> dict[str, Any]:
    return {
        "type": "file",
        "spec_version": "2.1",
        "id": "file--00000000-0000-4000-8000-00000000f11e",
        "hashes": {"SHA-256": "a" * 5_000_000},
    }


def huge_object() -> dict[str, Any]:
    """No one string is too long, but the object is more than a mebibyte of JSON."""
    return indicator(
        extensions={EXTENSION: {"extension_type": "toplevel-property-extension"}},
        x_parts=["p" * 100_000] * 12,
    )


def nul_in_a_name() -> dict[str, Any]:
    """PostgreSQL stores no NUL in text: before, one such object failed its whole envelope
    there (and was stored on SQLite)."""
    return indicator(name="before\x00after")


HOSTILE: dict[str, tuple[Callable[[], dict[str, Any]], tuple[str, ...]]] = {
    # name: (object, words its one reason must hold)
    "pattern nesting 400 parentheses": (deep_pattern, ("pattern:", "nest")),
    "custom property 300 deep": (deep_custom_property, ("x_deep.x.x", "MAX_DEPTH")),
    "extension 300 deep": (deep_extension, (f"extensions.{EXTENSION}.deep.x", "MAX_DEPTH")),
    "2 MB pattern": (huge_pattern, ("pattern:", "2,000,016 characters", "MAX_PATTERN_LENGTH")),
    "5 MB hash in a pattern": (huge_hash_in_pattern, ("pattern:", "MAX_PATTERN_LENGTH")),
    "5 MB hash value": (huge_hash_value, ("hashes.SHA-256:", "MAX_STRING_LENGTH")),
    "1.2 MB object": (huge_object, ("(object):", "MAX_OBJECT_BYTES")),
    "NUL in a name": (nul_in_a_name, ("name:", "NUL")),
}


def envelope(objects: list[Any]) -> bytes:
    """``json``, not orjson: orjson refuses to write more than 254 levels."""
    return json.dumps({"objects": objects}).encode()


def post(taxii: Taxii, body: bytes) -> Any:
    return taxii.client.post(
        f"{ROOT}collections/{taxii.shared()}/objects/",
        content=body,
        headers=taxii.headers(OWNER, **{"Content-Type": TAXII}),
    )


def readable(taxii: Taxii, user: str, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(ids), 100):
        response = taxii.objects(
            user, taxii.shared(), {"match[id]": ",".join(ids[start : start + 100])}
        )
        assert response.status_code == 200, response.text
        found |= {o["id"] for o in response.json().get("objects", [])}
    return found


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_object_fails_alone_in_the_taxii_status(taxii: Taxii, name: str) -> None:
    """[5.5, 4.3.1] 199 neighbours stored, the bad one a failure with its reason."""
    make, words = HOSTILE[name]
    bad = make()
    neighbours = [indicator() for _ in range(199)]
    objects: list[Any] = [*neighbours[:100], bad, *neighbours[100:]]
    response = post(taxii, envelope(objects))
    assert response.status_code == 202, response.text[:2000]
    status = response.json()
    assert (status["total_count"], status["success_count"], status["failure_count"]) == (
        200,
        199,
        1,
    )
    (failure,) = status["failures"]
    assert failure["id"] == bad["id"]
    message = failure["message"]
    assert message.startswith("objects[100]: ")
    for word in words:
        assert word in message, message[:2000]
    assert len(message) <= limits.MAX_REASON_LENGTH + 20  # no megabytes echoed back
    fetched = taxii.get(OWNER, f"{ROOT}status/{status['id']}/")
    assert fetched.status_code == 200 and fetched.json() == status
    ids = [o["id"] for o in neighbours]
    assert readable(taxii, PARTNER, ids) == set(ids)
    assert readable(taxii, PARTNER, [bad["id"]]) == set()


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_object_fails_alone_in_the_rest_share(taxii: Taxii, name: str) -> None:
    make, words = HOSTILE[name]
    bad = make()
    neighbours = [indicator() for _ in range(20)]
    body = json.dumps({"objects": [*neighbours[:10], bad, *neighbours[10:]]}).encode()
    response = taxii.client.post(
        "/api/v1/intel/share",
        content=body,
        headers={
            "Authorization": f"Bearer {taxii.tokens[OWNER]}",
            "Content-Type": "application/json",
        },
    )
    assert response.status_code == 200, response.text[:2000]
    report = response.json()
    assert (report["total"], report["stored"], report["failed"]) == (21, 20, 1)
    failed = [o for o in report["outcomes"] if not o["ok"]]
    assert [(o["index"], o["id"]) for o in failed] == [(10, bad["id"])]
    (reason,) = failed[0]["reasons"]
    for word in words:
        assert word in reason, reason[:2000]


def test_ingest_runs_off_the_event_loop(taxii: Taxii, monkeypatch: pytest.MonkeyPatch) -> None:
    """Validation and storage run in a worker thread, so that a slow submission does not hold
    up the event loop every other request is served from."""
    loops: list[bool] = []
    share = changes.share

    def spy(*args: Any, **kwargs: Any) -> ShareReport:
        try:
            asyncio.get_running_loop()
            loops.append(True)
        except RuntimeError:
            loops.append(False)
        return share(*args, **kwargs)

    monkeypatch.setattr(changes, "share", spy)
    assert post(taxii, envelope([indicator()])).status_code == 202
    rest = taxii.client.post(
        "/api/v1/intel/share",
        json={"objects": [indicator()]},
        headers={"Authorization": f"Bearer {taxii.tokens[OWNER]}"},
    )
    assert rest.status_code == 200
    assert loops == [False, False]


def test_an_envelope_of_more_than_max_objects_is_refused_whole(taxii: Taxii) -> None:
    """[5.5] 422, nothing stored: a failure each would cost without bound."""
    first = indicator()
    body = envelope([first] + [0] * limits.MAX_OBJECTS)
    response = post(taxii, body)
    assert response.status_code == 422, response.text
    error = response.json()
    assert error["http_status"] == "422" and "(limit MAX_OBJECTS)" in error["description"]
    assert readable(taxii, PARTNER, [first["id"]]) == set()
