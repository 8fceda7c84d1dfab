"""Intel schemas: what share, list, show and export take in and give out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ShareDefaults(BaseModel):
    """Markings applied to every object of a submission that carries none of its own."""

    model_config = ConfigDict(extra="forbid")

    release_to: list[str] = Field(default=[], description="agreements: id, 'ATOP 4965', ...")
    tlp: str = "amber"
    classification: str = "UNCLASSIFIED"
    recipients: list[str] = Field(default=[], description="TLP:RED recipient agencies (id or name)")
    release_to_all: bool = Field(default=False, description="TLP:CLEAR only: everyone on the node")


class ShareRequest(ShareDefaults):
    objects: list[dict[str, Any]]


class ObjectOutcome(BaseModel):
    """One object of a submission: stored (or already there), or refused with reasons."""

    index: int
    id: str | None
    version: str | None
    ok: bool
    reasons: list[str] = Field(default_factory=list)  # a fresh list, not a deep copy of one
    duplicate: bool = False


class ShareReport(BaseModel):
    total: int
    stored: int
    duplicates: int
    failed: int
    outcomes: list[ObjectOutcome]
    date_added_first: str | None = None
    date_added_last: str | None = None


class IntelSummary(BaseModel):
    id: str
    type: str
    version: str
    date_added: str
    owner_agency_id: int
    tlp: str
    classification: str
    label: str
    revoked: bool


class IntelPage(BaseModel):
    items: list[IntelSummary]
    total: int = Field(
        description="how many objects match; at most the count cap unless an exact count "
        "was asked for (see total_capped)"
    )
    total_capped: bool = Field(
        default=False, description="true when there are more than `total` (the count cap)"
    )
    limit: int
    next: str | None


class IntelSearchPage(IntelPage):
    """A page of a text search that read only the newest objects (the web UI's feed:
    ``service.list_intel``'s ``search_depth``)."""

    searched_to: str | None = Field(
        default=None,
        description="the date_added the search stopped at, older objects unsearched (next "
        "goes on from there); none when it read every object",
    )


class IntelReferrer(IntelSummary):
    """An object whose current version refers to another one by ``property``
    (``object_refs``, ``target_ref``...); a relationship also gives its type and its other
    end."""

    property: str
    relationship_type: str | None = None
    other_ref: str | None = Field(default=None, description="a relationship's other end")


class ReferrerPage(BaseModel):
    """Objects referring to one, the most recently stored first; ``more`` when there are
    more than the page (of those the reader may read: nothing counts the others)."""

    items: list[IntelReferrer]
    more: bool


class IntelRead(IntelSummary):
    """One object version with its markings banner; release details only for its owner."""

    banner: str
    released_under: list[int] = Field(
        description="agreements that let you read it (or all, if yours)"
    )
    recipients: list[int] = []
    versions: int
    object: dict[str, Any]


class ReleaseChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    release_to: list[str]


class ReleaseRead(BaseModel):
    id: str
    version: str
    release_to: list[int]
    changed_at: datetime
