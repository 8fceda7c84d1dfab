"""Titles for ATOP alliances, and their link to a COW IGO organization.

ATOP 5.1 has no treaty names, and taawun never invents one. A treaty's name comes
from ``curated/atop_treaty_names.csv`` (``atopid``, ``title``, ``begins``, ``source``),
each row with its public source: "Treaty of Amity and Cooperation in Southeast Asia".
``begins`` must equal the alliance's begin date in ``atop5_1a.csv``
(``begyr``/``begmo``/``begday``), so a row cannot name the wrong alliance.

Every other title is derived from the data: the members' COW names (``statenme``),
the obligations coded in ``atop5_1a.csv`` (``defense``, ``offense``, ``neutral``,
``nonagg``, ``consul``) and ``begyr``: "Pakistan–Saudi Arabia non-aggression pact, 1951".

An alliance is linked to an organization when its members over all phases
(``atop5_1m.csv`` ``member``) and the organization's full members at any time
(COW IGO v3 spells, ``status`` 1) have a Jaccard similarity of at least 0.7,
the alliance has at least three members, and it begins no earlier than the
year before the organization's founding (``sdate``). A derived title then
names the organization: "Shanghai Cooperation Organisation — non-aggression and
consultation pact, 1996".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from taawun.registry.importers import sources as src
from taawun.registry.importers._csv import Row, Table, read_table
from taawun.registry.vocabulary import OBLIGATION_WORDS

MIN_JACCARD = 0.7
MIN_MEMBERS = 3
MAX_LISTED = 4


@dataclass(frozen=True, slots=True)
class TreatyName:
    """A curated name of an ATOP alliance; ``row`` places an error in the curated file."""

    title: str
    begins: date
    source: str
    row: Row


def treaty_names(data_dir: Path) -> tuple[Table, dict[int, TreatyName]]:
    """The curated treaty names by ``atopid`` (checked against ATOP in ``atop.parse``)."""
    table = read_table(data_dir, src.ATOP_NAMES_FILE, ["atopid", "title", "begins", "source"])
    found: dict[int, TreatyName] = {}
    for row in table.rows:
        atopid = row.int("atopid")
        if atopid in found:
            raise row.error(f"column 'atopid': {atopid} appears twice")
        title, source = row.text("title"), row.text("source")
        if not title or not source or len(title) > 400:  # Agreement.title is String(400)
            raise row.error("columns 'title' (at most 400 characters) and 'source' are required")
        found[atopid] = TreatyName(title, row.iso_date("begins"), source, row)
    return table, found


@dataclass(frozen=True, slots=True)
class OrgCandidate:
    key: str
    name: str
    founded_year: int | None
    full_members: frozenset[int]


def _and(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def kind_words(obligations: Mapping[str, int | None]) -> str:
    """'non-aggression and consultation pact' from ATOP's obligation dummies."""
    words = [w for var, w in OBLIGATION_WORDS.items() if obligations.get(var) == 1]
    return f"{_and(words)} pact" if words else "pact"


def member_phrase(names: Iterable[str]) -> str:
    """'Pakistan–Turkey'; 'A, B and C'; 'A, B, C, D and 3 others' (names sorted)."""
    ordered = sorted(set(names))
    if len(ordered) == 2:
        return "–".join(ordered)
    if len(ordered) <= MAX_LISTED:
        return _and(ordered)
    rest = len(ordered) - MAX_LISTED
    return ", ".join(ordered[:MAX_LISTED]) + f" and {rest} other" + ("s" if rest > 1 else "")


def title(
    names: Iterable[str], obligations: Mapping[str, int | None], year: int, org_name: str | None
) -> str:
    kinds = kind_words(obligations)
    if org_name:
        return f"{org_name} — {kinds}, {year}"
    return f"{member_phrase(names)} {kinds}, {year}"


def jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def link(
    members: frozenset[int], begin_year: int, organizations: Iterable[OrgCandidate]
) -> tuple[OrgCandidate, float] | None:
    """The organization this alliance belongs to, if one fits (see module docstring)."""
    if len(members) < MIN_MEMBERS:
        return None
    best: tuple[float, int, OrgCandidate] | None = None
    for org in organizations:
        if org.founded_year is not None and begin_year < org.founded_year - 1:
            continue
        score = jaccard(members, org.full_members)
        if score < MIN_JACCARD:
            continue
        distance = abs(begin_year - (org.founded_year or begin_year))
        if best is None or (score, -distance) > (best[0], -best[1]):
            best = (score, distance, org)
    return None if best is None else (best[2], best[0])
