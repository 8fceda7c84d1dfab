"""The ``taawun`` command: one Typer app, one module per command group.

Errors are mapped once, here, to a message on stderr and the error's exit code.
"""

from __future__ import annotations

import sys

import typer
from pydantic import ValidationError

from taawun.cli import admin, agreement, demo, intel, node, registry
from taawun.cli._output import err_console
from taawun.core.errors import InvalidInput, TaawunError

cli = typer.Typer(
    name="taawun",
    help="Security partnerships between nations: agreements from real data, shared intelligence.",
    no_args_is_help=True,
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


def app() -> None:
    """Console entry point."""
    try:
        code = cli(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except TaawunError as exc:
        err_console.print(f"[bold red]error:[/bold red] {exc.message}")
        if exc.candidates:
            err_console.print("candidates: " + "; ".join(exc.candidates))
        sys.exit(exc.exit_code)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        err_console.print(f"[bold red]error:[/bold red] {field}: {message}")
        sys.exit(InvalidInput.exit_code)
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # click's usage errors
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise


if __name__ == "__main__":
    app()
