"""Kill the node during ingest, many times, and check that nothing acknowledged was lost.

    python benchmarks/crash.py                       # 20 rounds on SQLite and on PostgreSQL
    python benchmarks/crash.py --rounds 5 --backend sqlite

Each round (``tests/crash.py``): the node starts on the database the last round left, four
writers POST envelopes of 25 new indicators (TAXII and REST), the node is killed with SIGKILL
after 1–2.5 s, started again, and checked: every acknowledged object present and unaltered,
no request stored in part, the database sound (SQLite's integrity check), the audit chain
unbroken. Prints a line per round and the totals; exits 1 if any round lost anything.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.progress import Progress

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the crash rounds are shared with the test suite

from tests import crash, load  # noqa: E402

PG_URL = os.environ.get(
    "TAAWUN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _rounds(backend: str, rounds: int, console: Console) -> bool:
    tmp = Path(tempfile.mkdtemp(prefix=f"taawun-crash-{backend}-"))
    name = "taawun_bench_crash"
    url = load.sqlite_url(tmp) if backend == "sqlite" else load.postgresql_url(PG_URL, name)
    node = load.prepare(url, seed_objects=0)
    ok = True
    acknowledged = requests = unanswered = 0
    try:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task(f"{backend}: crash rounds", total=rounds)
            for seed in range(rounds):
                result = crash.crash_round(url, node, tmp / "server.log", seed=seed)
                ok &= result.ok and result.requests > 0
                acknowledged += result.acknowledged
                requests += result.requests
                unanswered += result.unanswered
                console.print(
                    f"{backend} round {seed + 1}: {result.acknowledged} objects acknowledged in "
                    f"{result.requests} requests, {result.unanswered} in flight at the kill; "
                    f"missing {len(result.missing)}, altered {len(result.altered)}, "
                    f"partial {len(result.partial)}, integrity {result.integrity}, "
                    f"audit chain {'ok' if result.chain_ok else 'BROKEN'}"
                )
                progress.advance(task)
    finally:
        if backend != "sqlite":
            load.drop_postgresql(PG_URL, name)
    verdict = "PASS" if ok else "FAIL"
    console.print(
        f"[bold]{verdict} {backend}[/]: {rounds} kills, {acknowledged} acknowledged objects "
        f"in {requests} requests, {unanswered} requests in flight at a kill, nothing lost"
        if ok
        else f"[bold red]{verdict} {backend}[/]: see the rounds above"
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), action="append")
    args = parser.parse_args()
    console = Console()
    ok = True
    for backend in args.backend or ["sqlite", "postgresql"]:
        ok &= _rounds(backend, args.rounds, console)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
