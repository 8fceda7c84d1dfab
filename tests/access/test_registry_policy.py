"""Differential test: the SQL form of the registry's rule equals its plain-Python form.

Hypothesis generates small worlds (states, agreements with random confidentiality
and parties, principals of random states and roles) and checks that the
agreements ``repository`` returns through ``restrict`` are exactly those
``policy.visible_to`` allows, on SQLite and PostgreSQL. The same for the definitions the
release policy is built on: an agreement in force on a day, a party spell covering it; and
the two meanings of "in force" (on a day, for sharing; during a period, for history).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from taawun.access.restrict import Action
from taawun.core.ids import AgencyId, StateId, UserId
from taawun.core.principal import Clearance, Principal, Role
from taawun.registry import repository
from taawun.registry.models import Agreement, AgreementParty, State
from taawun.registry.periods import Period
from taawun.registry.policy import (
    in_force_during,
    in_force_on,
    is_in_force_on,
    spell_covers,
    spell_covers_day,
    visible_to,
)

N_STATES = 5
NOW = datetime(2026, 1, 1, tzinfo=UTC)

agreements = st.lists(
    st.tuples(st.booleans(), st.sets(st.integers(0, N_STATES - 1), min_size=1, max_size=3)),
    max_size=8,
)
principals = st.tuples(
    st.one_of(st.none(), st.integers(0, N_STATES - 1)),
    st.sampled_from(list(Role)),
    st.booleans(),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=agreements, who=principals)
def test_sql_rule_equals_python_rule(
    db: Session, world: list[tuple[bool, set[int]]], who: tuple[int | None, Role, bool]
) -> None:
    savepoint = db.begin_nested()
    try:
        states = [
            State(cow_code=9000 + i, name=f"State {i}", source="generated") for i in range(N_STATES)
        ]
        db.add_all(states)
        db.flush()
        expected_parties: dict[int, tuple[bool, set[int]]] = {}
        for n, (confidential, members) in enumerate(world):
            agreement = Agreement(
                title=f"generated {n}",
                source="generated",
                source_id=str(n),
                in_force=date(2020, 1, 1),
                status="in_force",
                confidential=confidential,
                terms={},
                created_at=NOW,
                updated_at=NOW,
            )
            agreement.parties = [AgreementParty(state_id=states[m].id, phase=0) for m in members]
            db.add(agreement)
            db.flush()
            expected_parties[agreement.id] = (confidential, {states[m].id for m in members})
        state_index, role, system = who
        principal = (
            Principal.system_principal()
            if system
            else Principal(
                user_id=UserId(1),
                username="u",
                agency_id=AgencyId(1),
                state_id=None if state_index is None else StateId(states[state_index].id),
                role=role,
                clearance=Clearance.SECRET,
            )
        )
        stmt = repository.visible_agreements(principal, Action.VIEW).where(
            Agreement.source == "generated"
        )
        got = {a.id for a in repository.page(db, stmt, limit=100, offset=0)}
        want = {
            aid
            for aid, (conf, parties) in expected_parties.items()
            if visible_to(conf, parties, principal)
        }
        assert got == want
        assert repository.count(db, stmt) == len(want)
    finally:
        savepoint.rollback()


# --- "in force" and party spells: the definitions the release policy is built on ----------

T = date(2024, 6, 15)
DAY = timedelta(days=1)
days = st.sampled_from([T + k * DAY for k in range(-2, 3)])
maybe_day = st.one_of(st.none(), days)
STATUSES = ("proposed", "in_force", "suspended", "terminated", "expired")


@dataclass(frozen=True, slots=True)
class Dates:
    status: str
    in_force: date | None
    ended: date | None


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    agreements=st.lists(
        st.builds(Dates, st.sampled_from(STATUSES), maybe_day, maybe_day), max_size=8
    ),
    spells=st.lists(st.tuples(maybe_day, maybe_day), max_size=8),
    day=days,
)
def test_in_force_and_spells_in_sql_equal_their_python_twins(
    db: Session, agreements: list[Dates], spells: list[tuple[date | None, date | None]], day: date
) -> None:
    savepoint = db.begin_nested()
    try:
        state = State(cow_code=9000, name="State 0", source="generated")
        db.add(state)
        db.flush()
        facts: dict[int, Dates] = {}
        spell_of: dict[int, tuple[date | None, date | None]] = {}
        for n, g in enumerate(agreements or [Dates("in_force", T, None)]):
            row = Agreement(
                title=f"generated {n}",
                source="generated",
                source_id=str(n),
                status=g.status,
                in_force=g.in_force,
                ended=g.ended,
                confidential=False,
                terms={},
                created_at=NOW,
                updated_at=NOW,
            )
            row.parties = [
                AgreementParty(state_id=state.id, phase=0, entered=e, exited=x) for e, x in spells
            ]
            db.add(row)
            db.flush()
            facts[row.id] = g
            spell_of.update({p.id: (p.entered, p.exited) for p in row.parties})
        generated = Agreement.source == "generated"
        in_force = set(db.scalars(select(Agreement.id).where(generated, in_force_on(day))))
        assert in_force == {a for a, g in facts.items() if is_in_force_on(g, day)}
        covering = set(
            db.scalars(
                select(AgreementParty.id).where(
                    AgreementParty.id.in_(spell_of), spell_covers(AgreementParty, day)
                )
            )
        )
        assert covering == {p for p, (e, x) in spell_of.items() if spell_covers_day(e, x, day)}
    finally:
        savepoint.rollback()


# In force on a day (the release policy: today's status and the dates) and in force during a
# period of history (registry searches): the same dates, different statuses.
JUNE_1960 = date(1960, 6, 1)
BEGUN, ENDED = date(1955, 2, 24), date(1979, 9, 26)  # CENTO's dates


@pytest.mark.parametrize(
    ("status", "in_force", "ended", "status_since", "day", "on_day", "in_year"),
    [
        # an alliance that ended in 1979 was in force in 1960, but grants nothing today
        ("terminated", BEGUN, ENDED, ENDED, JUNE_1960, False, True),
        ("expired", BEGUN, ENDED, ENDED, JUNE_1960, False, True),
        ("terminated", BEGUN, ENDED, ENDED, date(1980, 6, 1), False, False),
        ("in_force", BEGUN, None, BEGUN, JUNE_1960, True, True),
        ("in_force", JUNE_1960, None, JUNE_1960, JUNE_1960, True, True),
        ("in_force", date(1960, 6, 2), None, None, JUNE_1960, False, True),
        ("in_force", date(1961, 1, 1), None, None, JUNE_1960, False, False),
        # suspended in June 1960: in force in 1960 (before June), not on the day; suspended
        # from 1 January: not in force in 1960 at all
        ("suspended", BEGUN, None, JUNE_1960, JUNE_1960, False, True),
        ("suspended", BEGUN, None, date(1960, 1, 1), JUNE_1960, False, False),
        ("proposed", BEGUN, None, None, JUNE_1960, False, False),
    ],
)
def test_in_force_on_a_day_and_during_history(
    db: Session,
    status: str,
    in_force: date,
    ended: date | None,
    status_since: date | None,
    day: date,
    on_day: bool,
    in_year: bool,
) -> None:
    row = Agreement(
        title="generated",
        source="generated",
        source_id="0",
        status=status,
        in_force=in_force,
        ended=ended,
        status_since=status_since,
        confidential=False,
        terms={},
        created_at=NOW,
        updated_at=NOW,
    )
    db.add(row)
    db.flush()
    this = Agreement.id == row.id
    assert (db.scalar(select(Agreement.id).where(this, in_force_on(day))) is not None) is on_day
    assert is_in_force_on(row, day) is on_day
    year = Period.year(day.year)
    assert (
        db.scalar(select(Agreement.id).where(this, in_force_during(year))) is not None
    ) is in_year


def _compiled(criterion: object) -> tuple[str, tuple[tuple[str, object], ...]]:
    from sqlalchemy import ColumnElement

    assert isinstance(criterion, ColumnElement)
    compiled = criterion.compile()
    return str(compiled), tuple(sorted(compiled.params.items()))


def test_the_view_key_holds_all_the_view_rule_depends_on() -> None:
    """What one principal read of agreements is cached for others with the same
    ``view_key`` (``registry/repository.under_revision``): so principals with equal keys
    must get the same VIEW criterion, whatever else differs (role, clearance, agency, user),
    and different keys different criteria. A rule that came to depend on more than the key
    holds would fail here before it leaked through the cache."""
    from taawun.registry.policy import AGREEMENTS

    principals = [
        Principal(
            user_id=UserId(user),
            username=f"u{user}",
            agency_id=None if agency is None else AgencyId(agency),
            state_id=None if state is None else StateId(state),
            role=role,
            clearance=clearance,
        )
        for user, (state, agency, role, clearance) in enumerate(
            (s, a, r, c)
            for s in (None, 1, 2)
            for a in (None, 10, 11)
            for r in Role
            for c in (Clearance.UNCLASSIFIED, Clearance.TOP_SECRET)
        )
    ] + [Principal.system_principal(), Principal.system_principal("importer")]
    by_key: dict[object, set[tuple[str, tuple[tuple[str, object], ...]]]] = {}
    for who in principals:
        compiled = _compiled(AGREEMENTS.criterion(who, Action.VIEW))
        by_key.setdefault(AGREEMENTS.view_key(who), set()).add(compiled)
    assert all(len(criteria) == 1 for criteria in by_key.values()), by_key
    distinct = [next(iter(c)) for c in by_key.values()]
    assert len(set(distinct)) == len(distinct)
