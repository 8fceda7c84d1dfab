"""Organizations and memberships from COW IGO v3, plus curated memberships.

- ``cow/igo/cow_igo_v3_membership_spells_selected.csv``: the distinct
  ``ioname`` values are the organizations (``Organization.key``, ``orgname`` →
  ``name``). Each row is a membership spell: ``ccode`` → the state,
  ``status_label`` → ``status``, ``first_year``/``last_year`` → ``from_year``/
  ``to_year``. The data end in 2014: a spell running to 2014 in an
  organization that still exists is carried forward (``to_year=None``,
  ``observed_through=2014``).
- ``cow/igo/cow_igo_v3_igo_list.csv``: ``longorgname`` → ``long_name``,
  ``sdate`` → ``founded_year``, ``deaddate`` → ``dissolved_year``, ``ionum`` →
  ``source_id``.
- ``curated/memberships_extra.csv``: ``organization`` (an ``ioname``),
  ``state_iso3``, ``status``, ``first_year``, ``last_year`` (empty: ongoing).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import or_
from sqlalchemy.orm import Session

from taawun.registry.importers import sources as src
from taawun.registry.importers._csv import Table, read_table
from taawun.registry.importers._sync import sync, table_of
from taawun.registry.importers.cow_states import StatesPlan
from taawun.registry.importers.report import SourceReport
from taawun.registry.models import Membership, Organization, State
from taawun.registry.vocabulary import MEMBERSHIP_STATUSES


@dataclass(frozen=True, slots=True)
class MembershipRecord:
    org: str
    cow_code: int | None
    iso3: str | None
    status: str
    from_year: int
    to_year: int | None
    observed_through: int | None
    source: str


@dataclass(slots=True)
class IgoPlan:
    tables: list[Table]
    organizations: dict[str, dict[str, Any]]
    memberships: list[MembershipRecord]

    @property
    def rows(self) -> int:
        return sum(len(t.rows) for t in self.tables)

    def full_members_ever(self) -> dict[str, set[int]]:
        """COW codes of each organization's full members at any time (for linking ATOP)."""
        found: dict[str, set[int]] = {}
        for m in self.memberships:
            if m.status == "full" and m.cow_code is not None:
                found.setdefault(m.org, set()).add(m.cow_code)
        return found


def parse(data_dir: Path, states: StatesPlan) -> IgoPlan:
    spells = read_table(
        data_dir,
        src.IGO_SPELLS_FILE,
        ["ioname", "orgname", "ccode", "status", "status_label", "first_year", "last_year"],
    )
    igos = read_table(
        data_dir, src.IGO_LIST_FILE, ["ioname", "orgname", "longorgname", "ionum", "sdate"]
    )
    extra = read_table(
        data_dir,
        src.MEMBERSHIPS_EXTRA_FILE,
        ["organization", "state_iso3", "status", "first_year", "last_year", "source"],
    )
    meta = {row.text("ioname"): row for row in igos.rows}
    organizations: dict[str, dict[str, Any]] = {}
    memberships: list[MembershipRecord] = []
    for row in spells.rows:
        key = row.text("ioname")
        if key not in organizations:
            info = meta.get(key)
            if info is None:
                raise row.error(f"column 'ioname': {key!r} is not in {src.IGO_LIST_FILE}")
            organizations[key] = {
                "key": key,
                "name": row.text("orgname"),
                "long_name": info.text("longorgname") or None,
                "founded_year": info.optional_int("sdate"),
                "dissolved_year": info.optional_int("deaddate"),
                "observed_through": src.COW_IGO_THROUGH_YEAR,
                "source": src.COW_IGO_SOURCE,
                "source_id": str(info.int("ionum")),
            }
        status = row.text("status_label")
        if status not in MEMBERSHIP_STATUSES:
            raise row.error(f"column 'status_label': unknown status {status!r}")
        code = row.int("ccode")
        states.require(code, row, "ccode")
        first, last = row.int("first_year"), row.int("last_year")
        if last < first or last > src.COW_IGO_THROUGH_YEAR:
            raise row.error(f"columns first_year/last_year: impossible spell {first}–{last}")
        ongoing = last == src.COW_IGO_THROUGH_YEAR and organizations[key]["dissolved_year"] is None
        memberships.append(
            MembershipRecord(
                key,
                code,
                None,
                status,
                first,
                None if ongoing else last,
                src.COW_IGO_THROUGH_YEAR,
                src.COW_IGO_SOURCE,
            )
        )
    known_iso3 = states.iso3_codes()
    for row in extra.rows:
        key, iso3, status = row.text("organization"), row.text("state_iso3"), row.text("status")
        if key not in organizations:
            raise row.error(f"column 'organization': unknown organization {key!r}")
        if iso3 not in known_iso3:
            raise row.error(f"column 'state_iso3': unknown ISO3 code {iso3!r}")
        if status not in MEMBERSHIP_STATUSES:
            raise row.error(f"column 'status': unknown status {status!r}")
        memberships.append(
            MembershipRecord(
                key,
                None,
                iso3,
                status,
                row.int("first_year"),
                row.optional_int("last_year"),
                None,
                f"{src.CURATED_SOURCE}: {row.text('source')}",
            )
        )
    return IgoPlan([spells, igos, extra], organizations, memberships)


def write(session: Session, plan: IgoPlan, report: SourceReport) -> None:
    """Upsert organizations by key, then memberships by (organization, state, status, from_year)."""
    org = table_of(Organization)
    report.record(
        "organization",
        sync(
            session,
            org,
            key=["key"],
            rows=list(plan.organizations.values()),
            delete_missing=False,
        ),
    )
    org_ids = dict(session.execute(org.select().with_only_columns(org.c.key, org.c.id)).all())
    state = table_of(State)
    by_code = dict(
        session.execute(state.select().with_only_columns(state.c.cow_code, state.c.id)).all()
    )
    by_iso3 = dict(
        session.execute(state.select().with_only_columns(state.c.iso3, state.c.id)).all()
    )
    rows = [
        {
            "organization_id": org_ids[m.org],
            "state_id": by_code[m.cow_code] if m.cow_code is not None else by_iso3[m.iso3],
            "status": m.status,
            "from_year": m.from_year,
            "to_year": m.to_year,
            "observed_through": m.observed_through,
            "source": m.source,
        }
        for m in plan.memberships
    ]
    membership = table_of(Membership)
    report.record(
        "membership",
        sync(
            session,
            membership,
            key=["organization_id", "state_id", "status", "from_year"],
            rows=rows,
            scope=or_(
                membership.c.source == src.COW_IGO_SOURCE,
                membership.c.source.like(f"{src.CURATED_SOURCE}: %"),
            ),
        ),
    )
