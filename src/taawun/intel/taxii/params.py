"""TAXII 2.1 query parameters (§3.4, §3.4.1) turned into the store's ``Filters``.

Malformed parameters are answered 400 (§3.4): a ``limit`` that is not a positive
integer, a parameter given twice (two ``added_after``, a repeated
``match[field]``), ``all`` combined with another version, a timestamp that is
not one, or a ``match`` field this endpoint does not take. Values of one match
field are comma-separated and OR'ed; different fields AND. Asking for a type
nobody stores simply matches nothing.

``next`` is opaque to clients (§3.5): it is the ``date_added`` (µs) of the last
item of the previous page, so a page continues strictly after it, exactly as a
re-query with ``added_after`` set to the last ``X-TAXII-Date-Added-Last`` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from starlette.datastructures import QueryParams

from taawun.core.errors import InvalidInput
from taawun.core.integers import INT64_MAX, bounded_int
from taawun.intel.repository import Filters
from taawun.intel.taxii.errors import bad_parameter
from taawun.intel.times import parse_us

DEFAULT_LIMIT = 1000
MAX_LIMIT = 10_000
VERSION_WORDS = frozenset({"first", "last", "all"})

# The match fields each kind of endpoint takes.
LISTING = frozenset({"id", "type", "version", "spec_version"})  # objects, manifest (§5.3, §5.4)
ONE_OBJECT = frozenset({"version", "spec_version"})  # get an object (§5.6)
VERSIONS = frozenset({"spec_version"})  # versions of an object (§5.8)


@dataclass(frozen=True, slots=True)
class PageQuery:
    filters: Filters
    limit: int


def _once(params: QueryParams, name: str) -> str | None:
    values = params.getlist(name)
    if len(values) > 1:
        raise bad_parameter(f"{name}: given {len(values)} times; give it once", field=name)
    return values[0] if values else None


def _values(name: str, raw: str) -> list[str]:
    values = [v.strip() for v in raw.split(",")]
    if not all(values):
        raise bad_parameter(f"{name}: an empty value in {raw!r}", field=name, value=raw)
    if "\x00" in raw:  # as ``web/errors.py`` refuses it, for the fast lane that comes first
        raise bad_parameter(f"{name}: contains a NUL character", field=name, value=raw)
    return values


def _timestamp_us(name: str, raw: str) -> int:
    if not raw.isascii():  # a TAXII timestamp is ASCII; ``²`` is a digit to str.isdigit()
        raise bad_parameter(f"{name}: {raw!r} is not a timestamp", field=name, value=raw)
    try:
        return parse_us(raw, field=name)
    except InvalidInput as exc:
        raise bad_parameter(exc.message, field=name, value=raw) from None


def _versions(raw: str) -> tuple[str, ...]:
    """``match[version]``: first, last, all or exact timestamps (as µs strings, for Filters)."""
    name = "match[version]"
    values = _values(name, raw)
    if "all" in values and len(set(values)) > 1:
        raise bad_parameter(f"{name}: 'all' cannot be combined with {raw!r}", field=name)
    return tuple(
        dict.fromkeys(v if v in VERSION_WORDS else str(_timestamp_us(name, v)) for v in values)
    )


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    limit = bounded_int(raw, maximum=INT64_MAX)
    if limit is None or limit < 1:
        raise bad_parameter(
            f"limit: must be a positive integer (ASCII digits, at most {INT64_MAX})",
            field="limit",
            value=raw,
        )
    return min(limit, MAX_LIMIT)  # §3.4: the server may answer fewer than asked


def _after(params: QueryParams) -> int | None:
    """The later of ``added_after`` and ``next``: both mean 'strictly after this date_added'."""
    added_after = _once(params, "added_after")
    token = _once(params, "next")
    after = _timestamp_us("added_after", added_after) if added_after is not None else None
    if token is not None:
        # A date_added in µs: a BIGINT, as every ``next`` this server gives.
        if (token_us := bounded_int(token, maximum=INT64_MAX)) is None:
            raise bad_parameter("next: not a value this server gave", field="next", value=token)
        after = max(after or 0, token_us)
    return after


def page_query(
    params: QueryParams,
    *,
    fields: frozenset[str],
    default_versions: Sequence[str] = ("last",),
    object_id: str | None = None,
) -> PageQuery:
    """Parse the paging and match parameters of one request; 400 on anything malformed."""
    if object_id is not None and "\x00" in object_id:
        raise bad_parameter("path: contains a NUL character", field="path", value=object_id)
    match: dict[str, str] = {}
    for name in dict.fromkeys(params.keys()):
        if not name.startswith("match["):
            continue
        field = name.removeprefix("match[").removesuffix("]")
        if not name.endswith("]") or field not in fields:
            allowed = ", ".join(f"match[{f}]" for f in sorted(fields)) or "no match filter"
            raise bad_parameter(
                f"{name}: not supported here (this endpoint takes {allowed})", field=name
            )
        match[field] = _once(params, name) or ""
    versions = _versions(match["version"]) if "version" in match else tuple(default_versions)
    return PageQuery(
        filters=Filters(
            added_after_us=_after(params),
            ids=(object_id,) if object_id else _opt(match, "id"),
            types=_opt(match, "type"),
            versions=versions,
            spec_versions=_opt(match, "spec_version"),
        ),
        limit=_limit(_once(params, "limit")),
    )


def _opt(match: dict[str, str], field: str) -> tuple[str, ...]:
    return tuple(_values(f"match[{field}]", match[field])) if field in match else ()


def next_token(added: Sequence[int], more: bool) -> str | None:
    """The ``next`` of a page: where it stopped, when there is more."""
    return str(added[-1]) if more and added else None
