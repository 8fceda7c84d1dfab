"""`taawun agreement add|show|suspend|resume|terminate|propose|accept|decline|withdraw|leave|
proposals`: agreements and the consent of their parties, for scripts.

Without ``--as USER`` a command acts as the node operator, who records and changes agreements
directly (THREAT_MODEL.md, "Consent"); with it, as that user, for their state: what they
record or widen is then a proposal the other parties accept or decline.

The registry is imported when a command runs, not when the CLI starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer

from taawun.cli._output import Format, emit, text

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from taawun.core.principal import Principal
    from taawun.registry.schemas import AgreementRead, ProposalRead

app = typer.Typer(help="Record and manage agreements.")

OnOpt = Annotated[
    str | None, typer.Option("--on", help="effective date YYYY-MM-DD (default today)")
]
AsOpt = Annotated[
    str | None,
    typer.Option("--as", help="act as this user, for their state (default: the node operator)"),
]


def _actor(session: Session, as_user: str | None) -> Principal:
    """The node operator at the shell, or with ``--as`` that user."""
    from taawun.cli._context import operator, viewer

    return operator() if as_user is None else viewer(session, as_user)


def _date(value: str | None, field: str) -> date | None:
    from taawun.registry.periods import parse_date

    return None if value is None else parse_date(value, field=field)


# The options an agreement is written with, shared by ``add`` (the operator) and ``propose``.
TitleOpt = Annotated[str, typer.Option("--title", help="the agreement's title")]
PartyOpt = Annotated[list[str], typer.Option("--party", "-p", help="a party state (repeat)")]
DomainOpt = Annotated[list[str], typer.Option("--domain", "-d", help="a domain (repeat)")]
CeilingOpt = Annotated[
    str | None, typer.Option("--ceiling", help="highest classification shared under it")
]
ConfidentialOpt = Annotated[
    bool, typer.Option("--confidential", help="seen only by users of its parties")
]
SignedOpt = Annotated[str | None, typer.Option("--signed", help="YYYY-MM-DD")]
InForceOpt = Annotated[str | None, typer.Option("--in-force", help="YYYY-MM-DD")]


def _new_agreement(
    schema: Any,
    title: str,
    party: list[str],
    domain: list[str],
    ceiling: str | None,
    confidential: bool,
    signed: str | None,
    in_force: str | None,
    **more: object,
) -> Any:
    """The ``AgreementCreate`` of those options (passed in: the CLI imports it lazily)."""
    return schema(
        title=title,
        parties=party,
        domains=domain,
        sharing_ceiling=ceiling,  # parsed by the schema's validator
        confidential=confidential,
        signed=_date(signed, "signed"),
        in_force=_date(in_force, "in_force"),
        **more,
    )


@app.command("add")
def add(
    title: TitleOpt,
    party: PartyOpt,
    domain: DomainOpt,
    ceiling: CeilingOpt = None,
    confidential: ConfidentialOpt = False,
    signed: SignedOpt = None,
    in_force: InForceOpt = None,
    organization: Annotated[str | None, typer.Option("--org")] = None,
) -> None:
    """Record an agreement; prints its new id."""
    from taawun.cli._context import operator, unit_of_work
    from taawun.registry import changes
    from taawun.registry.schemas import AgreementCreate

    data = _new_agreement(
        AgreementCreate, title, party, domain, ceiling, confidential, signed, in_force,
        organization=organization,
    )  # fmt: skip
    with unit_of_work() as session:
        created = changes.record_agreement(operator(), session, data=data)
    typer.echo(created.id)


@app.command("show")
def show(
    ref: Annotated[str, typer.Argument(help="id, or a source reference like 'ATOP 3275'")],
    fmt: Annotated[Format, typer.Option("--format", "-f")] = Format.TABLE,
    as_user: Annotated[str | None, typer.Option("--as")] = None,
) -> None:
    """One agreement with its parties, domains and terms."""
    from taawun.cli._context import unit_of_work, viewer
    from taawun.registry import service

    with unit_of_work() as session:
        found = service.get_agreement(viewer(session, as_user), session, ref=ref)
    _emit(found, fmt)


def _terms(value: Any) -> Any:
    """A term as a person reads it: a nested record as ``key: value; ...``, a flag as yes/no,
    nothing as "—" (CSV keeps lists as lists, joined by ``;``)."""
    if isinstance(value, Mapping):
        return "; ".join(f"{k.replace('_', ' ')}: {text(v)}" for k, v in value.items())
    if isinstance(value, bool) or value in (None, "", {}):
        return text(value)
    return value


def _emit(found: AgreementRead, fmt: Format) -> None:
    since = found.status_since
    status = found.status if since is None else f"{found.status} since {since.isoformat()}"
    rows: list[dict[str, object]] = [
        {"field": "title", "value": found.title},
        {"field": "source", "value": f"{found.source} {found.source_id}"},
        {"field": "status", "value": status},
        {"field": "signed", "value": found.signed},
        {"field": "in force", "value": found.in_force},
        {"field": "ended", "value": found.ended},
        {"field": "domains", "value": found.domains},
        {"field": "sharing ceiling", "value": found.sharing_ceiling},
        {"field": "organization", "value": found.organization},
        {"field": "confidential", "value": "yes" if found.confidential else "no"},
    ]
    phases = {p.phase for p in found.party_spells}
    for p in found.party_spells:
        who = f"{p.state.name} ({p.state.iso3})" if p.state.iso3 else p.state.name
        entered = text(p.entered) if p.entered else "?"
        spell = f"{who}: {entered} to {text(p.exited) if p.exited else 'ongoing'}"
        field = "party" if len(phases) == 1 else f"party (phase {p.phase})"
        rows.append({"field": field, "value": spell})
    raw = False  # a source's own codes (ATOP's variables) are for scripts: JSON has them
    for key, value in found.terms.items():
        if key == "provisions" and isinstance(value, Mapping):
            for name, provision in value.items():
                rows.append({"field": f"provision: {name}", "value": _terms(provision)})
        elif isinstance(value, Mapping):
            raw = True
        else:
            rows.append({"field": f"term: {key.replace('_', ' ')}", "value": _terms(value)})
    for domain in found.domain_terms:
        for key, value in domain.terms.items():
            if isinstance(value, Mapping):
                raw = True
            else:
                rows.append({"field": f"{domain.domain}: {key}", "value": _terms(value)})
    rows.append({"field": "citation", "value": found.citation})
    title = f"Agreement {found.id} ({found.source} {found.source_id})"
    notes = ["the source's own codes are in --format json"] if raw else []
    emit(
        fmt,
        document=found,
        rows=rows,
        columns=["field", "value"],
        title=title,
        notes=notes,
        ids=(),
    )


def _transition(verb: str, ref: str, on: str | None, as_user: str | None) -> None:
    """Prints ``<id> <status>``, and ``<proposal id> awaiting <states>`` when the step waits
    for other parties."""
    from taawun.cli._context import unit_of_work
    from taawun.registry import lifecycle

    with unit_of_work() as session:
        who = _actor(session, as_user)
        day = _date(on, "on")
        if verb == "resume":
            outcome = lifecycle.resume_agreement(who, session, ref=ref, on=day)
            done, proposal = outcome.agreement, outcome.proposal
        else:
            action = {
                "suspend": lifecycle.suspend_agreement,
                "terminate": lifecycle.terminate_agreement,
                "leave": lifecycle.leave_agreement,
            }[verb]
            done, proposal = action(who, session, ref=ref, on=day), None
    typer.echo(f"{done.id} {done.status}")
    _echo_waiting(proposal)


def _echo_waiting(proposal: ProposalRead | None) -> None:
    if proposal is not None and proposal.status == "open":
        typer.echo(f"{proposal.id} awaiting {','.join(proposal.awaiting)}")


@app.command("suspend")
def suspend(ref: Annotated[str, typer.Argument()], on: OnOpt = None, as_user: AsOpt = None) -> None:
    """Suspend an agreement in force, at once."""
    _transition("suspend", ref, on, as_user)


@app.command("resume")
def resume(ref: Annotated[str, typer.Argument()], on: OnOpt = None, as_user: AsOpt = None) -> None:
    """Resume a suspended agreement: at once for the state (or operator) that suspended it,
    else a proposal that state must accept."""
    _transition("resume", ref, on, as_user)


@app.command("terminate")
def terminate(
    ref: Annotated[str, typer.Argument()], on: OnOpt = None, as_user: AsOpt = None
) -> None:
    """Terminate an agreement, at once."""
    _transition("terminate", ref, on, as_user)


@app.command("propose")
def propose(
    title: TitleOpt,
    party: PartyOpt,
    domain: DomainOpt,
    ceiling: CeilingOpt = None,
    confidential: ConfidentialOpt = False,
    signed: SignedOpt = None,
    in_force: InForceOpt = None,
    parent: Annotated[
        str | None,
        typer.Option("--parent", help="the agreement this one implements (e.g. 'ATOP 4965')"),
    ] = None,
    as_user: AsOpt = None,
) -> None:
    """Propose an agreement for your state (--as): prints its id, its status and the
    proposal's id; it enters into force when every other party accepts."""
    from taawun.cli._context import unit_of_work
    from taawun.registry import changes
    from taawun.registry.schemas import AgreementCreate

    data = _new_agreement(
        AgreementCreate, title, party, domain, ceiling, confidential, signed, in_force,
        parent=parent,
    )  # fmt: skip
    with unit_of_work() as session:
        outcome = changes.propose_agreement(_actor(session, as_user), session, data=data)
    typer.echo(f"{outcome.agreement.id} {outcome.agreement.status}")
    _echo_waiting(outcome.proposal)


def _decide(verb: str, proposal_id: str, as_user: str | None) -> None:
    from taawun.cli._context import unit_of_work
    from taawun.registry import decisions

    decide = {
        "accept": decisions.accept_proposal,
        "decline": decisions.decline_proposal,
        "withdraw": decisions.withdraw_proposal,
    }[verb]
    with unit_of_work() as session:
        done = decide(_actor(session, as_user), session, proposal_id=proposal_id)
    typer.echo(f"{done.id} {done.status}")
    _echo_waiting(done)


ProposalArg = Annotated[str, typer.Argument(help="the proposal's id")]


@app.command("accept")
def accept(proposal_id: ProposalArg, as_user: AsOpt = None) -> None:
    """Accept a proposal for your state; the last acceptance takes it."""
    _decide("accept", proposal_id, as_user)


@app.command("decline")
def decline(proposal_id: ProposalArg, as_user: AsOpt = None) -> None:
    """Decline a proposal for your state."""
    _decide("decline", proposal_id, as_user)


@app.command("withdraw")
def withdraw(proposal_id: ProposalArg, as_user: AsOpt = None) -> None:
    """Withdraw a proposal your state made."""
    _decide("withdraw", proposal_id, as_user)


@app.command("leave")
def leave(ref: Annotated[str, typer.Argument()], on: OnOpt = None, as_user: AsOpt = None) -> None:
    """Your state leaves an agreement of three or more parties, at once (or from --on)."""
    _transition("leave", ref, on, as_user)


@app.command("proposals")
def proposals(
    awaiting: Annotated[
        bool, typer.Option("--awaiting", help="only those waiting for your state's decision")
    ] = False,
    status: Annotated[
        str, typer.Option("--status", help="open, accepted, declined or withdrawn")
    ] = "open",
    fmt: Annotated[Format, typer.Option("--format", "-f")] = Format.TABLE,
    as_user: AsOpt = None,
) -> None:
    """Proposals you may see (the operator sees every one), newest first."""
    from taawun.cli._context import unit_of_work
    from taawun.registry import service

    with unit_of_work() as session:
        found = service.proposals(
            _actor(session, as_user), session, awaiting_me=awaiting, status=status
        )
    rows = [
        {
            "id": p.id,
            "kind": p.kind,
            "status": p.status,
            "agreement": p.agreement_id,
            "title": p.agreement_title,
            "proposer": p.proposer_state.iso3 or p.proposer_state.name,
            "awaiting": p.awaiting,
            "changes": "; ".join(f"{k}: {text(v)}" for k, v in p.changes.items()),
        }
        for p in found
    ]
    columns = ["id", "kind", "status", "agreement", "title", "proposer", "awaiting", "changes"]
    emit(fmt, document=found, rows=rows, columns=columns, title="Proposals", ids=("id",))
