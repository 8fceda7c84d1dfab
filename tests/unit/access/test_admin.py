"""Administration a node admin expects (issue 9): tokens with their last use, token expiry,
disabling and enabling users, password resets, removing an agency.

Who may: the admin of the user's (or agency's) own agency and the node operator; another
agency's admin is answered as for a user that does not exist; a liaison, analyst or viewer
is refused. Every change is audited, and every refusal leaves the database as it was
(``_snapshot``: every row of the access tables and of the intel store).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from taawun.access import policy, repository, service, token_service
from taawun.access.models import AuditEntry, User
from taawun.access.restrict import Action
from taawun.access.schemas import AgencyRead, UserCreate
from taawun.core.clock import FixedClock
from taawun.core.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    TaawunError,
    Unauthenticated,
)
from taawun.core.ids import AgencyId, SequentialIds, StateId
from taawun.core.principal import Clearance, Principal, Role
from taawun.intel import changes as intel
from taawun.intel import service as intel_service
from taawun.intel.markings import MarkingDefaults, Tlp

from .conftest import PASSWORD, ROOT

MakeUser = Callable[..., Principal]
NEW_PASSWORD = "a brand new passphrase"
TABLES = ("agency", "user_account", "api_token", "audit_entry", "intel_object", "intel_recipient")


def _snapshot(db: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables an account act could touch, in a stable order."""
    db.flush()
    db.expire_all()
    return {
        table: sorted(
            (tuple(str(v) for v in row) for row in db.execute(text(f"SELECT * FROM {table}"))),
        )
        for table in TABLES
    }


def _last_entry(db: Session) -> AuditEntry:
    entry = db.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).first()
    assert entry is not None
    return entry


def _authenticates(
    db: Session,
    clock: FixedClock,
    *,
    password: str | None = None,
    token: str | None = None,
    username: str = "target",
) -> bool:
    try:
        if password is not None:
            service.authenticate_password(db, username=username, password=password, clock=clock)
        else:
            assert token is not None
            service.authenticate_token(db, token=token, clock=clock)
    except Unauthenticated:
        return False
    return True


@dataclass
class World:
    """Two agencies of one state; in MIT an admin, a liaison, an analyst, a viewer and the
    target of every act (an analyst); in TR-CERT an admin."""

    mit: AgencyRead
    cert: AgencyRead
    who: dict[str, Principal]


@pytest.fixture
def world(db: Session, make_user: MakeUser, agency: AgencyRead, other_agency: AgencyRead) -> World:
    who = {
        "admin": make_user("mit.admin", Role.ADMIN),
        "liaison": make_user("mit.liaison", Role.LIAISON),
        "analyst": make_user("mit.analyst", Role.ANALYST),
        "viewer": make_user("mit.viewer", Role.VIEWER),
        "foreign admin": make_user("cert.admin", Role.ADMIN, agency_id=other_agency.id),
        "system": ROOT,
    }
    make_user("target", Role.ANALYST)
    return World(mit=agency, cert=other_agency, who=who)


# --- the permission matrix ----------------------------------------------------------------

Act = Callable[[Principal, Session, FixedClock, World], object]


_SETUP_IDS = SequentialIds()


def _issue(db: Session, clock: FixedClock, username: str = "target") -> str:
    """A token for ``username``, issued by the node operator."""
    return token_service.issue_token(
        ROOT, db, username=username, name="setup", clock=clock, ids=_SETUP_IDS
    ).token


def _token_id(db: Session) -> int:
    return token_service.list_tokens(ROOT, db, username="target")[-1].id


Setup = Callable[[Session, FixedClock], object]
MISSING_TOKEN = 999_999


@dataclass(frozen=True)
class AdminAct:
    """An act on the user ``target``: its set-up (as the node operator), the act itself, the
    same act on a user or token that does not exist, and the audit action it writes."""

    do: Act
    on_missing: Act
    action: str | None
    setup: Setup | None = None


def _disable_target(db: Session, clock: FixedClock) -> object:
    return service.disable_user(ROOT, db, username="target", clock=clock)


ACTS: dict[str, AdminAct] = {
    "list tokens": AdminAct(
        do=lambda me, db, clock, w: token_service.list_tokens(me, db, username="target"),
        on_missing=lambda me, db, clock, w: token_service.list_tokens(
            me, db, username="nobody.here"
        ),
        action=None,
    ),
    "issue a token": AdminAct(
        do=lambda me, db, clock, w: token_service.issue_token(
            me, db, username="target", name="t", expires_in_days=7, clock=clock, ids=SequentialIds()
        ),
        on_missing=lambda me, db, clock, w: token_service.issue_token(
            me, db, username="nobody.here", name="t", clock=clock, ids=SequentialIds()
        ),
        action="access.token.issue",
    ),
    "revoke a token": AdminAct(
        setup=_issue,
        do=lambda me, db, clock, w: token_service.revoke_token(
            me, db, token_id=_token_id(db), clock=clock
        ),
        on_missing=lambda me, db, clock, w: token_service.revoke_token(
            me, db, token_id=MISSING_TOKEN, clock=clock
        ),
        action="access.token.revoke",
    ),
    "disable": AdminAct(
        do=lambda me, db, clock, w: service.disable_user(me, db, username="target", clock=clock),
        on_missing=lambda me, db, clock, w: service.disable_user(
            me, db, username="nobody.here", clock=clock
        ),
        action="access.user.disable",
    ),
    "enable": AdminAct(
        setup=_disable_target,
        do=lambda me, db, clock, w: service.enable_user(me, db, username="target", clock=clock),
        on_missing=lambda me, db, clock, w: service.enable_user(
            me, db, username="nobody.here", clock=clock
        ),
        action="access.user.enable",
    ),
    "reset the password": AdminAct(
        do=lambda me, db, clock, w: service.set_password(
            me, db, username="target", password=NEW_PASSWORD, revoke_tokens=True, clock=clock
        ),
        on_missing=lambda me, db, clock, w: service.set_password(
            me, db, username="nobody.here", password=NEW_PASSWORD, clock=clock
        ),
        action="access.user.set_password",
    ),
}
# who: what they are answered (None: allowed)
EXPECTED: dict[str, type[TaawunError] | None] = {
    "admin": None,
    "system": None,
    "foreign admin": NotFound,  # exactly as for a user (or token) that does not exist
    "liaison": PermissionDenied,
    "analyst": PermissionDenied,
    "viewer": PermissionDenied,
}


def _answer(error: TaawunError) -> tuple[str | None, str]:
    """What a caller reads, the name or id they gave left out."""
    return error.field, error.message.replace(str(error.value), "<given>")


@pytest.mark.parametrize("who", sorted(EXPECTED))
@pytest.mark.parametrize("act", sorted(ACTS))
def test_who_may_administer_a_user(
    db: Session, clock: FixedClock, world: World, act: str, who: str
) -> None:
    admin_act = ACTS[act]
    if admin_act.setup is not None:
        admin_act.setup(db, clock)
    me = world.who[who]
    before = _snapshot(db)
    refusal = EXPECTED[who]
    if refusal is None:
        admin_act.do(me, db, clock, world)
        if admin_act.action is not None:
            entry = _last_entry(db)
            assert (entry.action, entry.actor) == (admin_act.action, me.username)
        return
    with pytest.raises(refusal) as caught:
        admin_act.do(me, db, clock, world)
    assert _snapshot(db) == before
    if refusal is NotFound:
        with pytest.raises(NotFound) as missing:
            admin_act.on_missing(me, db, clock, world)
        assert _answer(caught.value) == _answer(missing.value)


def test_a_foreign_admin_is_answered_as_for_a_missing_user(
    db: Session, clock: FixedClock, world: World
) -> None:
    foreign = world.who["foreign admin"]
    answers = []
    for username in ("target", "no.such.user"):
        with pytest.raises(NotFound) as caught:
            service.disable_user(foreign, db, username=username, clock=clock)
        answers.append((caught.value.field, caught.value.message.replace(username, "X")))
    assert answers[0] == answers[1]
    assert "target" not in {u.username for u in service.list_users(foreign, db)}


def test_an_admin_cannot_create_users_in_another_agency_or_above_their_clearance(
    db: Session, clock: FixedClock, world: World
) -> None:
    admin = world.who["admin"]  # SECRET, of MIT
    before = _snapshot(db)
    elsewhere = UserCreate(
        username="planted",
        agency_id=world.cert.id,
        role=Role.ADMIN,
        clearance=Clearance.SECRET,
        password=PASSWORD,
    )
    with pytest.raises(PermissionDenied) as caught:
        service.create_user(admin, db, data=elsewhere, clock=clock)
    assert caught.value.field == "agency"
    above = elsewhere.model_copy(
        update={"agency_id": world.mit.id, "clearance": Clearance.TOP_SECRET}
    )
    with pytest.raises(PermissionDenied) as higher:
        service.create_user(admin, db, data=above, clock=clock)
    assert higher.value.field == "clearance" and "TOP_SECRET" in higher.value.message
    assert _snapshot(db) == before
    at_own = above.model_copy(update={"clearance": Clearance.SECRET})
    assert service.create_user(admin, db, data=at_own, clock=clock).agency_id == world.mit.id


# --- 1. tokens and their last use ---------------------------------------------------------


def test_token_lists_by_who_asks(db: Session, clock: FixedClock, world: World) -> None:
    ids = SequentialIds()
    for username in ("mit.admin", "mit.analyst", "target", "cert.admin"):
        token_service.issue_token(ROOT, db, username=username, name="t", clock=clock, ids=ids)
    users = {
        who: sorted({t.user for t in token_service.list_tokens(world.who[who], db)})
        for who in ("system", "admin", "foreign admin", "analyst")
    }
    assert users == {
        "system": ["cert.admin", "mit.admin", "mit.analyst", "target"],
        "admin": ["mit.admin", "mit.analyst", "target"],  # the users of their own agency
        "foreign admin": ["cert.admin"],
        "analyst": ["mit.analyst"],
    }


def test_a_listed_token_shows_its_last_use_and_never_the_token(
    db: Session, clock: FixedClock, world: World
) -> None:
    issued = token_service.issue_token(
        ROOT, db, username="target", name="ci", clock=clock, ids=SequentialIds()
    )
    (listed,) = token_service.list_tokens(world.who["admin"], db, username="target")
    assert set(type(listed).model_fields) == {
        "id", "user", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at",
    }  # fmt: skip
    assert (listed.user, listed.name, listed.prefix) == ("target", "ci", issued.token[:8])
    assert listed.last_used_at is None
    clock.advance(minutes=5)
    service.authenticate_token(db, token=issued.token, clock=clock)
    (used,) = token_service.list_tokens(world.who["admin"], db, username="target")
    assert used.last_used_at == clock.now()
    assert issued.token not in used.model_dump_json()


# --- 2. token expiry ----------------------------------------------------------------------

DAY = timedelta(days=1)
TICK = timedelta(microseconds=1)


@pytest.mark.parametrize(
    ("days", "ok"), [(-1, False), (0, False), (1, True), (366, True), (367, False)]
)
def test_expires_in_days_at_its_edges(
    db: Session, clock: FixedClock, world: World, days: int, ok: bool
) -> None:
    def issue() -> Any:
        return token_service.issue_token(
            ROOT, db, username="target", name="t", expires_in_days=days, clock=clock,
            ids=SequentialIds(),
        )  # fmt: skip

    if ok:
        assert issue().expires_at == clock.now() + days * DAY
        return
    before = _snapshot(db)
    with pytest.raises(InvalidInput) as caught:
        issue()
    assert caught.value.field == "expires_in_days" and "1 to 366" in caught.value.message
    assert _snapshot(db) == before


@pytest.mark.parametrize(
    ("offset", "ok", "said"),
    [
        (-TICK, False, "in the future"),
        (timedelta(0), False, "in the future"),
        (TICK, True, None),
        (366 * DAY, True, None),
        (366 * DAY + TICK, False, "at most 366 days ahead"),
    ],
)
def test_expires_at_at_its_edges(
    db: Session, clock: FixedClock, world: World, offset: timedelta, ok: bool, said: str | None
) -> None:
    when = clock.now() + offset

    def issue() -> Any:
        return token_service.issue_token(
            ROOT, db, username="target", name="t", expires_at=when, clock=clock,
            ids=SequentialIds(),
        )  # fmt: skip

    if ok:
        assert issue().expires_at == when
        return
    before = _snapshot(db)
    with pytest.raises(InvalidInput) as caught:
        issue()
    assert caught.value.field == "expires_at" and said is not None and said in caught.value.message
    assert _snapshot(db) == before


def test_expiry_defaults_to_90_days_and_takes_one_form(
    db: Session, clock: FixedClock, world: World
) -> None:
    made = token_service.issue_token(
        ROOT, db, username="target", name="t", clock=clock, ids=SequentialIds()
    )
    assert made.expires_at == clock.now() + 90 * DAY
    with pytest.raises(InvalidInput) as both:
        token_service.issue_token(
            ROOT, db, username="target", name="t", expires_at=clock.now() + DAY,
            expires_in_days=1, clock=clock, ids=SequentialIds(),
        )  # fmt: skip
    assert both.value.field == "expires_in_days"
    with pytest.raises(InvalidInput) as naive:
        token_service.issue_token(
            ROOT, db, username="target", name="t", expires_at=clock.now().replace(tzinfo=None),
            clock=clock, ids=SequentialIds(),
        )  # fmt: skip
    assert naive.value.field == "expires_at" and "time zone" in naive.value.message


def test_a_token_works_until_the_moment_it_expires(
    db: Session, clock: FixedClock, world: World
) -> None:
    issued = token_service.issue_token(
        ROOT, db, username="target", name="t", expires_in_days=1, clock=clock, ids=SequentialIds()
    )
    clock.advance(days=1, microseconds=-1)
    assert _authenticates(db, clock, token=issued.token)
    clock.advance(microseconds=1)  # expires_at itself
    assert not _authenticates(db, clock, token=issued.token)


# --- 3. disable and enable ----------------------------------------------------------------


def test_disabling_stops_password_and_token_at_once_and_enabling_restores_them(
    db: Session, clock: FixedClock, world: World
) -> None:
    admin = world.who["admin"]
    token = _issue(db, clock)
    assert _authenticates(db, clock, password=PASSWORD)
    assert _authenticates(db, clock, token=token)

    disabled = service.disable_user(admin, db, username="target", clock=clock)
    assert disabled.active is False
    entry = _last_entry(db)
    assert (entry.action, entry.actor, entry.target_type) == (
        "access.user.disable",
        "mit.admin",
        "user",
    )
    assert (entry.before or {})["active"] is True and (entry.after or {})["active"] is False
    assert not _authenticates(db, clock, password=PASSWORD)  # Basic
    assert not _authenticates(db, clock, token=token)  # Bearer
    with pytest.raises(NotFound):  # the CLI's --as
        service.principal_for_username(db, username="target")

    service.enable_user(admin, db, username="target", clock=clock)
    assert _last_entry(db).action == "access.user.enable"
    assert _authenticates(db, clock, password=PASSWORD)
    assert _authenticates(db, clock, token=token)


def test_an_admin_cannot_disable_themselves_and_nothing_is_disabled_twice(
    db: Session, clock: FixedClock, world: World
) -> None:
    admin = world.who["admin"]
    before = _snapshot(db)
    with pytest.raises(Conflict) as caught:
        service.disable_user(admin, db, username="mit.admin", clock=clock)
    assert caught.value.field == "username" and "themselves" in caught.value.message
    with pytest.raises(Conflict) as enabled:
        service.enable_user(admin, db, username="target", clock=clock)
    assert "already enabled" in enabled.value.message
    assert _snapshot(db) == before
    service.disable_user(admin, db, username="target", clock=clock)
    with pytest.raises(Conflict) as again:
        service.disable_user(admin, db, username="target", clock=clock)
    assert "already disabled" in again.value.message
    with pytest.raises(Conflict):  # nor is a disabled user issued a token
        _issue(db, clock)


# --- 4. password reset --------------------------------------------------------------------


@pytest.mark.parametrize("revoke", [False, True], ids=["tokens kept", "tokens revoked"])
def test_a_reset_password_replaces_the_old_and_keeps_or_revokes_tokens(
    db: Session, clock: FixedClock, world: World, revoke: bool
) -> None:
    token = _issue(db, clock)
    others = _issue(db, clock, username="mit.analyst")
    service.set_password(
        world.who["admin"], db, username="target", password=NEW_PASSWORD, revoke_tokens=revoke,
        clock=clock,
    )  # fmt: skip
    assert _authenticates(db, clock, password=NEW_PASSWORD)
    assert not _authenticates(db, clock, password=PASSWORD)
    assert _authenticates(db, clock, token=token) is not revoke
    assert _authenticates(db, clock, token=others, username="mit.analyst")  # not theirs
    entry = db.scalars(
        select(AuditEntry).where(AuditEntry.action == "access.user.set_password")
    ).one()
    detail = entry.detail or {}
    assert (detail["username"], detail["by_self"]) == ("target", False)
    assert detail.get("revoked_tokens") == ([_token_id(db)] if revoke else None)


def test_a_reset_password_follows_the_password_rules(
    db: Session, clock: FixedClock, world: World
) -> None:
    before = _snapshot(db)
    with pytest.raises(InvalidInput) as caught:
        service.set_password(
            world.who["admin"], db, username="target", password="too short", revoke_tokens=True,
            clock=clock,
        )  # fmt: skip
    assert caught.value.field == "password" and "12 characters" in caught.value.message
    assert _snapshot(db) == before


def test_an_admin_gives_no_credentials_of_a_user_cleared_above_them(
    db: Session, clock: FixedClock, world: World
) -> None:
    data = UserCreate(
        username="top.analyst",
        agency_id=world.mit.id,
        role=Role.ANALYST,
        clearance=Clearance.TOP_SECRET,
        password=PASSWORD,
    )
    service.create_user(ROOT, db, data=data, clock=clock)
    admin = world.who["admin"]  # SECRET
    before = _snapshot(db)
    with pytest.raises(PermissionDenied) as reset:
        service.set_password(admin, db, username="top.analyst", password=NEW_PASSWORD, clock=clock)
    with pytest.raises(PermissionDenied) as token:
        token_service.issue_token(
            admin, db, username="top.analyst", name="t", clock=clock, ids=SequentialIds()
        )
    for refused in (reset, token):
        assert refused.value.field == "username" and "TOP_SECRET" in refused.value.message
    assert _snapshot(db) == before
    # Disabling gives them nothing to read with: allowed.
    assert not service.disable_user(admin, db, username="top.analyst", clock=clock).active


# --- 5. removing an agency ----------------------------------------------------------------


def _empty_agency(db: Session, clock: FixedClock, world: World, name: str = "Spare") -> AgencyRead:
    return service.create_agency(ROOT, db, state_id=world.mit.state_id, name=name, clock=clock)


def test_the_operator_removes_an_agency_nothing_holds(
    db: Session, clock: FixedClock, world: World
) -> None:
    spare = _empty_agency(db, clock, world)
    removed = service.remove_agency(ROOT, db, agency_id=spare.id, clock=clock)
    assert removed == spare
    with pytest.raises(NotFound):
        service.get_agency(ROOT, db, agency_id=spare.id)
    entry = _last_entry(db)
    assert (entry.action, entry.target_type, entry.target_id) == (
        "access.agency.remove",
        "agency",
        str(spare.id),
    )
    assert (entry.before or {})["name"] == "Spare" and entry.after is None


@pytest.mark.parametrize(
    ("who", "refusal"),
    [
        ("admin", Conflict),  # their own agency: allowed, but it has users (them)
        ("foreign admin", PermissionDenied),  # agencies are seen by all: not a 404
        ("liaison", PermissionDenied),
        ("analyst", PermissionDenied),
        ("viewer", PermissionDenied),
    ],
)
def test_who_may_remove_an_agency(
    db: Session,
    clock: FixedClock,
    world: World,
    who: str,
    refusal: type[TaawunError],
) -> None:
    before = _snapshot(db)
    with pytest.raises(refusal) as caught:
        service.remove_agency(world.who[who], db, agency_id=world.mit.id, clock=clock)
    assert caught.value.field in {"agency", None}
    assert _snapshot(db) == before


def test_an_agency_with_users_is_refused_naming_them(
    db: Session, clock: FixedClock, world: World
) -> None:
    service.disable_user(ROOT, db, username="target", clock=clock)
    before = _snapshot(db)
    with pytest.raises(Conflict) as caught:
        service.remove_agency(ROOT, db, agency_id=world.mit.id, clock=clock)
    assert caught.value.field == "agency"
    assert "has 5 users (4 active)" in caught.value.message
    assert "disable its users instead" in caught.value.message
    assert _snapshot(db) == before


@pytest.mark.parametrize("missing", [0, 999_999, 2**31])
def test_removing_a_missing_agency_is_not_found(
    db: Session, clock: FixedClock, world: World, missing: int
) -> None:
    with pytest.raises(NotFound) as caught:
        service.remove_agency(ROOT, db, agency_id=missing, clock=clock)
    assert caught.value.field == "agency"


INDICATOR = {
    "type": "indicator",
    "spec_version": "2.1",
    "id": "indicator--6f1d6d4c-8d0e-4a51-9d8a-0d3c2d2b7a10",
    "created": "2026-01-01T00:00:00.000Z",
    "modified": "2026-01-01T00:00:00.000Z",
    "name": "admin test indicator",
    "pattern": "[ipv4-addr:value = '192.0.2.9']",
    "pattern_type": "stix",
    "valid_from": "2026-01-01T00:00:00Z",
}


def _agency_principal(agency: AgencyRead) -> Principal:
    """An agency acting without a user on the node (as a federation peer's will)."""
    return Principal(
        user_id=None,
        username="peer",
        agency_id=AgencyId(agency.id),
        state_id=StateId(agency.state_id),
        role=Role.LIAISON,
        clearance=Clearance.SECRET,
    )


def test_an_agency_that_owns_intel_is_refused_naming_how_many(
    db: Session, clock: FixedClock, world: World
) -> None:
    spare = _empty_agency(db, clock, world)
    report = intel.share(
        _agency_principal(spare), db, objects=[INDICATOR], defaults=MarkingDefaults(), clock=clock
    )
    assert report.stored == 1, report
    before = _snapshot(db)
    with pytest.raises(Conflict) as caught:
        service.remove_agency(ROOT, db, agency_id=spare.id, clock=clock)
    assert "'Spare' owns 1 intel object;" in caught.value.message
    assert _snapshot(db) == before


def test_an_agency_named_a_tlp_red_recipient_is_refused(
    db: Session, clock: FixedClock, world: World
) -> None:
    spare = _empty_agency(db, clock, world)
    report = intel.share(
        world.who["liaison"],
        db,
        objects=[INDICATOR],
        defaults=MarkingDefaults(tlp=Tlp.RED, recipients=(str(spare.id),)),
        clock=clock,
    )
    assert report.stored == 1, report
    before = _snapshot(db)
    with pytest.raises(Conflict) as caught:
        service.remove_agency(ROOT, db, agency_id=spare.id, clock=clock)
    assert "is a named recipient of 1 TLP:RED intel object" in caught.value.message
    assert _snapshot(db) == before


def test_without_the_intel_check_the_database_still_refuses(
    db: Session, clock: FixedClock, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The foreign keys are the backstop should no holder be registered."""
    spare = _empty_agency(db, clock, world)
    intel.share(
        _agency_principal(spare), db, objects=[INDICATOR], defaults=MarkingDefaults(), clock=clock
    )
    monkeypatch.setattr(service, "_AGENCY_HOLDERS", {})
    before = _snapshot(db)
    with pytest.raises(Conflict) as caught:
        service.remove_agency(ROOT, db, agency_id=spare.id, clock=clock)
    assert "other records still name 'Spare'" in caught.value.message
    assert _snapshot(db) == before


def test_the_intel_holder_is_registered_by_importing_intel() -> None:
    assert service._AGENCY_HOLDERS["intel"] is intel_service.agency_in_intel


def test_the_web_app_registers_the_intel_holder() -> None:
    """In a fresh interpreter: the node's app, as served, asks intel before removing."""
    probe = (
        "import taawun.web.app\n"
        "from taawun.access import service\n"
        "assert 'intel' in service._AGENCY_HOLDERS, service._AGENCY_HOLDERS\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr


# --- the Python rules equal the SQL ones --------------------------------------------------


def test_the_predicates_agree_with_the_policies(
    db: Session, clock: FixedClock, world: World
) -> None:
    """``administers`` and ``may_act_for`` against ``AgencyPolicy``, ``UserPolicy`` and
    ``TokenPolicy`` as ``restrict`` applies them, for every principal and every user."""
    ids = SequentialIds()
    users = list(db.scalars(select(User)))
    for user in users:
        token_service.issue_token(ROOT, db, username=user.username, name="t", clock=clock, ids=ids)
    agencies = [world.mit, world.cert, _empty_agency(db, clock, world)]
    principals = [*world.who.values(), Principal.public()]
    for me in principals:
        for agency in agencies:
            sql = repository.visible_agency(db, me, agency.id, action=Action.CHANGE) is not None
            assert sql == policy.administers(me, agency.id), (me.username, agency.name)
        visible_tokens = {t.user for t in token_service.list_tokens(me, db)}
        for user in users:
            python = policy.may_act_for(me, user_id=user.id, agency_id=user.agency_id)
            change = repository.visible_user(db, me, user.username, action=Action.CHANGE)
            assert (change is not None) == python, (me.username, user.username)
            assert (user.username in visible_tokens) == python, (me.username, user.username)
