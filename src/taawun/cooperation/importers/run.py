"""Import the cooperation record after the registry's: MME exercises, Geo-PKO deployments,
SIPRI transfers.

Each importer module has ``plan(session, data_dir, clock) -> (sources, notes)``: it reads
and validates its files and resolves their state names against the registry (so the
registry must be imported first), writing nothing; the sources are then written one
transaction each by the registry's ``import_sources`` (checksum skip, ``data_source``
row, audit), exactly as the registry's own datasets are.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from taawun.cooperation.importers import geopko, mme, sipri, warninglists
from taawun.core.clock import Clock, SystemClock
from taawun.registry.importers.report import ImportReport
from taawun.registry.importers.run import OnProgress, default_data_dir, import_sources

PLANNERS = (mme.plan, geopko.plan, sipri.plan, warninglists.plan)


def import_all(
    session: Session,
    *,
    data_dir: Path | None = None,
    on_progress: OnProgress | None = None,
    force: bool = False,
    clock: Clock | None = None,
) -> ImportReport:
    """Plan every cooperation source (nothing written until all have parsed), then write
    each that changed (or all, ``force``)."""
    clock = clock or SystemClock()
    data_dir = data_dir or default_data_dir()
    report = ImportReport()
    sources = []
    for plan in PLANNERS:
        planned, notes = plan(session, data_dir, clock)
        sources.extend(planned)
        report.notes.extend(notes)
    import_sources(session, sources, report, on_progress=on_progress, force=force, clock=clock)
    return report
