"""What the shared-threat questions answer (Pydantic, out only).

Every count here (objects, states, first and last seen) is of intel the reader may read,
and nothing else; "seen" is when the version carrying the value was shared on this node
(its TAXII ``date_added``). Reference knowledge (``ReferenceActor``) is labelled as such:
it comes from a public galaxy, not from anyone's intel.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict


class _Read(BaseModel):
    model_config = ConfigDict(frozen=True)


class StateSeen(_Read):
    """One state's readable evidence of a value."""

    state: str  # ISO3 (the name when it has none)
    state_id: int
    objects: int
    first_seen: datetime
    last_seen: datetime


class SharedThreat(_Read):
    kind: str
    value: str
    states: int  # how many of the states asked about the reader saw it in (readable) intel
    objects: int
    first_seen: datetime
    last_seen: datetime
    seen_by: list[StateSeen]


class ReferenceActor(_Read):
    """A threat actor that public reference data says targets two or more of the states
    asked about: the MISP threat-actor galaxy, its CFR Cyber Operations Tracker suspected
    victims. Reference knowledge, not shared intel."""

    name: str
    uuid: str
    synonyms: list[str]
    suspected_sponsor: str | None
    victims: list[str]  # ISO3 of the states asked about among its suspected victims
    shared: bool  # also a shared threat in the answer (by name or alias)


class Reference(_Read):
    source: str
    note: str
    actors: list[ReferenceActor]
    unresolved: list[str] = []  # suspected-victim names not resolved to a state


class SharedThreatPage(_Read):
    """Shared threats of one question, best first: by how many states saw each, then by how
    recently. ``total`` is how many the question has; ``notes`` say what was counted."""

    question: str  # "agreement", "dyad" or "mine"
    agreement_id: int | None = None
    agreement: str | None = None  # its title
    states: list[str]  # the states asked about (ISO3); for "mine", mine first
    since: date | None = None
    items: list[SharedThreat]
    total: int
    limit: int
    offset: int
    notes: list[str] = []
    reference: Reference | None = None


class Sighting(_Read):
    """A readable object version that holds the value."""

    id: str
    type: str
    version: str
    date_added: datetime
    owner_agency_id: int
    state: str
    classification: str
    label: str


class ValueSeen(_Read):
    """Where one value was seen, in what the reader may read. ``common`` values are shown,
    flagged with the reason, though they never count as shared threats."""

    kind: str
    value: str
    common: bool
    common_reason: str | None
    note: str | None
    states: int
    objects: int
    seen_by: list[StateSeen]
    sightings: list[Sighting]
    sightings_capped: bool


class SeenRead(_Read):
    query: str
    values: list[ValueSeen]


class IndexStatus(_Read):
    values: int
    occurrences: int
    indexed: int = 0  # object versions indexed by a reindex run
