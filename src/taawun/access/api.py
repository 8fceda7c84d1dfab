"""The accounts router: who am I, agencies, users, tokens, the audit log.

Who may do what is ``access.policy``: an admin administers their own agency (another
agency's user answers 404, as a missing one does), the node operator (at the shell) every
agency, everyone else their own password and tokens.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from taawun.access import service, token_service, tokens
from taawun.access.deps import ClockDep, PrincipalDep, SessionDep
from taawun.access.schemas import (
    AgencyCreate,
    AgencyRead,
    AuditEntryRead,
    AuditReport,
    TokenIssued,
    TokenRead,
    UserCreate,
    UserRead,
)
from taawun.core.error_body import COMMON, error_responses
from taawun.core.ids import RandomIds
from taawun.core.integers import INT32_MAX

router = APIRouter(prefix="/api/v1", tags=["access"], responses=error_responses(*COMMON))

# Ids are INTEGER columns: one no column holds is refused (422) before it reaches a query.
Id = Annotated[int, Path(ge=1, le=INT32_MAX)]
IdFilter = Annotated[int | None, Query(ge=1, le=INT32_MAX)]


class Me(BaseModel):
    username: str
    agency_id: int | None
    state_id: int | None
    role: str
    clearance: str


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=80)
    username: str | None = Field(
        default=None, description="an admin may issue for a user of their agency"
    )
    expires_at: datetime | None = Field(
        default=None,
        description=f"when it expires (with a time zone); at most {tokens.MAX_LIFETIME_DAYS} "
        "days ahead",
    )
    expires_in_days: int | None = Field(
        default=None,
        ge=1,
        le=tokens.MAX_LIFETIME_DAYS,
        description="or: how many days from now it expires; without either, "
        f"{tokens.DEFAULT_LIFETIME_DAYS}",
    )


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: SecretStr
    current_password: SecretStr | None = Field(
        default=None, description="required to change one's own password"
    )
    revoke_tokens: bool = Field(
        default=False,
        description="revoke every token of the user too (after a suspected compromise); "
        "without, they keep working",
    )


@router.get("/me")
def me(principal: PrincipalDep) -> Me:
    return Me(
        username=principal.username,
        agency_id=principal.agency_id,
        state_id=principal.state_id,
        role=principal.role.value,
        clearance=principal.clearance.name,
    )


@router.get("/agencies")
def list_agencies(
    principal: PrincipalDep, session: SessionDep, state_id: IdFilter = None
) -> list[AgencyRead]:
    return service.list_agencies(principal, session, state_id=state_id)


@router.post("/agencies", status_code=201, responses=error_responses(400, 409))
def create_agency(
    data: AgencyCreate, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> AgencyRead:
    return service.create_agency(
        principal, session, state_id=data.state_id, name=data.name, kind=data.kind, clock=clock
    )


@router.delete("/agencies/{agency_id}", status_code=204, responses=error_responses(409))
def remove_agency(
    agency_id: Id, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> None:
    """Remove an agency added by mistake: refused (409) while it has users, active or
    disabled (an agency that has served is retired by disabling its users), or owns or is
    named by intel. An admin may remove only their own agency (403 for another)."""
    service.remove_agency(principal, session, agency_id=agency_id, clock=clock)


@router.get("/users")
def list_users(
    principal: PrincipalDep, session: SessionDep, agency_id: IdFilter = None
) -> list[UserRead]:
    return service.list_users(principal, session, agency_id=agency_id)


@router.post("/users", status_code=201, responses=error_responses(400, 409))
def create_user(
    data: UserCreate, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> UserRead:
    return service.create_user(principal, session, data=data, clock=clock)


@router.post("/users/{username}/password", status_code=204, responses=error_responses(400))
def set_password(
    username: str,
    data: PasswordChange,
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
) -> None:
    """Change one's own password (giving the current one), or, as an admin, reset that of a
    user of one's agency cleared no higher than oneself; ``revoke_tokens`` revokes all
    the user's tokens with it."""
    current = data.current_password.get_secret_value() if data.current_password else None
    service.set_password(
        principal,
        session,
        username=username,
        password=data.password.get_secret_value(),
        current_password=current,
        revoke_tokens=data.revoke_tokens,
        clock=clock,
    )


@router.post("/users/{username}/disable", responses=error_responses(409))
def disable_user(
    username: str, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> UserRead:
    """Stop the user's password and tokens at once (an admin: a user of their agency, not
    themselves)."""
    return service.disable_user(principal, session, username=username, clock=clock)


@router.post("/users/{username}/enable", responses=error_responses(409))
def enable_user(
    username: str, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> UserRead:
    """Let a disabled user sign in again; their unexpired, unrevoked tokens work again."""
    return service.enable_user(principal, session, username=username, clock=clock)


@router.get("/tokens")
def list_tokens(
    principal: PrincipalDep, session: SessionDep, username: str | None = None
) -> list[TokenRead]:
    """Tokens with their last use, never the token or its digest: one's own; an admin's,
    those of their agency's users; ``username`` narrows to one user's."""
    return token_service.list_tokens(principal, session, username=username)


@router.post("/tokens", status_code=201, responses=error_responses(400, 409))
def issue_token(
    data: TokenRequest, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> TokenIssued:
    """Issue a bearer token; the response is the only time it is shown. It expires after
    ``expires_in_days`` or at ``expires_at`` (not both), by default in 90 days."""
    return token_service.issue_token(
        principal,
        session,
        username=data.username or principal.username,
        name=data.name,
        expires_at=data.expires_at,
        expires_in_days=data.expires_in_days,
        clock=clock,
        ids=RandomIds(),
    )


@router.delete("/tokens/{token_id}", status_code=204, responses=error_responses(409))
def revoke_token(
    token_id: Id, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> None:
    token_service.revoke_token(principal, session, token_id=token_id, clock=clock)


@router.get("/audit")
def list_audit(
    principal: PrincipalDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    action: str | None = None,
    actor: Annotated[str | None, Query(max_length=200)] = None,
    before: Annotated[
        int | None, Query(ge=1, le=2**62, description="the last `seq` of the previous page")
    ] = None,
    since: Annotated[datetime | None, Query(description="entries at or after this time")] = None,
    until: Annotated[datetime | None, Query(description="entries before this time")] = None,
) -> list[AuditEntryRead]:
    """The audit entries you may read, newest first."""
    return service.list_audit(
        principal,
        session,
        limit=limit,
        action=action,
        actor=actor,
        before=before,
        since=since,
        until=until,
    )


@router.get("/audit/verify")
def verify_audit(principal: PrincipalDep, session: SessionDep) -> AuditReport:
    return service.verify_audit(principal, session)
