"""Analytics benchmark: the dyad-year export, the network, S-scores and a report, on SQLite
and PostgreSQL.

Run: ``python benchmarks/analytics.py [--pg-url URL] [--rounds N] [--no-pg]``

For each backend it builds a fresh database migrated to head, imports the shipped datasets
(the registry and the cooperation record; not timed here: ``registry.py`` times it), and
then times, ``--rounds`` times after one untimed run, the full directed dyad-year export
of 1815-2018 as a user runs it (``taawun export dyad-years --from 1815 --to 2018
--directed``): the service (the registry read through the access rule, then the
derivation) and the writing of the file, in CSV, Parquet and JSON; and, apart, the registry
read alone and the derivation alone, to show where the time goes. Then, as a user asks
them: one year's network with every measure (2018; against the floor, networkx's measures
alone on the graph already built), S-scores in all eight variants for every dyad of one
year (2018) and the full 1816-2018 panel, and the HTML report on Pakistan, 1990-2018. The
targets (issue 11): export < 10 s, network < 1 s, one year's S-scores < 2 s, the panel
< 60 s, a report < 5 s. It prints the medians, the rows, the file sizes and each verdict.
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
from taawun.cooperation.importers.run import import_all as import_record
from taawun.core.clock import SystemClock
from taawun.core.principal import Principal
from taawun.registry.importers.run import import_all
from taawun.registry.periods import Period
from taawun.storage.engine import make_engine
from taawun.storage.migrate import upgrade

TARGET_S = 10.0
TARGETS = {"network s": 1.0, "sscores year s": 2.0, "sscores panel s": 60.0, "report s": 5.0}
NETWORK_YEAR = 2018
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
        import_record(session)  # the network's activity and the report read the record
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
        figures.update(questions(session, rounds))
    engine.dispose()
    return figures


def questions(session: Session, rounds: int) -> dict[str, float]:
    """The network, S-scores and a report, timed as one call each."""
    from taawun.analytics import network, report, similarity

    figures: dict[str, float] = {}
    net = network.network(PUBLIC, session, year=NETWORK_YEAR)
    figures["network s"] = timed(
        lambda: network.measures(network.network(PUBLIC, session, year=NETWORK_YEAR)), rounds
    )
    figures["measures only s"] = timed(lambda: network.measures(net), rounds)
    figures["ties"] = len(net.ties)
    figures["sscores year s"] = timed(
        lambda: similarity.sscores(PUBLIC, session, year=NETWORK_YEAR), rounds
    )
    figures["sscores pairs"] = len(similarity.sscores(PUBLIC, session, year=NETWORK_YEAR))
    start = time.perf_counter()
    panel = similarity.sscore_panel(PUBLIC, session, first=1816, last=LAST)
    figures["sscores panel s"] = time.perf_counter() - start
    figures["panel rows"] = len(panel)
    figures["report s"] = timed(
        lambda: report.state_report(
            PUBLIC, session, state="PAK", first=1990, last=LAST, clock=SystemClock()
        ),
        max(1, rounds // 2),
    )
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
        for key, target in TARGETS.items():
            verdict = "meets" if results[b][key] < target else "MISSES"
            print(f"  {b}: {key[:-2]} {results[b][key]:.2f} s {verdict} the {target:g} s target")
        floor = results[b]["measures only s"]
        print(f"  {b}: network / measures alone = {results[b]['network s'] / floor:.1f}x")


if __name__ == "__main__":
    main()
