"""Training programmes and their seats: ORM only (queries live in ``repository.py``).

A programme is hosted by one state under one agreement covering ``training``; it offers
seats to each guest state (``TrainingSeat``), which that state takes, and after the end the
host records how many of them graduated. The counts are guarded in the database too
(``taken`` never above ``offered``, ``graduates`` never above ``taken``), so not even a
write that skipped the service could overbook a programme.

``status`` keeps what users decided (``planned``, ``completed`` once graduates are
recorded, ``cancelled``); whether a planned programme is running or has ended is a matter
of its dates and today, computed when it is read (``service.phase_of``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from taawun.storage.base import Base

STORED_STATUSES = ("planned", "completed", "cancelled")


class TrainingProgramme(Base):
    """A course or programme one state hosts for others, under an agreement."""

    __tablename__ = "training_programme"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="dates"),
        CheckConstraint("status IN ('planned', 'completed', 'cancelled')", name="status"),
        Index("ix_training_programme_host", "host_state_id", "starts_on"),
        Index("ix_training_programme_agreement", "agreement_id", "starts_on"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    host_state_id: Mapped[int] = mapped_column(ForeignKey("state.id", ondelete="RESTRICT"))
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="RESTRICT"))
    subject: Mapped[str] = mapped_column(String(200))
    location: Mapped[str | None] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date, index=True)
    ends_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    seats: Mapped[list[TrainingSeat]] = relationship(
        back_populates="programme", cascade="all, delete-orphan", order_by="TrainingSeat.state_id"
    )


class TrainingSeat(Base):
    """The seats a programme offers one guest state, how many it took, and (once recorded)
    how many of its trainees graduated."""

    __tablename__ = "training_seat"
    __table_args__ = (
        CheckConstraint("offered > 0", name="offered"),
        CheckConstraint("taken >= 0 AND taken <= offered", name="taken"),
        CheckConstraint(
            "graduates IS NULL OR (graduates >= 0 AND graduates <= taken)", name="graduates"
        ),
        Index("ix_training_seat_state", "state_id", "programme_id"),
    )

    programme_id: Mapped[str] = mapped_column(
        ForeignKey("training_programme.id", ondelete="CASCADE"), primary_key=True
    )
    state_id: Mapped[int] = mapped_column(
        ForeignKey("state.id", ondelete="RESTRICT"), primary_key=True
    )
    offered: Mapped[int] = mapped_column(Integer)
    taken: Mapped[int] = mapped_column(Integer, default=0)
    graduates: Mapped[int | None] = mapped_column(Integer)

    programme: Mapped[TrainingProgramme] = relationship(back_populates="seats")
