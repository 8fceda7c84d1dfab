"""The web UI's table: server-side sessions of signed-in browsers (``sessions.py``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from taawun.storage.base import Base


class UiSession(Base):
    """A browser's session: only the SHA-256 of its cookie's token is stored."""

    __tablename__ = "ui_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    csrf_secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]  # the idle limit: last_seen + IDLE, never past the absolute
    last_seen: Mapped[datetime]
