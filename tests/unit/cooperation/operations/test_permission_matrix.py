"""Who may take which step of a combined operation: every actor against every act, under a
public and under a confidential agreement, on both databases.

The agreement joins A (Turkey), B (Pakistan) and D (Azerbaijan); C (Saudi Arabia) is no
party. Each act sets up the operation it needs (see ``SETUPS``), then the actor tries it,
inside a savepoint undone afterwards. A cell is what happened: ``ok`` (the act was done and
audited for the actor's state, or for the node), ``read``, ``403`` (``PermissionDenied``) or
``404`` (``NotFound``, worded exactly as for a missing id). A refused act leaves the
database as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session

from taawun.cooperation.operations import changes, service
from taawun.cooperation.operations.schemas import OperationCreate, OperationRead, TaskCreate
from taawun.core.errors import NotFound, PermissionDenied
from taawun.core.principal import Principal, Role

from .conftest import ROOT, World, make_world

ACTORS: dict[str, tuple[str, Role] | None] = {
    "liaison-A": ("TUR", Role.LIAISON),
    "admin-A": ("TUR", Role.ADMIN),
    "analyst-A": ("TUR", Role.ANALYST),
    "viewer-A": ("TUR", Role.VIEWER),
    "liaison-B": ("PAK", Role.LIAISON),
    "liaison-C": ("SAU", Role.LIAISON),
    "admin-C": ("SAU", Role.ADMIN),
    "system": None,
}
# fmt: off
MATRIX: dict[str, tuple[str, ...]] = {
    #                  liais-A admin-A anal-A viewr-A liais-B liais-C admin-C system
    "propose":        ("ok",   "ok",   "403", "403",  "ok",   "403",  "403",  "403"),
    "join":           ("ok",   "ok",   "403", "403",  "ok",   "404",  "404",  "403"),
    "decline":        ("ok",   "ok",   "403", "403",  "ok",   "404",  "404",  "403"),
    "activate":       ("ok",   "ok",   "403", "403",  "403",  "404",  "404",  "403"),
    "conclude":       ("ok",   "ok",   "403", "403",  "403",  "404",  "404",  "403"),
    "cancel":         ("ok",   "ok",   "403", "403",  "403",  "404",  "404",  "ok"),
    "cancel-active":  ("ok",   "ok",   "403", "403",  "403",  "404",  "404",  "ok"),
    "task":           ("ok",   "ok",   "403", "403",  "ok",   "404",  "404",  "403"),
    "link":           ("ok",   "ok",   "403", "403",  "ok",   "404",  "404",  "403"),
    "read":           ("read", "read", "read", "read", "read", "404", "404",  "read"),
}
# fmt: on
SETUPS = {
    # what each act finds: who proposed (and leads) the operation, who joined, and whether
    # it was activated
    "join": ("AZE", [], False),
    "decline": ("AZE", [], False),
    "activate": ("TUR", ["PAK"], False),
    "conclude": ("TUR", ["PAK"], True),
    "cancel": ("TUR", [], False),
    "cancel-active": ("TUR", ["PAK"], True),
    "task": ("TUR", ["PAK"], False),
    "link": ("TUR", ["PAK"], False),
    "read": ("AZE", [], False),
}


def _setup(world: World, act: str) -> int | None:
    if act == "propose":
        return None
    by, joining, activate = SETUPS[act]
    op = world.propose(by=by)
    for state in joining:
        changes.join_operation(world.user(state), world.session, ref=op.id, clock=world.clock)
    if activate:
        changes.activate_operation(world.user(by), world.session, ref=op.id, clock=world.clock)
    return op.id


def _act(world: World, act: str, who: Principal, ref: int | None, intel: str) -> OperationRead:
    s, clock = world.session, world.clock
    acts: dict[str, Callable[[], OperationRead]] = {
        "propose": lambda: changes.propose_operation(
            who, s, clock=clock,
            data=OperationCreate(name="Matrix (test)", agreement=str(world.agreement), threat="x"),
        ),
        "join": lambda: changes.join_operation(who, s, ref=ref, clock=clock),  # type: ignore[arg-type]
        "decline": lambda: changes.decline_operation(who, s, ref=ref, clock=clock),  # type: ignore[arg-type]
        "activate": lambda: changes.activate_operation(who, s, ref=ref, clock=clock),  # type: ignore[arg-type]
        "conclude": lambda: changes.conclude_operation(
            who, s, ref=ref, after_action="done", clock=clock  # type: ignore[arg-type]
        ),
        "cancel": lambda: changes.cancel_operation(who, s, ref=ref, clock=clock),  # type: ignore[arg-type]
        "cancel-active": lambda: changes.cancel_operation(who, s, ref=ref, clock=clock),  # type: ignore[arg-type]
        "task": lambda: changes.add_task(who, s, ref=ref, data=TaskCreate(title="t"), clock=clock),  # type: ignore[arg-type]
        "link": lambda: changes.link_intel(who, s, ref=ref, stix_ids=[intel], clock=clock),  # type: ignore[arg-type]
        "read": lambda: service.get_operation(who, s, ref=ref, clock=clock),  # type: ignore[arg-type]
    }  # fmt: skip
    return acts[act]()


def _outcome(world: World, act: str, actor: str, ref: int | None, intel: str) -> str:
    found = ACTORS[actor]
    who = ROOT if found is None else world.user(*found)
    before = world.fingerprint()
    try:
        _act(world, act, who, ref, intel)
    except PermissionDenied:
        assert world.fingerprint() == before, (act, actor)
        return "403"
    except NotFound as exc:
        assert world.fingerprint() == before, (act, actor)
        missing = f"operation: no operation {ref!r}" if ref else "agreement: no agreement"
        assert exc.message.startswith(missing), exc.message
        return "404"
    if act == "read":
        assert world.fingerprint() == before
        return "read"
    entry = world.last_audit()
    verb = {"cancel-active": "cancel", "task": "task", "link": "link"}.get(act, act)
    assert entry.action == f"cooperation.operation.{verb}"
    expected: dict[str, Any] = (
        {"for_state": "node"}
        if found is None
        else {"for_state": found[0], "for_state_id": world.states[found[0]]}
    )
    assert {k: entry.detail[k] for k in expected} == expected
    return "ok"


@pytest.mark.parametrize("act", list(MATRIX))
@pytest.mark.parametrize("confidential", [False, True], ids=["public", "confidential"])
def test_permission_matrix(loaded_db: Session, act: str, confidential: bool) -> None:
    world = make_world(loaded_db, confidential=confidential)
    intel = world.share("TUR", 7)
    ref = _setup(world, act)
    found: dict[str, str] = {}
    for actor in ACTORS:
        attempt = loaded_db.begin_nested()
        try:
            found[actor] = _outcome(world, act, actor, ref, intel)
        finally:
            attempt.rollback()
    expected = dict(zip(ACTORS, MATRIX[act], strict=True))
    if confidential and act == "propose":
        # a confidential agreement answers a non-party as a missing one does
        expected |= {"liaison-C": "404", "admin-C": "404"}
    assert found == expected
