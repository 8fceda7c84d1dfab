"""A mixed workload over HTTP, shared by ``benchmarks/load.py`` (the full run) and
``tests/integration/test_load.py`` (a few seconds of it, failing on any error).

The node runs as in production: ``uvicorn --factory taawun.web.app:create_served_app`` in its own
process on 127.0.0.1, one worker, over a database prepared here (migrated, the registry
data imported, agencies of Turkey, Pakistan and Saudi Arabia with a liaison each, and a
Turkey–Pakistan agreement covering intelligence sharing). Clients are asyncio tasks, each
with its own keep-alive connection (httpx), each sending one request after another for
the duration: a weighted mix of

- ``taxii_read``: a page of the agreement's collection, as Pakistan's liaison;
- ``rest_read``: a page of ``/api/v1/intel``;
- ``taxii_write``: an envelope of new indicators POSTed to the agreement's collection;
- ``rest_write``: ``/api/v1/intel/share`` of new indicators, released under the agreement;
- ``refused_read``: an id that does not exist (or that the reader may not read), by REST
  and by TAXII: a 404, which the node audits.

Every answer is checked: a status other than the expected one is an *error*, a failed
connection (reset, refused, timed out) is a *reset*. Nothing here is timed against a
threshold; the benchmark reports the figures.
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

TAXII = "application/taxii+json;version=2.1"
PASSWORD = "load-password-1"
KINDS = ("taxii_read", "rest_read", "taxii_write", "rest_write", "refused_read")
READS = ("taxii_read", "rest_read", "refused_read")
WEIGHTS = (30, 25, 10, 10, 25)
OBJECTS_PER_WRITE = 5
REQUEST_TIMEOUT = 120.0
ACCOUNTS = {
    "tr.liaison": ("TUR", "MIT"),
    "pk.liaison": ("PAK", "ISI"),
    "sa.liaison": ("SAU", "GIP"),
}


@dataclass(frozen=True, slots=True)
class Prepared:
    """A node database ready to serve: its URL and what the clients need."""

    url: str
    tokens: dict[str, str]
    collection: str  # the agreement's TAXII collection id
    agreement_id: int


def prepare(url: str, *, seed_objects: int = 200) -> Prepared:
    """Migrate ``url``, import the registry, create the accounts and the agreement, and
    share ``seed_objects`` indicators under it (so that reads have pages to read)."""
    from taawun.access import service as access
    from taawun.core.clock import SystemClock
    from taawun.core.principal import Clearance, Principal, Role
    from taawun.intel import changes as intel_changes
    from taawun.intel.collections import agreement_collection_id
    from taawun.intel.markings import MarkingDefaults
    from taawun.registry import changes
    from taawun.registry.importers.run import import_all
    from taawun.registry.schemas import AgreementCreate
    from taawun.storage.engine import make_engine
    from taawun.storage.migrate import upgrade
    from tests.accounts import create_accounts

    engine = make_engine(url)
    upgrade(engine)
    clock = SystemClock()
    root = Principal.system_principal("load")
    accounts = {u: (s, a, Role.LIAISON, Clearance.SECRET) for u, (s, a) in ACCOUNTS.items()}
    with Session(engine) as session:
        import_all(session)
        _, tokens = create_accounts(
            session, accounts, password=PASSWORD, clock=clock, token_name="load"
        )
        agreement_id = changes.record_agreement(
            root,
            session,
            data=AgreementCreate(
                title="Turkey–Pakistan intelligence sharing (load)",
                parties=["TUR", "PAK"],
                domains=["intelligence_sharing"],
                in_force=date(2024, 1, 1),
                sharing_ceiling=Clearance.SECRET,
            ),
            clock=clock,
        ).id
        session.commit()
        liaison, _ = access.check_token(session, token=tokens["tr.liaison"], clock=clock)
        if seed_objects:
            intel_changes.share(
                liaison,
                session,
                objects=[indicator(f"seed-{n}") for n in range(seed_objects)],
                defaults=MarkingDefaults(release_to=(str(agreement_id),)),
                clock=clock,
            )
            session.commit()
    engine.dispose()
    return Prepared(url, tokens, agreement_collection_id(agreement_id), agreement_id)


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'load.db'}"


def postgresql_url(admin_url: str, name: str) -> str:
    """A fresh PostgreSQL database ``name`` next to ``admin_url``'s."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin_url.rsplit("/", 1)[0] + "/" + name


def drop_postgresql(admin_url: str, name: str) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


CREATED = "2026-01-01T00:00:00.000Z"


def indicator(key: str) -> dict[str, object]:
    """A valid STIX 2.1 indicator whose id is derived from ``key``."""
    n = uuid.uuid5(uuid.NAMESPACE_URL, f"taawun-load/{key}")
    ident = uuid.UUID(bytes=n.bytes, version=4)
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{ident}",
        "created": CREATED,
        "modified": CREATED,
        "name": f"load indicator {key}",
        "pattern": f"[ipv4-addr:value = '203.0.{n.int % 256}.{n.int // 256 % 256}']",
        "pattern_type": "stix",
        "valid_from": CREATED,
        "indicator_types": ["malicious-activity"],
    }


# --- the server ---------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """``uvicorn --factory taawun.web.app:create_served_app`` in its own process on
    127.0.0.1, as ``taawun serve`` runs the node."""

    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    @classmethod
    def start(cls, database_url: str, log: Path, *, timeout: float = 60.0) -> Server:
        port = free_port()
        env = {**os.environ, "TAAWUN_DATABASE_URL": database_url}
        command = [
            sys.executable, "-m", "uvicorn", "--factory", "taawun.web.app:create_served_app",
            "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
            "--no-access-log",
        ]  # fmt: skip
        with log.open("wb") as out:
            process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        server = cls(process, f"http://127.0.0.1:{port}", log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the node exited with {process.returncode}: {server.output()}")
            try:
                if httpx.get(f"{server.base_url}/health", timeout=1.0).status_code == 200:
                    return server
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        server.stop()
        raise RuntimeError(f"the node did not answer /health within {timeout:.0f} s")

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)


# --- the clients --------------------------------------------------------------------------


@dataclass
class Results:
    """What one level of the workload did, per request kind."""

    clients: int
    seconds: float = 0.0
    warmup: float = 0.0  # seconds at the start whose latencies are kept apart
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    warming: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    resets: Counter[str] = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)  # the first few failures, for the report

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values()) + self.warming_requests

    @property
    def warming_requests(self) -> int:
        return sum(len(v) for v in self.warming.values())

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, kind: str, q: float) -> float:
        values = sorted(self.latencies.get(kind, ()))
        if not values:
            return float("nan")
        return values[min(len(values) - 1, int(q * len(values)))]

    def reads_p99(self, *, warming: bool = False, whole: bool = False) -> float:
        """p99 of the reads after the warm-up (or, ``warming``, of those in it; or,
        ``whole``, of every read of the level, the warm-up's included)."""
        sources = (
            [self.warming, self.latencies]
            if whole
            else [self.warming if warming else self.latencies]
        )
        values = sorted(v for source in sources for kind in READS for v in source[kind])
        return values[min(len(values) - 1, int(0.99 * len(values)))] if values else float("nan")

    def failed(self) -> int:
        return sum(self.errors.values()) + sum(self.resets.values())


class _Workload:
    def __init__(self, base_url: str, node: Prepared, results: Results, rng: random.Random):
        self.base_url = base_url
        self.node = node
        self.results = results
        self.rng = rng
        self.counter = 0
        self.run_id = uuid.uuid4().hex[:8]

    def _auth(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.node.tokens[user]}"}

    def _new_objects(self) -> list[dict[str, object]]:
        out = []
        for _ in range(OBJECTS_PER_WRITE):
            self.counter += 1
            out.append(indicator(f"{self.run_id}-{self.counter}"))
        return out

    def _request(self, kind: str) -> tuple[str, str, dict[str, str], bytes | None, int]:
        objects = f"/taxii2/root/collections/{self.node.collection}/objects/"
        taxii = {"Accept": TAXII}
        if kind == "taxii_read":
            return "GET", f"{objects}?limit=50", {**taxii, **self._auth("pk.liaison")}, None, 200
        if kind == "rest_read":
            return "GET", "/api/v1/intel?limit=50", self._auth("pk.liaison"), None, 200
        if kind == "taxii_write":
            import orjson

            body = orjson.dumps({"objects": self._new_objects()})
            headers = {**taxii, "Content-Type": TAXII, **self._auth("tr.liaison")}
            return "POST", objects, headers, body, 202
        if kind == "rest_write":
            import orjson

            body = orjson.dumps(
                {"objects": self._new_objects(), "release_to": [str(self.node.agreement_id)]}
            )
            headers = {"Content-Type": "application/json", **self._auth("tr.liaison")}
            return "POST", "/api/v1/intel/share", headers, body, 200
        missing = f"indicator--{uuid.UUID(int=self.rng.getrandbits(128), version=4)}"
        if self.rng.random() < 0.5:
            return "GET", f"/api/v1/intel/{missing}", self._auth("sa.liaison"), None, 404
        return "GET", f"{objects}{missing}/", {**taxii, **self._auth("pk.liaison")}, None, 404

    async def client(self, deadline: float, measured_from: float) -> None:
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(
            base_url=self.base_url, timeout=REQUEST_TIMEOUT, limits=limits
        ) as http:
            while time.monotonic() < deadline:
                kind = self.rng.choices(KINDS, WEIGHTS)[0]
                method, path, headers, body, expected = self._request(kind)
                started = time.perf_counter()
                try:
                    response = await http.request(method, path, headers=headers, content=body)
                except httpx.TransportError as exc:
                    self.results.resets[kind] += 1
                    self._sample(f"{kind}: {type(exc).__name__}: {exc}")
                    continue
                warming = started < measured_from
                kept = self.results.warming if warming else self.results.latencies
                kept[kind].append(time.perf_counter() - started)
                if response.status_code != expected or not _complete(kind, response):
                    self.results.errors[kind] += 1
                    self._sample(f"{kind}: {response.status_code} {response.text[:300]}")

    def _sample(self, text: str) -> None:
        if len(self.results.samples) < 10:
            self.results.samples.append(text)


def _complete(kind: str, response: httpx.Response) -> bool:
    """A write answered 2xx must also say every object was stored."""
    try:
        if kind == "taxii_write":
            status = response.json()
            return bool(status["status"] == "complete" and not status["failure_count"])
        if kind == "rest_write":
            report = response.json()
            return bool(report["stored"] == report["total"] == OBJECTS_PER_WRITE)
    except (ValueError, KeyError, TypeError):
        return False
    return True


async def _run(
    base_url: str, node: Prepared, clients: int, seconds: float, seed: int, warmup: float
) -> Results:
    results = Results(clients, warmup=warmup)
    rng = random.Random(seed)
    workloads = [
        _Workload(base_url, node, results, random.Random(rng.random())) for _ in range(clients)
    ]
    started = time.monotonic()
    deadline = started + seconds
    measured_from = time.perf_counter() + warmup
    await asyncio.gather(*(w.client(deadline, measured_from) for w in workloads))
    results.seconds = time.monotonic() - started
    return results


def run_level(
    base_url: str,
    node: Prepared,
    *,
    clients: int,
    seconds: float,
    seed: int = 1,
    warmup: float = 0.0,
) -> Results:
    """``clients`` clients for ``seconds`` against the node at ``base_url``.

    The latencies of requests sent in the first ``warmup`` seconds are kept apart
    (``Results.warming``): when a level starts, every client's first request arrives at
    once, and until the writers settle into their queue most clients are reading at the
    same time, a burst no later second of the level sees again. Their errors and resets
    count like any other."""
    return asyncio.run(_run(base_url, node, clients, seconds, seed, warmup))


def summary(results: Results) -> list[str]:
    """Lines for a report: throughput, failures, p50/p99 per kind (ms)."""
    lines = [
        f"{results.clients} clients, {results.seconds:.1f} s: {results.requests} requests, "
        f"{results.throughput:.0f} req/s, {sum(results.errors.values())} errors, "
        f"{sum(results.resets.values())} resets"
    ]
    if results.warmup:
        lines.append(
            f"  first {results.warmup:.0f} s (kept apart): {results.warming_requests} requests,"
            f" reads p99 {1000 * results.reads_p99(warming=True):.1f} ms"
        )
    for kind in KINDS:
        n = len(results.latencies.get(kind, ()))
        lines.append(
            f"  {kind:13} {n:6} requests  p50 {1000 * results.percentile(kind, 0.5):8.1f} ms"
            f"  p99 {1000 * results.percentile(kind, 0.99):8.1f} ms"
            f"  errors {results.errors[kind]}  resets {results.resets[kind]}"
        )
    lines += [f"  failure: {s}" for s in results.samples]
    return lines


def now_label() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


__all__: Sequence[str] = (
    "KINDS",
    "Prepared",
    "Results",
    "Server",
    "drop_postgresql",
    "now_label",
    "postgresql_url",
    "prepare",
    "run_level",
    "sqlite_url",
    "summary",
)
