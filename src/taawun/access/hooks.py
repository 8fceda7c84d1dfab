"""Listeners told, in the same transaction, when a user's credentials are withdrawn: the user
disabled, or their password reset by an administrator.

The web UI keeps sessions of its own (``web/ui/sessions.py``), which access cannot know of
(web imports access, never the other way). Its sessions module listens and ends the user's
sessions, whichever way the change came: the UI, the REST API or the CLI. Without it a
session of a user disabled through the API or the CLI came back to life when the user was
enabled again within its idle time. Listeners are registered when their module is imported
(the web app imports the UI's; the CLI's user commands import it too); registering twice is
once.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

OnWithdrawn = Callable[[Session, int], None]

_on_withdrawn: list[OnWithdrawn] = []


def listen(withdrawn: OnWithdrawn) -> None:
    """Register a listener (once, however often this is called)."""
    if withdrawn not in _on_withdrawn:
        _on_withdrawn.append(withdrawn)


def withdrawn(session: Session, user_id: int) -> None:
    """Tell every listener that ``user_id``'s credentials were withdrawn."""
    for listener in _on_withdrawn:
        listener(session, user_id)
