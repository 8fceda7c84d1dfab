"""The TAXII workload, the same for every server: ingest, page through, look up, load.

Pages and lookups are timed with the standard library's ``http.client`` on one kept-alive
connection, from sending the request to holding the whole body: the server's time plus the
transfer, not a client library's (httpx alone adds about 0.6 ms to a small request and
1.5 ms to reading a page of 1000 objects here). Each page is then parsed with orjson to
follow ``next`` and count the objects; that parse is outside the timed request, and the
rate including it is reported too ("page objects/s with parse"). Ingest and the
concurrent clients use httpx (its async client gives the 16 concurrent connections).

Each phase has a time budget; a phase that exceeds it raises ``PhaseTimeout``
(a single request is given the same budget as its timeout), so that a server
whose cost grows with N is stopped, not waited for.
"""

from __future__ import annotations

import asyncio
import http.client
import random
import statistics
import time
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import orjson
from _taxii_corpus import envelopes, stix_id
from _taxii_servers import TAXII, Target

ENVELOPE = 500
PAGE = 1000


class PhaseTimeout(Exception):
    def __init__(self, phase: str, seconds: float) -> None:
        super().__init__(f"{phase} exceeded its budget ({seconds:.0f} s)")
        self.phase = phase


def _client(target: Target, budget: float) -> httpx.Client:
    return httpx.Client(headers=target.headers, timeout=httpx.Timeout(budget, connect=10.0))


def _check(phase: str, start: float, budget: float) -> None:
    if time.perf_counter() - start > budget:
        raise PhaseTimeout(phase, budget)


class LeanClient:
    """GETs on one kept-alive ``http.client`` connection; each returns (seconds, body)."""

    def __init__(self, target: Target, phase: str, budget: float) -> None:
        url = urlsplit(target.objects_url)
        self.path = url.path
        self.headers = target.headers
        self.phase = phase
        self.budget = budget
        self.conn = http.client.HTTPConnection(
            url.hostname or "127.0.0.1", url.port, timeout=budget
        )

    def __enter__(self) -> LeanClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.conn.close()

    def get(self, params: dict[str, Any]) -> tuple[float, bytes]:
        sent = time.perf_counter()
        try:
            self.conn.request("GET", f"{self.path}?{urlencode(params)}", headers=self.headers)
            response = self.conn.getresponse()
            body = response.read()
        except TimeoutError:
            raise PhaseTimeout(self.phase, self.budget) from None
        took = time.perf_counter() - sent
        if response.status != 200:
            raise RuntimeError(f"{self.phase}: {response.status} {body[:300]!r}")
        return took, body


def ingest(target: Target, n: int, budget: float) -> dict[str, float]:
    """POST objects 0 .. n-1 in envelopes of 500; every object must be stored."""
    headers = {"Content-Type": TAXII}
    tail_from = n - max(n // 10, ENVELOPE)  # the last tenth: where a growing cost would show
    tail_seconds = 0.0
    tail_objects = 0
    with _client(target, budget) as client:
        start = time.perf_counter()
        done = 0
        for count, body in envelopes(0, n, ENVELOPE):
            sent = time.perf_counter()
            try:
                response = client.post(target.objects_url, content=body, headers=headers)
            except httpx.TimeoutException:
                raise PhaseTimeout("ingest", budget) from None
            if response.status_code != 202:
                raise RuntimeError(
                    f"{target.name} ingest: {response.status_code} {response.text[:300]}"
                )
            status = orjson.loads(response.content)
            if status.get("success_count") != count:
                failures = status.get("failures", [])[:2]
                raise RuntimeError(
                    f"{target.name} ingest: {status.get('success_count')}/{count} stored: "
                    f"{failures}"
                )
            if done >= tail_from:
                tail_seconds += time.perf_counter() - sent
                tail_objects += count
            done += count
            _check("ingest", start, budget)
        elapsed = time.perf_counter() - start
    tail_rate = tail_objects / tail_seconds if tail_seconds else 0.0
    return {"ingest/s": n / elapsed, "ingest tail/s": tail_rate}


def page_all(target: Target, n: int, budget: float) -> dict[str, float]:
    """GET every object with limit=1000, following ``next``; the count must be n."""
    seen = 0
    requests = 0.0
    first_ms = 0.0
    with LeanClient(target, "page", budget) as client:
        start = time.perf_counter()
        params: dict[str, Any] = {"limit": PAGE}
        while True:
            took, body = client.get(params)
            requests += took
            first_ms = first_ms or took * 1000
            page = orjson.loads(body)
            seen += len(page.get("objects", ()))
            _check("page", start, budget)
            if not page.get("more"):
                break
            params = {"limit": PAGE, "next": page["next"]}
        elapsed = time.perf_counter() - start
    if seen != n:
        raise RuntimeError(f"{target.name} page: read {seen} objects, expected {n}")
    return {
        "page objects/s": n / requests,
        "page objects/s with parse": n / elapsed,
        "first page ms": first_ms,
    }


def sample_ids(n: int, k: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [stix_id(rng.randrange(n)) for _ in range(k)]


def lookups(target: Target, n: int, k: int, budget: float) -> dict[str, float]:
    """``k`` sequential GETs with ``match[id]``, each answering exactly that object."""
    ids = sample_ids(n, k + 5, seed=n)
    times: list[float] = []
    with LeanClient(target, "lookup", budget) as client:
        start = time.perf_counter()
        for j, wanted in enumerate(ids):
            took, body = client.get({"match[id]": wanted})
            objects = orjson.loads(body).get("objects", [])
            if [o["id"] for o in objects] != [wanted]:
                raise RuntimeError(f"{target.name} lookup {wanted}: got {len(objects)} objects")
            if j >= 5:  # the first five open the connection and warm the server
                times.append(took)
            _check("lookup", start, budget)
    times.sort()
    return {
        "lookup p50 ms": statistics.median(times) * 1000,
        "lookup p95 ms": times[int(len(times) * 0.95) - 1] * 1000,
    }


async def _load(
    target: Target, n: int, clients: int, seconds: float, budget: float
) -> dict[str, float]:
    ids = sample_ids(n, 4096, seed=n + 1)
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    timeout = httpx.Timeout(budget, connect=10.0)
    async with httpx.AsyncClient(headers=target.headers, limits=limits, timeout=timeout) as client:
        start = time.perf_counter()
        stop_at = start + seconds

        async def worker(w: int) -> None:
            nonlocal errors
            j = w
            while time.perf_counter() < stop_at:
                sent = time.perf_counter()
                try:
                    response = await client.get(
                        target.objects_url, params={"match[id]": ids[j % len(ids)]}
                    )
                    ok = response.status_code == 200
                except httpx.TimeoutException:
                    ok = False
                if ok:
                    latencies.append(time.perf_counter() - sent)
                else:
                    errors += 1
                j += clients

        await asyncio.wait_for(
            asyncio.gather(*(worker(w) for w in range(clients))), seconds + budget
        )
        elapsed = time.perf_counter() - start
    if not latencies:
        raise PhaseTimeout("concurrent", budget)
    latencies.sort()
    return {
        "concurrent req/s": len(latencies) / elapsed,
        "concurrent p50 ms": statistics.median(latencies) * 1000,
        "concurrent p99 ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "concurrent errors": float(errors),
    }


def concurrent(
    target: Target, n: int, clients: int, seconds: float, budget: float
) -> dict[str, float]:
    """``clients`` clients on one event loop, each sending ``match[id]`` GETs back to back for
    ``seconds``; requests/s counts the answered ones over the time until the last one ended."""
    try:
        return asyncio.run(_load(target, n, clients, seconds, budget))
    except TimeoutError:
        raise PhaseTimeout("concurrent", seconds + budget) from None
