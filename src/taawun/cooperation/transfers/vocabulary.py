"""The fixed words of transfers: kinds, party kinds, statuses, SIPRI's weapon categories.

Categories are SIPRI's (Arms Transfers Database, "Sources and methods": aircraft, air
defence systems, anti-submarine warfare weapons, armoured vehicles, artillery, engines,
missiles, naval weapons, satellites, sensors, ships, other). The registers' CSV exports
carry SIPRI's free-text weapon description ("transport helicopter", "SAM system") but not
its category code, so ``category_of`` derives the category from the description by the
ordered rules of ``_RULES`` (the first rule whose words occur wins: "submarine sonar" is a
sensor, "aircraft carrier" a ship, "SAM system" an air defence system while the missile
itself, "SAM", is a missile); a description no rule knows is ``other``. A test runs it over
every description of the four registers.
"""

from __future__ import annotations

import re
from typing import Final

KINDS: Final = ("aggregate", "deal", "live")
"""``aggregate``: a row of SIPRI's TIV table (one supplier, recipient and year); ``deal``: a
row of a SIPRI trade register; ``live``: recorded on the node."""

PARTY_KINDS: Final = ("state", "organization", "armed_group", "entity", "unknown")
"""How the record names a supplier or recipient: a registry state; an organization (SIPRI
marks them ``**``: NATO**, United Nations**); a non-state armed group (``*``: PKK
(Turkey)*); an entity that is no state of the registry (Northern Cyprus, Katanga, Aruba);
an unknown party (SIPRI's "unknown supplier(s)")."""

STATUSES: Final = ("proposed", "approved", "refused", "delivered")
"""A live transfer's life: proposed by one side, approved or refused by the other, delivered
(recorded by the supplier) once approved. The record's rows have no status."""

COVERING_DOMAINS: Final = ("technology_exchange", "military_aid")
"""An agreement covering either covers a transfer between its parties."""

ALLIANCE_DOMAINS: Final = (
    "mutual_defense",
    "offense",
    "neutrality",
    "non_aggression",
    "consultation",
)
"""ATOP's obligations: two states bound by any of them in a year were allied that year."""

CATEGORIES: Final = (
    "aircraft",
    "air_defence",
    "asw_weapons",
    "armoured_vehicles",
    "artillery",
    "engines",
    "missiles",
    "naval_weapons",
    "satellites",
    "sensors",
    "ships",
    "other",
)

_RULES: Final[tuple[tuple[str, str], ...]] = (
    ("satellites", r"satellite"),
    ("other", r"turret|chassis|nuclear reactor|air refuel"),
    ("engines", r"engine|turbofan|turbojet|turboprop|turboshaft|gas turbine"),
    ("missiles", r"anti-radar missile"),
    ("sensors", r"radar|sonar|eo system|recce system|sigint system|search system|aerostat"),
    ("ships", r"aircraft carrier"),
    ("air_defence", r"sam system|abm system|ad system|aa gun|spaag|ciws|coastal defence"),
    ("asw_weapons", r"asw (mortar|mrl|rocket launcher)"),
    (
        "missiles",
        r"missile|\bsam\b|\bssm\b|\basm\b|\babm\b|bvraam|sraam|\barm\b|slbm|torpedo|guided",
    ),
    ("aircraft", r"aircraft|\bac\b|helicopter|\bheli\b|uav|airship|bomber"),
    (
        "armoured_vehicles",
        r"\bapc\b|\bifv\b|\bapv\b|\btank\b|armoured|\bafsv\b|\baev\b|\barv\b|\balv\b|\bamv\b"
        r"|\babl\b|\baals\b|reconnaissance av|bridgelayer",
    ),
    ("naval_weapons", r"naval gun"),
    (
        "ships",
        r"submarine|frigate|corvette|destroyer|cruiser|ship|craft|minehunter|minelayer"
        r"|minesweeper|gunboat|\bfac\b|\bopv\b|\btug\b|tanker",
    ),
    ("artillery", r"\bgun\b|mortar|\bmrl\b|howitzer"),
)
_COMPILED: Final = tuple((category, re.compile(words)) for category, words in _RULES)


def category_of(description: str | None) -> str | None:
    """SIPRI's category for a weapon description (see the module); None without one."""
    if not description or not description.strip():
        return None
    text = description.strip().lower()
    for category, words in _COMPILED:
        if words.search(text):
            return category
    return "other"
