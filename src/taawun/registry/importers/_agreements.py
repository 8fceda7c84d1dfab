"""Writing parsed agreements (ATOP, curated) with their domains, phases and parties, in bulk.

Agreements are matched by ``(source, source_id)``; domains by domain; phases
by phase number; parties by ``(state, phase, entered)``. Only differences are
written (see ``_sync``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from taawun.registry.importers._sync import Record, sync, table_of
from taawun.registry.importers.report import SourceReport
from taawun.registry.models import (
    Agreement,
    AgreementDomain,
    AgreementParty,
    AgreementPhase,
    Organization,
    State,
)

Progress = Callable[[int], None]


PARTY_OBLIGATIONS = ("defense", "offense", "neutral", "nonagg", "consul", "obligations_vary")
"""The member-level obligation columns of ``AgreementParty`` (None: not coded per member)."""


@dataclass(frozen=True, slots=True)
class PartyRecord:
    """A state's spell in an agreement; the state by COW code or, failing that, ISO3;
    ``obligations`` by ``PARTY_OBLIGATIONS`` name where the source codes them per member."""

    cow_code: int | None
    iso3: str | None
    phase: int
    entered: date | None
    exited: date | None
    source_row: int
    obligations: Mapping[str, bool] | None = None


@dataclass(slots=True)
class AgreementRecord:
    source_id: str
    values: dict[str, Any]
    organization: str | None = None
    domains: dict[str, dict[str, Any]] = field(default_factory=dict)
    phases: list[dict[str, Any]] = field(default_factory=list)
    parties: list[PartyRecord] = field(default_factory=list)


def write_agreements(
    session: Session,
    *,
    source: str,
    records: list[AgreementRecord],
    report: SourceReport,
    now: datetime,
    progress: Progress,
) -> None:
    agreement = table_of(Agreement)
    org = table_of(Organization)
    org_ids = dict(session.execute(select(org.c.key, org.c.id)).all())
    rows = [
        {
            **r.values,
            "source": source,
            "source_id": r.source_id,
            "organization_id": org_ids.get(r.organization) if r.organization else None,
        }
        for r in records
    ]
    report.record(
        "agreement",
        sync(
            session,
            agreement,
            key=["source", "source_id"],
            rows=rows,
            scope=agreement.c.source == source,
            on_insert=lambda r: {**r, "created_at": now, "updated_at": now},
            on_update=lambda r: {**r, "updated_at": now},
        ),
    )
    progress(len(records) // 4)
    ids: dict[str, int] = dict(
        session.execute(
            select(agreement.c.source_id, agreement.c.id).where(agreement.c.source == source)
        ).all()
    )
    mine = select(agreement.c.id).where(agreement.c.source == source).scalar_subquery()

    domain_rows: list[Record] = [
        {"agreement_id": ids[r.source_id], "domain": d, "terms": t}
        for r in records
        for d, t in r.domains.items()
    ]
    _children(
        session,
        report,
        model=AgreementDomain,
        key=["agreement_id", "domain"],
        rows=domain_rows,
        mine=mine,
    )
    progress(len(records) // 2)

    phase_rows: list[Record] = [
        {"agreement_id": ids[r.source_id], **p} for r in records for p in r.phases
    ]
    _children(
        session,
        report,
        model=AgreementPhase,
        key=["agreement_id", "phase"],
        rows=phase_rows,
        mine=mine,
    )
    progress(3 * len(records) // 4)

    state = table_of(State)
    by_code = dict(session.execute(select(state.c.cow_code, state.c.id)).all())
    by_iso3 = dict(session.execute(select(state.c.iso3, state.c.id)).all())
    party_rows: list[Record] = [
        {
            "agreement_id": ids[r.source_id],
            "state_id": by_code[p.cow_code] if p.cow_code is not None else by_iso3[p.iso3],
            "phase": p.phase,
            "entered": p.entered,
            "exited": p.exited,
            "source_row": p.source_row,
            **{c: (p.obligations or {}).get(c) for c in PARTY_OBLIGATIONS},
        }
        for r in records
        for p in r.parties
    ]
    key = ["agreement_id", "state_id", "phase", "entered"]
    _children(session, report, model=AgreementParty, key=key, rows=party_rows, mine=mine)
    progress(len(records))


def _children(
    session: Session,
    report: SourceReport,
    *,
    model: type[AgreementDomain | AgreementPhase | AgreementParty],
    key: list[str],
    rows: list[Record],
    mine: Any,
) -> None:
    table = table_of(model)
    report.record(
        str(table.name),
        sync(
            session,
            table,
            key=key,
            rows=rows,
            scope=table.c.agreement_id.in_(mine),
        ),
    )
