"""`taawun agency|user|audit`: node administration from the shell, for scripts.

Commands that create something print only its id (or the token) on stdout; those that
change or remove something print the id or name they were given (``user password
--generate``: the new password, once). They act as the node operator (``cli:<os user>`` in
the audit log), who administers every agency. Listings name what they show by number: a
user's agency, an audit entry's target. The access context is imported when a command runs,
not when the CLI starts.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from taawun.cli._output import Format, emit, err_console
from taawun.core.clock import SystemClock
from taawun.core.errors import AuditChainBroken, InvalidInput
from taawun.core.principal import Clearance, Role
from taawun.core.settings import Settings

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.orm import Session

    from taawun.access.schemas import AuditEntryRead, TokenRead

agency_app = typer.Typer(help="Agencies: a state's participating bodies.")
user_app = typer.Typer(help="Users and their API tokens.")
audit_app = typer.Typer(help="The hash-chained audit log.")

FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="table, json or csv")]
# A generated password: 18 random bytes, 24 URL-safe characters (144 bits): past any
# guessing, and short enough to read out once over a telephone.
GENERATED_PASSWORD_BYTES = 18


@agency_app.command("add")
def agency_add(
    state: Annotated[str, typer.Option("--state", help="ISO3, ISO2, COW code or name")],
    name: Annotated[str, typer.Option("--name", help="the agency's name")],
    kind: Annotated[
        str, typer.Option("--kind", help="intelligence, defence, interior, ...")
    ] = "other",
) -> None:
    """Add an agency; prints its id."""
    from taawun.access import service
    from taawun.cli._context import operator, unit_of_work
    from taawun.registry.resolver import resolve_state

    with unit_of_work() as session:
        found = resolve_state(session, state)
        created = service.create_agency(
            operator(), session, state_id=found.id, name=name, kind=kind, clock=SystemClock()
        )
    typer.echo(created.id)


@agency_app.command("list")
def agency_list(fmt: FormatOpt = Format.TABLE) -> None:
    """Every agency on the node."""
    from taawun.access import service
    from taawun.cli import _names
    from taawun.cli._context import operator, unit_of_work

    with unit_of_work() as session:
        agencies = service.list_agencies(operator(), session)
        states = _names.states(session, {a.state_id for a in agencies})
    rows = [{**a.model_dump(), "state": states.get(a.state_id)} for a in agencies]
    columns = ["id", "state_id", "state", "name", "kind", "created_at"]
    if fmt is Format.TABLE:
        columns.remove("state_id")
    emit(fmt, document=agencies, rows=rows, columns=columns, title="Agencies")


@agency_app.command("remove")
def agency_remove(
    agency: Annotated[str, typer.Argument(help="the agency, by id or name")],
) -> None:
    """Remove an agency added by mistake; prints its id.

    Refused while it has users, active or disabled (an agency that has served is retired by
    disabling its users, and stays with them for the audit trail), or owns intel or is
    named a recipient of some."""
    from taawun.access import service
    from taawun.cli._context import operator, unit_of_work
    from taawun.intel import service as intel  # noqa: F401 - tells access what intel holds

    with unit_of_work() as session:
        found = service.find_agency(operator(), session, ref=agency)
        service.remove_agency(operator(), session, agency_id=found.id, clock=SystemClock())
    typer.echo(found.id)


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
    from taawun.access import service
    from taawun.access.schemas import UserCreate
    from taawun.cli._context import operator, unit_of_work

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
    from taawun.access import service
    from taawun.cli import _names
    from taawun.cli._context import operator, unit_of_work

    with unit_of_work() as session:
        users = service.list_users(operator(), session)
        agencies = _names.agencies(operator(), session)
    rows = [
        {**u.model_dump(), "clearance": u.clearance.name, "agency": agencies.get(u.agency_id)}
        for u in users
    ]
    columns = ["id", "username", "agency_id", "agency", "role", "clearance", "active"]
    if fmt is Format.TABLE:
        columns.remove("agency_id")
    emit(fmt, document=users, rows=rows, columns=columns, title="Users", ids=("id", "username"))


@user_app.command("token")
def user_token(
    username: Annotated[str, typer.Argument(help="whose token")],
    name: Annotated[str, typer.Option("--name", help="what the token is for")] = "cli",
    expires_in_days: Annotated[
        int | None,
        typer.Option("--expires-in-days", help="days until it expires (default 90, at most 366)"),
    ] = None,
    expires_at: Annotated[
        str | None,
        typer.Option("--expires-at", help="when it expires, e.g. 2027-03-31T00:00:00Z"),
    ] = None,
) -> None:
    """Issue an API token; prints it once (only its hash is kept). It expires in 90 days
    unless --expires-in-days or --expires-at says otherwise."""
    from taawun.access import token_service
    from taawun.cli._context import operator, unit_of_work
    from taawun.core.ids import RandomIds

    when = None if expires_at is None else _timestamp(expires_at, field="expires_at")
    with unit_of_work() as session:
        issued = token_service.issue_token(
            operator(),
            session,
            username=username,
            name=name,
            expires_at=when,
            expires_in_days=expires_in_days,
            clock=SystemClock(),
            ids=RandomIds(),
        )
    typer.echo(issued.token)


def _timestamp(value: str, *, field: str) -> datetime:
    """An ISO 8601 time from the command line (``Z`` for UTC is accepted)."""
    from datetime import datetime

    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            f"{field}: {value!r} is not an ISO 8601 time; e.g. 2027-03-31T00:00:00Z",
            field=field,
            value=value,
        ) from None


@user_app.command("tokens")
def user_tokens(
    username: Annotated[
        str | None, typer.Argument(help="whose tokens (default: every user's)")
    ] = None,
    fmt: FormatOpt = Format.TABLE,
) -> None:
    """API tokens with their last use, never the token itself."""
    from taawun.access import service, token_service
    from taawun.cli import _names
    from taawun.cli._context import operator, unit_of_work

    with unit_of_work() as session:
        found = token_service.list_tokens(operator(), session, username=username)
        agency_of = {u.username: u.agency_id for u in service.list_users(operator(), session)}
        agencies = _names.agencies(operator(), session)
    now = SystemClock().now()
    rows = [
        {
            **t.model_dump(),
            "agency": agencies.get(agency_of.get(t.user, 0)),
            "status": _token_status(t, now),
        }
        for t in found
    ]
    columns = [
        "id", "user", "agency", "name", "prefix", "status",
        "created_at", "expires_at", "last_used_at", "revoked_at",
    ]  # fmt: skip
    emit(fmt, document=found, rows=rows, columns=columns, title="API tokens", ids=("id", "prefix"))


def _token_status(token: TokenRead, now: datetime) -> str:
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    return "valid"


@user_app.command("disable")
def user_disable(username: Annotated[str, typer.Argument(help="whose account")]) -> None:
    """Disable a user: their password and tokens stop working at once; prints the name."""
    from taawun.access import service
    from taawun.cli._context import operator, unit_of_work
    from taawun.web.ui import sessions  # noqa: F401 - ends their browser sessions

    with unit_of_work() as session:
        service.disable_user(operator(), session, username=username, clock=SystemClock())
    typer.echo(username)


@user_app.command("enable")
def user_enable(username: Annotated[str, typer.Argument(help="whose account")]) -> None:
    """Enable a disabled user again (their unexpired, unrevoked tokens work again); prints
    the name."""
    from taawun.access import service
    from taawun.cli._context import operator, unit_of_work

    with unit_of_work() as session:
        service.enable_user(operator(), session, username=username, clock=SystemClock())
    typer.echo(username)


@user_app.command("password")
def user_password(
    username: Annotated[str, typer.Argument(help="whose password")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the new password from standard input")
    ] = False,
    generate: Annotated[
        bool, typer.Option("--generate", help="make a random password and print it, once")
    ] = False,
    revoke_tokens: Annotated[
        bool,
        typer.Option(
            "--revoke-tokens", help="revoke all the user's tokens too (a suspected compromise)"
        ),
    ] = False,
) -> None:
    """Set a user's password: asked for twice at a terminal (not shown), read from standard
    input, or generated. Prints the name, or the generated password (only then shown). The
    user's tokens keep working unless --revoke-tokens."""
    from taawun.access import service
    from taawun.cli._context import operator, unit_of_work
    from taawun.core.ids import RandomIds
    from taawun.web.ui import sessions  # noqa: F401 - ends their browser sessions

    if password_stdin and generate:
        raise InvalidInput(
            "password: give --password-stdin or --generate, not both", field="password"
        )
    if generate:
        password = RandomIds().token(GENERATED_PASSWORD_BYTES)
    elif password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif _at_a_terminal():
        password = typer.prompt(
            f"New password for {username}", hide_input=True, confirmation_prompt=True, err=True
        )
    else:
        raise InvalidInput(
            "password: pass --password-stdin and the password on standard input, or --generate",
            field="password",
        )
    with unit_of_work() as session:
        service.set_password(
            operator(),
            session,
            username=username,
            password=password,
            revoke_tokens=revoke_tokens,
            clock=SystemClock(),
        )
    typer.echo(password if generate else username)


@user_app.command("revoke")
def user_revoke(token_id: Annotated[int, typer.Argument(help="the token's id")]) -> None:
    """Revoke an API token."""
    from taawun.access import token_service
    from taawun.cli._context import operator, unit_of_work

    with unit_of_work() as session:
        token_service.revoke_token(operator(), session, token_id=token_id, clock=SystemClock())
    typer.echo(token_id)


def _at_a_terminal() -> bool:
    """Whether someone can be asked for a password (not a script's pipe)."""
    return sys.stdin.isatty()


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
    from taawun.access import checkpoints, service
    from taawun.cli._context import operator, unit_of_work

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
        err_console().print(
            f"[bold red]audit log broken[/bold red]: {len(rows)} problem(s) "
            f"in {report.entries} entries{against}"
        )
    emit(
        fmt,
        document=report,
        rows=rows,
        columns=["seq", "problem"],
        title="Audit problems",
        ids=("seq",),
    )
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
    from taawun.access import checkpoints, service
    from taawun.cli._context import operator, unit_of_work

    path = to or Settings.from_env().audit_checkpoint
    if path is None:
        raise InvalidInput("checkpoint: give --to PATH or set TAAWUN_AUDIT_CHECKPOINT", field="to")
    with unit_of_work() as session:
        taken = service.checkpoint_audit(operator(), session, clock=SystemClock())
    if taken is None:
        err_console().print("the audit log is empty: nothing to checkpoint")
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
    from taawun.access import service
    from taawun.cli._context import operator, unit_of_work

    with unit_of_work() as session:
        entries = service.list_audit(operator(), session, limit=limit, action=action)
        named = _targets(session, entries)
    rows = [{**e.model_dump(), "target": named.get((e.target_type, e.target_id))} for e in entries]
    emit(
        fmt,
        document=entries,
        rows=rows,
        columns=["seq", "at", "actor", "action", "target_type", "target_id", "target"],
        title="Audit log",
        ids=("seq", "target_id"),
    )


def _targets(
    session: Session, entries: list[AuditEntryRead]
) -> dict[tuple[str | None, str | None], str]:
    """What each numbered target is called: a user's name, an agency's name and state, a
    token's name and user, an agreement's source and parties. Gone (a removed agency): none."""
    from taawun.access import service, token_service
    from taawun.cli import _names
    from taawun.cli._context import operator
    from taawun.core.integers import INT32_MAX, bounded_int

    wanted = {(e.target_type, e.target_id) for e in entries if e.target_id is not None}
    kinds = {kind for kind, _ in wanted}
    names: dict[tuple[str, str], str] = {}
    if "user" in kinds:
        names |= {("user", str(u.id)): u.username for u in service.list_users(operator(), session)}
    if "agency" in kinds:
        agencies = _names.agencies(operator(), session)
        names |= {("agency", str(i)): name for i, name in agencies.items()}
    if "api_token" in kinds:
        names |= {
            ("api_token", str(t.id)): f"{t.name} ({t.user})"
            for t in token_service.list_tokens(operator(), session)
        }
    for kind, target in wanted:
        number = None if target is None else bounded_int(target, maximum=INT32_MAX)
        if kind == "agreement" and number is not None:
            names[(kind, target)] = _names.agreement(operator(), session, number)
    return {key: names[key] for key in wanted if key in names}
