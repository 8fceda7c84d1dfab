"""The UI benchmark's node databases: the demo node, and the demo node with N intel objects.

Built once and cached (``ui.py --store DIR``, default ``benchmarks/out/ui-store/``): a store
is reused when its record (``<backend>-<objects>.json``, written only once the build has
finished) says the same object count as asked and the database still holds the intel rows
the record counted, its schema first brought to head (the code measured may have
migrations the store was built before); ``--rebuild`` builds it again.

- ``objects == 0``, the demo node: exactly what ``taawun demo --no-serve`` builds
  (``cli/demo.py``'s ``demo``: the registry and the cooperation record imported, the demo
  agencies and users, the MISP-galaxy intel under the demo arrangements, the live
  cooperation), with the benchmark's password set on the users it signs in as.
- ``objects == N``: a copy of the demo node (SQLite's backup API; PostgreSQL's ``CREATE
  DATABASE ... TEMPLATE``), a Turkey–Pakistan intelligence-sharing agreement recorded by
  the node, then N objects of ``_taxii_corpus.py`` shared through the intel service
  (``intel.changes.share``: validation, release checks, storage, audit, the correlation
  index listening as on a serving node), ``BATCH`` a transaction, batch by batch over
  owners: Turkey's MIT 50% (three quarters of it released under the Turkey–Pakistan
  agreement), Pakistan's ISI 25% (released under it), Saudi Arabia's GIP 25% (released to
  nobody). Pakistan's liaison reads 62.5% of them, Turkey's 75%, Saudi Arabia's 25%.
  One indicator in ten names a value from a pool every owner draws from (public-looking
  IPv4 addresses), so the correlation index finds values Turkey and Pakistan share.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from _taxii_corpus import stix_object
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

# The demo users the benchmark signs in as (cli/demo.py DEMO_ACCOUNTS), and their password
# on the benchmark's throwaway node.
TR, PK, SA, ANALYST, ADMIN = (
    "mit.liaison",
    "isi.liaison",
    "gip.liaison",
    "gip.analyst",
    "node.admin",
)
USERS = (TR, PK, SA, ANALYST, ADMIN)
PASSWORD = "bench-ui-password-1"
BATCH = 3_000  # objects per share (a multiple of 3: a relationship travels with its refs)
# Owner of batch k: PLAN[k % len(PLAN)], (username, released under Turkey–Pakistan).
PLAN = ((TR, True), (PK, True), (TR, True), (SA, False), (TR, True), (PK, True), (TR, False),
        (SA, False))  # fmt: skip
POOL = 20_000  # public-looking IPv4 values every owner may report
SHARED_EVERY = 10  # one indicator in ten names a pool value
READS = 5 / 8  # the share of the objects Pakistan's liaison reads (PLAN)
DEEP = 100_000  # how deep the feed's deep page is: page 2,000 of 50
AGREEMENT_TITLE = "Turkey–Pakistan intelligence sharing (UI benchmark)"
VERSION = 1  # of what a store holds: a cached store of another version is built again
DETAIL_AGREEMENT = "curated:shusha-2021"  # the agreement page measured (TUR a party)


@dataclass(frozen=True, slots=True)
class Store:
    """A built node database: its build record, and what the pages measured on it name
    (``facts``, read afresh on every run, so that a page's URL may change without a
    rebuild)."""

    url: str
    objects: int
    record: dict[str, Any]
    facts: dict[str, Any]


def _record_path(folder: Path, backend: str, objects: int) -> Path:
    return folder / f"{backend}-{'demo' if objects == 0 else objects}.json"


def _database_name(objects: int) -> str:
    return f"taawun_bench_ui_{'demo' if objects == 0 else objects}"


def _url(folder: Path, admin_url: str | None, objects: int) -> str:
    name = _database_name(objects)
    if admin_url is None:
        return f"sqlite:///{folder / (name + '.db')}"
    return admin_url.rsplit("/", 1)[0] + "/" + name


def _intel_rows(url: str) -> int | None:
    """How many intel rows the database holds, or None when it is not there."""
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return None
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM intel_object")).scalar_one())
    except Exception:  # a database that is gone, or half built
        return None
    finally:
        engine.dispose()


def _schema(url: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


def _upgraded(url: str, console: Console) -> None:
    """A cached store's schema brought to head, as ``taawun init`` brings a node's (a
    backfill over a big store takes minutes, once)."""
    from taawun.storage.engine import make_engine
    from taawun.storage.migrate import upgrade

    before = _schema(url)
    engine = make_engine(url)
    started = time.perf_counter()
    with console.status(f"migrating {url} from {before} to head"):
        upgrade(engine)
    engine.dispose()
    after = _schema(url)
    if after != before:
        console.print(f"migrated from {before} to {after} in {time.perf_counter() - started:.0f} s")


def cached(folder: Path, admin_url: str | None, objects: int) -> Store | None:
    backend = "postgresql" if admin_url else "sqlite"
    path = _record_path(folder, backend, objects)
    if not path.exists():
        return None
    record = json.loads(path.read_text())
    url = _url(folder, admin_url, objects)
    if (
        record.get("version") != VERSION
        or record.get("objects") != objects
        or _intel_rows(url) != record.get("intel_rows")
    ):
        return None
    return Store(url, objects, record, facts(url, objects))


def _drop(admin_url: str | None, url: str, name: str) -> None:
    if admin_url is None:
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
        return
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _copy(admin_url: str | None, source: str, target: str, name: str) -> None:
    """The demo node copied whole into ``target`` (dropped first)."""
    _drop(admin_url, target, name)
    if admin_url is None:
        with (
            contextlib.closing(sqlite3.connect(source.removeprefix("sqlite:///"))) as src,
            contextlib.closing(sqlite3.connect(target.removeprefix("sqlite:///"))) as dst,
        ):
            src.backup(dst)
        return
    template = source.rsplit("/", 1)[1]
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    admin.dispose()


@contextlib.contextmanager
def _environment(url: str, home: Path) -> Iterator[None]:
    """The CLI's settings pointed at ``url`` for as long as the demo builds."""
    saved = {k: os.environ.get(k) for k in ("TAAWUN_DATABASE_URL", "TAAWUN_HOME")}
    os.environ["TAAWUN_DATABASE_URL"] = url
    os.environ["TAAWUN_HOME"] = str(home)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _build_demo(url: str, folder: Path, console: Console) -> None:
    """``taawun demo --no-serve`` on ``url`` (its output to ``demo-build.log``), then the
    benchmark's password on the users it signs in as."""
    from taawun.access import service as access
    from taawun.cli.demo import demo
    from taawun.core.clock import SystemClock
    from taawun.storage.engine import make_engine

    log = folder / "demo-build.log"
    with (
        console.status(f"taawun demo --no-serve (output in {log})"),
        _environment(url, folder),
        log.open("w") as out,
        contextlib.redirect_stdout(out),
    ):
        demo(no_serve=True)
    engine = make_engine(url)
    who = _operator()
    with Session(engine) as session:
        for username in USERS:
            access.set_password(
                who, session, username=username, password=PASSWORD, clock=SystemClock()
            )
        session.commit()
    engine.dispose()


def _operator() -> Any:
    from taawun.core.principal import Principal

    return Principal.system_principal("bench-ui")


def _pool_value(n: int) -> str:
    a = 0x2D000000 + n * 7919 % (1 << 20)  # 45.0.0.0/12, spread
    return f"{a >> 24}.{a >> 16 & 255}.{a >> 8 & 255}.{a & 255}"


def bench_object(i: int) -> dict[str, Any]:
    """Object ``i`` of ``_taxii_corpus``, one indicator in ten naming a pool value."""
    obj = stix_object(i)
    if i % 3 == 0 and (i // 3) % SHARED_EVERY == 0:
        obj["pattern"] = f"[ipv4-addr:value = '{_pool_value(i // 3 // SHARED_EVERY % POOL)}']"
    return obj


def _ingest(url: str, objects: int, console: Console) -> dict[str, Any]:
    """The Turkey–Pakistan agreement, then ``objects`` objects shared batch by batch."""
    from taawun.access.authentication import principal_for_username
    from taawun.cooperation.threats import index
    from taawun.core.clock import SystemClock
    from taawun.core.principal import Clearance
    from taawun.intel import changes
    from taawun.intel.markings import MarkingDefaults
    from taawun.registry import changes as registry_changes
    from taawun.registry.schemas import AgreementCreate
    from taawun.storage.engine import make_engine

    index.register()  # as on a serving node (web/app.py imports it)
    clock = SystemClock()
    engine = make_engine(url)
    with Session(engine) as session:
        agreement = registry_changes.record_agreement(
            _operator(),
            session,
            data=AgreementCreate(
                title=AGREEMENT_TITLE,
                parties=["TUR", "PAK"],
                domains=["intelligence_sharing"],
                in_force=date(2024, 1, 1),
                sharing_ceiling=Clearance.SECRET,
            ),
            clock=clock,
        ).id
        session.commit()
        principals = {u: principal_for_username(session, username=u) for u in (TR, PK, SA)}
    columns = (
        TextColumn("[bold]share[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("share", total=objects)
        for k, lo in enumerate(range(0, objects, BATCH)):
            hi = min(lo + BATCH, objects)
            username, released = PLAN[k % len(PLAN)]
            with Session(engine) as session:
                report = changes.share(
                    principals[username],
                    session,
                    objects=[bench_object(i) for i in range(lo, hi)],
                    defaults=MarkingDefaults(release_to=(str(agreement),) if released else ()),
                    clock=clock,
                )
                session.commit()
            if report.stored != hi - lo:
                raise SystemExit(f"batch {k}: {report.failed} failed, {report.outcomes[:2]}")
            progress.advance(task, hi - lo)
    engine.dispose()
    return {"agreement_tur_pak": agreement}


def _bench_ids(objects: int) -> dict[str, Any]:
    """The ids the pages name: an indicator of Turkey's shared with Pakistan, naming a pool
    value, about the middle of the store, and that value."""
    per_cycle = BATCH * len(PLAN)
    middle = objects // 2 // per_cycle * per_cycle  # the start of a cycle: a TR+ batch
    step = 3 * SHARED_EVERY
    i = middle + min(BATCH, objects - middle) // 2 // step * step
    pool = _pool_value(0)
    if 0 <= i < objects:
        obj = bench_object(i)
        pool = obj["pattern"].split("'")[1]
        return {"shared_object": obj["id"], "pool_value": pool}
    return {"pool_value": pool}


def facts(url: str, objects: int) -> dict[str, Any]:
    """What the pages name, read from the built node (the harness may; pages may not)."""
    from taawun.access.authentication import principal_for_username
    from taawun.intel.models import IntelObject
    from taawun.intel.times import format_us
    from taawun.registry import service as registry
    from taawun.storage.engine import make_engine

    engine = make_engine(url)
    with Session(engine) as session:
        reader = principal_for_username(session, username=PK)
        detail = registry.get_agreement(_operator(), session, ref=DETAIL_AGREEMENT).id
        # A demo object of Pakistan's own (its liaison may read it on every store).
        own = session.scalars(
            select(IntelObject.stix_id)
            .where(IntelObject.owner_agency_id == reader.agency_id)
            .order_by(IntelObject.seq)
            .limit(1)
        ).first()
        rows = session.scalar(select(func.count()).select_from(IntelObject)) or 0
        # The feed's cursor (newest first) about DEEP rows back from the newest that
        # Pakistan reads (a share READS of the rows are its to read), or half way back.
        deep = session.scalars(
            select(IntelObject.added_us)
            .order_by(IntelObject.added_us.desc())
            .offset(min(int(DEEP / READS), rows // 2))
            .limit(1)
        ).first()
    engine.dispose()
    return {
        "agreement": detail,
        "pk_object": own,
        "deep": format_us(deep) if deep is not None else "",
        **_bench_ids(objects),
    }


def build(
    folder: Path,
    admin_url: str | None,
    objects: int,
    console: Console,
    *,
    rebuild: bool,
    demo: Callable[[], Store],
) -> Store:
    """The store of ``objects`` objects: the cached one, or built now (``demo`` gives the
    demo node a bigger store starts from)."""
    found = None if rebuild else cached(folder, admin_url, objects)
    if found is not None:
        _upgraded(found.url, console)
        console.print(
            f"store of {objects:,} objects: cached ({found.url}, built "
            f"{found.record['built_at']} in {found.record['build_seconds']:,.0f} s)"
        )
        return found
    backend = "postgresql" if admin_url else "sqlite"
    record_path = _record_path(folder, backend, objects)
    record_path.unlink(missing_ok=True)
    url = _url(folder, admin_url, objects)
    name = _database_name(objects)
    console.print(f"building the store of {objects:,} objects at {url}")
    started = time.perf_counter()
    extra: dict[str, Any] = {}
    if objects == 0:
        _drop(admin_url, url, name)
        if admin_url is not None:
            _create(admin_url, name)
        _build_demo(url, folder, console)
    else:
        source = demo()
        _copy(admin_url, source.url, url, name)
        extra = _ingest(url, objects, console)
    seconds = time.perf_counter() - started
    os.sync()  # the kernel writes the store back now, not while pages are measured
    record = {
        "version": VERSION,
        "objects": objects,
        "backend": backend,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "build_seconds": seconds,
        "intel_rows": _intel_rows(url),
        **extra,
    }
    record_path.write_text(json.dumps(record, indent=1))
    console.print(f"built in {seconds:,.0f} s")
    return Store(url, objects, record, facts(url, objects))


def _create(admin_url: str, name: str) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
