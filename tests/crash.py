"""Kill the node during ingest and check that nothing it acknowledged was lost.

Shared by ``benchmarks/crash.py`` (many rounds) and ``tests/integration/test_crash.py`` (a
few). Each round starts the node (``tests/load.Server``), lets writers POST envelopes of new
indicators over TAXII and share them over REST, kills the node with SIGKILL at a random
moment, starts it again on the same database, and checks:

- every object whose write was acknowledged (TAXII 202 with status ``complete``, or REST 200
  with every object stored) is there, readable by its owner, byte for byte as it was sent;
- no envelope is half stored: the objects of one request are all there or none are;
- the database is sound (SQLite ``PRAGMA integrity_check``) and the audit chain verifies.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import orjson
from sqlalchemy import Engine, bindparam, text
from sqlalchemy.orm import Session

from taawun.access.audit import verify_chain
from tests import load

ENVELOPE = 25  # objects per write
# Read back as the node: a storage check, not a user's read.
_BODIES = text("SELECT stix_id, body FROM intel_object WHERE stix_id IN :ids").bindparams(
    bindparam("ids", expanding=True)
)


@dataclass
class Round:
    acknowledged: int = 0  # objects the node said it stored
    requests: int = 0
    unanswered: int = 0  # writes in flight when the node died (either outcome is right)
    missing: list[str] = field(default_factory=list)
    altered: list[str] = field(default_factory=list)
    partial: list[str] = field(default_factory=list)  # requests stored in part
    integrity: str = "ok"
    chain_ok: bool = True

    @property
    def ok(self) -> bool:
        return (
            not self.missing
            and not self.altered
            and not self.partial
            and self.integrity == "ok"
            and self.chain_ok
        )


async def _writer(
    base_url: str,
    node: load.Prepared,
    rng: random.Random,
    stop: asyncio.Event,
    sent: dict[str, list[dict[str, object]]],
    acked: set[str],
    result: Round,
) -> None:
    objects_url = f"/taxii2/root/collections/{node.collection}/objects/"
    auth = {"Authorization": f"Bearer {node.tokens['tr.liaison']}"}
    async with httpx.AsyncClient(base_url=base_url, timeout=30.0) as http:
        while not stop.is_set():
            key = uuid.UUID(int=rng.getrandbits(128)).hex
            batch = [load.indicator(f"crash-{key}-{n}") for n in range(ENVELOPE)]
            sent[key] = batch
            taxii = rng.random() < 0.5
            try:
                if taxii:
                    response = await http.post(
                        objects_url,
                        content=orjson.dumps({"objects": batch}),
                        headers={**auth, "Accept": load.TAXII, "Content-Type": load.TAXII},
                    )
                    done = response.status_code == 202 and response.json()["status"] == "complete"
                else:
                    body = {"objects": batch, "release_to": [str(node.agreement_id)]}
                    response = await http.post("/api/v1/intel/share", json=body, headers=auth)
                    done = response.status_code == 200 and response.json()["stored"] == ENVELOPE
            except (httpx.TransportError, ValueError):
                result.unanswered += 1
                return  # the node is gone
            result.requests += 1
            if done:
                acked.add(key)
                result.acknowledged += ENVELOPE


async def _write_until_killed(
    server: load.Server, node: load.Prepared, rng: random.Random, writers: int, kill_after: float
) -> tuple[dict[str, list[dict[str, object]]], set[str], Round]:
    sent: dict[str, list[dict[str, object]]] = {}
    acked: set[str] = set()
    result = Round()
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(_writer(server.base_url, node, rng, stop, sent, acked, result))
        for _ in range(writers)
    ]
    await asyncio.sleep(kill_after)
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=30)
    stop.set()
    await asyncio.gather(*tasks)
    return sent, acked, result


def _check(
    engine: Engine, sent: dict[str, list[dict[str, object]]], acked: set[str], result: Round
) -> None:
    with Session(engine) as session:
        for key, batch in sent.items():
            ids = [str(o["id"]) for o in batch]
            rows = {
                stix_id: orjson.loads(bytes(body))
                for stix_id, body in session.execute(_BODIES, {"ids": ids}).all()
            }
            if key in acked:
                result.missing += [i for i in ids if i not in rows]
            if rows and len(rows) != len(ids):
                result.partial.append(key)
            for obj in batch:
                stored = rows.get(str(obj["id"]))
                if stored is not None and stored != obj | _markings(stored):
                    result.altered.append(str(obj["id"]))
        if engine.dialect.name == "sqlite":
            result.integrity = str(session.scalar(text("PRAGMA integrity_check")))
        result.chain_ok = verify_chain(session).ok


def _markings(stored: dict[str, object]) -> dict[str, object]:
    """What the node adds to an object as served (its TLP and classification)."""
    return {k: v for k, v in stored.items() if k in ("object_marking_refs", "extensions")}


def crash_round(url: str, node: load.Prepared, log: Path, *, seed: int, writers: int = 4) -> Round:
    """One round: start the node, write, kill it at a random moment, restart it, check."""
    from taawun.storage.engine import make_engine

    rng = random.Random(seed)
    server = load.Server.start(url, log)
    try:
        sent, acked, result = asyncio.run(
            _write_until_killed(server, node, rng, writers, kill_after=rng.uniform(1.0, 2.5))
        )
    finally:
        server.stop()
    again = load.Server.start(url, log)  # the node starts again on what the kill left
    try:
        health = httpx.get(f"{again.base_url}/health", timeout=10)
        assert health.status_code == 200
    finally:
        again.stop()
    engine = make_engine(url)
    try:
        _check(engine, sent, acked, result)
    finally:
        engine.dispose()
    return result
