"""Organizations and memberships from COW IGO v3, plus curated memberships.

- ``cow/igo/cow_igo_v3_membership_spells_selected.csv``: the distinct
  ``ioname`` values are the organizations (``Organization.key``, ``orgname`` →
  ``name``, unless ``curated/organization_names.csv`` gives the current name).
  Each row is a membership spell: ``ccode`` → the state, ``status_label`` →
  ``status``, ``first_year``/``last_year`` → ``from_year``/``to_year``. The
  data end in 2014: a spell running to 2014 in an organization that still
  exists is carried forward (``to_year=None``, ``observed_through=2014``).
- ``cow/igo/cow_igo_v3_igo_list.csv``: ``longorgname`` → ``long_name``,
  ``sdate`` → ``founded_year``, ``deaddate`` → ``dissolved_year``, ``ionum`` →
  ``source_id``.
- ``curated/memberships_extra.csv``: ``organization`` (an ``ioname``),
  ``state_iso3``, ``status``, ``first_year``, ``last_year`` (empty: ongoing), and
  ``from_date``/``to_date`` (ISO dates, optional: the first and last day, when the source
  gives them; they must fall in ``first_year``/``last_year``). COW IGO codes neither
  suspensions nor days, so a curated spell overrides it from its first day: a COW IGO
  spell of the same organization and state running on that day ends the day before
  (Syria's full membership of the Arab League, 1961–2014 in COW IGO, ends on 15 November
  2011). Spells of one organization and state may not overlap otherwise.
- ``curated/organization_names.csv``: names over time (``organization_names``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import or_
from sqlalchemy.orm import Session

from taawun.registry.importers import organization_names
from taawun.registry.importers import sources as src
from taawun.registry.importers._csv import Row, Table, read_table
from taawun.registry.importers._sync import sync, table_of
from taawun.registry.importers.cow_states import StatesPlan
from taawun.registry.importers.report import SourceReport
from taawun.registry.models import Membership, Organization, State
from taawun.registry.vocabulary import COW_IGO_STATUSES, MEMBERSHIP_STATUSES


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
    from_date: date | None = None
    to_date: date | None = None

    @property
    def first_day(self) -> date:
        return self.from_date or date(self.from_year, 1, 1)

    @property
    def last_day(self) -> date:
        if self.to_date is not None:
            return self.to_date
        return date.max if self.to_year is None else date(self.to_year, 12, 31)

    @property
    def curated(self) -> bool:
        return self.source != src.COW_IGO_SOURCE


@dataclass(slots=True)
class IgoPlan:
    tables: list[Table]
    organizations: dict[str, dict[str, Any]]
    memberships: list[MembershipRecord]
    names: list[organization_names.NameRecord]

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
        [
            "organization",
            "state_iso3",
            "status",
            "first_year",
            "last_year",
            "from_date",
            "to_date",
            "source",
        ],
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
        if status not in COW_IGO_STATUSES:
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
    names_table, names = organization_names.parse(data_dir, organizations)
    curated = [_curated(row, states, organizations) for row in extra.rows]
    return IgoPlan(
        [spells, igos, extra, names_table],
        organizations,
        _supersede(memberships, curated),
        names,
    )


def _curated(
    row: Row, states: StatesPlan, organizations: dict[str, dict[str, Any]]
) -> tuple[Row, MembershipRecord]:
    """One row of memberships_extra.csv, checked; the state by COW code when it has one."""
    key, iso3, status = row.text("organization"), row.text("state_iso3"), row.text("status")
    if key not in organizations:
        raise row.error(f"column 'organization': unknown organization {key!r}")
    state = next((s for s in states.all_states() if s.iso3 == iso3), None)
    if state is None:
        raise row.error(f"column 'state_iso3': unknown ISO3 code {iso3!r}")
    if status not in MEMBERSHIP_STATUSES:
        raise row.error(f"column 'status': unknown status {status!r}")
    first, last = row.int("first_year"), row.optional_int("last_year")
    from_date = row.iso_date("from_date") if row.text("from_date") else None
    to_date = row.iso_date("to_date") if row.text("to_date") else None
    if from_date is not None and from_date.year != first:
        raise row.error(f"column 'from_date': {from_date} is not in first_year {first}")
    if to_date is not None and (last is None or to_date.year != last):
        raise row.error(f"column 'to_date': {to_date} is not in last_year {last}")
    if last is not None and last < first:
        raise row.error(f"columns first_year/last_year: impossible spell {first}–{last}")
    source = f"{src.CURATED_SOURCE}: {row.text('source')}"
    if not row.text("source") or len(source) > 200:  # Membership.source is String(200)
        raise row.error("column 'source': required, at most 191 characters")
    return row, MembershipRecord(
        key,
        state.cow_code,
        None if state.cow_code is not None else iso3,
        status,
        first,
        last,
        None,
        source,
        from_date,
        to_date,
    )


def _supersede(
    cow: list[MembershipRecord], curated: list[tuple[Row, MembershipRecord]]
) -> list[MembershipRecord]:
    """COW IGO spells with the curated ones laid over them (see the module docstring)."""
    found = list(cow)
    for row, spell in sorted(curated, key=lambda c: c[1].first_day):
        pair = (spell.org, spell.cow_code, spell.iso3)
        for i, m in enumerate(found):
            if (
                not m.curated
                and (m.org, m.cow_code, m.iso3) == pair
                and m.first_day < spell.first_day <= m.last_day
            ):
                end = spell.first_day - timedelta(days=1)
                found[i] = replace(m, to_year=end.year, to_date=end)
        for m in found:
            if (m.org, m.cow_code, m.iso3) == pair and (
                m.first_day <= spell.last_day and spell.first_day <= m.last_day
            ):
                raise row.error(
                    f"{spell.org}: this {spell.status} spell overlaps the {m.status} spell "
                    f"from {m.first_day} ({m.source})"
                )
        found.append(spell)
    return found


def write(session: Session, plan: IgoPlan, report: SourceReport) -> None:
    """Upsert organizations by key and their names, then memberships by (organization, state,
    status, from_year)."""
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
    organization_names.write(session, plan.names, report)
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
            "from_date": m.from_date,
            "to_date": m.to_date,
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
