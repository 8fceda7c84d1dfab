"""Import every shipped dataset: validate all files first, then write each source in turn.

Nothing is written until every file has parsed and validated, so a missing,
truncated or malformed file raises ``DataFileError`` with the database as it
was. Each source is then written in its own transaction, recorded in
``data_source`` (key, citation, checksum, rows) and in the audit log. A source
whose checksum is unchanged is skipped unless ``force`` is given; a forced
import compares row by row and writes only differences.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from importlib import resources
from pathlib import Path

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from taawun.access.audit import record
from taawun.core.clock import Clock, SystemClock
from taawun.core.principal import Principal
from taawun.registry.importers import atop, cow_igo, cow_states, curated, nca
from taawun.registry.importers import sources as src
from taawun.registry.importers._agreements import Progress, write_agreements
from taawun.registry.importers._csv import Table, combined_sha256
from taawun.registry.importers._sync import table_of
from taawun.registry.importers.report import ImportReport, SourceReport
from taawun.registry.models import DataSource

OnProgress = Callable[[str, int, int], None]
Writer = Callable[[Session, SourceReport, Progress], None]


def default_data_dir() -> Path:
    """The datasets shipped inside the package (``taawun/data``)."""
    return Path(str(resources.files("taawun").joinpath("data")))


@dataclass(frozen=True, slots=True)
class Source:
    """One dataset as it will be written: ``write`` is called in the source's transaction
    with its report (to count what it wrote, by table) and a progress callback (rows done)."""

    key: str
    citation: str
    observed_through: date | None
    rows: int
    sha256: str
    write: Writer


def _sha(tables: list[Table], *extra: str) -> str:
    return combined_sha256(tables, "|".join([src.MAPPING_VERSION, *extra]))


def _write_states(plan: cow_states.StatesPlan, s: Session, r: SourceReport, p: Progress) -> None:
    cow_states.write(s, plan, r)
    p(plan.rows)


def _write_igo(plan: cow_igo.IgoPlan, s: Session, r: SourceReport, p: Progress) -> None:
    cow_igo.write(s, plan, r)
    p(plan.rows)


def plan_sources(data_dir: Path, clock: Clock) -> tuple[list[Source], list[str]]:
    """Parse and validate every file; return what each source would write, and notes."""
    states = cow_states.parse(data_dir)
    igo = cow_igo.parse(data_dir, states)
    alliances = atop.parse(data_dir, states, igo)
    additions = curated.parse(data_dir, states)
    nuclear = nca.parse(data_dir, states)

    added = ",".join(str(c) for c in sorted(states.added))
    latest = max((r.values["signed"] for r in additions.records), default=None)
    now = clock.now()
    sources = [
        Source(
            src.COW_STATES,
            src.COW_STATES_CITATION,
            src.COW_STATES_THROUGH,
            states.rows,
            _sha(states.tables, added),
            partial(_write_states, states),
        ),
        Source(
            src.COW_IGO,
            src.COW_IGO_CITATION,
            date(src.COW_IGO_THROUGH_YEAR, 12, 31),
            igo.rows,
            _sha(igo.tables),
            partial(_write_igo, igo),
        ),
        Source(
            src.ATOP,
            src.ATOP_CITATION,
            src.ATOP_THROUGH,
            alliances.rows,
            # titles and organization links also depend on the state and IGO files
            _sha([*alliances.tables, *states.tables, *igo.tables]),
            lambda s, r, p: write_agreements(
                s, source=src.ATOP_SOURCE, records=alliances.records, report=r, now=now, progress=p
            ),
        ),
        Source(
            src.CURATED_AGREEMENTS,
            src.CURATED_CITATION,
            latest,
            additions.rows,
            _sha([*additions.tables, *states.tables]),
            lambda s, r, p: write_agreements(
                s,
                source=src.CURATED_SOURCE,
                records=additions.records,
                report=r,
                now=now,
                progress=p,
            ),
        ),
        Source(
            src.NCA,
            src.NCA_CITATION,
            src.NCA_THROUGH,
            nuclear.rows,
            _sha([*nuclear.tables, *states.tables]),
            lambda s, r, p: write_agreements(
                s, source=src.NCA_SOURCE, records=nuclear.records, report=r, now=now, progress=p
            ),
        ),
    ]
    notes = [*states.notes, *nuclear.notes]
    notes.extend(f"ATOP {a} linked to {o} (Jaccard {j})" for a, o, j in alliances.links)
    return sources, notes


def import_all(
    session: Session,
    *,
    data_dir: Path | None = None,
    on_progress: OnProgress | None = None,
    force: bool = False,
    clock: Clock | None = None,
) -> ImportReport:
    """Validate all shipped datasets, then import each source that changed (or all, ``force``)."""
    clock = clock or SystemClock()
    sources, notes = plan_sources(data_dir or default_data_dir(), clock)
    report = ImportReport(notes=notes)
    import_sources(session, sources, report, on_progress=on_progress, force=force, clock=clock)
    return report


def import_sources(
    session: Session,
    sources: list[Source],
    report: ImportReport,
    *,
    on_progress: OnProgress | None = None,
    force: bool = False,
    clock: Clock,
) -> None:
    """Write each source in its own transaction (recorded in ``data_source`` and audited),
    skipping one whose checksum is unchanged unless ``force``; ``report`` gets each one's
    counts. The cooperation importers run through here too."""
    for source in sources:
        result = report.sources[source.key] = SourceReport(source.key, source.rows, source.sha256)
        stored = session.execute(
            select(DataSource.id, DataSource.sha256).where(DataSource.key == source.key)
        ).first()
        if stored is not None and stored.sha256 == source.sha256 and not force:
            result.skipped = True
            if on_progress:
                on_progress(source.key, source.rows, source.rows)
            continue
        try:
            _write_source(
                session, source, result=result, stored=stored, clock=clock, on_progress=on_progress
            )
        except BaseException:
            session.rollback()
            raise
        session.commit()


def _write_source(
    session: Session,
    source: Source,
    *,
    result: SourceReport,
    stored: object,
    clock: Clock,
    on_progress: OnProgress | None,
) -> None:
    def progress(done: int) -> None:
        if on_progress:
            on_progress(source.key, min(done, source.rows), source.rows)

    progress(0)
    source.write(session, result, progress)
    values = {
        "citation": source.citation,
        "sha256": source.sha256,
        "rows": source.rows,
        "observed_through": source.observed_through,
    }
    table = table_of(DataSource)
    if stored is None:
        session.execute(insert(table).values(key=source.key, imported_at=clock.now(), **values))
    elif result.counts.changed or getattr(stored, "sha256", None) != source.sha256:
        session.execute(
            update(table).where(table.c.key == source.key).values(imported_at=clock.now(), **values)
        )
    record(
        session,
        principal=Principal.system_principal("import"),
        action="registry.import",
        target_type="data_source",
        target_id=source.key,
        after={
            "rows": source.rows,
            "inserted": result.inserted,
            "updated": result.updated,
            "deleted": result.deleted,
            "by_table": {t: [c.inserted, c.updated, c.deleted] for t, c in result.by_table.items()},
            "sha256": source.sha256,
        },
        clock=clock,
    )
    progress(source.rows)
