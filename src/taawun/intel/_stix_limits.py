"""What one submitted object may cost to judge: the limits, in one place, checked first.

Judging an object costs time in proportion to its size, and more for a STIX pattern, which
the reference parser (``stix2-patterns``, ANTLR in pure Python) reads at 1 to 30 µs a
character and by recursion; writing an object back as JSON (``orjson``) stops at 254
levels. So before anything parses an object, ``limit_reasons`` holds it to the limits
below, each refusal naming the property and the limit; a submission as a whole is held to
``MAX_OBJECTS`` objects (``_ingest.stage``) and to ``MAX_PATTERN_PARSING`` characters of
patterns given to the reference parser (``_stix_pattern.parse_budget``).

Documented in README.md ("Limits on what is shared"). Sections cited are of STIX 2.1.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import orjson

MAX_OBJECTS = 10_000  # objects in one submission (a TAXII envelope, a share request)
MAX_OBJECT_BYTES = 1_048_576  # one object, written as compact JSON
MAX_DEPTH = 32  # levels of objects and lists in an object (it is level 1); of a pattern's ()[]
MAX_STRING_LENGTH = 131_072  # characters of any string in an object, property names too
MAX_PATTERN_LENGTH = 8_192  # characters of a STIX pattern (indicator, pattern_type "stix")
MAX_PATTERN_PARSING = 262_144  # characters of patterns one submission may give the §9 parser
MAX_REASON_LENGTH = 1_000  # characters of one reason given back (reasons quote values)

# NUL (U+0000) is text to JSON and STIX, but PostgreSQL stores no NUL in text, and an
# object's id, type and label are stored as text: refused on every database alike.
NUL_PROBLEM = "contains a NUL character (U+0000), which the node does not store"

_SHOWN_PATH = 200  # characters of a property path quoted in a reason
# An object this short holds no string over a limit, and one with no more brackets than
# MAX_DEPTH nests no deeper: most objects are judged on their JSON alone, without a walk.
_SHORT = min(MAX_PATTERN_LENGTH, MAX_STRING_LENGTH)


def pattern_too_long(length: int) -> str:
    """The problem with a STIX pattern (§9) of ``length`` characters over the limit."""
    return (
        f"{length:,} characters; a STIX pattern may have at most {MAX_PATTERN_LENGTH:,} "
        "(limit MAX_PATTERN_LENGTH)"
    )


def _shown(path: str) -> str:
    return path if len(path) <= _SHOWN_PATH else path[: _SHOWN_PATH - 1] + "…"


def _child(path: str, key: object) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def _string_limit(obj: Mapping[str, object], path: str) -> tuple[int, str]:
    """The limit on the string at ``path``: a STIX pattern has its own (§4.7, §9)."""
    if path == "pattern" and obj.get("type") == "indicator" and obj.get("pattern_type") == "stix":
        return MAX_PATTERN_LENGTH, "pattern"
    return MAX_STRING_LENGTH, "string"


def _too_long(obj: Mapping[str, object], path: str, length: int, *, name: bool) -> str:
    limit, kind = _string_limit(obj, path)
    if kind == "pattern" and not name:
        return f"pattern: {pattern_too_long(length)}"
    what = "a property name" if name else "a string"
    return (
        f"{_shown(path)}: {length:,} characters; {what} may have at most {limit:,} "
        "(limit MAX_STRING_LENGTH)"
    )


def _walk(obj: Mapping[str, object]) -> list[str]:
    """The first string over its limit, the first container nested too deep and the first
    string holding NUL, by a walk that never recurses (the object may be nested as deep as
    the JSON parser allowed)."""
    too_long: str | None = None
    too_deep: str | None = None
    nul: str | None = None
    stack: list[tuple[object, str, int]] = [(obj, "", 1)]
    while stack and (too_long is None or too_deep is None or nul is None):
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            too_deep = too_deep or (
                f"{_shown(path)}: nested more than {MAX_DEPTH} levels deep (limit MAX_DEPTH)"
            )
            continue
        items: Iterable[tuple[object, object]]
        if isinstance(value, Mapping):
            items = value.items()
        elif isinstance(value, list):
            items = enumerate(value)
        else:  # pragma: no cover - only containers are stacked
            continue
        for key, item in items:
            where = _child(path, key)
            if isinstance(key, str) and len(key) > MAX_STRING_LENGTH and too_long is None:
                too_long = _too_long(obj, where, len(key), name=True)
            if nul is None and (
                (isinstance(key, str) and "\x00" in key)
                or (isinstance(item, str) and "\x00" in item)
            ):
                nul = f"{_shown(where)}: {NUL_PROBLEM}"
            if isinstance(item, str):
                if too_long is None and len(item) > _string_limit(obj, where)[0]:
                    too_long = _too_long(obj, where, len(item), name=False)
            elif isinstance(item, Mapping | list):
                stack.append((item, where, depth + 1))
    return [r for r in (too_long, too_deep, nul) if r is not None]


def limit_reasons(obj: Mapping[str, object]) -> list[str]:
    """Why ``obj`` is over a limit (empty when it is not), cheaply and without recursion.

    Each reason reads ``"<property path>: <problem> (limit <NAME>)"``; ``(object)`` names
    the object as a whole.
    """
    try:
        raw: bytes | None = orjson.dumps(obj)
        problem = ""
    except TypeError as exc:  # orjson.JSONEncodeError: too deep (> 254), an integer > 64 bits
        raw, problem = None, str(exc)
    if (
        raw is not None
        and len(raw) <= _SHORT
        and raw.count(b"{") + raw.count(b"[") <= MAX_DEPTH
        and b"\\u0000" not in raw
    ):
        return []
    reasons = _walk(obj)
    if reasons:
        return reasons
    if raw is None:
        return [f"(object): cannot be written as JSON: {problem}"]
    if len(raw) > MAX_OBJECT_BYTES:
        return [
            f"(object): {len(raw):,} bytes of JSON; one object may have at most "
            f"{MAX_OBJECT_BYTES:,} (limit MAX_OBJECT_BYTES)"
        ]
    return []


def capped(reason: str) -> str:
    """A reason cut to ``MAX_REASON_LENGTH`` characters: reasons quote the values they
    refuse, which may be megabytes long."""
    if len(reason) <= MAX_REASON_LENGTH:
        return reason
    return reason[: MAX_REASON_LENGTH - 1] + "…"
