"""Matching a batch of values against the common-value index (``warninglists.py`` says
which lists and why; this module says how a hit is found and what it means).

For a batch, against the lists as the process holds them (``_common_held.py``): the exact
values and every suffix of every host (``mail.google.com`` asks for itself, ``google.com``
and ``com``) that some list may hold, asked of the database (most values: none); every
address masked at the prefix lengths the lists have under it, and the patterns, in the
process; one range lookup of the listed networks inside each network value. The node's
entries (few, changed at any time) are read from the database on every batch. A small batch
while nothing is held asks the database for everything. Then, per value, the node's entries
decide if any matches (the most specific one), else the lists.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections import defaultdict
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final, Literal
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from taawun.cooperation.threats import _common_held, kinds
from taawun.cooperation.threats import _common_networks as networks
from taawun.cooperation.threats import common_repository as repo
from taawun.cooperation.threats.normalize import DOTTED_QUAD

Effect = Literal["common", "note"]
COMMON: Final = "common"
NOTE: Final = "note"
ALLOW: Final = "allow"
MAX_TEXT: Final = 400  # the index's common_reason and note columns
WIDTH: Final = {4: 32, 6: 128}  # bits of an address
HEX: Final = {4: 8, 6: 32}  # hex digits of an address, as common_network stores it

Key = tuple[str, str]


def clip(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


@dataclass(frozen=True, slots=True)
class CommonFlag:
    """What the common-value index says of one value: ``common`` with the ``reason`` (a
    list's name, or a node entry's reason), and ``notes`` (infrastructure lists hit, other
    lists that also hold it, a node entry that keeps it out of the common values)."""

    common: bool
    reason: str | None
    notes: tuple[str, ...]

    @property
    def note(self) -> str | None:
        """The notes as the index's one ``note`` column holds them (as ``index.py`` writes
        them at ingest, so that re-flagging finds nothing changed)."""
        return "; ".join(self.notes)[:MAX_TEXT] or None


@dataclass(frozen=True, slots=True)
class Match:
    """One hit: a list's row (``list_id``) or a node entry's (``entry_id``); ``how`` it
    matched (exact, host, subdomain, network, overlap, substring, regex); the entry as
    stored; ``rank``, how specific it is (the most specific hit gives the reason)."""

    how: str
    entry: str
    rank: int
    list_id: int | None = None
    entry_id: int | None = None


@dataclass(frozen=True, slots=True)
class Found:
    """A match as ``explain`` shows it: who says so, with what effect, how and on what."""

    source: str  # "warninglist <key>" or "node entry <id>"
    effect: str  # common, note or allow
    how: str
    entry: str


@dataclass(frozen=True, slots=True)
class Verdict:
    flag: CommonFlag
    found: tuple[Found, ...]


EXACT_RANK: Final = 10_000  # a whole value beats any suffix or network


@dataclass(slots=True)
class _Probe:
    """What is looked up for one value."""

    key: Key
    host: str | None = None  # a domain, or a URL's host name
    bare: bool = True  # a URL naming only its site (no path beyond "/", no query)
    family: int = 0  # 4 or 6 for addresses and networks
    number: int = 0  # the address, or the network's first address
    prefix: int = 0  # 32/128 for an address
    matches: list[Match] = field(default_factory=list)


def _probe(kind: str, value: str) -> _Probe:
    probe = _Probe((kind, value))
    if kind == kinds.DOMAIN:
        probe.host = value.lower().rstrip(".")
    elif kind == kinds.URL:
        try:
            parts = urlsplit(value)
            name = parts.hostname
        except ValueError:
            return probe
        if name and not _is_address(name):
            probe.host = name.rstrip(".")
            probe.bare = parts.path in ("", "/") and not parts.query and not parts.fragment
    elif kind in kinds.NETWORKS:
        # Most values: a canonical dotted quad, read as ``ip_network`` reads it (a /32) at a
        # thirtieth of its ~20 µs (``inet_aton`` would also take "1.2" or "0x7f.1": the
        # pattern lets only the canonical form through).
        if DOTTED_QUAD.match(value) is not None:
            probe.family, probe.prefix = 4, 32
            probe.number = int.from_bytes(socket.inet_aton(value), "big")
            return probe
        try:
            net = ipaddress.ip_network(value, strict=False)
        except ValueError:
            return probe
        probe.family, probe.prefix = net.version, net.prefixlen
        probe.number = int(net.network_address)
    return probe


_ADDRESS_CHARACTERS = frozenset("0123456789.")


def _is_address(name: str) -> bool:
    # An IPv4 address is digits and dots only, an IPv6 one has a colon: a host name (most
    # URLs) is told apart without the two failed parses of ``ip_address``.
    if ":" not in name and not _ADDRESS_CHARACTERS.issuperset(name.strip("[]")):
        return False
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return False
    return True


def suffixes(host: str) -> list[str]:
    """``a.b.c`` -> ``a.b.c``, ``b.c``, ``c``: every name a hostname entry may hold."""
    labels = host.split(".")
    return [".".join(labels[i:]) for i in range(len(labels))]


def hex_of(number: int, family: int) -> str:
    return format(number, f"0{HEX[family]}x")


def mask(number: int, prefix: int, family: int) -> int:
    bits = WIDTH[family]
    return (number >> (bits - prefix)) << (bits - prefix) if prefix else 0


def judge(session: Session, values: Sequence[Key], *, explain: bool = True) -> dict[Key, Verdict]:
    """The verdict on each value some list or node entry matches; with ``explain``, the
    matches behind it too (``Verdict.found``; the index's flags need only ``flag``)."""
    probes = [_probe(kind, value) for kind, value in dict.fromkeys(values)]
    if not probes:
        return {}
    # The lists as the process holds them (``_common_held.py``); None: ask the database.
    held = _common_held.held(session, len(probes))
    node = _Entries.of(repo.entry_rows(session))
    _exact(session, probes, held, node)
    _hosts(session, probes, held, node)
    _networks(session, probes, held, node)
    _patterns(session, probes, held)
    if not any(p.matches for p in probes):
        return {}
    lists = held.lists if held is not None else repo.lists(session)
    entry_ids = {m.entry_id for p in probes for m in p.matches if m.entry_id is not None}
    entries = repo.entries(session, entry_ids)
    verdicts = {}
    for probe in probes:
        if probe.matches:
            verdicts[probe.key] = _decide(probe, lists, entries, explain=explain)
    return verdicts


@dataclass(frozen=True, slots=True)
class _Entries:
    """The node's entries as a batch matches them: entry ids by exact value, by host name,
    and the network entries."""

    exact: dict[Key, list[int]]
    hosts: dict[str, list[int]]
    networks: networks.Networks

    @classmethod
    def of(cls, rows: list[repo.EntryRow]) -> _Entries:
        exact: dict[Key, list[int]] = defaultdict(list)
        hosts: dict[str, list[int]] = defaultdict(list)
        for scope, kind, value, _, _, entry_id in rows:
            if scope == "exact":
                exact[(kind, value)].append(entry_id)
            elif scope == "host":
                hosts[value].append(entry_id)
        return cls(dict(exact), dict(hosts), networks.of_entries(rows))


def _exact(
    session: Session, probes: list[_Probe], held: _common_held.Held | None, node: _Entries
) -> None:
    wanted = {p.key: p for p in probes if p.key[0] not in kinds.NETWORKS}
    if not wanted:
        return
    # Only the values some list may hold are asked of the database (all, when none is held).
    pairs = list(wanted)
    for kind, value, list_id in repo.exact_rows(
        session, pairs if held is None else held.exact.candidates(pairs)
    ):
        wanted[(kind, value)].matches.append(Match("exact", value, EXACT_RANK, list_id))
    for key in node.exact.keys() & wanted.keys():
        for entry_id in node.exact[key]:
            wanted[key].matches.append(Match("exact", key[1], EXACT_RANK, None, entry_id))


def _hosts(
    session: Session, probes: list[_Probe], held: _common_held.Held | None, node: _Entries
) -> None:
    asking: dict[str, list[_Probe]] = defaultdict(list)
    for p in probes:
        if p.host:
            for name in suffixes(p.host):
                asking[name].append(p)
    if not asking:
        return
    names = list(asking)
    rows: list[tuple[str, int | None, int | None]] = [
        (name, list_id, None)
        for name, list_id in repo.host_rows(
            session, names if held is None else held.hosts.candidates(names)
        )
    ]
    rows += [
        (name, None, entry_id)
        for name in node.hosts.keys() & asking.keys()
        for entry_id in node.hosts[name]
    ]
    for name, list_id, entry_id in rows:
        for p in asking[name]:
            whole = name == p.host
            rank = EXACT_RANK - 1 if whole else name.count(".") + 1
            p.matches.append(Match("host" if whole else "subdomain", name, rank, list_id, entry_id))


def _networks(
    session: Session, probes: list[_Probe], held: _common_held.Held | None, node: _Entries
) -> None:
    members = [p for p in probes if p.family]
    if not members:
        return
    listed = (
        held.networks
        if held is not None
        else networks.asked(session, [(p.family, p.number) for p in members])
    )
    tables = (listed, node.networks)
    ranges: dict[int, list[tuple[str, str, int]]] = defaultdict(list)
    for p in members:
        width = WIDTH[p.family]
        for table in tables:
            for prefix, network in table.hits(p.family, p.number, p.prefix, width):
                shown = f"{ipaddress.ip_address(network)}/{prefix}"
                for list_id, entry_id in table.sources(p.family, prefix, network):
                    p.matches.append(Match("network", shown, prefix, list_id, entry_id))
        if p.prefix < width:
            last = p.number | ((1 << (width - p.prefix)) - 1)
            ranges[p.family].append((hex_of(p.number, p.family), hex_of(last, p.family), p.prefix))
    for family, wanted in ranges.items():
        _overlaps(session, family, [p for p in members if p.family == family], wanted)


def _overlaps(
    session: Session, family: int, members: list[_Probe], ranges: list[tuple[str, str, int]]
) -> None:
    """Listed networks inside a network value: a note each (the value is wider than what
    the list names, so it is not common for it)."""
    wide = [p for p in members if p.prefix < WIDTH[family]]
    for prefix, network, list_id, _ in repo.rows_within(session, family, ranges):
        number = int(network, 16)
        for p in wide:
            if prefix > p.prefix and mask(number, p.prefix, family) == p.number:
                shown = f"{ipaddress.ip_address(number)}/{prefix}"
                p.matches.append(Match("overlap", shown, 0, list_id, None))


def _patterns(session: Session, probes: list[_Probe], held: _common_held.Held | None) -> None:
    present = {p.key[0] for p in probes} & {kinds.EMAIL, kinds.URL, kinds.DOMAIN}
    if not present:
        return
    patterns = (
        held.patterns
        if held is not None
        else _common_held.Patterns.of(repo.pattern_rows(session, present))
    )
    for p in probes:
        kind, value = p.key
        for list_id, by_length in patterns.substrings.get(kind, ()):
            hit = _substring(value, by_length)
            if hit is not None:
                p.matches.append(Match("substring", hit, 0, list_id))
        for pattern, list_id in patterns.regexes.get(kind, ()):
            if _compiled(pattern).search(value):
                p.matches.append(Match("regex", pattern, 0, list_id))


def _substring(value: str, by_length: Mapping[int, AbstractSet[str]]) -> str | None:
    """The first listed pattern found in ``value``: each window of each listed length is
    looked up in a set, so thousands of patterns cost a few hundred lookups a value."""
    for length, patterns in by_length.items():
        for start in range(len(value) - length + 1):
            window = value[start : start + length]
            if window in patterns:
                return window
    return None


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _decide(
    probe: _Probe,
    lists: dict[int, repo.ListInfo],
    entries: dict[int, repo.EntryInfo],
    *,
    explain: bool,
) -> Verdict:
    matches = probe.matches
    if probe.host is not None and any(
        m.how == "subdomain" and m.list_id is not None and lists[m.list_id].namespace
        for m in matches
    ):
        # Under a zone that hands out names: only an entry for the host itself counts.
        matches = [
            m
            for m in matches
            if not (m.how == "subdomain" and m.list_id is not None and _effect(m, lists) == COMMON)
        ]
    found = tuple(_found(m, probe, lists, entries) for m in matches) if explain else ()
    node = [m for m in matches if m.entry_id is not None]
    listed = sorted(
        (m for m in matches if m.list_id is not None),
        key=lambda m: (-m.rank, lists[m.list_id].key if m.list_id is not None else ""),
    )
    common = [m for m in listed if _list_effect(m, probe, lists) == COMMON]
    notes = _dedupe(_note(m, probe, lists) for m in listed if m not in common)
    if node:
        top = max(node, key=lambda m: (m.rank, entries[m.entry_id or 0].effect == ALLOW))
        entry = entries[top.entry_id or 0]
        if entry.effect == ALLOW:
            kept = [f"not common on this node: {entry.label}"]
            kept += _dedupe(f"listed: {lists[m.list_id or 0].label}" for m in common)
            return Verdict(CommonFlag(False, None, tuple(kept + notes)), found)
        also = _dedupe(f"also: {lists[m.list_id or 0].label}" for m in common)
        return Verdict(CommonFlag(True, clip(entry.label), tuple(also + notes)), found)
    if common:
        reason = lists[common[0].list_id or 0].label
        also = _dedupe(f"also: {lists[m.list_id or 0].label}" for m in common[1:])
        also = [a for a in also if a != f"also: {reason}"]
        return Verdict(CommonFlag(True, clip(reason), tuple(also + notes)), found)
    return Verdict(CommonFlag(False, None, tuple(notes)), found)


def _effect(m: Match, lists: dict[int, repo.ListInfo]) -> str:
    return lists[m.list_id].effect if m.list_id is not None else COMMON


def _list_effect(m: Match, probe: _Probe, lists: dict[int, repo.ListInfo]) -> str:
    """A list's hit as it counts for this value: an overlap, or a listed host under a URL
    with a path, is a note whatever the list."""
    if m.how == "overlap" or (probe.key[0] == kinds.URL and not probe.bare and m.how != "exact"):
        return NOTE
    return _effect(m, lists)


def _note(m: Match, probe: _Probe, lists: dict[int, repo.ListInfo]) -> str:
    label = lists[m.list_id or 0].label
    if m.how == "overlap":
        return f"holds listed addresses ({m.entry}): {label}"
    if probe.key[0] == kinds.URL and _effect(m, lists) == COMMON:
        return f"on a listed host ({m.entry}): {label}"
    return label


def _found(
    m: Match, probe: _Probe, lists: dict[int, repo.ListInfo], entries: dict[int, repo.EntryInfo]
) -> Found:
    if m.entry_id is not None:
        entry = entries[m.entry_id]
        return Found(f"node entry {entry.id}", entry.effect, m.how, m.entry)
    info = lists[m.list_id or 0]
    return Found(f"warninglist {info.key}", _list_effect(m, probe, lists), m.how, m.entry)


def _dedupe(texts: object) -> list[str]:
    return list(dict.fromkeys(texts))  # type: ignore[call-overload]
