"""`taawun demo`: a working node in one command, loaded with real data.

Initialises the node, imports the datasets, creates agencies of real states
with one user each (credentials printed, passwords new on every run), records an implementing
arrangement for intelligence sharing under each of three real agreements (one party's liaison
proposes it, the others' accept it: the consent of every party, as for any user), shares real
threat content from the MISP galaxies under those arrangements (``seed_intel``), and serves.
The port is checked first, so a busy one fails at once rather than after the set-up.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Annotated

import typer

from taawun.cli import node
from taawun.cli._output import console
from taawun.core.clock import Clock, SystemClock
from taawun.core.errors import NotFound
from taawun.core.principal import Clearance, Principal, Role

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

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
    (
        "SAU",
        "General Intelligence Presidency",
        "intelligence",
        "gip.liaison",
        Role.LIAISON,
        Clearance.SECRET,
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
    from taawun.access import service
    from taawun.access.schemas import UserCreate
    from taawun.cli._context import operator, unit_of_work
    from taawun.core.ids import RandomIds
    from taawun.registry.resolver import resolve_state

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
# Who acts for each state in the consent to the demo's arrangements.
LIAISONS = {
    "PAK": "isi.liaison",
    "TUR": "mit.liaison",
    "SAU": "gip.liaison",
    "ARE": "uae.mod.desk",
    "AZE": "dtx.liaison",
}
NO_CHANNEL_NOTE = (
    "Turkey and Pakistan have no agreement in force that could carry intelligence in the real "
    "record; the demo invents none, so MIT and ISI do not see each other's objects."
)


def arrangement_title(ref: str) -> str:
    return f"Intelligence-sharing arrangement under {ref} (taawun demo)"


def _arrangements(session: Session, clock: Clock) -> tuple[dict[str, str], list[str]]:
    """Under each demo agreement, an implementing arrangement covering intelligence_sharing:
    proposed by the first demo party's liaison and accepted by each other's, once (a second
    run finds it). Returns agreement ref -> arrangement id, and what was done."""
    from taawun.cli._context import operator
    from taawun.intel import demo_content
    from taawun.registry import changes
    from taawun.registry import service as registry
    from taawun.registry.policy import SHARING_DOMAIN
    from taawun.registry.schemas import AgreementCreate

    found: dict[str, str] = {}
    lines = []
    for ref, (parties, ceiling) in demo_content.AGREEMENTS.items():
        title = arrangement_title(ref)
        parent = registry.get_agreement(operator(), session, ref=ref)
        existing = [
            a
            for a in (
                registry.get_agreement(operator(), session, ref=i) for i in parent.arrangements
            )
            if a.title == title and a.status == "in_force"
        ]
        if existing:
            found[ref] = str(existing[0].id)
            lines.append(f"{ref}: arrangement {existing[0].id} already in force")
            continue
        proposer, *others = parties
        outcome = changes.propose_agreement(
            access_principal(session, LIAISONS[proposer]),
            session,
            data=AgreementCreate(
                title=title,
                parties=list(parties),
                domains=[SHARING_DOMAIN],
                sharing_ceiling=ceiling,
                parent=ref,
                terms={SHARING_DOMAIN: "recorded by the taawun demo"},
            ),
            clock=clock,
        )
        assert outcome.proposal is not None  # a user's agreement is proposed
        for other in others:
            changes.accept_proposal(
                access_principal(session, LIAISONS[other]),
                session,
                proposal_id=outcome.proposal.id,
                clock=clock,
            )
        found[ref] = str(outcome.agreement.id)
        lines.append(
            f"{ref}: arrangement {outcome.agreement.id} (intelligence_sharing, ceiling "
            f"{ceiling.name}) proposed by {LIAISONS[proposer]}, accepted by "
            f"{', '.join(LIAISONS[o] for o in others)}"
        )
    return found, lines


def seed_intel() -> None:
    """Share the MISP-galaxy threat content as the demo agencies, under the implementing
    arrangements of the demo agreements."""
    from taawun.cli._context import unit_of_work
    from taawun.intel import changes as intel_changes
    from taawun.intel import demo_content
    from taawun.intel.markings import MarkingDefaults

    clock = SystemClock()
    with unit_of_work() as session:
        console().print("[bold]Demo intelligence[/bold] (MISP galaxies: threat actors, MITRE):")
        arrangements, lines = _arrangements(session, clock)
        for line in lines:
            typer.echo(f"  {line}")
        content = demo_content.under_arrangements(demo_content.from_galaxies(), arrangements)
        for owner, username in SHARERS.items():
            objects = [d.obj for d in content if d.owner == owner]
            principal = access_principal(session, username)
            report = intel_changes.share(
                principal, session, objects=objects, defaults=MarkingDefaults(), clock=clock
            )
            under = ", ".join(
                f"{arrangements[ref]} (under {ref})" for ref in demo_content.releases_of(owner)
            )
            typer.echo(
                f"  {username:<13} {report.total} objects under {under}: {report.stored} "
                f"stored, {report.duplicates} already there, {report.failed} failed"
            )
            for outcome in report.outcomes:
                if not outcome.ok:
                    typer.echo(f"    {outcome.id}: {'; '.join(outcome.reasons)}")
    typer.echo(f"  note: {NO_CHANNEL_NOTE}")


def access_principal(session: Session, username: str) -> Principal:
    from taawun.access.authentication import principal_for_username

    return principal_for_username(session, username=username)


def demo(
    host: Annotated[str, typer.Option("--host", help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="port to listen on")] = 8000,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="set up, print, and exit")] = False,
) -> None:
    """Set up a demo node with real data and demo accounts, then serve it."""
    if not no_serve:
        node.check_listen(host, port)
    node.init()
    node.import_data(force=False)
    accounts = seed_accounts()
    seed_intel()
    console().print("[bold]Demo accounts[/bold] (passwords and tokens are new on every run):")
    for username, password, token, agency, state in accounts:
        # plain lines, never wrapped or cut, so credentials can be copied whole
        typer.echo(f"  {username:<13} password {password}  token {token}  ({agency}, {state})")
    typer.echo(
        f"try: curl -H 'Authorization: Bearer {accounts[0][2]}' "
        f"http://{host}:{port}/api/v1/dyads/TUR/PAK"
    )
    if not no_serve:
        node.serve(host=host, port=port)
