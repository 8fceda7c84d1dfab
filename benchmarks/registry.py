"""Registry benchmark: full import and a query mix, on SQLite and PostgreSQL.

Run: ``python benchmarks/registry.py [--pg-url URL] [--rounds N]``

For each backend it times, on fresh databases migrated to head:
- the full import of the shipped datasets (``import_all``), against a floor:
  the same CSV rows read and written with one raw ``executemany`` per file
  into plain tables, with no parsing, validation, mapping or audit;
- a query mix through the services (dyad, partners, filtered agreement list,
  organization members, state profile), against raw SQL doing the nearest
  equivalent join without the access rule.
It prints figures and ratios (taawun / floor) side by side, and writes
``benchmarks/out/registry.png``.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from taawun.core.principal import Principal
from taawun.registry import service
from taawun.registry.importers.run import import_all
from taawun.storage.engine import make_engine
from taawun.storage.migrate import upgrade

DATA = Path(__file__).resolve().parents[1] / "src" / "taawun" / "data"
FILES = [
    "cow/states2016.csv",
    "cow/igo/cow_igo_v3_membership_spells_selected.csv",
    "atop/atop5_1a.csv",
    "atop/atop5_1aph.csv",
    "atop/atop5_1m.csv",
    "curated/agreements_since_2019.csv",
]
PUBLIC = Principal.public()


def fresh(backend: str, pg_url: str, label: str, tmp: Path) -> Engine:
    if backend == "sqlite":
        return make_engine(f"sqlite:///{tmp / f'{label}.db'}")
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    name = f"taawun_bench_{label}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_engine(pg_url.rsplit("/", 1)[0] + "/" + name)


def floor_import(engine: Engine) -> float:
    start = time.perf_counter()
    with engine.begin() as conn:
        for n, rel in enumerate(FILES):
            with (DATA / rel).open(encoding="utf-8", newline="") as fh:
                reader = csv.reader(fh)
                header = next(reader)
                rows = list(reader)
            cols = ", ".join(f"c{i} TEXT" for i in range(len(header)))
            conn.execute(text(f"CREATE TABLE raw{n} ({cols})"))
            marks = ", ".join("?" if engine.dialect.name == "sqlite" else "%s" for _ in header)
            conn.exec_driver_sql(f"INSERT INTO raw{n} VALUES ({marks})", [tuple(r) for r in rows])
    return time.perf_counter() - start


def timed(fn: Callable[[], object], rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def query_mix(session: Session) -> dict[str, Callable[[], object]]:
    return {
        "dyad TUR-PAK": lambda: service.dyad(PUBLIC, session, a="TUR", b="PAK"),
        "partners PAK 2018": lambda: service.partners(PUBLIC, session, state="PAK", when=2018),
        "agreements TUR+PAK": lambda: service.list_agreements(
            PUBLIC, session, parties=["TUR", "PAK"], domains=["consultation"], in_force=1960
        ),
        "org OIC 2020": lambda: service.organization_members(
            PUBLIC, session, organization="OIC", when=2020
        ),
        "profile TUR 2010": lambda: service.state_profile(PUBLIC, session, state="TUR", when=2010),
    }


RAW_DYAD = """
SELECT a.id, a.title, pa.entered, pa.exited, pb.entered, pb.exited
FROM agreement a
JOIN agreement_party pa ON pa.agreement_id = a.id
JOIN agreement_party pb ON pb.agreement_id = a.id
JOIN state sa ON sa.id = pa.state_id JOIN state sb ON sb.id = pb.state_id
WHERE sa.cow_code = 640 AND sb.cow_code = 770 ORDER BY a.in_force
"""


def run(backend: str, pg_url: str, rounds: int, tmp: Path) -> dict[str, float]:
    figures: dict[str, float] = {}
    engine = fresh(backend, pg_url, "import", tmp)
    upgrade(engine)
    with Session(engine) as session:
        start = time.perf_counter()
        report = import_all(session)
        figures["import s"] = time.perf_counter() - start
    floor = fresh(backend, pg_url, "floor", tmp)
    figures["floor import s"] = floor_import(floor)
    floor.dispose()
    print(f"[{backend}] {report.summary()}")
    with Session(engine) as session:
        for name, fn in query_mix(session).items():
            fn()  # warm
            figures[f"{name} ms"] = statistics.median(timed(fn, rounds)) * 1000
        with engine.connect() as conn:
            raw = timed(lambda: conn.execute(text(RAW_DYAD)).all(), rounds)
        figures["raw dyad ms"] = statistics.median(raw) * 1000
    engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--no-pg", action="store_true")
    args = parser.parse_args()
    backends = ["sqlite"] if args.no_pg else ["sqlite", "postgresql"]
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in backends:
            results[backend] = run(backend, args.pg_url, args.rounds, Path(tmp))
    keys = list(results[backends[0]])
    print(f"\n{'figure':<26}" + "".join(f"{b:>14}" for b in backends))
    for key in keys:
        print(f"{key:<26}" + "".join(f"{results[b][key]:>14.3f}" for b in backends))
    print("\nratios")
    for b in backends:
        r = results[b]
        print(
            f"  {b}: import / floor = {r['import s'] / r['floor import s']:.1f}x; "
            f"dyad service / raw SQL = {r['dyad TUR-PAK ms'] / r['raw dyad ms']:.1f}x"
        )
    if len(backends) == 2:
        s, p = results["sqlite"], results["postgresql"]
        print(f"  postgresql / sqlite import = {p['import s'] / s['import s']:.2f}x")
    plot(results)


def plot(results: dict[str, dict[str, float]]) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: no plot")
        return
    out = Path(__file__).parent / "out"
    out.mkdir(exist_ok=True)
    queries = [k for k in next(iter(results.values())) if k.endswith(" ms")]
    fig, ax = plt.subplots(figsize=(9, 4))
    width = 0.8 / len(results)
    for i, (backend, figures) in enumerate(results.items()):
        ax.bar(
            [x + i * width for x in range(len(queries))],
            [figures[q] for q in queries],
            width,
            label=backend,
        )
    ax.set_xticks(
        [x + width / 2 for x in range(len(queries))],
        [q[:-3] for q in queries],
        rotation=20,
        ha="right",
    )
    ax.set_ylabel("median ms")
    ax.set_title("taawun registry query mix")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "registry.png", dpi=120)
    print(f"plot: {out / 'registry.png'}")


if __name__ == "__main__":
    main()
