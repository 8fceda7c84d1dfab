"""The node under concurrent load: a few seconds of ``benchmarks/load.py``'s mixed workload
(TAXII and REST reads and writes, refused reads) from 32 clients at once, against the node
served by uvicorn in its own process. Any error or dropped connection fails the test.

Before the node queued its writers and kept waits off the event loop, 16 clients stalled it
for 30 s (the pool ran dry on a blocked loop) and two SQLite writers were enough for
"database is locked". Nothing here is timed: how fast is ``benchmarks/load.py``'s question.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from taawun.access.audit import verify_chain
from taawun.access.models import AuditEntry

from .. import load
from ..conftest import PG_ADMIN_URL, _worker

CLIENTS = 32
SECONDS = 4.0


@pytest.fixture(scope="module")
def served(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[load.Server, load.Prepared]]:
    tmp = tmp_path_factory.mktemp(f"{backend}-load")
    name = f"taawun_test_load_{_worker()}"
    url = load.sqlite_url(tmp) if backend == "sqlite" else load.postgresql_url(PG_ADMIN_URL, name)
    node = load.prepare(url, seed_objects=50)
    server = load.Server.start(url, tmp / "server.log")
    try:
        yield server, node
    finally:
        server.stop()
        if backend != "sqlite":
            load.drop_postgresql(PG_ADMIN_URL, name)


def test_32_clients_get_every_answer_right(served: tuple[load.Server, load.Prepared]) -> None:
    server, node = served
    results = load.run_level(server.base_url, node, clients=CLIENTS, seconds=SECONDS)
    report = "\n".join(load.summary(results))
    assert results.failed() == 0, f"{report}\n--- node log ---\n{server.output()}"
    # Every kind of request was made, writes included, and each write stored its objects.
    assert all(results.latencies[kind] for kind in load.KINDS), report
    server.stop()  # the node writes what reads left to record before it stops
    engine = create_engine(node.url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with Session(engine) as session:
            refused = session.scalar(
                select(func.count()).where(AuditEntry.action == "intel.read_refused")
            )
            assert refused == len(results.latencies["refused_read"]), report
            assert verify_chain(session).ok
    finally:
        engine.dispose()
