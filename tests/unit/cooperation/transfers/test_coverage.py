"""The covering agreement of each record row is what ``covering_agreements`` answers for the
two states and the row's year; the registry's year rule in SQL and as runs of years agree
with its ``in_force_during``."""

from __future__ import annotations

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from taawun.cooperation.transfers.models import Transfer
from taawun.cooperation.transfers.vocabulary import ALLIANCE_DOMAINS, COVERING_DOMAINS
from taawun.core.principal import Principal
from taawun.registry import service as registry
from taawun.registry.periods import Period
from taawun.registry.resolver import resolve_state

PUBLIC = Principal.public()


def test_stored_coverage_equals_covering_agreements(sipri_db: Session) -> None:
    """Every 241st row of the record with two states (147 rows, of every source, covered and
    flagged alike)."""
    rows = sipri_db.execute(
        select(
            Transfer.supplier_state_id,
            Transfer.recipient_state_id,
            Transfer.year,
            Transfer.agreement_id,
            Transfer.source,
        )
        .where(Transfer.supplier_state_id.is_not(None), Transfer.recipient_state_id.is_not(None))
        .order_by(Transfer.id)
    ).all()[::241]
    assert len(rows) == 147
    covered = 0
    for supplier, recipient, year, agreement_id, source in rows:
        found = registry.covering_agreements(
            PUBLIC,
            sipri_db,
            state_ids=[supplier, recipient],
            domains=COVERING_DOMAINS,
            period=Period.year(year),
        )
        assert agreement_id == (found[0].id if found else None), (source, supplier, recipient, year)
        covered += agreement_id is not None
    assert 0 < covered < len(rows)  # both kinds are in the sample


def test_year_rule_in_sql_equals_in_force_during(sipri_db: Session) -> None:
    pairs = [("TUR", "USA"), ("PAK", "USA"), ("PAK", "CHN"), ("IND", "RUS"), ("FRA", "PAK")]
    for a, b in pairs:
        ia, ib = resolve_state(sipri_db, a).id, resolve_state(sipri_db, b).id
        for year in range(1950, 2022, 10):
            for domains in (COVERING_DOMAINS, ALLIANCE_DOMAINS):
                sql = registry.agreements_joining_in_year(
                    PUBLIC, a=literal(ia), b=literal(ib), year=literal(year), domains=domains
                )
                want = registry.covering_agreements(
                    PUBLIC, sipri_db, state_ids=[ia, ib], domains=domains, period=Period.year(year)
                )
                assert set(sipri_db.scalars(sql)) == {x.id for x in want}, (a, b, year, domains)


def test_joint_years_cover_the_same_agreements(sipri_db: Session) -> None:
    spans = registry.joint_years(PUBLIC, sipri_db, domains=ALLIANCE_DOMAINS)
    turkey, usa = resolve_state(sipri_db, "TUR").id, resolve_state(sipri_db, "USA").id
    for year in (1949, 1952, 1980, 2018):
        by_spans = {
            s.agreement_id
            for s in spans
            if (s.a, s.b) == (turkey, usa)
            and s.first <= year
            and (s.last is None or year <= s.last)
        }
        want = registry.covering_agreements(
            PUBLIC, sipri_db, state_ids=[turkey, usa], domains=ALLIANCE_DOMAINS,
            period=Period.year(year),
        )  # fmt: skip
        assert by_spans == {x.id for x in want}, year
    nato = registry.get_agreement(PUBLIC, sipri_db, ref="ATOP 3180")
    joined = [s.first for s in spans if s.agreement_id == nato.id and (s.a, s.b) == (turkey, usa)]
    assert set(joined) == {1951}  # atop5_1m.csv: Turkey entered ATOP 3180 on 1951-10-22
