"""Exercise schemas: what the services take in (``ExerciseCreate``/``ExerciseUpdate``) and
give out (``ExerciseRead``, ``ExerciseSummary``, ``ExercisePage``, ``ExercisePartner``).

Dates go in as text of the precision known (``2026-05-14``, ``2026-05``, ``2026``) and come
out the same way, with the first day and the precision beside them for scripts.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from taawun.cooperation.exercises.vocabulary import DOMAINS, ROLES


def _check_domains(value: list[str]) -> list[str]:
    for d in value:
        if d not in DOMAINS:
            raise ValueError(f"unknown domain {d!r}; expected one of {', '.join(DOMAINS)}")
    if len(set(value)) != len(value):
        raise ValueError("a domain is named twice")
    return value


class ParticipantIn(BaseModel):
    """A state (ISO3, ISO2, COW code or name) or an organization (OIC, NATO...), and its role."""

    model_config = ConfigDict(extra="forbid")

    state: str | None = Field(default=None, min_length=1, max_length=120)
    organization: str | None = Field(default=None, min_length=1, max_length=120)
    role: str = "participant"

    @field_validator("role")
    @classmethod
    def _role(cls, value: str) -> str:
        if value not in ROLES:
            raise ValueError(f"unknown role {value!r}; expected one of {', '.join(ROLES)}")
        return value

    @model_validator(mode="after")
    def _one(self) -> ParticipantIn:
        if (self.state is None) == (self.organization is None):
            raise ValueError("name either a state or an organization")
        return self


class ExerciseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=2, max_length=200)
    series: str | None = Field(default=None, max_length=120)
    start: str = Field(description="YYYY-MM-DD, or YYYY-MM / YYYY when the day is not known")
    end: str | None = Field(default=None, description="as start; none if not known")
    location: str | None = Field(default=None, max_length=300)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    domains: list[str] = Field(default=[], description=", ".join(DOMAINS))
    warfighting: bool | None = None
    focus: str | None = Field(default=None, max_length=4000)
    participants: list[ParticipantIn] = Field(
        min_length=2, max_length=200, description="at least two; the caller's state among them"
    )
    agreement: str | None = Field(
        default=None,
        description="the agreement it falls under (id or 'ATOP 3275'); by default the most "
        "specific agreement covering joint_exercises, or none (the exercise is then flagged)",
    )

    @field_validator("domains")
    @classmethod
    def _domains(cls, value: list[str]) -> list[str]:
        return _check_domains(value)


class ExerciseUpdate(BaseModel):
    """Fields to change; ``participants`` replaces the list. ``agreement`` set to null drops
    the named agreement (the exercise is then assessed again)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=2, max_length=200)
    series: str | None = Field(default=None, max_length=120)
    start: str | None = None
    end: str | None = None
    location: str | None = Field(default=None, max_length=300)
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    domains: list[str] | None = None
    warfighting: bool | None = None
    focus: str | None = Field(default=None, max_length=4000)
    participants: list[ParticipantIn] | None = Field(default=None, min_length=2, max_length=200)
    agreement: str | None = None

    @field_validator("domains")
    @classmethod
    def _domains(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _check_domains(value)


class _Read(BaseModel):
    model_config = ConfigDict(frozen=True)


class ParticipantRead(_Read):
    name: str = Field(description="as the source names it")
    role: str
    state_id: int | None
    state: str | None = Field(description="ISO3 (the name for a state without one)")
    organization: str | None = Field(description="the organization's key (NATO, GCC ...)")


class AgreementRef(_Read):
    id: int
    title: str
    reference: str


class ExerciseSummary(_Read):
    id: int
    source: str
    source_id: str
    name: str | None
    series: str | None
    start: str
    end: str | None
    location: str | None
    domains: list[str]
    host: str | None
    states: list[str] = Field(description="the participating states, ISO3")
    unresolved: int = Field(description="participants the source names that are no state")
    coverage: str
    agreement_id: int | None
    public: bool
    status: str


class ExerciseRead(ExerciseSummary):
    start_date: date
    start_precision: str
    end_date: date | None
    end_precision: str | None
    latitude: float | None
    longitude: float | None
    warfighting: bool | None
    focus: str | None
    participant_note: str | None
    unnamed_participants: bool
    host_basis: str | None
    participants: list[ParticipantRead]
    agreement: AgreementRef | None
    source_row: int | None
    created_at: datetime
    updated_at: datetime


class ExercisePage(_Read):
    items: list[ExerciseSummary]
    total: int
    limit: int
    offset: int


class ExercisePartner(_Read):
    """A state another exercised with, over the exercises the viewer may see."""

    state_id: int
    state: str
    exercises: int
    first_year: int
    last_year: int


class ExercisePartners(_Read):
    state_id: int
    state: str
    partners: list[ExercisePartner]
