"""The ``taawun`` command: one Typer app, one module per command group.

Errors are mapped once, here, to one line on stderr and the error's exit code: a
``TaawunError`` to its own code, a command line Typer cannot parse (an unknown option, a
missing argument, a value not among the choices, no command at all) to 2.

Start-up is kept short: the command modules import only Typer and ``taawun.core`` at the
top, and what a command needs (SQLAlchemy, the contexts, Rich) when it runs;
``tests/integration/test_cli_usage.py`` checks that ``taawun --help`` loads none of it.
"""

from __future__ import annotations

import atexit
import functools
import gc
import sys

import typer
import typer.main
from typer.core import TyperGroup

try:  # Typer raises its own copy of click's errors (since it stopped depending on click)
    from typer._click import core as click_command
    from typer._click.exceptions import ClickException, UsageError
except ImportError:  # older Typer raises click's
    from click import core as click_command  # type: ignore[no-redef]
    from click.exceptions import ClickException, UsageError  # type: ignore[assignment]

from taawun.cli import (
    admin,
    agreement,
    analytics,
    common,
    demo,
    exercises,
    export,
    intel,
    node,
    ops,
    plot,
    registry,
    report,
    threats,
    training,
    transfers,
)
from taawun.cli._output import error
from taawun.core.errors import InvalidInput, TaawunError

cli = typer.Typer(
    name="taawun",
    help="Security partnerships between nations: agreements from real data, shared intelligence.",
    # No group prints its help when called bare: that help went to stdout, 40 lines where a
    # script expects the answer. A bare group is a usage error naming its commands.
    no_args_is_help=False,
    pretty_exceptions_enable=False,
)

cli.command("init")(node.init)
cli.command("import")(node.import_data)
cli.command("serve")(node.serve)
cli.command("demo")(demo.demo)
cli.command("state")(registry.state)
cli.command("agreements")(registry.agreements)
cli.command("partners")(registry.partners)
cli.command("dyad")(registry.dyad)
cli.command("org")(registry.org)
cli.add_typer(agreement.app, name="agreement")
cli.add_typer(admin.agency_app, name="agency")
cli.add_typer(admin.user_app, name="user")
cli.add_typer(admin.audit_app, name="audit")
cli.add_typer(intel.app, name="intel")
cli.add_typer(threats.app, name="threats")
cli.add_typer(ops.app, name="ops")
cli.add_typer(training.app, name="training")
cli.add_typer(exercises.app, name="exercises")
cli.add_typer(transfers.app, name="transfers")
cli.add_typer(common.app, name="common")
cli.add_typer(export.app, name="export")
cli.add_typer(analytics.app, name="analytics")
cli.add_typer(plot.app, name="plot")
cli.add_typer(report.app, name="report")


def usage_message(exc: UsageError) -> str:
    """One line naming what was wrong with the command line (and, for a group, its
    commands), and where the help is."""
    ctx = exc.ctx
    where = ctx.command_path if ctx is not None else "taawun"
    message = exc.format_message().replace("Value error, ", "")
    if ctx is not None and isinstance(ctx.command, TyperGroup):
        message += f" Commands: {', '.join(ctx.command.list_commands(ctx))}."
    return f"{where}: {message} (see '{where} --help')"


@functools.cache
def _skip_the_last_collection() -> None:
    """At exit, the interpreter's last garbage collection walks every object the command
    loaded (SQLAlchemy's and Pydantic's classes among them): 0.08 s of a 0.5 s query.
    Frozen first, they are left to the operating system instead; by then the command has
    closed its database connections, and the exit handlers registered after this one (during
    the command) have run. Registered once, so a test calling ``app()`` in its own process
    changes nothing until that process ends."""
    atexit.register(gc.freeze)


@functools.cache
def command() -> click_command.Command:
    """The click command Typer builds from ``cli``: built once per process (about 0.03 s,
    evaluating every command's annotations), so the warm process (``cli/warm.py``) builds it
    before it forks, and its children run queries without."""
    return typer.main.get_command(cli)


def app() -> None:
    """Console entry point."""
    _skip_the_last_collection()
    try:
        # As ``cli(...)`` runs it, but with the command built once; named under `python -m` too
        code = command().main(standalone_mode=False, prog_name="taawun")
        if isinstance(code, int) and code:
            sys.exit(code)
    except TaawunError as exc:
        more = ["candidates: " + "; ".join(exc.candidates)] if exc.candidates else []
        error(exc.message, *more)
        sys.exit(exc.exit_code)
    except UsageError as exc:
        error(usage_message(exc))
        sys.exit(InvalidInput.exit_code)
    except ClickException as exc:  # the rest of click's errors (a file it cannot open)
        error(exc.format_message())
        sys.exit(exc.exit_code)
    except typer.Abort:
        error("aborted")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:
        from pydantic import ValidationError  # loaded already by any command that can raise it

        if not isinstance(exc, ValidationError):
            raise
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        error(f"{field}: {message}")
        sys.exit(InvalidInput.exit_code)


if __name__ == "__main__":
    app()
