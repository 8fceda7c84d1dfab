"""Networks of the lists and of the node's entries, as the matcher looks addresses up in them.

Measured on the full load (120,721 networks, 26 IPv4 prefix lengths): asking the database
for every address masked at every prefix length cost 120-330 µs an address on SQLite and
0.7-1 ms on PostgreSQL (a thousand addresses make 26,000 keys, a dozen statements with
2,000 parameters each); the same lookups in dictionaries held in the process cost a few
µs an address. So the lists' networks are held by the process (``_common_held.py``, with
the rest of the lists). The node's own network entries are few and change at any time:
they are read from the database on every batch, through their partial index. A small
batch arriving before anything is held (a command checking one address) asks the database
for the few networks that could hold it instead (``asked``).

An address is masked only at the prefix lengths some network has under its leading bits:
the lengths up to ``SPLIT`` bits are few and tried for every address; the longer ones are
kept per ``SPLIT``-bit block (an address in a block no list names tries none of them).
That halves the lookups of an IPv4 address against the lists (26 lengths held, 16 of them
longer than /16, most blocks holding two or three).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Final

from sqlalchemy.orm import Session

from taawun.cooperation.threats import common_repository as repo

Source = tuple[int | None, int | None]  # (list id, node entry id)
SPLIT: Final = {4: 16, 6: 32}  # leading bits of a block (the longer lengths are per block)


@dataclass(frozen=True, slots=True)
class Networks:
    """By family: the prefix lengths up to ``SPLIT`` present (ascending); by block (family
    and leading ``SPLIT`` bits) the longer ones present in it; and for each length the lists
    (and node entries) holding each network address."""

    short: dict[int, tuple[int, ...]]
    deep: dict[tuple[int, int], tuple[int, ...]]
    table: dict[tuple[int, int], dict[int, tuple[Source, ...]]]

    def hits(self, family: int, number: int, prefix: int, width: int) -> list[tuple[int, int]]:
        """(prefix, network) of every listed network holding the address or network
        ``number``/``prefix`` (the network itself included)."""
        found: list[tuple[int, int]] = []
        for length in self.short.get(family, ()):
            if length > prefix:
                return found
            network = (number >> (width - length)) << (width - length) if length else 0
            if network in self.table[(family, length)]:
                found.append((length, network))
        split = SPLIT[family]
        if prefix > split:
            for length in self.deep.get((family, number >> (width - split)), ()):
                if length > prefix:
                    break
                network = (number >> (width - length)) << (width - length)
                if network in self.table[(family, length)]:
                    found.append((length, network))
        return found

    def sources(self, family: int, length: int, network: int) -> tuple[Source, ...]:
        return self.table[(family, length)][network]


def build(rows: list[repo.FamilyNetRow]) -> Networks:
    table: dict[tuple[int, int], dict[int, list[Source]]] = defaultdict(lambda: defaultdict(list))
    for family, prefix, network, list_id, entry_id in rows:
        table[(family, prefix)][int(network, 16)].append((list_id, entry_id))
    short: dict[int, list[int]] = defaultdict(list)
    deep: dict[tuple[int, int], set[int]] = defaultdict(set)
    for (family, prefix), found in table.items():
        split = SPLIT[family]
        if prefix <= split:
            short[family].append(prefix)
            continue
        shift = (32 if family == 4 else 128) - split
        for number in found:
            deep[(family, number >> shift)].add(prefix)
    return Networks(
        {family: tuple(sorted(lengths)) for family, lengths in short.items()},
        {block: tuple(sorted(lengths)) for block, lengths in deep.items()},
        # Tuples of numbers, not lists: the collector stops tracking them (and then the
        # dictionaries holding only them), instead of walking 120,000 lists at every full
        # collection for as long as the process holds the lists.
        {key: {n: tuple(s) for n, s in found.items()} for key, found in table.items()},
    )


def asked(session: Session, asking: list[tuple[int, int]]) -> Networks:
    """The lists' networks that could hold the addresses ``asking`` ((family, first
    address) each), asked of the database at every prefix length of each: for a few
    addresses when the process holds nothing."""
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
    return build(rows)


def of_entries(rows: list[repo.EntryRow]) -> Networks:
    """The node's own network entries, from their match rows (``repo.entry_rows``)."""
    return build(
        [
            (family, prefix, network, None, entry_id)
            for scope, _, network, family, prefix, entry_id in rows
            if scope == "network"
        ]
    )
