"""The FastAPI application, assembled from the contexts' routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Engine

from taawun import __version__
from taawun.access.api import router as access_router
from taawun.analytics.api import router as analytics_router
from taawun.cooperation.api import router as cooperation_router
from taawun.cooperation.threats import index as _threat_index  # noqa: F401 - registers it
from taawun.core.clock import Clock, SystemClock
from taawun.core.ids import IdFactory, RandomIds
from taawun.core.settings import Settings
from taawun.intel.api import router as intel_router
from taawun.intel.taxii import router as taxii_router
from taawun.intel.taxii.fastlane import TaxiiFastLane
from taawun.registry.api import router as registry_router
from taawun.storage.deferred import DeferredWrites, WriteGate
from taawun.storage.engine import for_writes, make_engine, make_sessionmaker
from taawun.web import docs, errors, headers, ui
from taawun.web.memory import keep_large_blocks, settle_heap


@asynccontextmanager
async def _serving(app: FastAPI) -> AsyncIterator[None]:
    if app.state.tune_process:  # see web/memory.py; everything is loaded by now
        app.state.heap_settled = settle_heap()
    try:
        yield
    finally:
        app.state.deferred.close()  # what reads left to record is written before the end


def create_app(
    *,
    settings: Settings | None = None,
    engine: Engine | None = None,
    clock: Clock | None = None,
    ids: IdFactory | None = None,
    tune_process: bool = False,
) -> FastAPI:
    """The node's application. ``tune_process``: also apply the allocator and garbage
    collector settings of ``web/memory.py``, which are process-wide; only the process that
    serves the node asks for them (``taawun serve``, ``create_served_app``), never one that
    builds applications by the dozen, as the tests do."""
    settings = settings or Settings.from_env()
    engine = engine or make_engine(settings.database_url)
    app = FastAPI(
        title="taawun",
        version=__version__,
        description=(
            "Security partnerships between nations: agreements from real data (ATOP 5.1, "
            "COW), accounts and audit. Every endpoint except /health needs a Bearer token "
            "or HTTP Basic."
        ),
        lifespan=_serving,
        docs_url=None,  # FastAPI's docs pages load from a CDN: web/docs.py serves the node's own
        redoc_url=None,
    )
    app.state.tune_process = tune_process
    app.state.large_blocks_kept = tune_process and keep_large_blocks()  # see web/memory.py
    app.state.heap_settled = False
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.write_sessionmaker = make_sessionmaker(for_writes(engine))
    app.state.write_gate = WriteGate()
    app.state.deferred = DeferredWrites(engine, app.state.write_gate)  # see storage/deferred.py
    # Where a read's synchronous database work runs. On SQLite (the embedded default) the
    # database is in this process and, in WAL mode, a reader never waits for a writer: the
    # read is CPU work like the rest of the request, and handing it to a worker thread costs
    # more than a lookup by id does (one hop measured about 1 ms per 1,000-object page on
    # the benchmark machine; benchmarks/README.md). So reads run on the event loop. On
    # PostgreSQL a query waits on the network, so it goes to a worker thread. Only reads:
    # anything that may write (an audit entry) runs in a worker thread.
    app.state.inline_reads = engine.dialect.name == "sqlite"
    app.state.clock = clock or SystemClock()
    app.state.ids = ids or RandomIds()
    errors.install(app)
    app.add_middleware(TaxiiFastLane, state=app.state)  # the TAXII read hot path, see there
    headers.install(app)  # outermost: every answer carries them, the fast lane's included

    @app.get("/health", tags=["node"])
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    # TAXII first: routes are matched in order, and its reads are the node's hot path.
    app.include_router(taxii_router)
    app.include_router(access_router)
    app.include_router(registry_router)
    app.include_router(intel_router)
    app.include_router(cooperation_router)
    app.include_router(analytics_router)
    docs.install(app)  # /docs, /redoc and their assets under /static/docs/, see web/docs.py
    ui.install(app)  # the web UI's pages, last: "/" and its HTML errors, see web/ui/
    return app


def create_served_app() -> FastAPI:
    """The application as a serving process runs it, from the environment's settings, with
    the process tuned (``uvicorn --factory taawun.web.app:create_served_app``)."""
    return create_app(tune_process=True)
