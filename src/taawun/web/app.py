"""The FastAPI application, assembled from the contexts' routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Engine

from taawun import __version__
from taawun.access.api import router as access_router
from taawun.core.clock import Clock, SystemClock
from taawun.core.ids import IdFactory, RandomIds
from taawun.core.settings import Settings
from taawun.intel.api import router as intel_router
from taawun.intel.taxii import router as taxii_router
from taawun.intel.taxii.fastlane import TaxiiFastLane
from taawun.registry.api import router as registry_router
from taawun.storage.deferred import DeferredWrites, WriteGate
from taawun.storage.engine import for_writes, make_engine, make_sessionmaker
from taawun.web import errors, headers
from taawun.web.memory import keep_large_blocks, settle_heap


@asynccontextmanager
async def _serving(app: FastAPI) -> AsyncIterator[None]:
    app.state.heap_settled = settle_heap()  # see web/memory.py; everything is loaded by now
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
) -> FastAPI:
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
    )
    app.state.large_blocks_kept = keep_large_blocks()  # see web/memory.py
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.write_sessionmaker = make_sessionmaker(for_writes(engine))
    app.state.write_gate = WriteGate()
    app.state.deferred = DeferredWrites(engine, app.state.write_gate)  # see storage/deferred.py
    app.state.inline_reads = engine.dialect.name == "sqlite"  # see access.deps.run_read
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
    return app
