"""`taawun demo`: a working node in one command, loaded with real data.

Initialises the node, imports the datasets, creates agencies of real states
with one user each (credentials printed, passwords new on every run), records an implementing
arrangement for intelligence sharing under each of three real agreements (one party's liaison
proposes it, the others' accept it: the consent of every party, as for any user), shares real
threat content from the MISP galaxies under those arrangements (``seed_intel``), records live
cooperation beside the imported record (``seed_cooperation``: an operation, a training
programme, an exercise, a flagged transfer), and serves.
The port is checked first, so a busy one fails at once rather than after the set-up.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Annotated

import typer

from taawun.cli import node
from taawun.cli._demo_cooperation import Arranged
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
    from taawun.access import service, token_service
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
            token = token_service.issue_token(
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


def arrange(
    session: Session,
    clock: Clock,
    ref: str,
    parties: tuple[str, ...],
    *,
    title: str,
    domains: tuple[str, ...],
    ceiling: Clearance | None = None,
) -> Arranged:
    """An implementing arrangement under agreement ``ref``, covering ``domains``: proposed by
    the first party's demo liaison and accepted by each other's, once (a second run finds it
    by its title)."""
    from taawun.cli._context import operator
    from taawun.registry import changes, decisions
    from taawun.registry import service as registry
    from taawun.registry.schemas import AgreementCreate

    parent = registry.get_agreement(operator(), session, ref=ref)
    for arrangement_id in parent.arrangements:
        existing = registry.get_agreement(operator(), session, ref=arrangement_id)
        if existing.title == title and existing.status == "in_force":
            return Arranged(str(existing.id), f"{ref}: arrangement {existing.id} already in force")
    proposer, *others = parties
    outcome = changes.propose_agreement(
        access_principal(session, LIAISONS[proposer]),
        session,
        data=AgreementCreate(
            title=title,
            parties=list(parties),
            domains=list(domains),
            sharing_ceiling=ceiling,
            parent=ref,
            terms=dict.fromkeys(domains, "recorded by the taawun demo"),
        ),
        clock=clock,
    )
    assert outcome.proposal is not None  # a user's agreement is proposed
    for other in others:
        decisions.accept_proposal(
            access_principal(session, LIAISONS[other]),
            session,
            proposal_id=outcome.proposal.id,
            clock=clock,
        )
    what = ", ".join(domains) + (f", ceiling {ceiling.name}" if ceiling is not None else "")
    return Arranged(
        str(outcome.agreement.id),
        f"{ref}: arrangement {outcome.agreement.id} ({what}) proposed by "
        f"{LIAISONS[proposer]}, accepted by {', '.join(LIAISONS[o] for o in others)}",
    )


def _arrangements(session: Session, clock: Clock) -> tuple[dict[str, str], list[str]]:
    """Under each demo agreement, an implementing arrangement covering intelligence_sharing.
    Returns agreement ref -> arrangement id, and what was done."""
    from taawun.intel import demo_content
    from taawun.registry.policy import SHARING_DOMAIN

    found: dict[str, str] = {}
    lines = []
    for ref, (parties, ceiling) in demo_content.AGREEMENTS.items():
        done = arrange(
            session,
            clock,
            ref,
            parties,
            title=arrangement_title(ref),
            domains=(SHARING_DOMAIN,),
            ceiling=ceiling,
        )
        found[ref] = done.agreement_id
        lines.append(done.line)
    return found, lines


def seed_intel() -> None:
    """Share the MISP-galaxy threat content as the demo agencies, under the implementing
    arrangements of the demo agreements."""
    from taawun.cli._context import unit_of_work
    from taawun.cooperation.threats import index  # noqa: F401 - the demo's intel is indexed
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


def seed_cooperation() -> None:
    """The demo's live cooperation (``cli/_demo_cooperation.py``): an operation, a training
    programme, an exercise and a flagged transfer, beside the imported record."""
    from taawun.cli import _demo_cooperation as cooperation
    from taawun.cli._context import unit_of_work
    from taawun.intel import demo_content

    clock = SystemClock()
    with unit_of_work() as session:
        console().print("[bold]Demo cooperation[/bold] (live, beside the imported record):")

        def as_user(state: str) -> Principal:
            return access_principal(session, LIAISONS[state])

        def arranged(
            ref: str, parties: tuple[str, ...], title: str, domains: tuple[str, ...]
        ) -> Arranged:
            return arrange(session, clock, ref, parties, title=title, domains=domains)

        from taawun.registry.policy import SHARING_DOMAIN

        gcc = "ATOP 4965"
        parties, ceiling = demo_content.AGREEMENTS[gcc]
        gcc_intel = arrange(
            session,
            clock,
            gcc,
            parties,
            title=arrangement_title(gcc),
            domains=(SHARING_DOMAIN,),
            ceiling=ceiling,
        ).agreement_id
        for line in cooperation.seed(session, clock, as_user, arranged, gcc_intel):
            typer.echo(f"  {line}")


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
    seed_cooperation()
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
