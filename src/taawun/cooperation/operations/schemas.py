"""Combined operations: what the use cases take in (``OperationCreate``, ...) and give out
(``OperationRead``, ``OperationSummary``, the Geo-PKO questions' answers)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from taawun.intel.schemas import IntelSummary
from taawun.registry.schemas import StateRef

STATUSES = ("proposed", "active", "concluded", "cancelled", "recorded")
"""``proposed → active → concluded | cancelled`` for a live operation; ``recorded`` for one
of the historical record."""
LIVE_SOURCE = "taawun"
GEOPKO_SOURCE = "Geo-PKO"
MAX_STIX_IDS = 100
"""Linked objects per request: a link is a reference, not a way to ship a store."""


def _optional_text(value: object) -> object:
    """Optional text arrives with its spaces collapsed; an empty one is no value."""
    if isinstance(value, str):
        return " ".join(value.split()) or None
    return value


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TaskCreate(_In):
    """A task or phase: its title, its dates, and the state carrying it out (a state that
    joined the operation; none: the operation as a whole). Dates are checked by the use
    case, which names the field."""

    title: str = Field(min_length=1, max_length=200)
    state: str | None = None
    starts: date | None = None
    ends: date | None = None

    @field_validator("state", mode="before")
    @classmethod
    def _clean(cls, value: object) -> object:
        return _optional_text(value)


class OperationCreate(_In):
    """An operation a party state proposes under ``agreement`` (id or reference such as
    ``ATOP 4965``), which must be in force and cover ``combined_operations``.

    The threat: a name (``threat``, free text) and/or a shared-threat value (``threat_kind``
    and ``threat_value``, e.g. ``ipv4-addr`` and ``203.0.113.7``, or ``intrusion-set`` and
    ``APT28``), kept as text. ``lead``: the state leading it (default the proposer's); it
    must be a party, and if it is not the proposer's state it must join before the
    operation can be activated. ``intel``: STIX ids to link, each one the proposer may read.
    What needs more than one field (a threat given, dates in order) the use case checks.
    """

    name: str = Field(min_length=1, max_length=200)
    agreement: str = Field(min_length=1, max_length=100)
    threat: str | None = Field(default=None, max_length=200)
    threat_kind: str | None = Field(default=None, max_length=40)
    threat_value: str | None = Field(default=None, max_length=2000)
    lead: str | None = Field(default=None, max_length=120)
    description: str | None = Field(default=None, max_length=20_000)
    area: str | None = Field(default=None, max_length=2000)
    starts: date | None = None
    ends: date | None = None
    intel: list[str] = Field(default=[], max_length=MAX_STIX_IDS)
    tasks: list[TaskCreate] = Field(default=[], max_length=100)

    @field_validator("threat", "threat_kind", "threat_value", "lead", "area", mode="before")
    @classmethod
    def _clean(cls, value: object) -> object:
        return _optional_text(value)

    @field_validator("agreement", mode="before")
    @classmethod
    def _reference(cls, value: object) -> object:
        """An agreement's id may come as a number (``"agreement": 42``)."""
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class ThreatRef(BaseModel):
    """What an operation is against: a name and/or a shared-threat value with its kind (text,
    to be linked to the shared-threat index)."""

    model_config = ConfigDict(frozen=True)

    name: str | None
    kind: str | None
    value: str | None


class ParticipantRead(BaseModel):
    """A party state's answer to a live operation."""

    state: StateRef
    response: str
    lead: bool
    decided_at: datetime


class TaskRead(BaseModel):
    id: int
    title: str
    state: StateRef | None
    starts: date | None
    ends: date | None
    added_by: StateRef
    created_at: datetime


class ContributorRead(BaseModel):
    """A state's contributions to an operation of the record over the years it appears:
    ``records`` (source rows), ``troops_peak`` (the largest number of its troops drawn on
    one map in any year; see ``OperationDeployment``)."""

    state: StateRef
    first_year: int
    last_year: int
    years: int
    records: int
    troops_peak: int | None


class OperationSummary(BaseModel):
    id: int
    name: str
    source: str
    source_id: str
    historical: bool
    status: str
    agreement_id: int | None
    lead: str | None
    threat: str | None
    starts: date | None
    ends: date | None
    states: list[str] = Field(
        description="ISO3 of the states that joined (live) or contributed (record)"
    )


class OperationRead(BaseModel):
    """One operation as the reader may see it. ``intel`` lists only the linked objects the
    reader may read now (the release policy decides, for each reader); ``awaiting``: the
    current party states that have not answered a live operation still open to them."""

    id: int
    name: str
    source: str
    source_id: str
    historical: bool
    public: bool
    status: str
    status_since: datetime
    status_reason: str | None
    agreement_id: int | None
    agreement_title: str | None
    lead: StateRef | None
    proposer: StateRef | None
    proposer_user_id: int | None
    proposer_agency_id: int | None
    threat: ThreatRef | None
    description: str | None
    area: str | None
    starts: date | None
    ends: date | None
    after_action: str | None
    participants: list[ParticipantRead]
    awaiting: list[str]
    tasks: list[TaskRead]
    intel: list[IntelSummary]
    contributors: list[ContributorRead]
    observed_through: date | None
    source_rows: int | None
    created_at: datetime
    updated_at: datetime


class OperationPage(BaseModel):
    items: list[OperationSummary]
    total: int
    limit: int
    offset: int


class AlongsidePartner(BaseModel):
    """A state that served in the same missions in the same years as the asked-about state:
    ``mission_years`` counts (mission, year) pairs shared."""

    state: StateRef
    mission_years: int
    missions: list[str]
    first_year: int
    last_year: int


class Alongside(BaseModel):
    """Who served alongside ``state`` in the historical record (Geo-PKO), most often first."""

    state: StateRef
    missions: int
    partners: list[AlongsidePartner]
    note: str


class CoDeployment(BaseModel):
    """One mission and year in which both states of a dyad contributed."""

    operation_id: int
    mission: str
    year: int
    a_records: int
    b_records: int
    a_troops_peak: int | None
    b_troops_peak: int | None


class DyadDeployments(BaseModel):
    a: StateRef
    b: StateRef
    entries: list[CoDeployment]
    note: str


class Conclusion(_In):
    """What concluding takes: the after-action summary (required)."""

    after_action: str = Field(min_length=1, max_length=20_000)


class Cancellation(_In):
    reason: str | None = Field(default=None, max_length=2000)


class IntelLinks(_In):
    """STIX ids to link to an operation: each one the linking user may read."""

    intel: list[str] = Field(min_length=1, max_length=MAX_STIX_IDS)
