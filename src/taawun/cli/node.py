"""`taawun init|import|serve`: set up a node, load the real data, serve the API."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from taawun.cli._output import console
from taawun.core.settings import Settings
from taawun.storage.engine import make_engine, make_sessionmaker
from taawun.storage.migrate import upgrade


def init() -> None:
    """Create the node's database (or bring its schema up to date)."""
    settings = Settings.from_env()
    settings.home.mkdir(parents=True, exist_ok=True)
    upgrade(make_engine(settings.database_url))
    console.print(f"taawun node ready at [bold]{settings.database_url}[/bold]")


def import_data(
    force: Annotated[
        bool, typer.Option("--force", help="re-read every source even if unchanged")
    ] = False,
) -> None:
    """Import the shipped datasets (COW states and IGOs, ATOP 5.1, curated additions)."""
    from taawun.registry.importers.run import import_all

    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    tasks: dict[str, TaskID] = {}
    with Progress(
        TextColumn("{task.description:<22}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:

        def on_progress(source: str, done: int, total: int) -> None:
            if source not in tasks:
                tasks[source] = progress.add_task(source, total=total)
            progress.update(tasks[source], completed=done, total=total)

        with make_sessionmaker(engine)() as session:
            report = import_all(session, on_progress=on_progress, force=force)
    console.print(report.summary())


def serve(
    host: Annotated[str, typer.Option("--host", help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="port to listen on")] = 8000,
) -> None:
    """Serve the REST API (OpenAPI at /docs); with ``TAAWUN_AUDIT_CHECKPOINT`` set, write the
    audit chain's head there at start, every ``TAAWUN_AUDIT_CHECKPOINT_EVERY`` seconds, and
    at the end."""
    import uvicorn

    from taawun.access.checkpoints import periodic
    from taawun.cli._context import engine
    from taawun.core.clock import SystemClock
    from taawun.core.settings import Settings
    from taawun.storage.engine import make_sessionmaker
    from taawun.web.app import create_app

    settings = Settings.from_env()
    built = engine(settings)
    app = create_app(settings=settings, engine=built)
    console.print(f"taawun serving on http://{host}:{port} (API docs: http://{host}:{port}/docs)")
    if settings.audit_checkpoint is not None:
        console.print(
            f"audit checkpoints to {settings.audit_checkpoint}, "
            f"every {settings.audit_checkpoint_every} s"
        )
    with periodic(
        make_sessionmaker(built),
        settings.audit_checkpoint,
        every=settings.audit_checkpoint_every,
        clock=SystemClock(),
    ):
        uvicorn.run(app, host=host, port=port, log_level="info")
