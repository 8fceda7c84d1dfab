"""The benchmark's STIX 2.1 corpus: deterministic, realistic, generated fast.

Object ``i`` is, in turn, an indicator with a simple STIX pattern (IPv4, domain
or SHA-256 file hash: distinct per object, as in real feeds, so no pattern
cache helps), a malware, and a relationship ``indicates`` from the indicator
two before it to the malware just before it. Ids are derived from ``i`` alone,
so any N is a prefix of any larger N and lookups can name ids without asking
the server.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import orjson

STAMP = "2026-01-01T00:00:00.000Z"
KINDS = ("indicator", "malware", "relationship")


def stix_id(i: int) -> str:
    """The id of object ``i`` (a valid version-4 UUID form, unique per ``i``)."""
    return f"{KINDS[i % 3]}--00000000-0000-4000-8000-{i:012d}"


def _pattern(i: int) -> str:
    n = i // 3
    match n % 3:
        case 0:
            return f"[ipv4-addr:value = '10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}']"
        case 1:
            return f"[domain-name:value = 'host-{n}.bench.example']"
        case _:
            digest = hashlib.sha256(n.to_bytes(8, "big")).hexdigest()
            return f"[file:hashes.'SHA-256' = '{digest}']"


def stix_object(i: int) -> dict[str, Any]:
    common = {"spec_version": "2.1", "id": stix_id(i), "created": STAMP, "modified": STAMP}
    match i % 3:
        case 0:
            return {
                "type": "indicator",
                **common,
                "name": f"bench indicator {i}",
                "indicator_types": ["malicious-activity"],
                "pattern": _pattern(i),
                "pattern_type": "stix",
                "valid_from": STAMP,
            }
        case 1:
            return {
                "type": "malware",
                **common,
                "name": f"bench malware {i}",
                "malware_types": ["remote-access-trojan"],
                "is_family": False,
            }
        case _:
            return {
                "type": "relationship",
                **common,
                "relationship_type": "indicates",
                "source_ref": stix_id(i - 2),
                "target_ref": stix_id(i - 1),
            }


def envelopes(start: int, stop: int, size: int = 500) -> Iterator[tuple[int, bytes]]:
    """(object count, TAXII envelope as bytes) for objects ``start`` .. ``stop - 1``."""
    for lo in range(start, stop, size):
        hi = min(lo + size, stop)
        yield hi - lo, orjson.dumps({"objects": [stix_object(i) for i in range(lo, hi)]})
