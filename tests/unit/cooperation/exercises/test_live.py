"""Live exercises on the real registry: recorded, assessed against the agreements, seen and
changed only by the states they concern, audited, and refused whole on bad input."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from taawun.access.audit import verify_chain
from taawun.access.models import AuditEntry
from taawun.cooperation.exercises import changes, service
from taawun.cooperation.exercises.models import Exercise, ExerciseDomain, ExerciseParticipant
from taawun.cooperation.exercises.schemas import ExerciseCreate, ExerciseUpdate
from taawun.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from taawun.core.principal import Principal, Role

from .conftest import NODE, PrincipalFor, joint_exercises_agreement, new_exercise


def _counts(session: Session) -> tuple[int, ...]:
    return tuple(
        session.scalar(select(func.count()).select_from(m)) or 0
        for m in (Exercise, ExerciseParticipant, ExerciseDomain, AuditEntry)
    )


def _ids(session: Session, principal: Principal, **filters: object) -> tuple[set[int], int]:
    page = service.list_exercises(principal, session, limit=1000, **filters)  # type: ignore[arg-type]
    return {e.id for e in page.items}, page.total


def test_recorded_under_the_covering_agreement_and_audited(
    loaded_db: Session, principal_for: PrincipalFor
) -> None:
    agreement = joint_exercises_agreement(loaded_db, ["TUR", "PAK"])
    tr = principal_for("TUR")
    before = _counts(loaded_db)
    made = new_exercise(loaded_db, tr, start="2026-05", end=None, warfighting=True)
    assert (made.coverage, made.agreement_id) == ("covered", agreement)
    assert made.agreement is not None and made.agreement.title.endswith("(test)")
    assert (made.start, made.start_precision, made.start_date) == (
        "2026-05",
        "month",
        date(2026, 5, 1),
    )
    assert made.host == "TUR" and made.host_basis == "recorded"
    assert [(p.state, p.role) for p in made.participants] == [
        ("TUR", "host"),
        ("PAK", "participant"),
    ]
    assert made.public is False and made.source == "taawun" and made.status == "recorded"
    assert _counts(loaded_db) == tuple(b + d for b, d in zip(before, (1, 2, 2, 1), strict=True))
    entry = loaded_db.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert entry is not None and entry.action == "exercise.record"
    assert entry.actor == tr.username and entry.target_id == str(made.id)
    assert entry.after is not None and entry.after["coverage"] == "covered"
    assert verify_chain(loaded_db).ok


def test_outside_any_agreement_it_is_recorded_and_flagged(
    loaded_db: Session, principal_for: PrincipalFor
) -> None:
    """Azerbaijan and Turkey share the Shusha declaration (mutual defence, consultation,
    technology exchange) but no agreement covering joint exercises."""
    made = new_exercise(
        loaded_db, principal_for("AZE"), states=("AZE", "TUR"), name="TurAz Qartali"
    )
    assert (made.coverage, made.agreement_id, made.agreement) == ("outside", None, None)
    flagged, _ = _ids(loaded_db, principal_for("TUR"), coverage="outside")
    assert made.id in flagged


def test_a_third_state_sees_nothing_of_a_live_bilateral_exercise(
    loaded_db: Session, principal_for: PrincipalFor
) -> None:
    made = new_exercise(loaded_db, principal_for("TUR"))
    for party in ("TUR", "PAK"):
        seen, _ = _ids(loaded_db, principal_for(party, Role.VIEWER), state="TUR")
        assert made.id in seen
        assert (
            service.get_exercise(principal_for(party, Role.VIEWER), loaded_db, ref=made.id).id
            == made.id
        )
    saudi = principal_for("SAU")
    seen, total = _ids(loaded_db, saudi, state="TUR", source="live")
    assert made.id not in seen and total == 0
    for who in (saudi, Principal.public()):
        with pytest.raises(NotFound) as hidden:
            service.get_exercise(who, loaded_db, ref=made.id)
        with pytest.raises(NotFound) as missing:
            service.get_exercise(who, loaded_db, ref=made.id + 10_000)
        assert hidden.value.message.replace(str(made.id), "N") == missing.value.message.replace(
            str(made.id + 10_000), "N"
        )
    partners = service.exercise_partners(saudi, loaded_db, state="TUR", source="live")
    assert partners.partners == []
    pk = principal_for("PAK")
    found = service.exercise_partners(pk, loaded_db, state="TUR", source="live")
    assert [(p.state, p.exercises) for p in found.partners] == [("PAK", 1)]
    before = _counts(loaded_db)
    with pytest.raises(NotFound):
        changes.update_exercise(saudi, loaded_db, ref=made.id, data=ExerciseUpdate(name="Renamed"))
    with pytest.raises(NotFound):
        changes.cancel_exercise(saudi, loaded_db, ref=made.id)
    assert _counts(loaded_db) == before


def test_the_parties_of_its_agreement_see_and_change_it(
    loaded_db: Session, principal_for: PrincipalFor
) -> None:
    """A trilateral agreement covers a bilateral exercise: Azerbaijan, a party that does not
    take part, is concerned; Saudi Arabia is not."""
    agreement = joint_exercises_agreement(loaded_db, ["TUR", "PAK", "AZE"], confidential=True)
    made = new_exercise(loaded_db, principal_for("TUR"), agreement=str(agreement))
    assert made.agreement_id == agreement
    az = principal_for("AZE")
    assert service.get_exercise(az, loaded_db, ref=made.id).agreement_id == agreement
    renamed = changes.update_exercise(
        az, loaded_db, ref=made.id, data=ExerciseUpdate(focus="urban")
    )
    assert renamed.focus == "urban" and renamed.coverage == "covered"
    with pytest.raises(NotFound):
        service.get_exercise(principal_for("SAU"), loaded_db, ref=made.id)


def test_the_most_specific_covering_agreement_is_taken(
    loaded_db: Session, principal_for: PrincipalFor
) -> None:
    joint_exercises_agreement(loaded_db, ["TUR", "PAK", "AZE"])
    bilateral = joint_exercises_agreement(loaded_db, ["TUR", "PAK"])
    assert new_exercise(loaded_db, principal_for("PAK")).agreement_id == bilateral


def test_an_agreement_that_does_not_cover_it_is_refused_and_nothing_is_written(
    loaded_db: Session, principal_for: PrincipalFor
) -> None:
    later = joint_exercises_agreement(loaded_db, ["TUR", "PAK"], in_force=date(2027, 1, 1))
    before = _counts(loaded_db)
    for agreement in (str(later), "ATOP 4965"):  # not yet in force; no joint_exercises, no TUR
        with pytest.raises(InvalidInput) as err:
            new_exercise(loaded_db, principal_for("TUR"), agreement=agreement)
        assert err.value.field == "agreement"
    with pytest.raises(NotFound):
        new_exercise(loaded_db, principal_for("TUR"), agreement="999999")
    assert _counts(loaded_db) == before


@pytest.mark.parametrize(
    ("change", "error", "field"),
    [
        ({"states": ("TUR", "Atlantis")}, NotFound, "participants"),
        ({"start": "2026-05-04", "end": "2026-05-01"}, InvalidInput, "end"),
        ({"start": "2026-04-31"}, InvalidInput, "start"),
        ({"states": ("TUR", "PAK", "TUR")}, InvalidInput, "participants"),
        ({"states": ("PAK", "SAU")}, PermissionDenied, "participants"),  # not the user's state
    ],
)
def test_bad_input_is_refused_whole(
    loaded_db: Session,
    principal_for: PrincipalFor,
    change: dict[str, object],
    error: type[Exception],
    field: str,
) -> None:
    before = _counts(loaded_db)
    with pytest.raises(error) as err:
        new_exercise(loaded_db, principal_for("TUR"), **change)  # type: ignore[arg-type]
    assert getattr(err.value, "field", None) == field
    assert _counts(loaded_db) == before


def test_an_unknown_domain_or_role_is_refused_by_the_schema() -> None:
    base = {"name": "Test", "start": "2026", "participants": [{"state": "TUR"}, {"state": "PAK"}]}
    with pytest.raises(ValidationError) as err:
        ExerciseCreate.model_validate({**base, "domains": ["land", "space"]})
    assert err.value.errors()[0]["loc"] == ("domains",)
    assert "unknown domain 'space'" in str(err.value)
    with pytest.raises(ValidationError) as err:
        ExerciseCreate.model_validate({**base, "participants": [{"state": "TUR", "role": "boss"}]})
    assert "unknown role 'boss'" in str(err.value)


def test_only_liaisons_and_admins_record_and_change(
    loaded_db: Session, principal_for: PrincipalFor
) -> None:
    with pytest.raises(PermissionDenied):
        new_exercise(loaded_db, principal_for("TUR", Role.ANALYST))
    made = new_exercise(loaded_db, principal_for("TUR", Role.ADMIN))
    with pytest.raises(PermissionDenied):
        changes.cancel_exercise(principal_for("PAK", Role.VIEWER), loaded_db, ref=made.id)
    by_node = new_exercise(loaded_db, NODE, name="Recorded by the operator")
    assert by_node.source == "taawun"


def test_update_reassesses_and_refuses_leaving_the_actor_unconcerned(
    loaded_db: Session, principal_for: PrincipalFor
) -> None:
    joint_exercises_agreement(loaded_db, ["TUR", "PAK"], in_force=date(2025, 1, 1))
    tr = principal_for("TUR")
    made = new_exercise(loaded_db, tr)
    assert made.coverage == "covered"
    earlier = changes.update_exercise(
        tr, loaded_db, ref=made.id, data=ExerciseUpdate(start="2024-09", end="2024-10-02")
    )
    assert (earlier.coverage, earlier.agreement_id, earlier.start) == ("outside", None, "2024-09")
    again = changes.update_exercise(
        tr, loaded_db, ref=made.id, data=ExerciseUpdate(start="2025-03-01", end="2025-03")
    )
    assert (again.coverage, again.end, again.end_precision) == ("covered", "2025-03", "month")
    before = _counts(loaded_db)
    with pytest.raises(InvalidInput) as err:
        changes.update_exercise(
            tr, loaded_db, ref=made.id, data=ExerciseUpdate.model_validate({"name": None})
        )
    assert err.value.field == "name"
    with pytest.raises(InvalidInput) as err:
        changes.update_exercise(
            tr,
            loaded_db,
            ref=made.id,
            data=ExerciseUpdate.model_validate(
                {"participants": [{"state": "PAK"}, {"state": "SAU"}]}
            ),
        )
    assert err.value.field == "participants" and "no longer concern your state" in err.value.message
    assert _counts(loaded_db) == before
    assert service.get_exercise(tr, loaded_db, ref=made.id).states == ["TUR", "PAK"]
    entries = loaded_db.scalars(
        select(AuditEntry.action).where(
            AuditEntry.target_type == "exercise", AuditEntry.target_id == str(made.id)
        )
    ).all()
    assert entries == ["exercise.record", "exercise.update", "exercise.update"]


def test_cancel_keeps_the_exercise_and_ends_its_changes(
    loaded_db: Session, principal_for: PrincipalFor
) -> None:
    made = new_exercise(loaded_db, principal_for("TUR"))
    pk = principal_for("PAK")
    done = changes.cancel_exercise(pk, loaded_db, ref=made.id, reason="floods")
    assert done.status == "cancelled"
    with pytest.raises(Conflict):
        changes.cancel_exercise(pk, loaded_db, ref=made.id)
    with pytest.raises(Conflict):
        changes.update_exercise(pk, loaded_db, ref=made.id, data=ExerciseUpdate(name="Later"))
    seen, _ = _ids(loaded_db, pk, status="cancelled", source="live")
    assert seen == {made.id}
    entry = loaded_db.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert entry is not None and entry.action == "exercise.cancel"
    assert (
        entry.detail == {"reason": "floods"}
        and entry.before
        and entry.before["status"] == "recorded"
    )


def test_recording_the_same_exercise_twice_is_a_conflict(
    loaded_db: Session, principal_for: PrincipalFor
) -> None:
    made = new_exercise(loaded_db, principal_for("TUR"))
    with pytest.raises(Conflict) as err:
        new_exercise(loaded_db, principal_for("PAK"), states=("PAK", "TUR"), name=made.name.upper())  # type: ignore[union-attr]
    assert f"id {made.id}" in err.value.message


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"domains": ["space"]}, "domain"),
        ({"source": "rumour"}, "source"),
        ({"coverage": "maybe"}, "coverage"),
        ({"year_from": 2010, "year_to": 2001}, "year_to"),
        ({"year_from": 1066}, "year_from"),
        ({"limit": 0}, "limit"),
    ],
)
def test_list_filters_are_checked(
    loaded_db: Session, filters: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        service.list_exercises(Principal.public(), loaded_db, **filters)  # type: ignore[arg-type]
    assert err.value.field == field


def test_an_observer_is_not_shown_a_confidential_agreement_it_is_no_party_to(
    loaded_db: Session, principal_for: PrincipalFor
) -> None:
    secret = joint_exercises_agreement(loaded_db, ["TUR", "PAK"], confidential=True)
    data = ExerciseCreate.model_validate(
        {
            "name": "Observed drill",
            "start": "2026-03-02",
            "participants": [
                {"state": "TUR", "role": "host"},
                {"state": "PAK"},
                {"state": "EGY", "role": "observer"},  # observers need not be parties
            ],
        }
    )
    made = changes.record_exercise(principal_for("TUR"), loaded_db, data=data)
    assert (made.agreement_id, made.coverage) == (secret, "covered")
    for state, expected in (("PAK", secret), ("EGY", None)):
        who = principal_for(state, Role.VIEWER)
        shown = service.get_exercise(who, loaded_db, ref=made.id)
        listed = service.list_exercises(who, loaded_db, source="live", state="EGY").items
        assert shown.agreement_id == expected and [e.agreement_id for e in listed] == [expected]
        assert shown.coverage == "covered"
