"""How many failed sign-ins an account, and a source address, may have in a while.

After ``MAX_FAILURES_PER_ACCOUNT`` failed passwords for one username, or
``MAX_FAILURES_PER_ADDRESS`` from one source address, within ``WINDOW`` of the first of them,
every further attempt is refused without looking at the password until that window ends:
the right password too, so a guesser learns nothing from the answer, and an unknown username
alike, so the refusal does not tell whether the account exists.

A window starts at a key's first failure and lasts ``WINDOW``; a refusal does not extend it.
A success forgets the account's failures (not the address's). Each attempt takes its place
before the password is checked (``admit``) and gives it back on success (``succeeded``), so
concurrent guesses cannot get past the limit between the check and the count.

The counts are kept in the memory of the node process (``LOGIN_LIMITS``), under a lock, at
most ``MAX_KEYS`` keys (the oldest windows are dropped first beyond that). A node run as
several worker processes keeps one count per process, so the limits are per process there;
a restart forgets them.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

MAX_FAILURES_PER_ACCOUNT = 10
MAX_FAILURES_PER_ADDRESS = 50
WINDOW = timedelta(minutes=15)
MAX_KEYS = 100_000
_KEY_CHARS = 100  # a username is at most 80 characters; anything longer is a junk guess

Scope = Literal["account", "address"]


@dataclass(slots=True)
class _Window:
    start: datetime
    failures: int = 0
    refused: int = 0


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why an attempt is refused: the limit reached (``scope``, with its ``failures``), how
    many attempts the window has ``refused`` (this one included), whether this is the
    window's ``first`` refusal (the one to audit), and the whole seconds left of it."""

    scope: Scope
    failures: int
    refused: int
    first: bool
    retry_after: int


class LoginLimiter:
    """Failed sign-ins per account and per source address, in fixed windows; thread-safe."""

    def __init__(
        self,
        *,
        per_account: int = MAX_FAILURES_PER_ACCOUNT,
        per_address: int = MAX_FAILURES_PER_ADDRESS,
        window: timedelta = WINDOW,
        max_keys: int = MAX_KEYS,
    ) -> None:
        self._limits: dict[Scope, int] = {"account": per_account, "address": per_address}
        self._window = window
        self._max_keys = max_keys
        self._lock = threading.Lock()
        # Oldest window first: every window lasts as long, so the expired ones lead.
        self._windows: OrderedDict[tuple[Scope, str], _Window] = OrderedDict()

    def __len__(self) -> int:
        return len(self._windows)

    def admit(self, username: str, source: str | None, now: datetime) -> Refusal | None:
        """None: go on and check the password (the attempt counts as a failure until
        ``succeeded``). Otherwise the refusal, which counts as no failure."""
        keys = self._keys(username, source)
        with self._lock:
            self._prune(now)
            live = [(scope, key, self._live(scope, key, now)) for scope, key in keys]
            over = [(s, w) for s, _, w in live if w is not None and w.failures >= self._limits[s]]
            if not over:
                for scope, key, window in live:
                    (window or self._start(scope, key, now)).failures += 1
                return None
            first = False
            for _, window in over:
                window.refused += 1
                first = first or window.refused == 1
            scope, binding = over[0]
            left = max(w.start + self._window - now for _, w in over)
            return Refusal(
                scope=scope,
                failures=binding.failures,
                refused=binding.refused,
                first=first,
                retry_after=max(1, math.ceil(left.total_seconds())),
            )

    def succeeded(self, username: str, source: str | None) -> None:
        """The password was right: forget the account's failures, give the address its
        place back."""
        with self._lock:
            for scope, key in self._keys(username, source):
                window = self._windows.get((scope, key))
                if window is None:
                    continue
                if scope == "account":
                    del self._windows[scope, key]
                else:
                    window.failures = max(0, window.failures - 1)

    def clear(self) -> None:
        with self._lock:
            self._windows.clear()

    @staticmethod
    def _keys(username: str, source: str | None) -> list[tuple[Scope, str]]:
        keys: list[tuple[Scope, str]] = [("account", username[:_KEY_CHARS])]
        if source is not None:
            keys.append(("address", source[:_KEY_CHARS]))
        return keys

    def _expired(self, window: _Window, now: datetime) -> bool:
        return now - window.start >= self._window

    def _live(self, scope: Scope, key: str, now: datetime) -> _Window | None:
        """The key's window, unless it has none or it is over."""
        window = self._windows.get((scope, key))
        return None if window is None or self._expired(window, now) else window

    def _start(self, scope: Scope, key: str, now: datetime) -> _Window:
        """A new window for the key, starting now; the newest, so the last in order."""
        self._windows.pop((scope, key), None)
        while len(self._windows) >= self._max_keys:
            self._windows.popitem(last=False)
        window = self._windows[scope, key] = _Window(start=now)
        return window

    def _prune(self, now: datetime) -> None:
        while self._windows:
            oldest = next(iter(self._windows.values()))
            if not self._expired(oldest, now):
                return
            self._windows.popitem(last=False)


LOGIN_LIMITS = LoginLimiter()
"""The node process's counts, used by ``authenticate_password`` unless given another."""
