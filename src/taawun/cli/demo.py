"""`taawun demo`: a working node in one command, loaded with real data.

Initialises the node, imports the datasets, creates agencies of real states
with one user each (credentials printed, passwords new on every run), shares real threat
content from the MISP galaxies under real agreements (``seed_intel``), and serves.
"""

from __future__ import annotations

import secrets
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from taawun.access import service
from taawun.access.authentication import principal_for_username
from taawun.access.schemas import UserCreate
from taawun.cli import node
from taawun.cli._context import operator, unit_of_work
from taawun.cli._output import console
from taawun.core.clock import SystemClock
from taawun.core.errors import NotFound
from taawun.core.ids import RandomIds
from taawun.core.principal import Clearance, Principal, Role
from taawun.intel import changes as intel_changes
from taawun.intel import demo_content
from taawun.intel.markings import MarkingDefaults
from taawun.registry import changes
from taawun.registry import service as registry
from taawun.registry.policy import SHARING_DOMAIN
from taawun.registry.resolver import resolve_state
from taawun.registry.schemas import AgreementUpdate

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
        "AZE",
        "State Security Service (DTX)",
        "intelligence",
        "dtx.liaison",
        Role.LIAISON,
        Clearance.SECRET,
    ),
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


# Which demo user shares the content attributed to each victim state (demo_content.OWNER_ORDER).
SHARERS = {
    "PAK": "isi.liaison",
    "TUR": "mit.liaison",
    "SAU": "gip.analyst",
    "ARE": "uae.mod.desk",
    "AZE": "dtx.liaison",
}
NO_CHANNEL_NOTE = (
    "Turkey and Pakistan have no agreement in force that could carry intelligence in the real "
    "record; the demo invents none, so MIT and ISI do not see each other's objects."
)


def _cover_sharing(session: Session, clock: SystemClock) -> list[str]:
    """Amend each demo agreement (audited) to cover intelligence_sharing, once."""
    who = operator()
    lines = []
    for ref, (_, ceiling) in demo_content.AGREEMENTS.items():
        agreement = registry.get_agreement(who, session, ref=ref)
        if SHARING_DOMAIN in agreement.domains:
            lines.append(f"{ref}: already covers intelligence_sharing")
            continue
        changes.amend_agreement(
            who,
            session,
            ref=ref,
            data=AgreementUpdate(
                domains=[*agreement.domains, SHARING_DOMAIN],
                sharing_ceiling=ceiling,
                terms={**agreement.terms, SHARING_DOMAIN: "added by the taawun demo"},
            ),
            clock=clock,
        )
        lines.append(f"{ref}: amended to cover intelligence_sharing (ceiling {ceiling.name})")
    return lines


def seed_intel() -> None:
    """Share the MISP-galaxy threat content as the demo agencies, under the demo agreements."""
    content = demo_content.from_galaxies()
    clock = SystemClock()
    with unit_of_work() as session:
        console.print("[bold]Demo intelligence[/bold] (MISP galaxies: threat actors, MITRE):")
        for line in _cover_sharing(session, clock):
            typer.echo(f"  {line}")
        for owner, username in SHARERS.items():
            objects = [d.obj for d in content if d.owner == owner]
            principal = access_principal(session, username)
            report = intel_changes.share(
                principal, session, objects=objects, defaults=MarkingDefaults(), clock=clock
            )
            under = ", ".join(demo_content.releases_of(owner))
            typer.echo(
                f"  {username:<13} {report.total} objects under {under}: {report.stored} "
                f"stored, {report.duplicates} already there, {report.failed} failed"
            )
            for outcome in report.outcomes:
                if not outcome.ok:
                    typer.echo(f"    {outcome.id}: {'; '.join(outcome.reasons)}")
    typer.echo(f"  note: {NO_CHANNEL_NOTE}")


def access_principal(session: Session, username: str) -> Principal:
    return principal_for_username(session, username=username)


def demo(
    host: Annotated[str, typer.Option("--host", help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="port to listen on")] = 8000,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="set up, print, and exit")] = False,
) -> None:
    """Set up a demo node with real data and demo accounts, then serve it."""
    node.init()
    node.import_data(force=False)
    accounts = seed_accounts()
    seed_intel()
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
