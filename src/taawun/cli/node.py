"""`taawun init|import|serve`: set up a node, load the real data, serve the API.

The storage layer, the importers and the web app are imported when a command runs.
"""

from __future__ import annotations

import errno
import socket
from typing import TYPE_CHECKING, Annotated

import typer

from taawun.cli._output import console
from taawun.core.errors import TaawunError
from taawun.core.settings import Settings

if TYPE_CHECKING:
    from rich.progress import TaskID


class CannotListen(TaawunError):
    """The address to serve on is taken (or not ours to take): said before any set-up."""

    code = "cannot_listen"
    exit_code = 12


UVICORN_STARTUP_FAILURE = 3  # uvicorn's exit code when it cannot start; ours is 3 "not found"


def check_listen(host: str, port: int) -> None:
    """Bind ``host:port`` as uvicorn will (its address family, ``SO_REUSEADDR``), and let go.

    Without this, a busy port is found only by the server, after ``taawun demo`` has spent
    its set-up, and uvicorn's exit code (3) reads as "not found". Another process may still
    take the port in between; then the server's own error stands."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:  # socket.gaierror too: a host name that does not resolve
            if exc.errno == errno.EADDRINUSE:
                message = (
                    f"port {port} on {host} is in use (another taawun serve?); "
                    "stop it or choose another with --port"
                )
            else:
                message = f"cannot serve on {host}:{port}: {exc.strerror or exc}"
            raise CannotListen(message, field="port", value=port) from None


def init() -> None:
    """Create the node's database (or bring its schema up to date)."""
    from taawun.storage.engine import make_engine
    from taawun.storage.migrate import upgrade

    settings = Settings.from_env()
    settings.home.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    console().print(f"taawun node ready at [bold]{settings.database_url}[/bold]")


def import_data(
    force: Annotated[
        bool, typer.Option("--force", help="re-read every source even if unchanged")
    ] = False,
) -> None:
    """Import the shipped datasets: COW states and IGOs, ATOP 5.1 and curated additions, then
    the cooperation record (MME exercises, Geo-PKO deployments, SIPRI transfers)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from taawun.cooperation.importers import run as cooperation_import
    from taawun.registry.importers.run import import_all
    from taawun.storage.engine import make_engine, make_sessionmaker
    from taawun.storage.migrate import upgrade

    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    out = console()
    tasks: dict[str, TaskID] = {}
    try:
        upgrade(engine)
        with Progress(
            TextColumn("{task.description:<22}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=out,
            transient=False,
        ) as progress:

            def on_progress(source: str, done: int, total: int) -> None:
                if source not in tasks:
                    tasks[source] = progress.add_task(source, total=total)
                progress.update(tasks[source], completed=done, total=total)

            with make_sessionmaker(engine)() as session:
                report = import_all(session, on_progress=on_progress, force=force)
                record = cooperation_import.import_all(
                    session, on_progress=on_progress, force=force
                )
    finally:
        engine.dispose()
    out.print(report.summary())
    if record.sources:
        out.print(record.summary())


def serve(
    host: Annotated[str, typer.Option("--host", help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="port to listen on")] = 8000,
) -> None:
    """Serve the REST API (OpenAPI at /docs); with ``TAAWUN_AUDIT_CHECKPOINT`` set, write the
    audit chain's head there at start, every ``TAAWUN_AUDIT_CHECKPOINT_EVERY`` seconds, and
    at the end."""
    check_listen(host, port)
    import uvicorn

    from taawun.access.checkpoints import periodic
    from taawun.cli._context import engine
    from taawun.core.clock import SystemClock
    from taawun.storage.engine import make_sessionmaker
    from taawun.web.app import create_app

    settings = Settings.from_env()
    built = engine(settings)
    app = create_app(settings=settings, engine=built, tune_process=True)
    out = console()
    out.print(f"taawun serving on http://{host}:{port} (API docs: http://{host}:{port}/docs)")
    if settings.audit_checkpoint is not None:
        out.print(
            f"audit checkpoints to {settings.audit_checkpoint}, "
            f"every {settings.audit_checkpoint_every} s"
        )
    with periodic(
        make_sessionmaker(built),
        settings.audit_checkpoint,
        every=settings.audit_checkpoint_every,
        clock=SystemClock(),
    ):
        try:
            uvicorn.run(app, host=host, port=port, log_level="info")
        except SystemExit as exc:
            if exc.code != UVICORN_STARTUP_FAILURE:
                raise
            raise CannotListen(
                f"the server did not start on {host}:{port} (uvicorn said why, above)"
            ) from None
