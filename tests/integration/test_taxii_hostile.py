"""TAXII under hostile input (issue 8): every endpoint's parameters and path ids given
integers past 32 and 64 bits, Unicode digits, negatives, empty and very long strings, NUL
and bytes that are not UTF-8. Each is refused with a 4xx TAXII error message in the TAXII
media type, or (a filter that simply matches nothing) answered; never a server error."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from .taxii_conftest import ROOT, TAXII, Taxii, indicator, taxii_node

USER = "tr.liaison"
# name: the value, percent-encoded as it goes into the URL (some of it not UTF-8)
HOSTILE = {
    "past-64-bits": "99999999999999999999",
    "2**63": "9223372036854775808",
    "2**31": "2147483648",
    "superscript-two": "%C2%B2",  # '²': str.isdigit(), not int()
    "superscripts": "%C2%B9%C2%B2",
    "arabic-indic-three": "%D9%A3",  # '٣': int() reads it
    "fullwidth-one": "%EF%BC%91",
    "negative": "-1",
    "zero": "0",
    "empty": "",
    "spaces": "%201%20",
    "long-digits": "9" * 5000,
    "long-text": "x" * 20_000,
    "nul": "%00",
    "digit-nul": "1%00",
    "bad-utf-8": "%FF%FE",
    "lone-surrogate": "%ED%A0%80",
}
# What of HOSTILE is a good value: a limit past the largest page is answered with a page
# (§3.4: the server may answer fewer than asked), and 0 and 2**31 are dates of a ``next``.
ACCEPTED = {("limit", "2**31"), ("next", "2**31"), ("next", "zero")}
TEXT_FILTERS = ("match[id]", "match[type]", "match[spec_version]")


@pytest.fixture(scope="module")
def taxii(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Taxii]:
    yield from taxii_node(backend, tmp_path_factory, "taxii_hostile")


@pytest.fixture(scope="module")
def stored(taxii: Taxii) -> dict[str, Any]:
    """One object in the user's own collection, so object endpoints have something to find."""
    obj = indicator()
    taxii.share(USER, taxii.own(USER), [obj])
    return obj


def _is_taxii_error(response: httpx.Response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert response.headers["content-type"] == TAXII
    body = response.json()
    assert isinstance(body["title"], str) and body["title"]
    assert body["http_status"] == str(response.status_code)


def _get(taxii: Taxii, url: str, method: str = "GET") -> httpx.Response:
    """``url`` as given: its query is already percent-encoded, some of it not UTF-8."""
    return taxii.client.request(method, url, headers=taxii.headers(USER))


# The reads and the parameters each takes (§3.4.1): name: (path below the collection, params).
PAGING = ("limit", "next", "added_after")
READS = {
    "objects": (
        "objects/",
        (*PAGING, "match[id]", "match[type]", "match[version]", "match[spec_version]"),
    ),
    "manifest": (
        "manifest/",
        (*PAGING, "match[id]", "match[type]", "match[version]", "match[spec_version]"),
    ),
    "object": ("objects/{id}/", (*PAGING, "match[version]", "match[spec_version]")),
    "versions": ("objects/{id}/versions/", (*PAGING, "match[spec_version]")),
}
COMBINATIONS = [(read, param) for read, (_, params) in READS.items() for param in params]
MISSING = "indicator--00000000-0000-4000-8000-ffffffffffff"


def _read_url(taxii: Taxii, stored: dict[str, Any], read: str) -> str:
    below, _ = READS[read]
    return f"{ROOT}collections/{taxii.own(USER)}/" + below.format(id=stored["id"])


@pytest.mark.parametrize("name", list(HOSTILE))
@pytest.mark.parametrize(("read", "param"), [c for c in COMBINATIONS if c[1] not in TEXT_FILTERS])
def test_bad_numbers_and_timestamps_are_400(
    taxii: Taxii, stored: dict[str, Any], read: str, param: str, name: str
) -> None:
    response = _get(taxii, f"{_read_url(taxii, stored, read)}?{param}={HOSTILE[name]}")
    if (param, name) in ACCEPTED:
        assert response.status_code == 200, response.text[:300]
        assert response.headers["content-type"] == TAXII
        return
    _is_taxii_error(response)
    assert response.status_code == 400
    assert response.json()["details"]["field"] == param


@pytest.mark.parametrize("name", list(HOSTILE))
@pytest.mark.parametrize(("read", "param"), [c for c in COMBINATIONS if c[1] in TEXT_FILTERS])
def test_text_filters_are_refused_or_match_nothing(
    taxii: Taxii, stored: dict[str, Any], read: str, param: str, name: str
) -> None:
    """Any text may name an id, a type or a spec version that nothing has; NUL and an empty
    value are refused."""
    value = HOSTILE[name]
    response = _get(taxii, f"{_read_url(taxii, stored, read)}?{param}={value}")
    if "%00" in value or not value:
        _is_taxii_error(response)
        assert response.status_code == 400
        assert response.json()["details"]["field"] == param
    elif response.status_code != 200:
        _is_taxii_error(response)
    else:
        assert response.headers["content-type"] == TAXII


@pytest.mark.parametrize("name", list(HOSTILE))
@pytest.mark.parametrize("param", (*PAGING, "match[version]", *TEXT_FILTERS))
def test_delete_refuses_them(taxii: Taxii, param: str, name: str) -> None:
    """§5.7 takes ``match[version]`` (this node: only ``all``) and ``match[spec_version]``
    (refused); the rest it ignores, and the object named does not exist."""
    url = f"{ROOT}collections/{taxii.own(USER)}/objects/{MISSING}/?{param}={HOSTILE[name]}"
    response = _get(taxii, url, "DELETE")
    _is_taxii_error(response)
    if param in ("match[version]", "match[spec_version]"):
        assert response.status_code == 400


def _status_for_id(value: str) -> set[int]:
    """404 for an id that names nothing. One with NUL the application refuses (400) before
    routing; on SQLite the fast lane may find first that it names nothing (404)."""
    return {400, 404} if "%00" in value else {404}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_collection_ids_name_nothing(taxii: Taxii, stored: dict[str, Any], name: str) -> None:
    value = HOSTILE[name]
    for collection in (value, f"agreement-{value}", f"agency-{value}"):
        if not collection:
            continue
        base = f"{ROOT}collections/{collection}/"
        for method, url in (
            ("GET", base),
            ("GET", f"{base}objects/"),
            ("GET", f"{base}manifest/"),
            ("GET", f"{base}objects/{stored['id']}/"),
            ("GET", f"{base}objects/{stored['id']}/versions/"),
            ("DELETE", f"{base}objects/{stored['id']}/"),
        ):
            response = _get(taxii, url, method)
            _is_taxii_error(response)
            assert response.status_code in _status_for_id(value), (method, url)


@pytest.mark.parametrize("name", list(HOSTILE))
def test_object_and_status_ids_name_nothing(taxii: Taxii, name: str) -> None:
    value = HOSTILE[name]
    own = f"{ROOT}collections/{taxii.own(USER)}/objects"
    for object_id in (value, f"indicator--{value}"):
        if not object_id:
            continue
        for method, url in (
            ("GET", f"{own}/{object_id}/"),
            ("GET", f"{own}/{object_id}/versions/"),
            ("DELETE", f"{own}/{object_id}/"),
        ):
            response = _get(taxii, url, method)
            _is_taxii_error(response)
            assert response.status_code in _status_for_id(value), (method, url)
    if value:
        response = _get(taxii, f"{ROOT}status/{value}/")
        _is_taxii_error(response)
        assert response.status_code in _status_for_id(value)


@pytest.mark.parametrize(
    ("declared", "status"),
    [
        (b"99999999999999999999", 413),
        (b"9" * 5000, 413),
        (b"\xb2", 400),  # '²' in the header's latin-1
        (b"-1", 400),
        (b"1e3", 400),
        (b"", 400),
    ],
)
def test_content_length_is_a_number_of_ascii_digits(
    taxii: Taxii, declared: bytes, status: int
) -> None:
    request = taxii.client.build_request(
        "POST",
        f"{ROOT}collections/{taxii.own(USER)}/objects/",
        content=b'{"objects": []}',
        headers=taxii.headers(USER, **{"Content-Type": TAXII}),
    )
    request.headers["Content-Length"] = declared.decode("latin-1")
    response = taxii.client.send(request)
    _is_taxii_error(response)
    assert response.status_code == status
