"""API tokens: ``tw_`` + a random string, shown once; only its SHA-256 is stored.

The token carries 32 random bytes, so a plain SHA-256 (not a slow hash) is
enough to make the stored digest useless to a reader of the database, and it
lets the token be found by an indexed equality lookup. The first 8 characters
are kept to tell tokens apart in listings. Every token expires: after
``DEFAULT_LIFETIME_DAYS`` unless its issuer says otherwise, and never later than
``MAX_LIFETIME_DAYS`` after it was issued.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from taawun.core.ids import IdFactory

SCHEME = "tw_"
PREFIX_LENGTH = 8
RANDOM_BYTES = 32
# How long a token lives when its issuer does not say: a quarter, so that a token copied
# into a script or a CI secret and forgotten stops working on its own, while a script run
# for a season does not need a new one every month (GitLab's and GitHub's defaults are 30
# days; a partner agency's integration is renewed less often than a developer's laptop).
DEFAULT_LIFETIME_DAYS = 90
# The longest a token may be issued for: a year, plus the day a leap year adds, so that
# "one year from today" is always accepted. Every token expires; a longer need is met by
# issuing the next one before this one ends.
MAX_LIFETIME_DAYS = 366


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
