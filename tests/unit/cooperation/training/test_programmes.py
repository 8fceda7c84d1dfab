"""Recording a programme, taking seats, recording graduates, cancelling: what is stored, what
is audited, and what is refused (with the field named and the database left as it was)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from taawun.access.audit import verify_chain
from taawun.cooperation.training import changes, service
from taawun.cooperation.training import seats as guest_seats
from taawun.cooperation.training.schemas import GraduatesRecord, ProgrammeCreate, SeatsChange
from taawun.core.errors import Conflict, InvalidInput, NotFound, TaawunError
from taawun.registry import changes as registry_changes
from taawun.registry.schemas import AgreementUpdate

from .conftest import ROOT, World


def _graduates(**counts: int) -> GraduatesRecord:
    return GraduatesRecord.model_validate(
        {"graduates": [{"guest": g, "graduates": n} for g, n in counts.items()]}
    )


def test_a_programme_is_recorded_taken_and_completed_with_every_step_audited(
    world: World,
) -> None:
    created = world.record(
        "TUR", {"PAK": 10, "AZE": 4}, agreement="tpa", start=date(2026, 9, 1), end=date(2026, 9, 30)
    )
    assert (created.host, created.status, created.offered, created.taken) == ("TUR", "ended", 14, 0)
    assert {s.state: (s.offered, s.taken, s.graduates) for s in created.seats} == {
        "AZE": (4, 0, None),
        "PAK": (10, 0, None),
    }
    assert created.agreement == "Turkey–Pakistan–Azerbaijan academies (training tests)"
    entry = world.last_audit()
    assert entry.action == "cooperation.training.record"
    assert entry.target_id == created.id and entry.actor == "tur.liaison"
    assert entry.detail == {"for_state": "TUR", "for_state_id": world.states["TUR"]}
    assert entry.before is None and entry.after is not None and entry.after["offered"] == 14

    taken = world.take(created, "PAK", 6)
    assert {s.state: s.taken for s in taken.seats} == {"PAK": 6, "AZE": 0}
    entry = world.last_audit()
    assert entry.action == "cooperation.training.take" and entry.actor == "pak.liaison"
    assert entry.detail == {
        "for_state": "PAK",
        "for_state_id": world.states["PAK"],
        "guest": "PAK",
        "seats": 6,
    }
    assert entry.before is not None and entry.before["taken"] == 0
    assert entry.after is not None and entry.after["taken"] == 6

    back = guest_seats.release_seats(
        world.user("PAK"),
        world.session,
        programme_id=created.id,
        data=SeatsChange(seats=1),
        clock=world.clock,
    )
    assert back.taken == 5 and world.last_audit().action == "cooperation.training.release"

    done = changes.record_graduates(
        world.user("TUR"),
        world.session,
        programme_id=created.id,
        data=_graduates(PAK=4),
        clock=world.clock,
    )
    assert done.status == "completed" and done.graduates == 4
    assert {s.state: s.graduates for s in done.seats} == {"PAK": 4, "AZE": 0}
    entry = world.last_audit()
    assert entry.action == "cooperation.training.graduates"
    assert entry.detail is not None and entry.detail["graduates"] == {"PAK": 4}
    assert verify_chain(world.session).ok


def test_phases_follow_the_dates_until_the_host_decides(world: World) -> None:
    today = world.clock.now().date()
    cases = {
        "planned": (date(2027, 2, 1), date(2027, 2, 20)),
        "running": (date(2026, 11, 1), today),
        "ended": (date(2026, 10, 1), date(2026, 11, 23)),
    }
    made = {
        phase: world.record("TUR", {"PAK": 2}, start=start, end=end)
        for phase, (start, end) in cases.items()
    }
    assert {phase: p.status for phase, p in made.items()} == {p: p for p in cases}
    cancelled = changes.cancel_programme(
        world.user("TUR"), world.session, programme_id=made["planned"].id, clock=world.clock
    )
    assert cancelled.status == "cancelled"
    for phase in ("running", "ended", "cancelled"):
        listed = service.list_programmes(
            world.user("PAK"), world.session, status=phase, clock=world.clock
        )
        expected = made["planned" if phase == "cancelled" else phase].id
        assert [p.id for p in listed.items] == [expected], phase
    with pytest.raises(Conflict):
        changes.cancel_programme(
            world.user("TUR"), world.session, programme_id=made["planned"].id, clock=world.clock
        )


def test_seats_over_the_offer_are_refused_and_nothing_is_written(world: World) -> None:
    programme = world.record("TUR", {"PAK": 5})
    world.take(programme, "PAK", 3)
    before = world.snapshot()
    with pytest.raises(Conflict) as refused:
        world.take(programme, "PAK", 3)
    assert refused.value.field == "seats"
    assert "offered 5 seats and has taken 3" in refused.value.message
    assert "(2 left)" in refused.value.message
    assert world.snapshot() == before
    assert world.take(programme, "PAK", 2).taken == 5  # exactly the offer is fine
    with pytest.raises(Conflict):
        world.take(programme, "PAK", 1)


def test_seats_are_taken_only_while_the_agreement_still_covers_the_programme(
    world: World,
) -> None:
    programme = world.record("TUR", {"PAK": 5}, start=date(2026, 3, 1))
    registry_changes.amend_agreement(
        ROOT,
        world.session,
        ref=world.agreements["tp"],
        data=AgreementUpdate(ended=date(2026, 2, 28)),
        clock=world.clock,
    )
    before = world.snapshot()
    with pytest.raises(Conflict) as refused:
        world.take(programme, "PAK", 1)
    assert refused.value.field == "agreement"
    assert world.snapshot() == before


def _create(world: World, **overrides: Any) -> ProgrammeCreate:
    values: dict[str, Any] = {
        "subject": "Staff college exchange",
        "agreement": str(world.agreements["tp"]),
        "start": date(2026, 3, 1),
        "end": date(2026, 3, 20),
        "offers": [{"guest": "PAK", "seats": 4}],
    }
    values.update(overrides)
    return ProgrammeCreate.model_validate(values)


BAD_RECORDS: dict[str, tuple[dict[str, Any], type[TaawunError], str, str]] = {
    # case: (overrides, error, field, words in the message)
    "end before start": ({"end": date(2026, 2, 28)}, InvalidInput, "end", "before the start"),
    "unknown guest": (
        {"offers": [{"guest": "Atlantis", "seats": 2}]},
        NotFound,
        "offers",
        "no state",
    ),
    "guest not a party": (
        {"offers": [{"guest": "SAU", "seats": 2}]},
        InvalidInput,
        "offers",
        "SAU is not a party",
    ),
    "one guest of two not a party": (
        {"offers": [{"guest": "PAK", "seats": 2}, {"guest": "AZE", "seats": 1}]},
        InvalidInput,
        "offers",
        "AZE is not a party",
    ),
    "host is a guest": (
        {"offers": [{"guest": "TUR", "seats": 2}]},
        InvalidInput,
        "offers",
        "is the host",
    ),
    "guest named twice": (
        {"offers": [{"guest": "PAK", "seats": 2}, {"guest": "Pakistan", "seats": 1}]},
        InvalidInput,
        "offers",
        "named twice",
    ),
    "agreement not covering training": (
        {"agreement": "curated:smda-2025"},
        InvalidInput,
        "agreement",
        "does not cover training",
    ),
    "agreement not yet in force": (
        {"start": date(2024, 6, 1), "end": date(2024, 6, 5)},
        InvalidInput,
        "agreement",
        "not in force on 2024-06-01",
    ),
    "unknown agreement": ({"agreement": "ATOP 99999"}, NotFound, "agreement", "no agreement"),
}


@pytest.mark.parametrize("case", list(BAD_RECORDS))
def test_bad_programmes_are_refused_naming_the_field_and_write_nothing(
    world: World, case: str
) -> None:
    overrides, error, field, words = BAD_RECORDS[case]
    before = world.snapshot()
    with pytest.raises(error) as refused:
        changes.record_programme(
            world.user("TUR"), world.session, data=_create(world, **overrides), clock=world.clock
        )
    assert refused.value.field == field, refused.value.message
    assert words in refused.value.message
    assert world.snapshot() == before


def test_a_host_that_is_no_party_is_refused(world: World) -> None:
    before = world.snapshot()
    with pytest.raises(InvalidInput) as refused:
        changes.record_programme(
            world.user("SAU"), world.session, data=_create(world, host="SAU"), clock=world.clock
        )
    assert refused.value.field == "host" and "SAU is not a party" in refused.value.message
    assert world.snapshot() == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("offers", [{"guest": "PAK", "seats": 0}]),
        ("offers", [{"guest": "PAK", "seats": -3}]),
        ("offers", []),
        ("subject", "x"),
        ("subject", "   x   "),
        ("start", "2026-02-30"),
    ],
)
def test_malformed_programmes_fail_validation(world: World, field: str, value: object) -> None:
    with pytest.raises(ValidationError) as refused:
        _create(world, **{field: value})
    assert refused.value.errors()[0]["loc"][0] == field


def test_graduates_are_recorded_by_the_host_after_the_end_and_within_the_seats_taken(
    world: World,
) -> None:
    future = world.record("TUR", {"PAK": 5}, start=date(2026, 11, 20), end=date(2026, 12, 10))
    world.take(future, "PAK", 3)
    past = world.record("TUR", {"PAK": 5}, start=date(2026, 3, 1), end=date(2026, 3, 10))
    world.take(past, "PAK", 3)
    before = world.snapshot()
    refusals: list[tuple[str, object, type[TaawunError], str]] = [
        (future.id, _graduates(PAK=2), Conflict, "ends on 2026-12-10"),
        (past.id, _graduates(PAK=4), InvalidInput, "took 3 seats; 4 graduates is more"),
        (past.id, _graduates(AZE=0), InvalidInput, "no guest of this programme"),
        (
            past.id,
            GraduatesRecord.model_validate(
                {"graduates": [{"guest": "PAK", "graduates": 1}, {"guest": "PAK", "graduates": 1}]}
            ),
            InvalidInput,
            "named twice",
        ),
    ]
    for programme_id, data, error, words in refusals:
        with pytest.raises(error) as refused:
            changes.record_graduates(
                world.user("TUR"),
                world.session,
                programme_id=programme_id,
                data=data,
                clock=world.clock,
            )
        assert words in refused.value.message
        assert refused.value.field == "graduates"
    assert world.snapshot() == before
    done = changes.record_graduates(
        world.user("TUR"),
        world.session,
        programme_id=past.id,
        data=_graduates(PAK=3),
        clock=world.clock,
    )
    assert done.status == "completed" and done.graduates == 3
    again = changes.record_graduates(
        world.user("TUR"),
        world.session,
        programme_id=past.id,
        data=_graduates(PAK=2),
        clock=world.clock,
    )
    assert again.graduates == 2  # a correction, audited with before and after
    entry = world.last_audit()
    assert entry.before is not None and entry.before["graduates"] == 3
    with pytest.raises(Conflict):  # a completed programme's seats are closed
        world.take(past, "PAK", 1)


def test_every_guest_that_took_seats_must_be_named(world: World) -> None:
    programme = world.record(
        "TUR", {"PAK": 5, "AZE": 5}, agreement="tpa", start=date(2026, 7, 1), end=date(2026, 7, 2)
    )
    world.take(programme, "PAK", 2)
    world.take(programme, "AZE", 1)
    with pytest.raises(InvalidInput) as refused:
        changes.record_graduates(
            world.user("TUR"),
            world.session,
            programme_id=programme.id,
            data=_graduates(PAK=2),
            clock=world.clock,
        )
    assert "missing AZE" in refused.value.message


def test_the_operator_names_the_host_and_the_guest(world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        changes.record_programme(ROOT, world.session, data=_create(world), clock=world.clock)
    assert refused.value.field == "host"
    made = changes.record_programme(
        ROOT, world.session, data=_create(world, host="Turkey"), clock=world.clock
    )
    assert made.host == "TUR" and world.last_audit().detail == {"for_state": "node"}
    with pytest.raises(InvalidInput) as refused:
        guest_seats.take_seats(
            ROOT, world.session, programme_id=made.id, data=SeatsChange(seats=1), clock=world.clock
        )
    assert refused.value.field == "guest"
    with pytest.raises(InvalidInput) as refused:
        guest_seats.take_seats(
            ROOT,
            world.session,
            programme_id=made.id,
            data=SeatsChange(seats=1, guest="AZE"),
            clock=world.clock,
        )
    assert "offered no seats" in refused.value.message
    taken = guest_seats.take_seats(
        ROOT,
        world.session,
        programme_id=made.id,
        data=SeatsChange(seats=2, guest="PAK"),
        clock=world.clock,
    )
    assert taken.taken == 2 and world.last_audit().detail == {
        "for_state": "node",
        "guest": "PAK",
        "seats": 2,
    }


def test_a_programme_may_fall_under_an_imported_treaty_covering_training(world: World) -> None:
    """ATOP 6035 (Azerbaijan and Turkey, 2010) obliges military aid with training."""
    made = world.record(
        "AZE", {"TUR": 3}, agreement="ATOP 6035", start=date(2026, 5, 4), end=date(2026, 5, 8)
    )
    assert made.agreement_id == world.agreements["atop6035"]
    assert made.agreement is not None and "Azerbaijan and Turkey" in made.agreement
