"""`taawun agreement add|show|suspend|resume|terminate`: administration for scripts."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from taawun.cli._context import operator, unit_of_work, viewer
from taawun.cli._output import Format, emit
from taawun.registry import changes, service
from taawun.registry.periods import parse_date
from taawun.registry.schemas import AgreementCreate, AgreementRead

app = typer.Typer(help="Record and manage agreements.", no_args_is_help=True)

OnOpt = Annotated[
    str | None, typer.Option("--on", help="effective date YYYY-MM-DD (default today)")
]


def _date(value: str | None, field: str) -> date | None:
    return None if value is None else parse_date(value, field=field)


@app.command("add")
def add(
    title: Annotated[str, typer.Option("--title", help="the agreement's title")],
    party: Annotated[list[str], typer.Option("--party", "-p", help="a party state (repeat)")],
    domain: Annotated[list[str], typer.Option("--domain", "-d", help="a domain (repeat)")],
    ceiling: Annotated[
        str | None, typer.Option("--ceiling", help="highest classification shared under it")
    ] = None,
    confidential: Annotated[
        bool, typer.Option("--confidential", help="seen only by users of its parties")
    ] = False,
    signed: Annotated[str | None, typer.Option("--signed", help="YYYY-MM-DD")] = None,
    in_force: Annotated[str | None, typer.Option("--in-force", help="YYYY-MM-DD")] = None,
    organization: Annotated[str | None, typer.Option("--org")] = None,
) -> None:
    """Record an agreement; prints its new id."""
    data = AgreementCreate(
        title=title,
        parties=party,
        domains=domain,
        sharing_ceiling=ceiling,  # parsed by the schema's validator
        confidential=confidential,
        signed=_date(signed, "signed"),
        in_force=_date(in_force, "in_force"),
        organization=organization,
    )
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
    with unit_of_work() as session:
        found = service.get_agreement(viewer(session, as_user), session, ref=ref)
    _emit(found, fmt)


def _emit(found: AgreementRead, fmt: Format) -> None:
    rows: list[dict[str, object]] = [
        {"field": "title", "value": found.title},
        {"field": "source", "value": f"{found.source} {found.source_id}"},
        {"field": "status", "value": f"{found.status} since {found.status_since}"},
        {
            "field": "signed / in force / ended",
            "value": f"{found.signed} / {found.in_force} / {found.ended}",
        },
        {"field": "domains", "value": found.domains},
        {"field": "sharing ceiling", "value": found.sharing_ceiling},
        {"field": "organization", "value": found.organization},
        {"field": "confidential", "value": found.confidential},
    ]
    for p in found.party_spells:
        spell = f"{p.state.name}: {p.entered} to {p.exited or 'ongoing'}"
        rows.append({"field": f"party (phase {p.phase})", "value": spell})
    for key, value in (found.terms.get("provisions") or {}).items():
        rows.append({"field": f"provision: {key}", "value": value})
    rows.append({"field": "citation", "value": found.citation})
    emit(fmt, document=found, rows=rows, columns=["field", "value"], title=f"Agreement {found.id}")


def _transition(verb: str, ref: str, on: str | None) -> None:
    action = {
        "suspend": changes.suspend_agreement,
        "resume": changes.resume_agreement,
        "terminate": changes.terminate_agreement,
    }[verb]
    with unit_of_work() as session:
        done = action(operator(), session, ref=ref, on=_date(on, "on"))
    typer.echo(f"{done.id} {done.status}")


@app.command("suspend")
def suspend(ref: Annotated[str, typer.Argument()], on: OnOpt = None) -> None:
    """Suspend an agreement in force."""
    _transition("suspend", ref, on)


@app.command("resume")
def resume(ref: Annotated[str, typer.Argument()], on: OnOpt = None) -> None:
    """Resume a suspended agreement."""
    _transition("resume", ref, on)


@app.command("terminate")
def terminate(ref: Annotated[str, typer.Argument()], on: OnOpt = None) -> None:
    """Terminate an agreement."""
    _transition("terminate", ref, on)
