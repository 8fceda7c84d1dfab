"""Access schemas: what account services take in (``XCreate``) and give out (``XRead``).

No schema carries a password hash or a token digest; the token's plaintext
appears only in ``TokenIssued``, returned once by ``issue_token``.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, SecretStr

from taawun.core.principal import Clearance, Role

USERNAME_PATTERN = r"^[a-z0-9._-]{3,80}$"


def _clearance(value: object) -> object:
    if isinstance(value, str | int) and not isinstance(value, Clearance):
        try:
            return Clearance.parse(value)
        except Exception as exc:  # InvalidInput: reported by Pydantic as a field error
            raise ValueError(str(exc)) from None
    return value


ClearanceName = Annotated[
    Clearance,
    BeforeValidator(_clearance),
    PlainSerializer(lambda c: c.name, return_type=str, when_used="json"),
]


class AgencyKind(enum.StrEnum):
    INTELLIGENCE = "intelligence"
    DEFENCE = "defence"
    INTERIOR = "interior"
    FOREIGN_AFFAIRS = "foreign_affairs"
    CERT = "cert"
    OTHER = "other"


class _Read(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)


class AgencyCreate(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    state_id: int
    name: str = Field(min_length=2, max_length=200)
    kind: AgencyKind = AgencyKind.OTHER


class AgencyRead(_Read):
    id: int
    state_id: int
    name: str
    kind: str
    created_at: datetime


class UserCreate(BaseModel):
    username: str = Field(pattern=USERNAME_PATTERN)
    agency_id: int
    role: Role
    clearance: ClearanceName
    password: SecretStr


class UserRead(_Read):
    id: int
    username: str
    agency_id: int
    role: Role
    clearance: ClearanceName
    active: bool
    created_at: datetime


class TokenRead(_Read):
    id: int
    user: str
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenIssued(TokenRead):
    """A new token with its plaintext: the only time the node ever shows it."""

    token: str = Field(repr=False)


class AuditEntryRead(_Read):
    seq: int
    at: datetime
    actor: str
    actor_agency_id: int | None
    action: str
    target_type: str | None
    target_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    detail: dict[str, Any] | None
    note: str | None
    prev_hash: str
    hash: str


class AuditProblem(_Read):
    seq: int | None  # None: in entries the reader may not read
    problem: str


class AuditReport(_Read):
    entries: int
    ok: bool
    problems: list[AuditProblem]
