"""Shared threats over REST on a live node (both databases): the index fed by every way
intel comes in (REST share, TAXII POST, revocation, TAXII DELETE), the questions under the
node's auth and error shape, and what a third state sees: nothing."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from .taxii_conftest import Taxii, indicator, taxii_node

TUR, PAK, SAU = "tr.liaison", "pk.liaison", "sa.liaison"


@pytest.fixture(scope="module")
def taxii(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Taxii]:
    yield from taxii_node(backend, tmp_path_factory, "threats_api")


def _ip(n: int, address: str) -> dict[str, Any]:
    return indicator(5000 + n, pattern=f"[ipv4-addr:value = '{address}']")


def _rest_share(taxii: Taxii, user: str, objects: list[dict[str, Any]], **marks: Any) -> None:
    response = taxii.client.post(
        "/api/v1/intel/share",
        json={"objects": objects, **marks},
        headers={"Authorization": f"Bearer {taxii.tokens[user]}"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["stored"] == len(objects)


def _get(taxii: Taxii, user: str | None, path: str, **params: Any) -> Any:
    headers = {} if user is None else {"Authorization": f"Bearer {taxii.tokens[user]}"}
    return taxii.client.get(f"/api/v1/threats{path}", params=params, headers=headers)


def _shared(taxii: Taxii, user: str) -> dict[str, int]:
    response = _get(taxii, user, f"/agreements/{taxii.agreements['sharing']}", reference=False)
    assert response.status_code == 200, response.text
    return {t["value"]: t["states"] for t in response.json()["items"]}


def test_the_app_registers_the_index_by_itself() -> None:
    """``create_app``'s module registers the listener: a process that imports nothing else."""
    code = (
        "from taawun.intel import hooks\n"
        "assert not hooks.listening()\n"
        "import taawun.web.app\n"
        "from taawun.cooperation.threats import index\n"
        "assert index.on_stored in hooks.listeners()[0]\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_rest_and_taxii_ingest_both_feed_the_index(taxii: Taxii) -> None:
    agreement = str(taxii.agreements["sharing"])
    _rest_share(taxii, TUR, [_ip(1, "198.51.100.31")], release_to=[agreement])
    taxii.share(PAK, taxii.shared(), [_ip(2, "198.51.100.31")])  # TAXII, the agreement's
    assert _shared(taxii, TUR)["198.51.100.31"] == 2
    assert _shared(taxii, PAK)["198.51.100.31"] == 2
    assert _shared(taxii, SAU) == {}  # a third state: nothing, not even the value


def test_a_taxii_delete_and_a_revocation_take_values_out(taxii: Taxii) -> None:
    agreement = str(taxii.agreements["sharing"])
    _rest_share(taxii, TUR, [_ip(3, "198.51.100.32"), _ip(4, "198.51.100.33")],
                release_to=[agreement])  # fmt: skip
    taxii.share(PAK, taxii.shared(), [_ip(5, "198.51.100.32"), _ip(6, "198.51.100.33")])
    assert {"198.51.100.32", "198.51.100.33"} <= set(_shared(taxii, TUR))
    gone = taxii.client.delete(
        f"/taxii2/root/collections/{taxii.shared()}/objects/{_ip(5, 'x')['id']}/",
        headers=taxii.headers(PAK),
    )
    assert gone.status_code == 200, gone.text
    revoked = taxii.client.post(
        f"/api/v1/intel/{_ip(6, 'x')['id']}/revoke",
        headers={"Authorization": f"Bearer {taxii.tokens[PAK]}"},
    )
    assert revoked.status_code == 200, revoked.text
    left = _shared(taxii, TUR)
    assert "198.51.100.32" not in left and "198.51.100.33" not in left
    seen = _get(taxii, TUR, "/seen", value="198.51.100.33").json()
    assert [(v["value"], v["states"], v["objects"]) for v in seen["values"]] == [
        ("198.51.100.33", 1, 1)
    ]


def test_the_questions_answer_in_the_nodes_shape(taxii: Taxii) -> None:
    agreement = taxii.agreements["sharing"]
    _rest_share(taxii, TUR, [_ip(7, "198.51.100.34")], release_to=[str(agreement)])
    taxii.share(PAK, taxii.shared(), [_ip(8, "198.51.100.34")])
    dyad = _get(taxii, TUR, "/dyads/TUR/Pakistan", reference=False).json()
    assert dyad["question"] == "dyad" and dyad["states"] == ["TUR", "PAK"]
    assert "198.51.100.34" in {t["value"] for t in dyad["items"]}
    mine = _get(taxii, PAK, "/mine").json()
    assert "198.51.100.34" in {t["value"] for t in mine["items"]} and mine["states"][0] == "PAK"
    later = _get(taxii, TUR, f"/agreements/{agreement}", since="2099-01-01", reference=False)
    assert later.json()["items"] == []  # both had seen everything before 2099: nothing new
    earlier = _get(taxii, TUR, f"/agreements/{agreement}", since="2000-01-01", reference=False)
    assert "198.51.100.34" in {t["value"] for t in earlier.json()["items"]}
    # Errors: the node's one shape.
    missing = _get(taxii, TUR, "/agreements/999999999")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    bad = _get(taxii, TUR, f"/agreements/{agreement}", since="yesterday")
    assert bad.status_code == 422 and bad.json()["field"] == "since"
    same = _get(taxii, TUR, "/dyads/TUR/TUR")
    assert same.status_code == 422 and same.json()["field"] == "b"
    assert _get(taxii, None, "/mine").status_code == 401
    unknown = _get(taxii, TUR, "/seen", value="198.51.100.34", kind="ipv9")
    assert unknown.status_code == 422 and unknown.json()["field"] == "kind"


def test_since_counts_only_what_was_new(taxii: Taxii) -> None:
    """New since a day: fewer than two states had seen it before that day (the node's clock
    is fixed at 2026-11-24, so everything here was first seen then)."""
    agreement = taxii.agreements["sharing"]
    today = taxii.clock.now().date().isoformat()
    _rest_share(taxii, TUR, [_ip(9, "198.51.100.35")], release_to=[str(agreement)])
    taxii.share(PAK, taxii.shared(), [_ip(10, "198.51.100.35")])
    new = _get(taxii, TUR, f"/agreements/{agreement}", since=today, reference=False).json()
    assert "198.51.100.35" in {t["value"] for t in new["items"]}
    tomorrow = "2026-11-25"
    later = _get(taxii, TUR, f"/agreements/{agreement}", since=tomorrow, reference=False).json()
    assert "198.51.100.35" not in {t["value"] for t in later["items"]}
