"""Test factory: agencies of real states, their users, and a bearer token for each, created
through ``taawun.access.service`` exactly as the CLI and API do."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from taawun.access import service as access
from taawun.access import token_service
from taawun.access.schemas import UserCreate
from taawun.core.clock import Clock
from taawun.core.ids import RandomIds
from taawun.core.principal import Clearance, Principal, Role
from taawun.registry.resolver import resolve_state

Account = tuple[str, str, Role, Clearance]  # state, agency, role, clearance


def create_accounts(
    session: Session,
    accounts: Mapping[str, Account],
    *,
    password: str,
    clock: Clock,
    token_name: str = "test",
    qualified_names: bool = True,
) -> tuple[dict[str, int], dict[str, str]]:
    """Agencies (keyed ``STATE-AGENCY``; named so too unless ``qualified_names`` is false)
    and a token per username."""
    root = Principal.system_principal("test")
    agencies: dict[str, int] = {}
    tokens: dict[str, str] = {}
    for username, (state, agency, role, clearance) in accounts.items():
        key = f"{state}-{agency}"
        if key not in agencies:
            agencies[key] = access.create_agency(
                root,
                session,
                state_id=resolve_state(session, state).id,
                name=key if qualified_names else agency,
                clock=clock,
            ).id
        data = UserCreate.model_validate(
            {
                "username": username,
                "agency_id": agencies[key],
                "role": role,
                "clearance": clearance,
                "password": password,
            }
        )
        access.create_user(root, session, data=data, clock=clock)
        tokens[username] = token_service.issue_token(
            root, session, username=username, name=token_name, clock=clock, ids=RandomIds()
        ).token
    return agencies, tokens
