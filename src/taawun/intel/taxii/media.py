"""TAXII 2.1 media types and the negotiation of ``Accept`` and ``Content-Type`` (§1.6.8, §3.1).

Every TAXII response is ``application/taxii+json;version=2.1``. A request may ask
for it with or without the version parameter; asking for another TAXII version,
or for something else altogether, is answered 406. ``*/*`` and ``application/*``
accept anything, and a GET without ``Accept`` is served; a POST must say what it
accepts (§5.5).
"""

from __future__ import annotations

from fastapi.responses import Response

TAXII = "application/taxii+json"
TAXII_MEDIA_TYPE = f"{TAXII};version=2.1"
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"
VERSION = "2.1"


class TaxiiResponse(Response):
    """A response with the versioned TAXII media type (its body is already JSON bytes)."""

    media_type = TAXII_MEDIA_TYPE


def _media_ranges(header: str) -> list[tuple[str, dict[str, str]]]:
    """``type/subtype`` and its parameters (names lower-cased, quotes removed) per range."""
    out: list[tuple[str, dict[str, str]]] = []
    for part in header.split(","):
        kind, *params = (p.strip() for p in part.split(";"))
        if not kind:
            continue
        named: dict[str, str] = {}
        for param in params:
            name, _, value = param.partition("=")
            named[name.strip().lower()] = value.strip().strip('"')
        out.append((kind.lower(), named))
    return out


def _is_taxii_21(kind: str, params: dict[str, str]) -> bool:
    return kind == TAXII and params.get("version", VERSION) == VERSION


def accepts_taxii(header: str | None, *, required: bool = False) -> bool:
    """Whether an ``Accept`` header admits TAXII 2.1 (a range with ``q=0`` refuses)."""
    if header is None or not header.strip():
        return not required
    for kind, params in _media_ranges(header):
        if params.get("q", "1").strip() in {"0", "0.0", "0.00", "0.000"}:
            continue
        if kind in {"*/*", "application/*"} or _is_taxii_21(kind, params):
            return True
    return False


def is_taxii_content(header: str | None) -> bool:
    """Whether a ``Content-Type`` names a TAXII 2.1 body (versioned or bare)."""
    ranges = _media_ranges(header or "")
    return len(ranges) == 1 and _is_taxii_21(*ranges[0])
