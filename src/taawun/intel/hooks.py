"""Listeners told of every object version intel stores or deletes, in the same transaction.

Something outside intel may keep a derived view of what intel holds (the cooperation
context's correlation index of values and threats). Intel cannot call it (contexts import
one way: ``registry ← intel ← cooperation``), so it tells whoever listens: ``_ingest.store``
calls ``stored`` with the versions it has just written (a new object, a new version, a
revocation, which is a new version too), and ``changes.delete`` calls ``deleting`` with
the versions it is about to remove. Both run inside the writer's savepoint: a listener's
writes commit or roll back with the intel rows, and a listener that raises fails the write.

Listeners are registered by the composition roots (``web/app.py`` and the CLI commands
that write intel) when they import the listener's module; registering twice is once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy.orm import Session


class StoredVersion(NamedTuple):
    """One object version just stored. ``current``: it is its object's newest version now
    (an older version sent late is stored but is not); ``body``: the object as served;
    ``object``: the object as submitted, already parsed (None when read back from the
    store), which a listener may read instead of parsing ``body`` again. A named tuple,
    immutable as a frozen dataclass is, made three times faster: one per object stored."""

    seq: int
    stix_id: str
    type: str
    owner_agency_id: int
    owner_state_id: int
    added_us: int
    revoked: bool
    current: bool
    body: bytes
    object: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Stored:
    """What one ``store`` wrote: the new versions, and ``superseded``, the seqs of versions
    stored before that are no longer their object's newest because of it."""

    versions: Sequence[StoredVersion]
    superseded: Sequence[int]


OnStored = Callable[[Session, Stored], None]
OnDeleting = Callable[[Session, Sequence[int]], None]

_on_stored: list[OnStored] = []
_on_deleting: list[OnDeleting] = []


def listen(*, stored: OnStored, deleting: OnDeleting) -> None:
    """Register a listener's two callbacks (once, however often this is called)."""
    if stored not in _on_stored:
        _on_stored.append(stored)
    if deleting not in _on_deleting:
        _on_deleting.append(deleting)


def listening() -> bool:
    return bool(_on_stored)


def listeners() -> tuple[tuple[OnStored, ...], tuple[OnDeleting, ...]]:
    """The registered callbacks (for tests that check a composition root registered)."""
    return tuple(_on_stored), tuple(_on_deleting)


def stored(session: Session, event: Stored) -> None:
    if not event.versions and not event.superseded:
        return
    for callback in tuple(_on_stored):
        callback(session, event)


def deleting(session: Session, seqs: Sequence[int]) -> None:
    if not seqs:
        return
    for callback in tuple(_on_deleting):
        callback(session, seqs)
