"""The registry's fixed vocabularies and the labels of ATOP 5.1 provision codes.

Domains and statuses are those of docs/architecture.md. The code labels are taken
from the ATOP 5.1 codebook (Leeds 2022, section 2.34 "Institutionalization of
the Alliance" and the obligation and threat variables before it); each table
names the codebook variable it decodes. A value the codebook leaves "missing"
(an empty cell: the original agreement was not located) decodes to ``None``.
"""

from __future__ import annotations

from typing import Final

DOMAINS: Final = (
    "mutual_defense",
    "offense",
    "neutrality",
    "non_aggression",
    "consultation",
    "intelligence_sharing",
    "training",
    "joint_exercises",
    "combined_operations",
    "technology_exchange",
    "military_aid",
)
"""What an agreement covers: ATOP's five obligations, then the seed's forms of cooperation."""

AGREEMENT_STATUSES: Final = (
    "proposed",
    "in_force",
    "suspended",
    "terminated",
    "expired",
    "declined",
    "withdrawn",
)
"""``declined`` and ``withdrawn``: a proposed agreement that never entered into force (a party
declined it, or its proposer withdrew it)."""

NEVER_IN_FORCE: Final = ("proposed", "declined", "withdrawn")
"""The statuses of an agreement that has not entered into force (and may never)."""

PROPOSAL_KINDS: Final = ("record", "amend", "resume")
USER_SOURCE: Final = "taawun"
"""The source of an agreement recorded on the node; any other is the imported record."""
PROPOSAL_STATUSES: Final = ("open", "accepted", "declined", "withdrawn")

COW_IGO_STATUSES: Final = ("full", "associate", "observer")
"""COW IGO v3 membership codes 1, 2 and 3 (IGO codebook v3)."""

MEMBERSHIP_STATUSES: Final = (*COW_IGO_STATUSES, "suspended")
"""COW IGO's statuses, and ``suspended``: a member whose participation the organization has
suspended (Syria in the Arab League, 2011-2023). COW IGO does not code suspensions; they
come from the curated memberships, each with its source."""

# --- ATOP 5.1 provision codes (codebook, alliance-level variables) --------------------

MILCON: Final[dict[int, str]] = {
    0: "no provision for military contact",
    1: "official contact among the armed services only in the event of hostilities",
    2: "official contact among the armed services in peacetime as well",
    3: "common defense policy (common doctrine, coordinated training and procurement, "
    "joint planning)",
}
"""MILCON: contact among military planners/armed services for coordination."""

MILAID: Final[dict[int, str]] = {
    0: "no provision for military aid",
    1: "general or unspecified military assistance",
    2: "grants or loans",
    3: "military training and/or provision or transfer of technology",
    4: "grants and/or loans, and training and/or technology",
}
"""MILAID: provisions for members to provide other members with military aid."""

INTCOM: Final[dict[int, str]] = {
    0: "no integrated command",
    1: "integrated command in peacetime and wartime",
}
"""INTCOM: an integrated command among the allies (must exist in peace and war)."""

SUBORD: Final[dict[int, str]] = {
    0: "no subordination of forces",
    1: "forces subordinated to a specified state's command during conflict",
    2: "forces subordinated during conflict; the commanding state depends on conditions",
}
"""SUBORD: forces of one party subordinated to another party's during conflict."""

ORGAN: Final[dict[int, str]] = {
    0: "no organization created",
    1: "regular meetings of government officials to manage the agreement",
    2: "named organization with regularly scheduled meetings",
    3: "stand-alone organization with a permanent bureaucracy",
}
"""ORGAN1 / ORGAN2: organizations the agreement creates (or is formed as part of)."""

ORGPURP: Final[dict[int, str]] = {
    0: "no organization",
    1: "military cooperation/coordination",
    2: "economic cooperation",
    3: "political consultation",
    4: "military, economic and other political functions",
    5: "resolving disputes among the members",
}
"""ORGPURP1 / ORGPURP2: the mandate of the organization coded in ORGAN1 / ORGAN2."""

BASE: Final[dict[int, str]] = {
    0: "no provision for troop placements",
    1: "joint troop placements on neutral territory",
    2: "reciprocal stationing of troops or use of military facilities",
    3: "non-reciprocal stationing of troops on another member's territory",
}
"""BASE: joint troop placements or stationing of troops on another member's territory."""

CONTRIB: Final[dict[int, str]] = {
    0: "contributions not specified",
    1: "contributions in troops, supplies or funds (or division of costs) specified",
}
"""CONTRIB: details of each ally's contributions."""

SPECTHRT: Final[dict[int, str]] = {
    0: "no specific threat mentioned",
    1: "specific state(s)",
    2: "specific region",
    3: "specific state(s) acting in specific region",
    4: "specific ongoing conflict",
    5: "conflict with domestic groups/nonstate actors",
    6: "other alliance",
}
"""SPECTHRT: a specific threat the alliance is designed to counter (STATTHR1/2 name states)."""

ARMRED: Final[dict[int, str]] = {
    0: "no obligation on arms",
    1: "limits on arms or rules of warfare",
    2: "coordinated increase in arms",
}
"""ARMRED: obligations to limit or increase arms."""

TERM: Final[dict[int, str]] = {
    0: "censored (in effect on 31 December 2018, or a member lost independence)",
    1: "fulfillment",
    2: "violation",
    3: "renegotiation",
}
"""TERM: how the alliance ended."""

OBLIGATION_WORDS: Final[dict[str, str]] = {
    "defense": "defence",
    "offense": "offence",
    "neutral": "neutrality",
    "nonagg": "non-aggression",
    "consul": "consultation",
}
"""Words for ATOP's obligation variables (DEFENSE ... CONSUL), used in derived titles."""


def label(table: dict[int, str], value: int | None) -> str | None:
    """The codebook label of ``value`` in ``table``; ``None`` when missing or not listed."""
    if value is None:
        return None
    return table.get(value)
