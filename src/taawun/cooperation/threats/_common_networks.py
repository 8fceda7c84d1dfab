"""The lists' networks, held in each process that matches, keyed by the lists loaded.

Measured on the full load (120,721 networks, 26 IPv4 prefix lengths): asking the database
for every address masked at every prefix length cost 120-330 µs an address on SQLite and
0.7-1 ms on PostgreSQL (a thousand addresses make 26,000 keys, a dozen statements with
2,000 parameters each); the same lookups in dictionaries held in the process cost a few
µs an address. So the lists' networks are read once per process, about a quarter of a
second and ~15 MB, and read again only when the lists change: the table is keyed by each
list's id and checksum, which ``classify`` reads anyway (a list's rows are a function of
its file and the mapping version, so equal checksums mean equal rows, whatever
transaction loaded them). The node's own network entries are few and change at any time:
they are read from the database on every call, through their partial index. A small
batch arriving before anything is held (a command checking one address) asks the database
for the few networks that could hold it instead of reading them all.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy.orm import Session

from taawun.cooperation.threats import common_repository as repo

Token = tuple[tuple[int, str], ...]  # (list id, sha256) of every list loaded
Source = tuple[int | None, int | None]  # (list id, node entry id)


@dataclass(frozen=True, slots=True)
class Networks:
    """By family: the prefix lengths present (ascending), and for each length the lists
    (and node entries) holding each network address."""

    prefixes: dict[int, list[int]]
    table: dict[tuple[int, int], dict[int, list[Source]]]

    def hits(self, family: int, number: int, prefix: int, width: int) -> list[tuple[int, int]]:
        """(prefix, network) of every listed network holding the address or network
        ``number``/``prefix`` (the network itself included)."""
        found = []
        for length in self.prefixes.get(family, ()):
            if length > prefix:
                break
            network = (number >> (width - length)) << (width - length) if length else 0
            if network in self.table[(family, length)]:
                found.append((length, network))
        return found

    def sources(
        self, family: int, length: int, network: int
    ) -> list[tuple[int | None, int | None]]:
        return self.table[(family, length)][network]


def _build(rows: list[repo.FamilyNetRow]) -> Networks:
    table: dict[tuple[int, int], dict[int, list[Source]]] = defaultdict(lambda: defaultdict(list))
    for family, prefix, network, list_id, entry_id in rows:
        table[(family, prefix)][int(network, 16)].append((list_id, entry_id))
    prefixes: dict[int, list[int]] = defaultdict(list)
    for family, prefix in sorted(table):
        prefixes[family].append(prefix)
    return Networks(dict(prefixes), dict(table))


_LOCK = threading.Lock()
_CACHE: dict[str, tuple[Token, Networks]] = {}  # by database URL


FEW = 32  # addresses a batch below which, with nothing held yet, the database is asked


def listed(session: Session, token: Token, asking: list[tuple[int, int]]) -> Networks:
    """The lists' networks of the session's database, as of ``token``, for the addresses
    ``asking`` ((family, first address) each): those held by the process; or, when none
    are held and the batch is small (a command checking one value), only the networks
    that could hold them, asked of the database (every prefix length of each address);
    or else all of them, read once and held."""
    url = session.get_bind().engine.url.render_as_string(hide_password=True)
    with _LOCK:
        held = _CACHE.get(url)
    if held is not None and held[0] == token:
        return held[1]
    if len(asking) <= FEW:
        rows: list[repo.FamilyNetRow] = []
        for family in sorted({f for f, _ in asking}):
            width = 32 if family == 4 else 128
            wanted = {
                format((n >> (width - p)) << (width - p) if p else 0, f"0{width // 4}x")
                for f, n in asking
                if f == family
                for p in range(width + 1)
            }
            rows.extend(repo.list_networks_at(session, family, sorted(wanted)))
        return _build(rows)
    built = _build(repo.network_rows_of(session, lists=True))
    with _LOCK:
        _CACHE[url] = (token, built)
    return built


def of_entries(session: Session) -> Networks:
    """The node's own network entries (few: read on every call)."""
    return _build(repo.network_rows_of(session, lists=False))
