"""Password guessing is limited per account and per source address (issue 8).

The limiter on its own (windows, concurrency, bounded memory), then ``authenticate_password``
with it on both backends: a right password is refused once the limit is reached, an unknown
username is limited exactly like a real one, and only the first refusal of a window is audited.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from taawun.access import service
from taawun.access.login_limits import (
    MAX_FAILURES_PER_ACCOUNT,
    MAX_FAILURES_PER_ADDRESS,
    WINDOW,
    LoginLimiter,
)
from taawun.access.models import AuditEntry
from taawun.access.schemas import UserCreate
from taawun.core.clock import FixedClock
from taawun.core.errors import TooManyRequests, Unauthenticated
from taawun.core.principal import Clearance, Principal, Role
from taawun.registry.models import State
from taawun.storage.engine import for_writes

from ...conftest import new_database
from .conftest import PASSWORD, ROOT

MakeUser = Callable[..., Principal]
T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
WRONG = "not the password at all"


def test_the_limits_are_the_documented_ones() -> None:
    limits = (MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_ADDRESS, WINDOW)
    assert limits == (10, 50, timedelta(minutes=15))


# --- the limiter --------------------------------------------------------------------------


def test_account_refused_after_its_failures_until_the_window_ends() -> None:
    limits = LoginLimiter()
    for _ in range(10):
        assert limits.admit("ali", "10.0.0.1", T0) is None
    first = limits.admit("ali", "10.0.0.1", T0 + timedelta(minutes=5))
    assert first is not None
    assert (first.scope, first.failures, first.retry_after, first.first) == (
        "account",
        10,
        600,
        True,
    )
    again = limits.admit("ali", "10.0.0.2", T0 + timedelta(minutes=14, seconds=59.5))
    assert again is not None and not again.first and again.retry_after == 1
    assert again.refused == 2
    assert limits.admit("ali", "10.0.0.1", T0 + WINDOW) is None  # a new window


def test_address_refused_after_its_failures_whatever_the_username() -> None:
    limits = LoginLimiter()
    for n in range(50):
        assert limits.admit(f"guess{n}", "10.0.0.1", T0) is None
    refused = limits.admit("ali", "10.0.0.1", T0)
    assert refused is not None and refused.scope == "address" and refused.failures == 50
    assert limits.admit("ali", "10.0.0.9", T0) is None  # another address is not affected


def test_no_address_means_the_account_limit_alone() -> None:
    limits = LoginLimiter()
    for n in range(60):
        assert limits.admit(f"guess{n}", None, T0) is None
    for _ in range(10):
        assert limits.admit("ali", None, T0) is None
    assert limits.admit("ali", None, T0) is not None


def test_success_forgets_the_account_but_not_the_address() -> None:
    limits = LoginLimiter(per_account=3, per_address=5)
    for _ in range(2):
        assert limits.admit("ali", "10.0.0.1", T0) is None
    assert limits.admit("ali", "10.0.0.1", T0) is None  # this one is the right password
    limits.succeeded("ali", "10.0.0.1")
    for _ in range(3):  # the account starts again ...
        assert limits.admit("ali", "10.0.0.2", T0) is None
    assert limits.admit("ali", "10.0.0.2", T0) is not None
    assert limits.admit("bob", "10.0.0.1", T0) is None  # ... the address kept its 2 failures
    assert limits.admit("bob", "10.0.0.1", T0) is None
    assert limits.admit("bob", "10.0.0.1", T0) is None
    refused = limits.admit("carol", "10.0.0.1", T0)
    assert refused is not None and refused.scope == "address"


def test_concurrent_guesses_get_exactly_the_limit() -> None:
    """8 threads of 50 guesses at one account: 10 get to try a password, 390 are refused,
    and exactly one refusal is the window's first."""
    limits = LoginLimiter()
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(8)

    def guess(worker: int) -> None:
        start.wait()
        for _ in range(50):
            refusal = limits.admit("ali", f"10.0.0.{worker}", T0)
            outcome = "tried" if refusal is None else "first" if refusal.first else "refused"
            with lock:
                outcomes[outcome] += 1

    threads = [threading.Thread(target=guess, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == {"tried": 10, "first": 1, "refused": 389}


def test_memory_is_bounded() -> None:
    limits = LoginLimiter(max_keys=100)
    for n in range(1000):
        limits.admit(f"user{n}", f"10.0.{n // 250}.{n % 250}", T0)
    assert len(limits) <= 100
    limits.admit("late", "10.9.9.9", T0 + WINDOW)  # every earlier window is over
    assert len(limits) == 2


# --- authenticate_password with the limiter, on both backends -----------------------------


def _limited(db: Session) -> list[AuditEntry]:
    stmt = select(AuditEntry).where(AuditEntry.action == "access.login.limited")
    return list(db.scalars(stmt.order_by(AuditEntry.seq)))


def _login(
    db: Session, clock: FixedClock, limits: LoginLimiter, username: str, password: str, source: str
) -> Principal:
    return service.authenticate_password(
        db, username=username, password=password, clock=clock, source=source, limiter=limits
    )


@pytest.mark.parametrize("username", ["ali", "nobody"])
def test_right_password_refused_after_too_many_failures(
    db: Session, clock: FixedClock, make_user: MakeUser, username: str
) -> None:
    """A known and an unknown username are refused alike, the right password too, until the
    window ends; only the first refusal is written to the audit log."""
    make_user("ali")
    limits = LoginLimiter()
    for n in range(MAX_FAILURES_PER_ACCOUNT):
        with pytest.raises(Unauthenticated):
            _login(db, clock, limits, username, WRONG, f"10.0.0.{n}")
    clock.advance(minutes=5)
    for _ in range(3):
        with pytest.raises(TooManyRequests) as caught:
            _login(db, clock, limits, username, PASSWORD, "10.0.0.99")
        assert caught.value.http_status == 429
        assert caught.value.retry_after == 600
        assert caught.value.to_dict() == {
            "error": "too_many_requests",
            "message": "too many failed sign-ins; try again later",
            "retry_after": 600,
        }
    limited = _limited(db)
    assert len(limited) == 1
    assert limited[0].detail == {
        "username": username,
        "address": "10.0.0.99",
        "scope": "account",
        "failures": 10,
        "retry_after": 600,
    }
    assert limited[0].target_id is None
    clock.advance(minutes=10)
    if username == "ali":
        assert _login(db, clock, limits, "ali", PASSWORD, "10.0.0.99").username == "ali"
    else:
        with pytest.raises(Unauthenticated):
            _login(db, clock, limits, username, PASSWORD, "10.0.0.99")


def test_one_address_guessing_many_accounts_is_refused(
    db: Session, clock: FixedClock, make_user: MakeUser
) -> None:
    make_user("ali")
    limits = LoginLimiter()
    for n in range(MAX_FAILURES_PER_ADDRESS):
        with pytest.raises(Unauthenticated):
            _login(db, clock, limits, f"guess{n}", WRONG, "192.0.2.7")
    with pytest.raises(TooManyRequests):
        _login(db, clock, limits, "ali", PASSWORD, "192.0.2.7")
    assert _login(db, clock, limits, "ali", PASSWORD, "192.0.2.8").username == "ali"
    [limited] = _limited(db)
    assert limited.detail is not None and limited.detail["scope"] == "address"


def test_failed_login_records_the_address(
    db: Session, clock: FixedClock, make_user: MakeUser
) -> None:
    make_user("ali")
    with pytest.raises(Unauthenticated):
        _login(db, clock, LoginLimiter(), "ali", WRONG, "198.51.100.4")
    last = db.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert last is not None and last.action == "access.login_failed"
    assert last.detail is not None and last.detail["address"] == "198.51.100.4"


def test_without_a_limiter_the_node_wide_one_applies(
    db: Session, clock: FixedClock, make_user: MakeUser
) -> None:
    from taawun.access import login_limits

    make_user("ali")
    login_limits.LOGIN_LIMITS.clear()
    try:
        for _ in range(MAX_FAILURES_PER_ACCOUNT):
            with pytest.raises(Unauthenticated):
                service.authenticate_password(db, username="ali", password=WRONG, clock=clock)
        with pytest.raises(TooManyRequests):
            service.authenticate_password(db, username="ali", password=PASSWORD, clock=clock)
    finally:
        login_limits.LOGIN_LIMITS.clear()


def test_concurrent_guesses_on_both_backends(backend: str, tmp_path: Path) -> None:
    """8 threads × 6 guesses at one account, each in a session of its own that begins as the
    web layer's login sessions do (with the write lock, ``storage.engine.for_writes``) and is
    committed as it commits a failed login: 10 failures, 38 refusals, no other error (no
    "database is locked"), one ``access.login.limited`` entry."""
    engine = new_database(backend, "guesses", tmp_path)
    clock = FixedClock(T0)
    with Session(engine) as session:
        session.add(State(cow_code=640, cow_abbr="TUR", name="Turkey", iso3="TUR", source="t"))
        session.flush()
        state_id = session.scalars(select(State.id)).one()
        agency = service.create_agency(ROOT, session, state_id=state_id, name="MIT", clock=clock)
        data = UserCreate(
            username="ali",
            agency_id=agency.id,
            role=Role.ANALYST,
            clearance=Clearance.SECRET,
            password=PASSWORD,
        )
        service.create_user(ROOT, session, data=data, clock=clock)
        session.commit()
    limits = LoginLimiter()
    writer = for_writes(engine)
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(8)

    def guess(worker: int) -> None:
        start.wait()
        for _ in range(6):
            with Session(writer) as session:
                try:
                    _login(session, clock, limits, "ali", WRONG, f"10.0.0.{worker}")
                    outcome = "signed in"
                except (Unauthenticated, TooManyRequests) as exc:
                    session.commit()
                    outcome = type(exc).__name__
                except Exception as exc:  # counted: the test fails on it
                    outcome = f"{type(exc).__name__}: {exc}"
            with lock:
                outcomes[outcome] += 1

    threads = [threading.Thread(target=guess, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert outcomes == {"Unauthenticated": 10, "TooManyRequests": 38}
        with Session(engine) as session:
            actions = Counter(session.scalars(select(AuditEntry.action)))
            assert actions["access.login_failed"] == 10
            assert actions["access.login.limited"] == 1
            assert service.verify_audit(ROOT, session).ok
    finally:
        engine.dispose()
