"""Dyad-years obey the registry's confidentiality rule: a confidential agreement counts only
for users of its parties (and the node), and the public view is the imported record."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy.orm import Session

from taawun.analytics import service
from taawun.analytics.schemas import COLUMNS, DyadYears
from taawun.core.clock import FixedClock
from taawun.core.principal import Principal

from .analytics_helpers import record_secret_pact, user_of

TUR, PAK, SAU = 640, 770, 670
FIRST, LAST = 2022, 2026


def table(session: Session, viewer: Principal, clock: FixedClock) -> DyadYears:
    return service.dyad_years(viewer, session, first=FIRST, directed=True, clock=clock)


def same(a: DyadYears, b: DyadYears) -> bool:
    return all(np.array_equal(a.columns[n], b.columns[n]) for n in COLUMNS) and [
        a.agreements_of(i) for i in range(len(a))
    ] == [b.agreements_of(i) for i in range(len(b))]


def row(t: DyadYears, c1: int, c2: int, year: int) -> int | None:
    c = t.columns
    found = np.flatnonzero((c["ccode1"] == c1) & (c["ccode2"] == c2) & (c["year"] == year))
    return int(found[0]) if len(found) else None


@pytest.fixture
def imported(loaded_db: Session, clock: FixedClock) -> DyadYears:
    """The public view before anything is recorded on the node: the imported record."""
    return table(loaded_db, Principal.public(), clock)


@pytest.fixture
def secret(loaded_db: Session, imported: DyadYears) -> str:
    """A confidential Turkey–Pakistan defence and intelligence pact, in force from 2024."""
    return record_secret_pact(loaded_db)


def test_the_public_view_is_the_imported_record(
    loaded_db: Session, imported: DyadYears, secret: str, clock: FixedClock
) -> None:
    public = table(loaded_db, Principal.public(), clock)
    assert same(public, imported)
    assert all(secret not in public.agreements_of(i) for i in range(len(public)))
    assert len(public) > 10_000  # the record itself is there (ATOP, NCA, curated)


def test_a_party_counts_the_confidential_pact_and_others_do_not(
    loaded_db: Session, imported: DyadYears, secret: str, clock: FixedClock
) -> None:
    turkish = table(loaded_db, user_of(loaded_db, "TUR"), clock)
    pakistani = table(loaded_db, user_of(loaded_db, "PAK"), clock)
    saudi = table(loaded_db, user_of(loaded_db, "SAU"), clock)
    node = table(loaded_db, Principal.system_principal(), clock)

    assert same(saudi, imported)  # not a party: sees what the public sees
    assert not same(turkish, saudi)  # two users, two views
    assert same(turkish, pakistani) and same(turkish, node)
    c = turkish.columns
    for year in range(FIRST, LAST + 1):
        for a, b in ((TUR, PAK), (PAK, TUR)):
            mine, theirs = row(turkish, a, b, year), row(imported, a, b, year)
            if year < 2024:
                assert mine is not None and theirs is not None
                assert turkish.agreements_of(mine) == imported.agreements_of(theirs)
                continue
            assert mine is not None
            assert secret in turkish.agreements_of(mine)
            assert (c["atopally"][mine], c["defense"][mine], c["intelligence_sharing"][mine]) == (
                1,
                1,
                1,
            )
            before = 0 if theirs is None else int(imported.columns["number"][theirs])
            assert int(c["number"][mine]) == before + 1
