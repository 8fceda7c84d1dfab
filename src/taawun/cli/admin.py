"""`taawun agency|user|audit`: node administration from the shell, for scripts.

Commands that create something print only its id (or the token) on stdout.
They act as the node operator (``cli:<os user>`` in the audit log).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from taawun.access import checkpoints, service
from taawun.access.schemas import UserCreate
from taawun.cli._context import operator, unit_of_work
from taawun.cli._output import Format, emit, err_console
from taawun.core.clock import SystemClock
from taawun.core.errors import AuditChainBroken, InvalidInput
from taawun.core.ids import RandomIds
from taawun.core.principal import Clearance, Role
from taawun.core.settings import Settings
from taawun.registry.resolver import resolve_state

agency_app = typer.Typer(help="Agencies: a state's participating bodies.", no_args_is_help=True)
user_app = typer.Typer(help="Users and their API tokens.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)

FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="table, json or csv")]


@agency_app.command("add")
def agency_add(
    state: Annotated[str, typer.Option("--state", help="ISO3, ISO2, COW code or name")],
    name: Annotated[str, typer.Option("--name", help="the agency's name")],
    kind: Annotated[
        str, typer.Option("--kind", help="intelligence, defence, interior, ...")
    ] = "other",
) -> None:
    """Add an agency; prints its id."""
    with unit_of_work() as session:
        found = resolve_state(session, state)
        created = service.create_agency(
            operator(), session, state_id=found.id, name=name, kind=kind, clock=SystemClock()
        )
    typer.echo(created.id)


@agency_app.command("list")
def agency_list(fmt: FormatOpt = Format.TABLE) -> None:
    """Every agency on the node."""
    with unit_of_work() as session:
        agencies = service.list_agencies(operator(), session)
    rows = [a.model_dump() for a in agencies]
    emit(
        fmt,
        document=agencies,
        rows=rows,
        columns=["id", "state_id", "name", "kind", "created_at"],
        title="Agencies",
    )


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="the new user's name")],
    agency: Annotated[str, typer.Option("--agency", help="the agency, by id or name")],
    role: Annotated[Role, typer.Option("--role")] = Role.VIEWER,
    clearance: Annotated[
        str, typer.Option("--clearance", help="UNCLASSIFIED ... TOP_SECRET")
    ] = "UNCLASSIFIED",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from standard input")
    ] = False,
) -> None:
    """Add a user; prints the new user's id."""
    if not password_stdin:
        raise InvalidInput(
            "password: pass --password-stdin and the password on standard input", field="password"
        )
    password = sys.stdin.readline().rstrip("\r\n")
    with unit_of_work() as session:
        found = service.find_agency(operator(), session, ref=agency)
        data = UserCreate(
            username=username,
            agency_id=found.id,
            role=role,
            clearance=Clearance.parse(clearance),
            password=password,
        )
        created = service.create_user(operator(), session, data=data, clock=SystemClock())
    typer.echo(created.id)


@user_app.command("list")
def user_list(fmt: FormatOpt = Format.TABLE) -> None:
    """Every user on the node (never their password hashes)."""
    with unit_of_work() as session:
        users = service.list_users(operator(), session)
    rows = [{**u.model_dump(), "clearance": u.clearance.name} for u in users]
    emit(
        fmt,
        document=users,
        rows=rows,
        columns=["id", "username", "agency_id", "role", "clearance", "active"],
        title="Users",
    )


@user_app.command("token")
def user_token(
    username: Annotated[str, typer.Argument(help="whose token")],
    name: Annotated[str, typer.Option("--name", help="what the token is for")] = "cli",
) -> None:
    """Issue an API token; prints it once (only its hash is kept)."""
    with unit_of_work() as session:
        issued = service.issue_token(
            operator(), session, username=username, name=name, clock=SystemClock(), ids=RandomIds()
        )
    typer.echo(issued.token)


@user_app.command("revoke")
def user_revoke(token_id: Annotated[int, typer.Argument(help="the token's id")]) -> None:
    """Revoke an API token."""
    with unit_of_work() as session:
        service.revoke_token(operator(), session, token_id=token_id, clock=SystemClock())
    typer.echo(token_id)


@audit_app.command("verify")
def audit_verify(
    checkpoint: Annotated[
        Path | None,
        typer.Option(
            "--checkpoint",
            help="checkpoints (`taawun audit checkpoint`): each must still be in the chain",
        ),
    ] = None,
    fmt: FormatOpt = Format.TABLE,
) -> None:
    """Check the hash chain; names every edited or deleted entry. Exit code 8 when broken.

    With --checkpoint, also every checkpointed entry: one missing (the log was cut) or
    changed (the log was rewritten and hashed again) breaks it too."""
    taken = [] if checkpoint is None else checkpoints.read_checkpoints(checkpoint)
    with unit_of_work() as session:
        report = service.verify_audit(operator(), session, checkpoints=taken)
    if report.ok:
        if fmt is Format.TABLE:
            line = f"audit log intact: {report.entries} entries verified"
            if checkpoint is not None:
                line += (
                    f", {len(taken)} checkpoints found unchanged "
                    f"(the last at entry {max(c.seq for c in taken)})"
                    if taken
                    else f", but {checkpoint} holds no checkpoint"
                )
            typer.echo(line)
        else:
            emit(fmt, document=report, rows=[], columns=["seq", "problem"])
        return
    rows = [p.model_dump() for p in report.problems]
    if fmt is Format.TABLE:
        against = "" if checkpoint is None else f" and {len(taken)} checkpoint(s)"
        err_console.print(
            f"[bold red]audit log broken[/bold red]: {len(rows)} problem(s) "
            f"in {report.entries} entries{against}"
        )
    emit(fmt, document=report, rows=rows, columns=["seq", "problem"], title="Audit problems")
    raise typer.Exit(AuditChainBroken.exit_code)


@audit_app.command("checkpoint")
def audit_checkpoint(
    to: Annotated[
        Path | None,
        typer.Option("--to", help="the file to append to (default: TAAWUN_AUDIT_CHECKPOINT)"),
    ] = None,
) -> None:
    """Append the head of the audit chain (seq, hash, time) to a file, as one JSON line;
    prints the line. Keep the file off the node: `audit verify --checkpoint` checks it."""
    path = to or Settings.from_env().audit_checkpoint
    if path is None:
        raise InvalidInput("checkpoint: give --to PATH or set TAAWUN_AUDIT_CHECKPOINT", field="to")
    with unit_of_work() as session:
        taken = service.checkpoint_audit(operator(), session, clock=SystemClock())
    if taken is None:
        err_console.print("the audit log is empty: nothing to checkpoint")
        return
    checkpoints.append_checkpoint(path, taken)
    sys.stdout.write(taken.line().decode())


@audit_app.command("list")
def audit_list(
    limit: Annotated[int, typer.Option("--limit")] = 20,
    action: Annotated[str | None, typer.Option("--action", help="e.g. access.login")] = None,
    fmt: FormatOpt = Format.TABLE,
) -> None:
    """The newest audit entries."""
    with unit_of_work() as session:
        entries = service.list_audit(operator(), session, limit=limit, action=action)
    rows = [e.model_dump() for e in entries]
    emit(
        fmt,
        document=entries,
        rows=rows,
        columns=["seq", "at", "actor", "action", "target_type", "target_id"],
        title="Audit log",
    )
