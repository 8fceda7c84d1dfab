"""Login, the permission matrix, duplicates without partial writes, and the audit chain."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from taawun.access import authentication, service, token_service
from taawun.access.models import Agency, AuditEntry, User
from taawun.access.schemas import AgencyRead, UserCreate
from taawun.core.clock import FixedClock
from taawun.core.errors import Conflict, NotFound, PermissionDenied, Unauthenticated
from taawun.core.ids import SequentialIds
from taawun.core.principal import Clearance, Principal, Role

MakeUser = Callable[..., Principal]
ROOT = Principal.system_principal("test")
PASSWORD = "correct horse battery"


def _count(db: Session, model: type[object]) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)  # type: ignore[arg-type]


def _actions(db: Session) -> list[str]:
    return list(db.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


# --- authentication ---------------------------------------------------------------------


def test_login_builds_principal_and_is_audited(
    db: Session, clock: FixedClock, make_user: MakeUser, agency: AgencyRead
) -> None:
    make_user("ali", Role.LIAISON)
    principal = service.authenticate_password(db, username="ali", password=PASSWORD, clock=clock)
    assert (principal.username, principal.role, principal.clearance) == (
        "ali",
        Role.LIAISON,
        Clearance.SECRET,
    )
    assert (principal.agency_id, principal.state_id) == (agency.id, agency.state_id)
    assert _actions(db)[-1] == "access.login"


@pytest.mark.parametrize(
    ("username", "reason"), [("ali", "wrong_password"), ("nobody", "unknown_user")]
)
def test_failed_login_same_message_and_recorded(
    db: Session, clock: FixedClock, make_user: MakeUser, username: str, reason: str
) -> None:
    make_user("ali")
    with pytest.raises(Unauthenticated) as caught:
        service.authenticate_password(
            db, username=username, password="wrong password!", clock=clock
        )
    assert caught.value.message == authentication.LOGIN_FAILED
    last = db.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert last is not None
    assert last.action == "access.login_failed"
    assert last.detail == {"method": "password", "username": username, "reason": reason}


def test_inactive_user_refused(db: Session, clock: FixedClock, make_user: MakeUser) -> None:
    make_user("ali")
    service.deactivate_user(ROOT, db, username="ali", clock=clock)
    with pytest.raises(Unauthenticated):
        service.authenticate_password(db, username="ali", password=PASSWORD, clock=clock)
    assert _actions(db)[-1] == "access.login_failed"


def test_set_own_password_needs_current(
    db: Session, clock: FixedClock, make_user: MakeUser
) -> None:
    ali = make_user("ali", Role.VIEWER)
    new = "another long passphrase"
    with pytest.raises(PermissionDenied):
        service.set_password(
            ali, db, username="ali", password=new, current_password="x", clock=clock
        )
    service.set_password(
        ali, db, username="ali", password=new, current_password=PASSWORD, clock=clock
    )
    assert service.authenticate_password(db, username="ali", password=new, clock=clock) == ali
    with pytest.raises(Unauthenticated):
        service.authenticate_password(db, username="ali", password=PASSWORD, clock=clock)


# --- permission matrix ------------------------------------------------------------------

ROLES = [Role.ADMIN, Role.LIAISON, Role.ANALYST, Role.VIEWER]
ADMIN_ONLY = {Role.ADMIN}


def _act(action: str, me: Principal, db: Session, clock: FixedClock, agency: AgencyRead) -> None:
    ids = SequentialIds()
    if action == "create_agency":
        service.create_agency(me, db, state_id=agency.state_id, name="New", clock=clock)
    elif action == "create_user":
        data = UserCreate(
            username="newbie",
            agency_id=agency.id,
            role=Role.VIEWER,
            clearance=Clearance.RESTRICTED,
            password=PASSWORD,
        )
        service.create_user(me, db, data=data, clock=clock)
    elif action == "deactivate_other":
        service.deactivate_user(me, db, username="other", clock=clock)
    elif action == "password_other":
        service.set_password(me, db, username="other", password="x" * 12, clock=clock)
    elif action == "token_other":
        token_service.issue_token(me, db, username="other", name="t", clock=clock, ids=ids)
    elif action == "revoke_other":
        issued = token_service.issue_token(
            ROOT, db, username="other", name="t", clock=clock, ids=ids
        )
        token_service.revoke_token(me, db, token_id=issued.id, clock=clock)
    elif action == "list_tokens_other":
        token_service.list_tokens(me, db, username="other")
    elif action == "verify_audit":
        service.verify_audit(me, db)
    elif action == "list_audit":
        service.list_audit(me, db, limit=10)
    elif action == "own_token":
        issued = token_service.issue_token(
            me, db, username=me.username, name="t", clock=clock, ids=ids
        )
        token_service.revoke_token(me, db, token_id=issued.id, clock=clock)
    elif action == "own_password":
        service.set_password(
            me, db, username=me.username, password="y" * 12, current_password=PASSWORD, clock=clock
        )
    else:  # pragma: no cover
        raise AssertionError(action)


ACTIONS = {
    "create_agency": ADMIN_ONLY,
    "create_user": ADMIN_ONLY,
    "deactivate_other": ADMIN_ONLY,
    "password_other": ADMIN_ONLY,
    "token_other": ADMIN_ONLY,
    "revoke_other": ADMIN_ONLY,
    "list_tokens_other": ADMIN_ONLY,
    "verify_audit": ADMIN_ONLY,
    "list_audit": ADMIN_ONLY,
    "own_token": set(ROLES),
    "own_password": set(ROLES),
}


@pytest.mark.parametrize("role", ROLES, ids=str)
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_permission_matrix(
    db: Session, clock: FixedClock, make_user: MakeUser, agency: AgencyRead, role: Role, action: str
) -> None:
    me = make_user("myself", role)
    make_user("other", Role.ANALYST)
    audit_before = _count(db, AuditEntry)
    if role in ACTIONS[action]:
        _act(action, me, db, clock, agency)
    else:
        with pytest.raises(PermissionDenied):
            _act(action, me, db, clock, agency)
        assert _count(db, AuditEntry) - audit_before <= 1  # only revoke_other's setup may write


def test_non_admin_sees_only_own_agency(
    db: Session, clock: FixedClock, make_user: MakeUser, other_agency: AgencyRead
) -> None:
    me = make_user("myself", Role.ANALYST)
    make_user("mate", Role.VIEWER)
    make_user("stranger", Role.VIEWER, agency_id=other_agency.id)
    assert [u.username for u in service.list_users(me, db)] == ["mate", "myself"]
    assert len(service.list_users(ROOT, db)) == 3
    with pytest.raises(NotFound):
        service.get_user(me, db, username="stranger")
    assert len(service.list_agencies(me, db)) == 2


# --- duplicates -------------------------------------------------------------------------


def test_duplicate_username_is_conflict_without_write(
    db: Session, clock: FixedClock, make_user: MakeUser, agency: AgencyRead
) -> None:
    make_user("ali")
    users, entries = _count(db, User), _count(db, AuditEntry)
    data = UserCreate(
        username="ali",
        agency_id=agency.id,
        role=Role.ADMIN,
        clearance=Clearance.TOP_SECRET,
        password=PASSWORD,
    )
    with pytest.raises(Conflict) as caught:
        service.create_user(ROOT, db, data=data, clock=clock)
    assert caught.value.field == "username"
    assert (_count(db, User), _count(db, AuditEntry)) == (users, entries)


def test_unknown_agency_is_not_found(db: Session, clock: FixedClock, agency: AgencyRead) -> None:
    data = UserCreate(
        username="ali",
        agency_id=agency.id + 99,
        role=Role.ADMIN,
        clearance=Clearance.SECRET,
        password=PASSWORD,
    )
    with pytest.raises(NotFound) as caught:
        service.create_user(ROOT, db, data=data, clock=clock)
    assert caught.value.field == "agency"


def test_duplicate_agency_is_conflict_without_write(
    db: Session, clock: FixedClock, agency: AgencyRead
) -> None:
    agencies, entries = _count(db, Agency), _count(db, AuditEntry)
    with pytest.raises(Conflict) as caught:
        service.create_agency(ROOT, db, state_id=agency.state_id, name="MIT", clock=clock)
    assert caught.value.field == "name"
    with pytest.raises(NotFound) as missing:
        service.create_agency(ROOT, db, state_id=agency.state_id + 99, name="Xx", clock=clock)
    assert missing.value.field == "state"
    assert (_count(db, Agency), _count(db, AuditEntry)) == (agencies, entries)
    assert service.create_agency(ROOT, db, state_id=agency.state_id, name="MSB", clock=clock).id


# --- audit chain ------------------------------------------------------------------------


def _chain(db: Session, clock: FixedClock, make_user: MakeUser) -> None:
    for name in ("ali", "banu", "cem", "deniz"):
        make_user(name)
    db.flush()


def test_appends_make_a_valid_chain(db: Session, clock: FixedClock, make_user: MakeUser) -> None:
    _chain(db, clock, make_user)
    report = service.verify_audit(ROOT, db)
    assert report.ok
    assert report.entries == 5  # the agency and four users
    assert [e.action for e in service.list_audit(ROOT, db, limit=2, action="access.user")] == [
        "access.user.create",
        "access.user.create",
    ]


def test_edited_entry_reported(db: Session, clock: FixedClock, make_user: MakeUser) -> None:
    _chain(db, clock, make_user)
    db.execute(text("UPDATE audit_entry SET actor = 'mallory' WHERE seq = 3"))
    db.expire_all()
    report = service.verify_audit(ROOT, db)
    assert [(p.seq, p.problem) for p in report.problems] == [
        (3, "content edited after it was written")
    ]


def test_deleted_entry_reported(db: Session, clock: FixedClock, make_user: MakeUser) -> None:
    _chain(db, clock, make_user)
    db.execute(text("DELETE FROM audit_entry WHERE seq = 3"))
    db.expire_all()
    report = service.verify_audit(ROOT, db)
    assert not report.ok
    assert [(p.seq, p.problem) for p in report.problems] == [(4, "entry 3 deleted before this one")]


def test_changed_link_reported(db: Session, clock: FixedClock, make_user: MakeUser) -> None:
    _chain(db, clock, make_user)
    first = db.scalar(select(AuditEntry.hash).where(AuditEntry.seq == 1))
    db.execute(text("UPDATE audit_entry SET prev_hash = :h WHERE seq = 4"), {"h": first})
    db.expire_all()
    problems = {(p.seq, p.problem) for p in service.verify_audit(ROOT, db).problems}
    assert (4, "link to the previous entry is broken") in problems


def test_swapped_entries_reported(db: Session, clock: FixedClock, make_user: MakeUser) -> None:
    _chain(db, clock, make_user)
    db.execute(text("UPDATE audit_entry SET seq = 100 WHERE seq = 2"))
    db.execute(text("UPDATE audit_entry SET seq = 2 WHERE seq = 3"))
    db.execute(text("UPDATE audit_entry SET seq = 3 WHERE seq = 100"))
    db.expire_all()
    report = service.verify_audit(ROOT, db)
    assert not report.ok
    assert {p.seq for p in report.problems} >= {2, 3}
