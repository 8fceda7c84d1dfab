"""API tokens: ``tw_`` + a random string, shown once; only its SHA-256 is stored.

The token carries 32 random bytes, so a plain SHA-256 (not a slow hash) is
enough to make the stored digest useless to a reader of the database, and it
lets the token be found by an indexed equality lookup. The first 8 characters
are kept to tell tokens apart in listings.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from taawun.core.ids import IdFactory

SCHEME = "tw_"
PREFIX_LENGTH = 8
RANDOM_BYTES = 32


@dataclass(frozen=True, slots=True)
class NewToken:
    plaintext: str
    digest: str
    prefix: str

    def __repr__(self) -> str:  # keeps the plaintext out of logs and tracebacks
        return f"NewToken(prefix={self.prefix!r})"


def digest(token: str) -> str:
    """The SHA-256 hex digest stored for ``token``."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def display_prefix(token: str) -> str:
    return token[:PREFIX_LENGTH]


def new_token(ids: IdFactory) -> NewToken:
    plaintext = SCHEME + ids.token(RANDOM_BYTES)
    return NewToken(plaintext=plaintext, digest=digest(plaintext), prefix=display_prefix(plaintext))


def well_formed(token: str) -> bool:
    """A cheap check before any lookup: our scheme and a plausible length."""
    return token.startswith(SCHEME) and PREFIX_LENGTH < len(token) <= 200
