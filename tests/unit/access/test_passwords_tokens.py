"""Password hashing and policy; token making; tokens stored hashed, shown once, revoked, expired."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from argon2 import PasswordHasher
from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from taawun.access import passwords, service, token_service, tokens
from taawun.core.clock import FixedClock
from taawun.core.errors import InvalidInput, Unauthenticated
from taawun.core.ids import SequentialIds
from taawun.core.principal import Principal, Role

MakeUser = Callable[..., Principal]
ROOT = Principal.system_principal("test")


@pytest.mark.real_argon2
def test_hash_verifies_and_rejects_wrong_password() -> None:
    stored = passwords.hash_password("a long enough secret")
    assert stored.startswith("$argon2id$")
    assert "a long enough secret" not in stored
    assert passwords.verify_password(stored, "a long enough secret")
    assert not passwords.verify_password(stored, "a long enough secreT")
    assert not passwords.verify_password("not a hash", "a long enough secret")


@pytest.mark.real_argon2
def test_needs_rehash_for_weaker_parameters() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=1024).hash("a long enough secret")
    assert passwords.needs_rehash(weak)
    assert not passwords.needs_rehash(passwords.hash_password("a long enough secret"))


@pytest.mark.parametrize("bad", ["short", "eleven char", " " * 20, "x" * 2000])
def test_password_policy(bad: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        passwords.hash_password(bad)
    assert caught.value.field == "password"


def test_new_token_format() -> None:
    made = tokens.new_token(SequentialIds())
    assert made.plaintext.startswith("tw_")
    assert made.prefix == made.plaintext[:8]
    assert made.digest == tokens.digest(made.plaintext)
    assert len(made.digest) == 64
    assert made.plaintext not in repr(made)


def _all_text(db: Session) -> str:
    """Every value of every column of every table, as one string."""
    chunks: list[str] = []
    for table in inspect(db.get_bind()).get_table_names():
        if table == "alembic_version":
            continue
        for row in db.execute(text(f'SELECT * FROM "{table}"')):
            chunks.extend(str(value) for value in row)
    return "\n".join(chunks)


def test_token_stored_hashed_and_shown_once(
    db: Session, clock: FixedClock, ids: SequentialIds, make_user: MakeUser
) -> None:
    ali = make_user("ali")
    issued = token_service.issue_token(ali, db, username="ali", name="laptop", clock=clock, ids=ids)
    db.flush()
    everything = _all_text(db)
    assert tokens.digest(issued.token) in everything
    assert issued.token not in everything
    assert issued.token[3:] not in everything
    listed = token_service.list_tokens(ali, db)
    assert [t.prefix for t in listed] == [issued.token[:8]]
    assert all(not hasattr(t, "token") for t in listed)
    assert "token" not in repr(issued).replace("TokenIssued", "")
    assert service.authenticate_token(db, token=issued.token, clock=clock) == ali


def test_revoked_token_refused(
    db: Session, clock: FixedClock, ids: SequentialIds, make_user: MakeUser
) -> None:
    ali = make_user("ali")
    issued = token_service.issue_token(ali, db, username="ali", name="ci", clock=clock, ids=ids)
    revoked = token_service.revoke_token(ali, db, token_id=issued.id, clock=clock)
    assert revoked.revoked_at == clock.now()
    with pytest.raises(Unauthenticated):
        service.authenticate_token(db, token=issued.token, clock=clock)


def test_expired_token_refused(
    db: Session, clock: FixedClock, ids: SequentialIds, make_user: MakeUser
) -> None:
    ali = make_user("ali", Role.VIEWER)
    later = clock.now().replace(hour=13)
    issued = token_service.issue_token(
        ali, db, username="ali", name="short", expires_at=later, clock=clock, ids=ids
    )
    assert service.authenticate_token(db, token=issued.token, clock=clock).username == "ali"
    clock.advance(hours=1)
    with pytest.raises(Unauthenticated):
        service.authenticate_token(db, token=issued.token, clock=clock)


def test_expiry_in_the_past_refused(
    db: Session, clock: FixedClock, ids: SequentialIds, make_user: MakeUser
) -> None:
    ali = make_user("ali")
    with pytest.raises(InvalidInput) as caught:
        token_service.issue_token(
            ali, db, username="ali", name="x", expires_at=clock.now(), clock=clock, ids=ids
        )
    assert caught.value.field == "expires_at"


@pytest.mark.parametrize("bad", ["", "tw_", "tw_unknown-token-value", "Bearer x"])
def test_unknown_token_refused(db: Session, clock: FixedClock, bad: str) -> None:
    with pytest.raises(Unauthenticated):
        service.authenticate_token(db, token=bad, clock=clock)


def test_last_used_moves_at_most_once_a_minute(
    db: Session, clock: FixedClock, ids: SequentialIds, make_user: MakeUser
) -> None:
    ali = make_user("ali")
    issued = token_service.issue_token(ali, db, username="ali", name="ci", clock=clock, ids=ids)
    first = clock.now()
    service.authenticate_token(db, token=issued.token, clock=clock)
    clock.advance(seconds=30)
    service.authenticate_token(db, token=issued.token, clock=clock)
    assert token_service.list_tokens(ali, db)[0].last_used_at == first
    clock.advance(seconds=31)
    service.authenticate_token(db, token=issued.token, clock=clock)
    assert token_service.list_tokens(ali, db)[0].last_used_at == clock.now()


def test_deactivated_user_token_refused(
    db: Session, clock: FixedClock, ids: SequentialIds, make_user: MakeUser
) -> None:
    ali = make_user("ali")
    issued = token_service.issue_token(ali, db, username="ali", name="ci", clock=clock, ids=ids)
    service.deactivate_user(ROOT, db, username="ali", clock=clock)
    with pytest.raises(Unauthenticated):
        service.authenticate_token(db, token=issued.token, clock=clock)
