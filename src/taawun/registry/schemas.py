"""Registry schemas: what services take in (``XCreate``/``XUpdate``) and give out (``XRead``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from taawun.core.errors import InvalidInput
from taawun.core.principal import Clearance
from taawun.registry.vocabulary import AGREEMENT_STATUSES, DOMAINS, MEMBERSHIP_STATUSES

T = TypeVar("T")


class _Read(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)


class StateRef(_Read):
    id: int
    name: str
    iso3: str | None
    cow_code: int | None


class StateSpellRead(_Read):
    start: date
    end: date | None


class StateRead(StateRef):
    iso2: str | None
    cow_abbr: str | None
    source: str
    note: str | None = None
    spells: list[StateSpellRead] = []


class OrganizationNameRead(_Read):
    """A name the organization bore, from ``valid_from`` to ``valid_to`` (both days in use)."""

    name: str
    valid_from: date
    valid_to: date | None
    source: str


class OrganizationRead(_Read):
    """``name`` is the current name (held since ``name_since`` when a source dates it);
    ``former_names`` the earlier ones, oldest first. A lookup answers to any of them."""

    id: int
    key: str
    name: str
    long_name: str | None
    founded_year: int | None
    dissolved_year: int | None
    observed_through: int | None
    source: str
    name_since: date | None = None
    former_names: list[OrganizationNameRead] = []


class Coverage(_Read):
    """How far a source observes, and whether this answer carries its facts forward."""

    source: str
    observed_through: date
    carried_forward: bool
    note: str


class MembershipRead(_Read):
    """A membership spell by year; ``from_date``/``to_date`` are its first and last day when
    the source gives them (a suspension), and then decide questions asked about a date."""

    id: int
    organization: str
    state: StateRef
    status: str
    from_year: int
    to_year: int | None
    from_date: date | None = None
    to_date: date | None = None
    observed_through: int | None
    source: str
    carried_forward: bool = False


class OrganizationMembers(_Read):
    organization: OrganizationRead
    when: str
    members: list[MembershipRead]
    coverage: list[Coverage]


class DomainRead(_Read):
    domain: str
    terms: dict[str, Any]


class PartyRead(_Read):
    state: StateRef
    phase: int
    entered: date | None
    exited: date | None


class AgreementSummary(_Read):
    id: int
    title: str
    source: str
    source_id: str
    signed: date | None
    in_force: date | None
    ended: date | None
    status: str
    confidential: bool
    organization: str | None
    domains: list[str]
    parties: list[str]


class AgreementRead(AgreementSummary):
    """``parent``: the agreement this one implements (an implementing arrangement), and
    ``arrangements`` those implementing this one, each shown only to whom may see it.
    ``suspended_by``: while suspended, the party state (ISO3) that suspended it, or ``node``
    (its admin or operator)."""

    status_since: date | None
    sharing_ceiling: str | None
    observed_through: date | None
    citation: str | None
    terms: dict[str, Any]
    domain_terms: list[DomainRead]
    party_spells: list[PartyRead]
    phases: list[dict[str, Any]]
    parent: int | None = None
    arrangements: list[int] = []
    suspended_by: str | None = None


class ProposalPartyRead(_Read):
    """A state's part in a proposal: whether its acceptance is needed, and its decision."""

    state: StateRef
    required: bool
    decision: str | None
    decided_by: int | None
    decided_at: datetime | None


class ProposalRead(_Read):
    """A step waiting for (or taken with, or refused) the consent of the parties.

    ``kind``: ``record`` (the agreement enters into force), ``amend`` (``changes`` replace
    ``before``, the values as they were when proposed) or ``resume`` (a suspension ends).
    ``awaiting``: the states (ISO3) whose acceptance is still needed while it is open."""

    id: str
    kind: str
    status: str
    agreement_id: int
    agreement_title: str
    changes: dict[str, Any]
    before: dict[str, Any]
    proposer_state: StateRef
    proposer_user_id: int | None
    proposer_agency_id: int | None
    parties: list[ProposalPartyRead]
    awaiting: list[str]
    created_at: datetime
    decided_at: datetime | None


class AgreementOutcome(_Read):
    """What a change did: the agreement as it now is, and the proposal the change became
    (or that took it) when it needed the consent of the parties."""

    agreement: AgreementRead
    proposal: ProposalRead | None = None


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
    coverage: list[Coverage] = []


def _parse_ceiling(value: object) -> object:
    if not isinstance(value, str | int):
        return value
    try:
        return Clearance.parse(value)
    except InvalidInput as exc:
        raise ValueError(exc.message) from None


def _check_domains(values: list[str]) -> list[str]:
    unknown = [v for v in values if v not in DOMAINS]
    if unknown:
        raise ValueError(f"unknown domain {unknown[0]!r}; expected one of {', '.join(DOMAINS)}")
    return sorted(set(values))


class AgreementCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=3, max_length=400)
    parties: list[str] = Field(min_length=2, description="states, by ISO3/ISO2/COW code/name")
    domains: list[str] = Field(min_length=1)
    signed: date | None = None
    in_force: date | None = None
    status: str | None = None
    confidential: bool = False
    sharing_ceiling: Clearance | None = None
    organization: str | None = None
    terms: dict[str, Any] = {}
    citation: str | None = None
    parent: str | None = Field(
        default=None,
        description="for an implementing arrangement: the agreement it implements, by id or "
        "source reference (ATOP 4965); its parties must be parties of that one",
    )

    @field_validator("domains")
    @classmethod
    def _domains(cls, value: list[str]) -> list[str]:
        return _check_domains(value)

    @field_validator("sharing_ceiling", mode="before")
    @classmethod
    def _ceiling(cls, value: object) -> object:
        return _parse_ceiling(value)

    @field_validator("status")
    @classmethod
    def _status(cls, value: str | None) -> str | None:
        if value is not None and value not in AGREEMENT_STATUSES:
            raise ValueError(
                f"unknown status {value!r}; expected one of {', '.join(AGREEMENT_STATUSES)}"
            )
        return value


class AgreementUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=3, max_length=400)
    domains: list[str] | None = Field(default=None, min_length=1)
    signed: date | None = None
    in_force: date | None = None
    ended: date | None = None
    confidential: bool | None = None
    sharing_ceiling: Clearance | None = None
    terms: dict[str, Any] | None = None
    citation: str | None = None
    add_parties: list[str] | None = Field(
        default=None, min_length=1, description="states to add as parties (ISO3, name, ...)"
    )

    @field_validator("domains")
    @classmethod
    def _domains(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _check_domains(value)

    @field_validator("sharing_ceiling", mode="before")
    @classmethod
    def _ceiling(cls, value: object) -> object:
        return _parse_ceiling(value)


class MembershipCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organization: str
    state: str
    status: str = "full"
    from_year: int = Field(ge=1800, le=2200)
    to_year: int | None = Field(default=None, ge=1800, le=2200)
    source: str = "recorded on this node"

    @field_validator("status")
    @classmethod
    def _status(cls, value: str) -> str:
        if value not in MEMBERSHIP_STATUSES:
            known = ", ".join(MEMBERSHIP_STATUSES)
            raise ValueError(f"unknown membership status {value!r}; expected one of {known}")
        return value


class MembershipUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: str | None = None
    to_year: int | None = Field(default=None, ge=1800, le=2200)


class PartnerRead(_Read):
    state: StateRef
    domains: list[str]
    agreements: list[int]


class Partners(_Read):
    state: StateRef
    when: str
    partners: list[PartnerRead]
    coverage: list[Coverage]


class DyadEntry(_Read):
    agreement: AgreementSummary
    joined_from: date | None
    joined_to: date | None


class DyadTimeline(_Read):
    a: StateRef
    b: StateRef
    entries: list[DyadEntry]
    coverage: list[Coverage]


class StateProfile(_Read):
    state: StateRead
    when: str
    memberships: list[MembershipRead]
    agreements: list[AgreementSummary]
    partners_by_domain: dict[str, list[StateRef]]
    coverage: list[Coverage]
