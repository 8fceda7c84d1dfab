"""The web UI's speed: server time per page, p50 and p95, on the demo node and with N intel
objects in the store.

    python benchmarks/ui.py                          # the demo node, 100,000 and 1,000,000 objects
    python benchmarks/ui.py --objects 20000          # a quick run on a small store
    python benchmarks/ui.py --objects 0 1000000 --repeat 50
    python benchmarks/ui.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres

The stores (``_ui_store.py``) are built once and cached in ``--store`` (default
``benchmarks/out/ui-store/``; ``--rebuild`` builds them again): ``--objects 0`` is the node
``taawun demo`` builds, any other N that node plus a Turkey–Pakistan sharing agreement and
N objects of the TAXII benchmark's corpus shared through the intel service over three
owners, the correlation index listening. Building 1,000,000 took 136 s on the 2-core
machine (2026-12-06; 548 s before the index held the warninglists per process).

Each store is served as ``taawun serve`` serves a node: ``uvicorn --factory
taawun.web.app:create_served_app`` in its own process on 127.0.0.1, one worker, the process
tuned (``web/memory.py``). Why not the app in-process under Starlette's TestClient: its
requests cross a thread portal into an event loop of the client's own, and the client's
work and garbage share the server's interpreter, so the figure would be neither the
served node's nor stable; over HTTP on 127.0.0.1 the node runs exactly as served and the
client's share is small. Each page is asked for with the standard library's
``http.client`` on one kept-alive connection per user, signed in through the sign-in
form (the session cookie), as the page's natural user (``PAGES``), and timed from sending
the request to holding the whole body. After ``--warmup`` untimed requests per page, the
pages are asked in rounds (every page once a round, ``--repeat`` rounds), so that the
machine's noise falls on every page alike; p50 and p95 (nearest rank) per page.

A page that answers 404, 405 or 501 is reported "missing" (the pages were written while
this was), any other status but 200 an error. Targets (issue 12), judged at every store of
at least 1,000,000 objects and shown in parentheses for the others: p50 under 100 ms and
p95 under 300 ms for every page. Beside them, each page's p50 against the smallest
store's: no page may grow with the store (more than 2x). A page that reads a bounded window
of objects by design (the feed's free text, searched in the ``SEARCH_DEPTH`` newest objects
a page) costs more on a store smaller than its window than on the demo node, and the same
from there on: it is judged against the smallest store holding its window (100,000).
The exit status is 1 when a judged page misses a target, is missing or fails, or a page
grows. Results go to ``benchmarks/out/ui.json``, a picture to ``benchmarks/out/ui.png``,
the node's log to ``benchmarks/out/ui-server-<N>.log``. The client shares the machine's
cores with the node.

``--build-only`` builds the stores and stops; ``--src DIR`` serves the node from another
source folder (put first on the served process's ``PYTHONPATH``): another checkout on the
same stores, or a copy of this one (``cp -r src /tmp/snap/``), so that edits made while
the benchmark runs do not reach the node (Jinja reloads a template whose file
changed).
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import shutil
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # _ui_store, _taxii_corpus
sys.path.insert(0, str(HERE.parent))  # tests/load.py: the served node

import _ui_store as stores  # noqa: E402
from _ui_store import ADMIN, ANALYST, PK, SA, TR  # noqa: E402
from tests.load import Server  # noqa: E402

from taawun.web.ui.intel import SEARCH_DEPTH  # noqa: E402

OUT = HERE / "out"
P50_TARGET_MS = 100.0
P95_TARGET_MS = 300.0
JUDGED_FROM = 1_000_000  # the targets hold at stores this large
GROWTH_LIMIT = 2.0  # a page's p50 at the largest store against the smallest, beyond noise
MISSING = (404, 405, 501)


@dataclass(frozen=True, slots=True)
class Page:
    """A page measured: its path (``{...}``: a fact of the store) and who asks for it;
    ``window``: it reads at most that many objects by design (the feed's free-text search,
    ``SEARCH_DEPTH``), so its growth is judged from the smallest store holding that many."""

    path: str
    user: str
    window: int = 0


# The pages, and the user each is asked as. ``{agreement}``: an agreement Turkey is party to
# (the Shusha Declaration); ``{pk_object}``: an object Pakistan's ISI owns, the demo's, on
# every store; ``{shared_object}``: an indicator Turkey shared with Pakistan in the middle
# of the store, whose value others reported too (on the demo node, ``{pk_object}``);
# ``{pool_value}``: that value (the feed filtered by an observable value, through the
# correlation index); ``{deep}``: the feed's cursor 100,000 objects back from the newest
# (page 2,001: the UI pages newest first with the service's cursor, ``before``; half way
# back on a smaller store), to show that a deep page costs what the first does.
PAGES: tuple[Page, ...] = (
    Page("/", PK),
    Page("/agreements", TR),
    Page("/agreements?party=TUR&party=PAK", TR),
    Page("/agreements/{agreement}", TR),
    Page("/proposals", TR),
    Page("/intel", PK),
    Page("/intel?type=indicator", PK),
    Page("/intel?q=host-5", PK, window=SEARCH_DEPTH),
    Page("/intel?value={pool_value}", PK),
    Page("/intel?before={deep}&page=2001", PK),
    Page("/intel/{pk_object}", PK),
    Page("/intel/{shared_object}", PK),
    Page("/intel/share", TR),
    Page("/cooperation", TR),
    Page("/cooperation/threats", TR),
    Page("/cooperation/operations", SA),
    Page("/cooperation/training", TR),
    Page("/cooperation/training/ledger", TR),
    Page("/cooperation/exercises", TR),
    Page("/cooperation/transfers", TR),
    Page("/analytics", ANALYST),
    Page("/analytics/states/PAK", ANALYST),
    Page("/analytics/dyads/TUR/PAK", ANALYST),
    Page("/analytics/network?year=1955", ANALYST),
    Page("/analytics/sscores?year=1956", ANALYST),
    Page("/analytics/blocs/OIC", ANALYST),
    Page("/admin", ADMIN),
    Page("/admin/users", ADMIN),
    Page("/admin/audit", ADMIN),
    Page("/admin/tokens", ADMIN),
)


@dataclass
class Measured:
    """One page on one store: its status, its response size and its times (ms)."""

    page: Page
    path: str
    status: int = 0
    size: int = 0
    times: list[float] = field(default_factory=list)
    detail: str = ""

    @property
    def state(self) -> str:
        if self.status == 200:
            return "ok"
        return "missing" if self.status in MISSING else "error"

    def percentile(self, share: float) -> float:
        """Nearest rank: the smallest time at least ``share`` of the times are under."""
        ordered = sorted(self.times)
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else math.nan

    @property
    def p50(self) -> float:
        return statistics.median(self.times) if self.times else math.nan

    @property
    def p95(self) -> float:
        return self.percentile(0.95)

    def meets(self) -> bool:
        return self.state == "ok" and self.p50 < P50_TARGET_MS and self.p95 < P95_TARGET_MS


class Browser:
    """One user's kept-alive connection to the node, signed in through the sign-in form."""

    def __init__(self, base_url: str, username: str) -> None:
        with httpx.Client(base_url=base_url, follow_redirects=False, timeout=60) as client:
            client.get("/sign-in").raise_for_status()
            token = client.cookies.get("taawun_csrf")
            answer = client.post(
                "/sign-in",
                data={
                    "username": username,
                    "password": stores.PASSWORD,
                    "csrf_token": token or "",
                    "next": "/",
                },
            )
            session = client.cookies.get("taawun_session")
            if answer.status_code != 303 or not session:
                raise SystemExit(f"{username} could not sign in: {answer.status_code}")
        where = urlsplit(base_url)
        self.connection = http.client.HTTPConnection(where.hostname or "", where.port, timeout=120)
        self.headers = {"Cookie": f"taawun_session={session}", "Accept-Language": "en"}

    def get(self, path: str) -> tuple[int, bytes, float]:
        """(status, body, milliseconds from sending the request to holding the body). A
        connection the node closed while idle (uvicorn's keep-alive timeout: a slow page of
        another user) is opened again before the request, untimed."""
        try:
            return self._timed(path)
        except (http.client.RemoteDisconnected, ConnectionError):
            self.connection.close()
            self.connection.connect()
            return self._timed(path)

    def _timed(self, path: str) -> tuple[int, bytes, float]:
        started = time.perf_counter()
        self.connection.request("GET", path, headers=self.headers)
        response = self.connection.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        return response.status, body, elapsed

    def close(self) -> None:
        self.connection.close()


def _path(page: Page, store: stores.Store) -> str:
    facts = {k: quote(str(v), safe="") for k, v in store.facts.items() if v is not None}
    facts.setdefault("shared_object", facts.get("pk_object", "missing"))
    return page.path.format(**facts)


def measure(store: stores.Store, repeat: int, warmup: int, console: Console) -> list[Measured]:
    """Every page on ``store``, served by its own node process."""
    log = OUT / f"ui-server-{store.objects}.log"
    server = Server.start(store.url, log)
    browsers: dict[str, Browser] = {}
    try:
        for user in dict.fromkeys(p.user for p in PAGES):
            browsers[user] = Browser(server.base_url, user)
        results = [Measured(p, _path(p, store)) for p in PAGES]
        for result in results:  # the warm-up, and what each page answers
            for _ in range(max(1, warmup)):
                status, body, _ms = browsers[result.page.user].get(result.path)
            result.status, result.size = status, len(body)
            if result.state == "error":
                result.detail = body[:300].decode(errors="replace")
        live = [r for r in results if r.state == "ok"]
        with Progress(
            TextColumn(f"[bold]{store.objects:,} objects[/]: rounds"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            task = progress.add_task("rounds", total=repeat)
            for _ in range(repeat):
                for result in live:
                    status, _body, ms = browsers[result.page.user].get(result.path)
                    if status != 200:
                        result.status, result.detail = status, "changed status while measured"
                    result.times.append(ms)
                progress.advance(task)
    finally:
        for browser in browsers.values():
            browser.close()
        server.stop()
    return results


def _verdict(result: Measured, judged: bool) -> str:
    if result.state != "ok":
        return result.state.upper() if result.state == "error" else "missing"
    verdict = "PASS" if result.meets() else "FAIL"
    return verdict if judged else f"({verdict})"


def _base_of(figures: dict[int, list[Measured]], objects: int, page: Page) -> Measured | None:
    """What ``page`` on the store of ``objects`` is compared with: the page on the smallest
    smaller store, a windowed page's on the smallest smaller store holding its window."""
    sizes = [n for n in figures if page.window <= n < objects]
    if not sizes:
        return None
    return next((m for m in figures[min(sizes)] if m.page.path == page.path), None)


def _table(objects: int, results: list[Measured], base: dict[str, Measured | None]) -> Table:
    judged = objects >= JUDGED_FROM
    title = "the demo node" if objects == 0 else f"{objects:,} intel objects"
    table = Table(title=f"UI server time per page, {title}, ms", box=box.SIMPLE_HEAD)
    table.add_column("page")
    table.add_column("user")
    for column in ("status", "KB", "p50", "p95", "p50 vs smallest"):
        table.add_column(column, justify="right")
    table.add_column("p50<100, p95<300")
    for r in results:
        ok = r.state == "ok"
        old = base.get(r.page.path)
        growth = f"{r.p50 / old.p50:.2f}x" if ok and old and old.state == "ok" else ""
        table.add_row(
            r.page.path,
            r.page.user,
            str(r.status),
            f"{r.size / 1024:.0f}" if ok else "",
            f"{r.p50:.1f}" if ok else "",
            f"{r.p95:.1f}" if ok else "",
            growth,
            _verdict(r, judged),
        )
    return table


def _picture(figures: dict[int, list[Measured]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [p.path for p in PAGES]
    fig, ax = plt.subplots(figsize=(10, 0.32 * len(names) * max(1, len(figures)) + 1.5))
    height = 0.8 / max(1, len(figures))
    for k, (objects, results) in enumerate(sorted(figures.items())):
        by_name = {r.page.path: r for r in results if r.state == "ok"}
        ys = [i + k * height for i in range(len(names))]
        p95 = [by_name[n].p95 if n in by_name else 0.0 for n in names]
        p50 = [by_name[n].p50 if n in by_name else 0.0 for n in names]
        label = "demo node" if objects == 0 else f"{objects:,} objects"
        bars = ax.barh(ys, p95, height=height, alpha=0.35, label=f"{label}: p95")
        ax.barh(ys, p50, height=height, color=bars.patches[0].get_facecolor()[:3],
                label=f"{label}: p50")  # fmt: skip
    ax.set_yticks([i + height * (len(figures) - 1) / 2 for i in range(len(names))], names)
    ax.set_ylim(len(names) - 0.5 + height * (len(figures) - 1), -0.5)
    ax.axvline(P50_TARGET_MS, color="black", linestyle="--", linewidth=0.8, label="p50 target")
    ax.axvline(P95_TARGET_MS, color="black", linestyle=":", linewidth=0.8, label="p95 target")
    ax.set_xscale("log")
    ax.set_xlabel("server time per page (ms, log scale); missing pages have no bar")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title("taawun web UI: server time per page, p50 and p95")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def _json(result: Measured) -> dict[str, Any]:
    ok = result.state == "ok"
    return {
        "page": result.page.path,
        "path": result.path,
        "user": result.page.user,
        "status": result.status,
        "state": result.state,
        "bytes": result.size,
        "p50_ms": result.p50 if ok else None,
        "p95_ms": result.p95 if ok else None,
        "times_ms": result.times,
        "meets_targets": result.meets(),
        "detail": result.detail,
    }


def _verdicts(console: Console, figures: dict[int, list[Measured]]) -> bool:
    """Print each store's table and whether pages grow with the store; True when every
    page of every judged store meets the targets and none grows."""
    passed = True
    for objects, results in figures.items():
        bases = {r.page.path: _base_of(figures, objects, r.page) for r in results}
        console.print(_table(objects, results, bases))
        for r in results:
            if r.state == "error":
                console.print(f"  [red]{r.page.path}[/] {r.status}: {r.detail[:200]}")
        if objects >= JUDGED_FROM:
            passed &= all(r.meets() for r in results)
    if len(figures) > 1:
        grown, unjudged = [], []
        for r in figures[max(figures)]:
            old = _base_of(figures, max(figures), r.page)
            if r.state != "ok" or old is None or old.state != "ok":
                unjudged += [r.page.path] if r.state == "ok" and r.page.window else []
            elif r.p50 > GROWTH_LIMIT * old.p50:
                grown.append(r.page.path)
        console.print(
            f"no page grows with the store (p50 at {max(figures):,} objects within "
            f"{GROWTH_LIMIT:g}x the smallest store's, a windowed page's the smallest store "
            f"holding its window): {'FAIL' if grown else 'PASS'} " + ", ".join(grown)
        )
        if unjudged:
            console.print(
                "  not judged (no smaller store holds their window: add one, e.g. "
                "--objects 0 100000 1000000): " + ", ".join(unjudged)
            )
        passed &= not grown
    return passed


def _save(
    args: argparse.Namespace, built: dict[int, stores.Store], figures: dict[int, list[Measured]]
) -> None:
    data = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "backend": "PostgreSQL" if args.database_url else "SQLite",
        "repeat": args.repeat,
        "warmup": args.warmup,
        "targets_ms": {"p50": P50_TARGET_MS, "p95": P95_TARGET_MS},
        "stores": [
            {
                "objects": objects,
                "record": built[objects].record,
                "facts": built[objects].facts,
                "pages": [_json(r) for r in results],
            }
            for objects, results in figures.items()
        ],
    }
    (OUT / "ui.json").write_text(json.dumps(data, indent=1))
    _picture(figures, OUT / "ui.png")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--objects", type=int, nargs="+", default=[0, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests per page")
    parser.add_argument("--store", type=Path, default=OUT / "ui-store", help="cached stores")
    parser.add_argument("--rebuild", action="store_true", help="build the stores again")
    parser.add_argument("--build-only", action="store_true", help="only build the stores")
    parser.add_argument("--database-url", help="PostgreSQL admin URL (default: SQLite files)")
    parser.add_argument(
        "--src", type=Path, help="serve the node from this source folder (another checkout's src)"
    )
    return parser.parse_args()


def main() -> int:
    args = _arguments()
    if args.src:  # the served node's process imports it first (tests/load.py passes os.environ)
        os.environ["PYTHONPATH"] = str(args.src.resolve())
    console = Console(width=max(120, shutil.get_terminal_size().columns))
    OUT.mkdir(exist_ok=True)
    args.store.mkdir(parents=True, exist_ok=True)
    built: dict[int, stores.Store] = {}

    def store(objects: int) -> stores.Store:
        if objects not in built:
            built[objects] = stores.build(
                args.store,
                args.database_url,
                objects,
                console,
                rebuild=args.rebuild,
                demo=lambda: store(0),
            )
        return built[objects]

    sizes = sorted(set(args.objects))
    if args.build_only:
        for objects in sizes:
            store(objects)
        return 0
    figures = {n: measure(store(n), args.repeat, args.warmup, console) for n in sizes}
    passed = _verdicts(console, figures)
    for objects in sizes:
        record = built[objects].record
        console.print(
            f"store of {objects:,} objects: {record['intel_rows']:,} intel rows, built "
            f"{record['built_at']} in {record['build_seconds']:,.0f} s"
        )
    _save(args, built, figures)
    console.print(f"results: {OUT / 'ui.json'}, picture: {OUT / 'ui.png'}")
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
