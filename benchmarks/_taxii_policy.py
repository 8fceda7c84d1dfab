"""What the release policy costs a page read, on PostgreSQL with many agreements.

A node with 100 agreements covering intelligence_sharing, each between Turkey,
Pakistan and up to three of six other states (recorded through the registry's
changes), and N objects owned by a Turkish agency, each released under two of
them (written through ``intel.repository.insert_versions``, the ingest's own
bulk insert, to build the world fast). Every agreement has Pakistan as a party,
so a Pakistani viewer may read every object: both reads return the same rows.

After the bulk load the tables are vacuumed and analysed (what autovacuum does on a
running node). Each read pages through everything with limit=1000, in process, once
as a Pakistani viewer (the policy's SQL decides each row: clearance, the agreements
on the row's release list against the reader's grants, ceiling and both parties, and
the TLP:RED recipients clause) and once as the node's system principal (the policy
is ``true``), on two paths: ``intel.repository.joined_page``, the TAXII objects
endpoint's (the target is judged on it), and ``intel.repository.page`` with the
columns a row-per-object read selects. Each is run three times, alternating; the
best of each is kept.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from typing import Any

from _taxii_floor import EPOCH_US, stored_row
from sqlalchemy.orm import Session

from taawun.access import service as access
from taawun.core.clock import FixedClock
from taawun.core.ids import AgencyId, StateId
from taawun.core.principal import Clearance, Principal, Role
from taawun.intel import repository
from taawun.intel.repository import Filters, Scope
from taawun.registry import changes
from taawun.registry.importers.run import import_all
from taawun.registry.resolver import resolve_state
from taawun.registry.schemas import AgreementCreate
from taawun.storage.engine import make_engine
from taawun.storage.migrate import upgrade

AGREEMENTS = 100
OTHERS = ("SAU", "EGY", "IRN", "AZE", "QAT", "MYS")
INSERT_CHUNK = 5_000
COLUMNS = (
    "added_us",
    "body",
    "seq",
    "stix_id",
    "version_us",
    "classification",
    "owner_state_id",
)
CLOCK = FixedClock(datetime(2026, 6, 1, 12, 0, tzinfo=UTC))


def _world(session: Session, n: int, log: Any) -> Principal:
    root = Principal.system_principal("bench")
    import_all(session)
    tur = resolve_state(session, "TUR").id
    pak = resolve_state(session, "PAK").id
    owner = access.create_agency(root, session, state_id=tur, name="TUR-MIT", clock=CLOCK).id
    reader = access.create_agency(root, session, state_id=pak, name="PAK-ISI", clock=CLOCK).id
    agreements = []
    for k in range(AGREEMENTS):
        extra = [OTHERS[(k + j) % len(OTHERS)] for j in range(k % 4)]
        data = AgreementCreate(
            title=f"benchmark sharing agreement {k}",
            parties=["TUR", "PAK", *extra],
            domains=["intelligence_sharing"],
            in_force=date(2024, 1, 1),
            sharing_ceiling=Clearance.SECRET,
        )
        agreements.append(changes.record_agreement(root, session, data=data, clock=CLOCK).id)
    session.commit()
    start = time.perf_counter()
    for lo in range(0, n, INSERT_CHUNK):
        span = range(lo, min(lo + INSERT_CHUNK, n))
        rows = [stored_row(i, owner, tur, EPOCH_US + i) for i in span]
        releases = [
            sorted({agreements[i % AGREEMENTS], agreements[(i * 7 + 3) % AGREEMENTS]}) for i in span
        ]
        repository.insert_versions(session, rows, releases, [[] for _ in span])
        session.commit()
    built = time.perf_counter() - start
    log(f"  policy world: {n} objects, {AGREEMENTS} agreements in {built:.0f} s")
    session.commit()
    return Principal(
        user_id=None,
        username="pk.viewer",
        agency_id=AgencyId(reader),
        state_id=StateId(pak),
        role=Role.VIEWER,
        clearance=Clearance.SECRET,
    )


def _read_rows(session: Session, principal: Principal) -> tuple[float, int]:
    """Through ``repository.page``, a row per object (the listing and manifest path)."""
    start = time.perf_counter()
    after: int | None = None
    seen = 0
    while True:
        rows, more = repository.page(
            session,
            principal,
            CLOCK.now().date(),
            scope=Scope(),
            filters=Filters(added_after_us=after),
            limit=1000,
            columns=COLUMNS,
        )
        seen += len(rows)
        if not more or not rows:
            break
        after = rows[-1][0]
    return time.perf_counter() - start, seen


def _read_joined(session: Session, principal: Principal) -> tuple[float, int]:
    """Through ``repository.joined_page``, the TAXII objects endpoint's path (the bodies
    joined by the database)."""
    start = time.perf_counter()
    after: int | None = None
    seen = 0
    while True:
        page = repository.joined_page(
            session,
            principal,
            CLOCK.now().date(),
            scope=Scope(),
            filters=Filters(added_after_us=after),
            limit=1000,
        )
        seen += page.count
        if not page.more or page.last_added is None:
            break
        after = page.last_added
    return time.perf_counter() - start, seen


def policy_cost(pg_url: str, n: int, log: Any) -> dict[str, float]:
    from _taxii_servers import _pg_recreate

    engine = make_engine(_pg_recreate(pg_url, "taawun_bench_taxii_policy"))
    upgrade(engine)
    with Session(engine) as session:
        reader = _world(session, n, log)
    # As autovacuum would on a running node (this server may have it off): visibility map
    # and statistics after the bulk load.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    return measure(engine, reader, n)


def measure(engine: Any, reader: Principal, n: int) -> dict[str, float]:
    """Best of three of each read, filtered and unfiltered alternating, on both paths."""
    best: dict[str, float] = {}
    with Session(engine) as session:
        for _ in range(3):
            for path, read in (("taxii", _read_joined), ("rows", _read_rows)):
                for name, principal in (("filtered", reader), ("unfiltered", repository.SYSTEM)):
                    seconds, seen = read(session, principal)
                    if seen != n:
                        raise RuntimeError(f"policy {path} {name} read {seen}, expected {n}")
                    key = f"{path} {name}"
                    best[key] = min(best.get(key, float("inf")), seconds)
            session.rollback()
    engine.dispose()
    return {
        "policy n": float(n),
        "filtered objects/s": n / best["taxii filtered"],
        "unfiltered objects/s": n / best["taxii unfiltered"],
        "filtered / unfiltered": best["taxii filtered"] / best["taxii unfiltered"],
        "rows filtered objects/s": n / best["rows filtered"],
        "rows unfiltered objects/s": n / best["rows unfiltered"],
        "rows filtered / unfiltered": best["rows filtered"] / best["rows unfiltered"],
    }
