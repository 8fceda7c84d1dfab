"""Analytics benchmark: the dyad-year export, on SQLite and PostgreSQL.

Run: ``python benchmarks/analytics.py [--pg-url URL] [--rounds N] [--no-pg]``

For each backend it builds a fresh database migrated to head, imports the shipped datasets
(``import_all``, not timed here: ``registry.py`` times it), and then times, ``--rounds``
times after one untimed run, the full directed dyad-year export of 1815-2018 as a user
runs it (``taawun export dyad-years --from 1815 --to 2018 --directed``): the service
(the registry read through the access rule, then the derivation) and the writing of the
file, in CSV, Parquet and JSON; and, apart, the registry read alone and the derivation alone,
to show where the time goes. The target (issue 11): the whole export under 10 s. It prints
the medians, the rows and the file sizes.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from taawun.analytics import export, repository, service
from taawun.analytics._dyads import derive
from taawun.analytics.schemas import ExportFormat
from taawun.core.principal import Principal
from taawun.registry.importers.run import import_all
from taawun.registry.periods import Period
from taawun.storage.engine import make_engine
from taawun.storage.migrate import upgrade

TARGET_S = 10.0
FIRST, LAST = 1815, 2018
PUBLIC = Principal.public()


def fresh(backend: str, pg_url: str, tmp: Path) -> Engine:
    if backend == "sqlite":
        return make_engine(f"sqlite:///{tmp / 'analytics.db'}")
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    name = "taawun_bench_analytics"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_engine(pg_url.rsplit("/", 1)[0] + "/" + name)


def timed(fn: Callable[[], object], rounds: int) -> float:
    """The median wall time of ``rounds`` calls, after one untimed call."""
    fn()
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return statistics.median(out)


def run(backend: str, pg_url: str, rounds: int, tmp: Path) -> dict[str, float]:
    engine = fresh(backend, pg_url, tmp)
    upgrade(engine)
    with Session(engine) as session:
        import_all(session)
        session.commit()
    figures: dict[str, float] = {}
    period = Period(date(FIRST, 1, 1), date(LAST, 12, 31), f"{FIRST}-{LAST}")
    with Session(engine) as session:
        spells = repository.party_spells(session, PUBLIC, period)
        domains = repository.agreement_domains(session, PUBLIC, period)

        def read() -> object:
            return (
                repository.party_spells(session, PUBLIC, period),
                repository.agreement_domains(session, PUBLIC, period),
            )

        figures["registry read s"] = timed(read, rounds)
        figures["derivation s"] = timed(
            lambda: derive(spells, domains, first=FIRST, last=LAST, directed=True), rounds
        )
        for fmt in (ExportFormat.CSV, ExportFormat.PARQUET, ExportFormat.JSON):
            target = tmp / f"dyad-years.{fmt.value}"

            def whole(fmt: ExportFormat = fmt, target: Path = target) -> None:
                table = service.dyad_years(PUBLIC, session, first=FIRST, last=LAST, directed=True)
                with target.open("wb") as sink:
                    export.write(table, fmt, sink)

            figures[f"export {fmt.value} s"] = timed(whole, rounds)
            figures[f"{fmt.value} MB"] = target.stat().st_size / 1e6
        table = service.dyad_years(PUBLIC, session, first=FIRST, last=LAST, directed=True)
        figures["rows"] = len(table)
        figures["spells"] = len(spells)
    engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args()
    backends = ["sqlite"] if args.no_pg else ["sqlite", "postgresql"]
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in backends:
            results[backend] = run(backend, args.pg_url, args.rounds, Path(tmp))
    print(f"\ndirected dyad-years {FIRST}-{LAST}, public view, median of {args.rounds}")
    print(f"{'figure':<22}" + "".join(f"{b:>14}" for b in backends))
    for key in results[backends[0]]:
        print(f"{key:<22}" + "".join(f"{results[b][key]:>14.3f}" for b in backends))
    for b in backends:
        worst = max(results[b][f"export {f.value} s"] for f in ExportFormat)
        verdict = "meets" if worst < TARGET_S else "MISSES"
        print(f"  {b}: slowest export {worst:.2f} s {verdict} the {TARGET_S:.0f} s target")


if __name__ == "__main__":
    main()
