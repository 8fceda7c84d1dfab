"""Passwords: argon2id hashes (argon2-cffi) and the node's minimum password policy.

Only the hash is stored. ``needs_rehash`` tells a successful login to upgrade
a hash made with older parameters.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from taawun.core.errors import InvalidInput

MIN_LENGTH = 12
MAX_LENGTH = 1024  # argon2 takes any length; a bound keeps a request from costing megabytes

_HASHER = PasswordHasher()


def check_policy(password: str) -> None:
    """Raise ``InvalidInput(field="password")`` unless ``password`` meets the policy."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(
            f"password: at least {MIN_LENGTH} characters are required", field="password"
        )
    if len(password) > MAX_LENGTH:
        raise InvalidInput(f"password: at most {MAX_LENGTH} characters", field="password")
    if not password.strip():
        raise InvalidInput("password: must not be only whitespace", field="password")


def hash_password(password: str) -> str:
    """Check the policy, then return the argon2id hash to store."""
    check_policy(password)
    return _HASHER.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """True exactly when ``password`` matches ``stored_hash``; a malformed hash never matches."""
    try:
        return _HASHER.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when ``stored_hash`` was made with parameters other than the current ones."""
    try:
        return _HASHER.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


_DUMMY_HASH: str | None = None


def burn_time(password: str) -> None:
    """Spend what a real verification costs, so an unknown user answers as slowly as a known one."""
    global _DUMMY_HASH  # noqa: PLW0603 - one lazily made hash, shared by every caller
    if _DUMMY_HASH is None:
        _DUMMY_HASH = _HASHER.hash("taawun-no-such-user")
    verify_password(_DUMMY_HASH, password)
