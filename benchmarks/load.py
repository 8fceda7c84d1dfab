"""The node under concurrent load: a mixed workload over HTTP at rising concurrency.

    python benchmarks/load.py                      # 1, 4, 16, 64, 128 clients, 60 s each, both DBs
    python benchmarks/load.py --seconds 10 --clients 16 64 --backend sqlite

For each backend a node is prepared (``tests/load.py``: the registry, three agencies with a
liaison each, a Turkey–Pakistan sharing agreement, 200 shared indicators) and served by
uvicorn in its own process on 127.0.0.1 (one worker), as ``taawun serve`` does. At each
level that many clients (asyncio tasks, one keep-alive connection each) send TAXII and REST
reads, TAXII and REST writes, and refused reads for the whole period. Reported per level:
requests per second, errors (a wrong status, or a write that did not store everything),
resets (a failed connection), and p50/p99 latency per request kind after a warm-up of
``--warmup`` seconds (2 by default), with the reads' p99 in the warm-up beside it: when a
level starts, all its clients send their first request at once and most of them read until
the writers settle into their queue, a burst of read concurrency no later second sees.
Results go to ``benchmarks/out/load.json`` and a picture to ``benchmarks/out/load.png``.

The targets (issue 8): zero errors and resets at every level; throughput does not fall as
clients rise past the cores (each level past 4 at least 0.8x the best level below it, a
margin for this machine's noise); p99 of reads under 1 s at 64 clients. The client shares the
machine's two cores with the node: the figures are the node's and the client's together.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # tests/load.py holds the workload shared with the suite

from tests import load  # noqa: E402

OUT = HERE / "out"
PG_URL = os.environ.get(
    "TAAWUN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
READS_P99_TARGET = 1.0  # seconds, at 64 clients
WARMUP = 2.0  # seconds at the start of each level kept apart from its percentiles
KEEPS_UP = 0.8  # a level past the cores keeps this share of the best level below it


def _measure(
    backend: str, levels: list[int], seconds: float, warmup: float, console: Console
) -> list[load.Results]:
    tmp = Path(tempfile.mkdtemp(prefix=f"taawun-load-{backend}-"))
    name = "taawun_bench_load"
    url = load.sqlite_url(tmp) if backend == "sqlite" else load.postgresql_url(PG_URL, name)
    console.print(f"[bold]{backend}[/]: preparing the node")
    node = load.prepare(url)
    server = load.Server.start(url, tmp / "server.log")
    out: list[load.Results] = []
    try:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task(f"{backend}", total=len(levels))
            for clients in levels:
                progress.update(task, description=f"{backend}: {clients} clients")
                out.append(
                    load.run_level(
                        server.base_url, node, clients=clients, seconds=seconds, warmup=warmup
                    )
                )
                progress.advance(task)
    finally:
        server.stop()
        if backend != "sqlite":
            load.drop_postgresql(PG_URL, name)
    return out


def _table(backend: str, results: list[load.Results]) -> Table:
    table = Table(title=f"{backend}: mixed workload over HTTP (latency in ms: p50 / p99)")
    for column in ("clients", "req/s", "errors", "resets", *load.KINDS, "reads p99 warm-up"):
        table.add_column(column, justify="right")
    for r in results:
        cells = [
            f"{1000 * r.percentile(k, 0.5):.0f} / {1000 * r.percentile(k, 0.99):.0f}"
            for k in load.KINDS
        ]
        table.add_row(
            str(r.clients), f"{r.throughput:.0f}", str(sum(r.errors.values())),
            str(sum(r.resets.values())), *cells, f"{1000 * r.reads_p99(warming=True):.0f}",
        )  # fmt: skip
    return table


def _targets(results: list[load.Results]) -> list[tuple[bool, str]]:
    checks: list[tuple[bool, str]] = []
    failed = sum(r.failed() for r in results)
    checks.append((failed == 0, f"zero errors and resets at every level: {failed}"))
    best = 0.0
    for r in results:
        if r.clients > 4 and best:
            ratio = r.throughput / best
            checks.append(
                (ratio >= KEEPS_UP, f"{r.clients} clients keep up: {ratio:.2f}x the best below")
            )
        best = max(best, r.throughput)
    at_64 = [r for r in results if r.clients == 64]
    if at_64:
        p99, whole = at_64[0].reads_p99(), at_64[0].reads_p99(whole=True)
        checks.append(
            (
                p99 < READS_P99_TARGET,
                f"reads p99 at 64 clients < 1 s: {p99:.3f} s "
                f"(with the warm-up's reads: {whole:.3f} s)",
            )
        )
    return checks


def _picture(figures: dict[str, list[load.Results]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for backend, results in figures.items():
        clients = [r.clients for r in results]
        left.plot(clients, [r.throughput for r in results], marker="o", label=backend)
        right.plot(
            clients, [1000 * r.reads_p99() for r in results], marker="o", label=f"{backend} reads"
        )
        writes = [
            1000 * max(r.percentile("taxii_write", 0.99), r.percentile("rest_write", 0.99))
            for r in results
        ]
        right.plot(clients, writes, marker="x", linestyle="--", label=f"{backend} writes")
    for ax in (left, right):
        ax.set_xscale("log", base=2)
        ax.set_xlabel("concurrent clients")
        ax.legend()
        ax.grid(alpha=0.3)
    left.set_ylabel("requests per second")
    left.set_title("throughput")
    right.set_ylabel("p99 latency (ms)")
    right.set_yscale("log")
    right.axhline(1000 * READS_P99_TARGET, color="grey", linewidth=0.8)
    right.set_title("p99 latency")
    fig.suptitle("taawun under a mixed workload (TAXII/REST reads and writes, refused reads)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16, 64, 128])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), action="append")
    parser.add_argument(
        "--warmup",
        type=float,
        default=WARMUP,
        help="seconds at the start of each level whose latencies are reported apart",
    )
    args = parser.parse_args()
    console = Console()
    OUT.mkdir(exist_ok=True)
    figures: dict[str, list[load.Results]] = {}
    all_ok = True
    for backend in args.backend or ["sqlite", "postgresql"]:
        results = _measure(backend, args.clients, args.seconds, args.warmup, console)
        figures[backend] = results
        console.print(_table(backend, results))
        for r in results:
            for sample in r.samples:
                console.print(f"  [red]{r.clients} clients[/]: {sample}")
        for ok, text in _targets(results):
            all_ok &= ok
            console.print(f"  {'PASS' if ok else 'FAIL'} {backend}: {text}")
    data = {
        backend: [
            {
                "clients": r.clients,
                "seconds": r.seconds,
                "requests": r.requests,
                "throughput": r.throughput,
                "errors": dict(r.errors),
                "resets": dict(r.resets),
                "p50_ms": {k: 1000 * r.percentile(k, 0.5) for k in load.KINDS},
                "p99_ms": {k: 1000 * r.percentile(k, 0.99) for k in load.KINDS},
                "reads_p99_ms": 1000 * r.reads_p99(),
                "warmup_s": r.warmup,
                "warmup_requests": r.warming_requests,
                "warmup_reads_p99_ms": 1000 * r.reads_p99(warming=True),
                "whole_reads_p99_ms": 1000 * r.reads_p99(whole=True),
            }
            for r in results
        ]
        for backend, results in figures.items()
    }
    (OUT / "load.json").write_text(json.dumps({"at": load.now_label(), "levels": data}, indent=1))
    _picture(figures, OUT / "load.png")
    console.print(f"results: {OUT / 'load.json'}, picture: {OUT / 'load.png'}")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
