"""The exercise rule in SQL (``policy.EXERCISES`` through ``repository``) agrees with its
plain-Python twin for every principal and exercise of a small real world: participants,
observers, the parties of an agreement, the public record, the node, nobody."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from taawun.access.restrict import Action
from taawun.cooperation.exercises import changes, repository, service
from taawun.cooperation.exercises.models import Exercise
from taawun.cooperation.exercises.policy import may_change_exercise, may_see_exercise
from taawun.cooperation.exercises.schemas import ExerciseCreate, ExerciseRead
from taawun.core.principal import Principal, Role
from taawun.registry import service as registry

from .conftest import NODE, PrincipalFor, joint_exercises_agreement, new_exercise

STATES = ("TUR", "PAK", "AZE", "SAU", "EGY", "IND")


def _concerned(session: Session, found: ExerciseRead) -> set[int]:
    """Participants (any role) and the agreement's parties on the first day, in Python."""
    states = {p.state_id for p in found.participants if p.state_id is not None}
    if found.agreement_id is not None:
        agreement = registry.get_agreement(NODE, session, ref=found.agreement_id)
        states |= {
            p.state.id
            for p in agreement.party_spells
            if (p.entered is None or p.entered <= found.start_date)
            and (p.exited is None or p.exited >= found.start_date)
        }
    return states


def test_sql_and_python_agree_on_who_sees_and_changes(
    loaded_db: Session, principal_for: PrincipalFor
) -> None:
    trilateral = joint_exercises_agreement(
        loaded_db, ["TUR", "PAK", "AZE"], in_force=date(2021, 1, 1), confidential=True
    )
    made = [
        new_exercise(loaded_db, principal_for("TUR"), agreement=str(trilateral)),
        new_exercise(loaded_db, principal_for("AZE"), states=("AZE", "TUR"), name="Outside"),
        changes.record_exercise(
            principal_for("SAU"),
            loaded_db,
            data=ExerciseCreate.model_validate(
                {
                    "name": "With an observer",
                    "start": "2026-02-10",
                    "participants": [
                        {"state": "SAU", "role": "host"},
                        {"state": "PAK"},
                        {"state": "EGY", "role": "observer"},
                        {"organization": "GCC"},
                    ],
                }
            ),
        ),
        # before the agreement entered into force: not under it, so AZE is not concerned
        new_exercise(loaded_db, principal_for("PAK"), start="2020-06", end=None, name="Early"),
    ]
    public = Exercise(
        source="MME v7",
        source_id="test-public",
        start_date=date(1999, 1, 1),
        start_precision="year",
        coverage="unassessed",
        public=True,
        status="recorded",
        unnamed_participants=False,
        created_at=made[0].created_at,
        updated_at=made[0].created_at,
    )
    loaded_db.add(public)
    loaded_db.flush()
    ids = [m.id for m in made] + [public.id]
    facts = {
        i: (
            (found := service.get_exercise(NODE, loaded_db, ref=i)).public,
            _concerned(loaded_db, found),
        )
        for i in ids
    }
    assert facts[made[0].id][1] == {
        registry.get_state(NODE, loaded_db, name=s).id for s in ("TUR", "PAK", "AZE")
    }
    assert registry.get_state(NODE, loaded_db, name="AZE").id not in facts[made[3].id][1]
    assert registry.get_state(NODE, loaded_db, name="EGY").id in facts[made[2].id][1]
    principals = [Principal.public(), NODE] + [
        principal_for(s, role) for s in STATES for role in (Role.VIEWER, Role.LIAISON, Role.ADMIN)
    ]
    checked = 0
    for who in principals:
        for i in ids:
            public_, concerned = facts[i]
            sees = repository.exercise(loaded_db, who, i, Action.VIEW) is not None
            may = repository.exercise(loaded_db, who, i, Action.CHANGE) is not None
            assert sees == may_see_exercise(who, public=public_, concerned=concerned), (who, i)
            assert may == may_change_exercise(who, public=public_, concerned=concerned)
            checked += 1
    assert checked == len(principals) * len(ids)
    listed = service.list_exercises(principal_for("AZE", Role.VIEWER), loaded_db, source="live")
    assert {e.id for e in listed.items} == {made[0].id, made[1].id}
