"""What a matching process holds of the lists, read once and kept while they are unchanged.

The lists are reference data a node loads at import and rarely again, and every batch of
an ingest is matched against all of them. Asking the database for each batch's exact
values and host names cost, with the lists loaded, as much as the rest of the index's work
(``benchmarks/correlation.py``), most of it for values no list holds. So each process
holds, per database, after the first large batch:

- the lists' metadata (names, effects), which decides on every match;
- the fingerprints of their exact values and host names: a sorted array of the values'
  64-bit hashes (2.9 MB for 365,831 rows, where the strings would take ~50 MB), through
  which only the values some list may hold go to the database, which decides;
- their networks (``_common_networks.py``) and patterns, which are matched in the process.

What is held is keyed by each list's id and checksum (``Token``), read on every batch (one
small statement): a list's rows are a function of its file and the mapping version, so equal
checksums mean equal rows, whatever transaction loaded them. The token is read before what it
keys, so a list changed in between is read again at the next batch, never held as older than
it is. The node's own entries change at any time: they are not held (``_common_match.py``
reads them per batch, through their partial indexes). A small batch arriving before
anything is held (a command checking one value) asks the database for everything instead.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Final, TypeVar

import numpy as np
from sqlalchemy.orm import Session

from taawun.cooperation.threats import _common_networks as networks
from taawun.cooperation.threats import common_repository as repo

Token = tuple[tuple[int, str], ...]  # (list id, sha256) of every list loaded
K = TypeVar("K", bound=Hashable)
FEW: Final = 32  # values a batch up to which, with nothing held, the database is asked


class Fingerprints:
    """The hashes of a set of keys, sorted: which of some keys the set *may* hold (a
    superset of those it holds; a 64-bit hash collides with another key about once in
    10^13 batches, and the database decides on every candidate anyway)."""

    __slots__ = ("_sorted",)

    def __init__(self, keys: Iterable[Hashable]) -> None:
        self._sorted = np.unique(np.fromiter((hash(k) for k in keys), dtype=np.int64))

    def __len__(self) -> int:
        return len(self._sorted)

    def candidates(self, keys: Sequence[K]) -> list[K]:
        if not keys or not len(self._sorted):
            return []
        wanted = np.fromiter((hash(k) for k in keys), dtype=np.int64, count=len(keys))
        at = np.searchsorted(self._sorted, wanted)
        at[at == len(self._sorted)] = 0
        hit = self._sorted[at] == wanted
        return [k for k, h in zip(keys, hit.tolist(), strict=True) if h]


@dataclass(frozen=True, slots=True)
class Patterns:
    """The substring and regex lists by kind: substrings by list and length (each window
    of a value is looked up in a set), regexes as (pattern, list id)."""

    substrings: dict[str, list[tuple[int, dict[int, frozenset[str]]]]]
    regexes: dict[str, list[tuple[str, int]]]

    @classmethod
    def of(cls, rows: Iterable[tuple[str, str, str, int]]) -> Patterns:
        substrings: dict[tuple[str, int], dict[int, set[str]]] = defaultdict(
            lambda: defaultdict(set)
        )
        regexes: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for kind, how, pattern, list_id in rows:
            if how == "substring":
                substrings[(kind, list_id)][len(pattern)].add(pattern)
            else:
                regexes[kind].append((pattern, list_id))
        by_kind: dict[str, list[tuple[int, dict[int, frozenset[str]]]]] = defaultdict(list)
        for (kind, list_id), by_length in substrings.items():
            by_kind[kind].append((list_id, {n: frozenset(found) for n, found in by_length.items()}))
        return cls(dict(by_kind), dict(regexes))


@dataclass(frozen=True, slots=True)
class Held:
    token: Token
    lists: dict[int, repo.ListInfo]
    exact: Fingerprints  # of (kind, value)
    hosts: Fingerprints  # of host names
    networks: networks.Networks
    patterns: Patterns


_LOCK = threading.Lock()
_CACHE: dict[str, Held] = {}  # by database URL


def held(session: Session, values: int) -> Held | None:
    """What the process holds of the lists of the session's database, as they are now; read
    first when the batch has more than ``FEW`` values; None for a smaller one when nothing
    (or something older) is held: ask the database."""
    url = session.get_bind().engine.url.render_as_string(hide_password=True)
    token = repo.list_token(session)
    with _LOCK:
        found = _CACHE.get(url)
    if found is not None and found.token == token:
        return found
    if values <= FEW:
        return None
    found = Held(
        token,
        repo.lists(session),
        Fingerprints(repo.listed_exact(session)),
        Fingerprints(repo.listed_hosts(session)),
        networks.build(repo.network_rows(session)),
        Patterns.of(repo.pattern_rows(session, None)),
    )
    with _LOCK:
        _CACHE[url] = found
    return found


def clear() -> None:
    with _LOCK:
        _CACHE.clear()
