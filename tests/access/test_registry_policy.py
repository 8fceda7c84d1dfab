"""Differential test: the SQL form of the registry's rule equals its plain-Python form.

Hypothesis generates small worlds (states, agreements with random confidentiality
and parties, principals of random states and roles) and checks that the
agreements ``repository`` returns through ``restrict`` are exactly those
``policy.visible_to`` allows, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from taawun.access.restrict import Action
from taawun.core.ids import AgencyId, StateId, UserId
from taawun.core.principal import Clearance, Principal, Role
from taawun.registry import repository
from taawun.registry.models import Agreement, AgreementParty, State
from taawun.registry.policy import visible_to

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
