"""`taawun demo`: a working node in one command, loaded with real data.

Initialises the node, imports the datasets, creates agencies of real states
with one user each (credentials printed, passwords new on every run), and serves.
"""

from __future__ import annotations

import secrets
from typing import Annotated

import typer

from taawun.access import service
from taawun.access.schemas import UserCreate
from taawun.cli import node
from taawun.cli._context import operator, unit_of_work
from taawun.cli._output import console
from taawun.core.clock import SystemClock
from taawun.core.errors import NotFound
from taawun.core.ids import RandomIds
from taawun.core.principal import Clearance, Role
from taawun.registry.resolver import resolve_state

# (state, agency, kind, username, role, clearance): real agencies of the seed's partnerships.
DEMO_ACCOUNTS = [
    (
        "TUR",
        "National Intelligence Organization (MIT)",
        "intelligence",
        "mit.liaison",
        Role.LIAISON,
        Clearance.SECRET,
    ),
    (
        "PAK",
        "Inter-Services Intelligence (ISI)",
        "intelligence",
        "isi.liaison",
        Role.LIAISON,
        Clearance.SECRET,
    ),
    (
        "SAU",
        "General Intelligence Presidency",
        "intelligence",
        "gip.analyst",
        Role.ANALYST,
        Clearance.CONFIDENTIAL,
    ),
    ("ARE", "Ministry of Defence", "defence", "uae.mod.desk", Role.LIAISON, Clearance.SECRET),
    (
        "TUR",
        "Ministry of National Defence",
        "defence",
        "node.admin",
        Role.ADMIN,
        Clearance.TOP_SECRET,
    ),
]


def _password() -> str:
    return secrets.token_urlsafe(12)


def seed_accounts() -> list[tuple[str, str, str, str, str]]:
    """Create (or reset) the demo accounts; returns (user, password, token, agency, state)."""
    out = []
    clock = SystemClock()
    with unit_of_work() as session:
        who = operator()
        for state, agency_name, kind, username, role, clearance in DEMO_ACCOUNTS:
            found = resolve_state(session, state)
            existing = [
                a
                for a in service.list_agencies(who, session, state_id=found.id)
                if a.name == agency_name
            ]
            agency = (
                existing[0]
                if existing
                else service.create_agency(
                    who, session, state_id=found.id, name=agency_name, kind=kind, clock=clock
                )
            )
            password = _password()
            try:
                service.get_user(who, session, username=username)
                service.set_password(
                    who, session, username=username, password=password, clock=clock
                )
            except NotFound:
                data = UserCreate(
                    username=username,
                    agency_id=agency.id,
                    role=role,
                    clearance=clearance,
                    password=password,
                )
                service.create_user(who, session, data=data, clock=clock)
            token = service.issue_token(
                who, session, username=username, name="demo", clock=clock, ids=RandomIds()
            ).token
            out.append((username, password, token, agency_name, found.name))
    return out


def demo(
    host: Annotated[str, typer.Option("--host", help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="port to listen on")] = 8000,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="set up, print, and exit")] = False,
) -> None:
    """Set up a demo node with real data and demo accounts, then serve it."""
    node.init()
    node.import_data(force=False)
    accounts = seed_accounts()
    console.print("[bold]Demo accounts[/bold] (passwords and tokens are new on every run):")
    for username, password, token, agency, state in accounts:
        # plain lines, never wrapped or cut, so credentials can be copied whole
        typer.echo(f"  {username:<13} password {password}  token {token}  ({agency}, {state})")
    typer.echo(
        f"try: curl -H 'Authorization: Bearer {accounts[0][2]}' "
        f"http://{host}:{port}/api/v1/dyads/TUR/PAK"
    )
    if not no_serve:
        node.serve(host=host, port=port)
