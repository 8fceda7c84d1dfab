"""Who may do what to a programme: every actor against every act, on both databases.

The programme: Turkey hosts Pakistan under the Turkey–Pakistan–Azerbaijan agreement, so
Azerbaijan is concerned only as a party of the agreement, and Saudi Arabia not at all.
Each cell is what the act did: ``ok``, ``403`` (PermissionDenied) or ``404`` (NotFound,
worded exactly as for a missing id). A refused act leaves the database as it was; an act
that succeeds is audited naming the state it was done for (the node for the operator).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from taawun.cooperation.policy import may_change, may_see
from taawun.cooperation.training import changes, ledger, service
from taawun.cooperation.training import seats as guest_seats
from taawun.cooperation.training.policy import concerned_states
from taawun.cooperation.training.schemas import (
    GraduatesRecord,
    ProgrammeCreate,
    ProgrammeRead,
    SeatsChange,
)
from taawun.core.errors import NotFound, PermissionDenied
from taawun.core.principal import Principal, Role

from .conftest import ROOT, World

ACTORS: dict[str, tuple[str, Role] | None] = {
    "host-liaison": ("TUR", Role.LIAISON),
    "host-admin": ("TUR", Role.ADMIN),
    "host-analyst": ("TUR", Role.ANALYST),
    "host-viewer": ("TUR", Role.VIEWER),
    "guest-liaison": ("PAK", Role.LIAISON),
    "guest-admin": ("PAK", Role.ADMIN),
    "guest-analyst": ("PAK", Role.ANALYST),
    "guest-viewer": ("PAK", Role.VIEWER),
    "party-liaison": ("AZE", Role.LIAISON),
    "party-viewer": ("AZE", Role.VIEWER),
    "third-liaison": ("SAU", Role.LIAISON),
    "third-admin": ("SAU", Role.ADMIN),
    "operator": None,
}
# Columns in the order of ACTORS: host (liaison, admin, analyst, viewer), guest (the same),
# party (liaison, viewer), third (liaison, admin), operator.
MATRIX: dict[str, str] = {
    "add": "ok ok 403 403   403 403 403 403   403 403   403 403   ok",
    "take": "403 403 403 403   ok ok 403 403   403 403   404 404   ok",
    "release": "403 403 403 403   ok ok 403 403   403 403   404 404   ok",
    "graduates": "ok ok 403 403   403 403 403 403   403 403   404 404   ok",
    "cancel": "ok ok 403 403   403 403 403 403   403 403   404 404   ok",
    "show": "ok ok ok ok   ok ok ok ok   ok ok   404 404   ok",
}


def _actor(world: World, name: str) -> Principal:
    found = ACTORS[name]
    return ROOT if found is None else world.user(*found)


def _programme(world: World) -> ProgrammeRead:
    """Ended (so graduates may be recorded), with two of Pakistan's five seats taken."""
    made = world.record(
        "TUR", {"PAK": 5}, agreement="tpa", start=date(2026, 9, 1), end=date(2026, 9, 12)
    )
    return world.take(made, "PAK", 2)


def _add(world: World, who: Principal, _: ProgrammeRead) -> object:
    data = ProgrammeCreate.model_validate(
        {
            "subject": "Mountain warfare course",
            "agreement": str(world.agreements["tpa"]),
            "start": "2026-12-01",
            "end": "2026-12-20",
            "offers": [{"guest": "PAK", "seats": 3}],
            "host": "TUR",
        }
    )
    return changes.record_programme(who, world.session, data=data, clock=world.clock)


def _seats(change: Callable[..., ProgrammeRead]) -> Callable[..., object]:
    def act(world: World, who: Principal, programme: ProgrammeRead) -> object:
        data = SeatsChange(seats=1, guest="PAK" if who.system else None)
        return change(who, world.session, programme_id=programme.id, data=data, clock=world.clock)

    return act


def _graduates(world: World, who: Principal, programme: ProgrammeRead) -> object:
    data = GraduatesRecord.model_validate({"graduates": [{"guest": "PAK", "graduates": 2}]})
    return changes.record_graduates(
        who, world.session, programme_id=programme.id, data=data, clock=world.clock
    )


def _cancel(world: World, who: Principal, programme: ProgrammeRead) -> object:
    return changes.cancel_programme(
        who, world.session, programme_id=programme.id, clock=world.clock
    )


def _show(world: World, who: Principal, programme: ProgrammeRead) -> object:
    return service.get_programme(who, world.session, programme_id=programme.id, clock=world.clock)


ACTS: dict[str, Callable[[World, Principal, ProgrammeRead], object]] = {
    "add": _add,
    "take": _seats(guest_seats.take_seats),
    "release": _seats(guest_seats.release_seats),
    "graduates": _graduates,
    "cancel": _cancel,
    "show": _show,
}


@pytest.mark.parametrize("actor", list(ACTORS))
def test_matrix(world: World, actor: str) -> None:
    """Each act on a programme of its own, so that one act's outcome does not decide the
    next's (a cancellation, graduates recorded)."""
    who = _actor(world, actor)
    column = list(ACTORS).index(actor)
    outcomes: dict[str, str] = {}
    for act in MATRIX:
        programme = _programme(world)
        before = world.snapshot()
        audit_before = world.last_audit().seq
        try:
            ACTS[act](world, who, programme)
            outcomes[act] = "ok"
        except PermissionDenied:
            outcomes[act] = "403"
        except NotFound as missing:
            outcomes[act] = "404"
            assert missing.message == f"programme: no training programme {programme.id!r}"
        if outcomes[act] != "ok":
            assert world.snapshot() == before, act
        elif act != "show":
            entry = world.last_audit()
            assert entry.seq == audit_before + 1 and entry.actor == who.username
            found = ACTORS[actor]
            assert entry.detail is not None
            assert entry.detail["for_state"] == ("node" if found is None else found[0])
    assert outcomes == {act: row.split()[column] for act, row in MATRIX.items()}


def test_the_sql_rule_and_its_plain_python_twin_agree(world: World) -> None:
    """For every actor and programme: seen exactly when ``may_see`` says, changed by the
    host's acts exactly when ``may_change`` over the host says."""
    made = [
        _programme(world),
        world.record("PAK", {"TUR": 2}, start=date(2026, 4, 1)),
        world.record("AZE", {"TUR": 1}, agreement="atop6035", start=date(2026, 4, 1)),
        world.record("SAU", {"ARE": 4, "QAT": 1}, agreement="atop3205", start=date(2026, 4, 1)),
    ]
    parties = {
        world.agreements["tpa"]: {"TUR", "PAK", "AZE"},
        world.agreements["tp"]: {"TUR", "PAK"},
        world.agreements["atop6035"]: {"TUR", "AZE"},
    }
    for name in ACTORS:
        who = _actor(world, name)
        listed = {
            p.id for p in service.list_programmes(who, world.session, clock=world.clock).items
        }
        for programme in made:
            members = parties.get(programme.agreement_id)
            if members is None:  # the Arab League treaty: its current parties on the day
                members = {
                    s
                    for s in ("SAU", "ARE", "QAT", "EGY", "TUR", "PAK", "AZE")
                    if _party(world, programme.agreement_id, s)
                }
            concerned = concerned_states(
                host=programme.host_id,
                guests=[s.state_id for s in programme.seats],
                agreement_parties=[world.states[s] for s in members],
            )
            assert (programme.id in listed) == may_see(who, public=False, concerned=concerned)
            assert may_change(who, concerned={programme.host_id}) == (
                who.system
                or (who.state_id == programme.host_id and who.role in (Role.LIAISON, Role.ADMIN))
            )


def _party(world: World, agreement_id: int, state: str) -> bool:
    from taawun.registry import service as registry

    found = registry.get_agreement(ROOT, world.session, ref=agreement_id)
    return any(p.state.id == world.states[state] and p.exited is None for p in found.party_spells)


def test_a_multilateral_agreements_other_parties_see_what_is_done_under_it(world: World) -> None:
    """Egypt is a party of the Arab League treaty Saudi Arabia hosts the UAE under; Turkey is
    not, and sees nothing: not in the list, the count, by id, nor in the ledger."""
    made = world.record(
        "SAU", {"ARE": 4}, agreement="atop3205", start=date(2026, 4, 1), end=date(2026, 4, 9)
    )
    world.take(made, "ARE", 4)
    egypt = world.user("EGY", Role.VIEWER)
    assert service.get_programme(egypt, world.session, programme_id=made.id).host == "SAU"
    turkey = world.user("TUR", Role.ADMIN)
    page = service.list_programmes(turkey, world.session, host="SAU", clock=world.clock)
    assert (page.total, page.items) == (0, [])
    with pytest.raises(NotFound):
        service.get_programme(turkey, world.session, programme_id=made.id)
    seen = ledger.ledger(egypt, world.session, agreement="ATOP 3205")
    assert [(r.a, r.b, r.hosted.taken, r.received.taken) for r in seen.rows] == [
        ("ARE", "SAU", 0, 4)
    ]
    assert ledger.ledger(turkey, world.session, agreement="ATOP 3205").rows == []
    pair = ledger.ledger(turkey, world.session, pair=("SAU", "ARE"))
    assert [(r.hosted.taken, r.received.taken, r.total) for r in pair.rows] == [(0, 0, 0)]
    assert ledger.ledger(ROOT, world.session, pair=("SAU", "ARE")).rows[0].hosted.taken == 4


def test_the_public_sees_no_programme(world: World) -> None:
    made = _programme(world)
    public = Principal.public()
    assert service.list_programmes(public, world.session, clock=world.clock).total == 0
    with pytest.raises(NotFound):
        service.get_programme(public, world.session, programme_id=made.id)
