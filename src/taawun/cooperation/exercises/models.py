"""Joint exercises: the exercise, its participants and its domains (ORM only).

One table for both kinds: the historical record (MME, public, ``source`` "MME v7") and those
recorded on the node (``source`` "taawun", seen only by the states they concern). Queries
live in ``repository.py``; who sees what in ``policy.py``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from taawun.storage.base import Base


class Exercise(Base):
    """A joint military exercise.

    Dates are kept as their first day and a precision (``day``, ``month``, ``year``):
    ``start_date`` 1980-01-01 with precision ``month`` is MME's "1980-01-xx". ``coverage``
    says whether it falls under an agreement covering ``joint_exercises`` (``agreement_id``),
    is flagged as outside any, or was not assessed (the historical record; see
    ``vocabulary.COVERAGE``)."""

    __tablename__ = "exercise"
    __table_args__ = (UniqueConstraint("source", "source_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    source_id: Mapped[str] = mapped_column(String(60))
    source_row: Mapped[int | None] = mapped_column(Integer)
    name: Mapped[str | None] = mapped_column(String(200))
    series: Mapped[str | None] = mapped_column(String(120), index=True)
    location: Mapped[str | None] = mapped_column(String(300))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    start_date: Mapped[date] = mapped_column(Date, index=True)
    start_precision: Mapped[str] = mapped_column(String(5))
    end_date: Mapped[date | None] = mapped_column(Date)
    end_precision: Mapped[str | None] = mapped_column(String(5))
    warfighting: Mapped[bool | None] = mapped_column(Boolean)
    focus: Mapped[str | None] = mapped_column(Text)
    participant_note: Mapped[str | None] = mapped_column(Text)
    # MME's "-9": the source knew of participants it could not name.
    unnamed_participants: Mapped[bool] = mapped_column(Boolean, default=False)
    host_basis: Mapped[str | None] = mapped_column(String(10))
    agreement_id: Mapped[int | None] = mapped_column(
        ForeignKey("agreement.id", ondelete="SET NULL"), index=True
    )
    coverage: Mapped[str] = mapped_column(String(12), index=True)
    public: Mapped[bool] = mapped_column(Boolean, index=True)
    status: Mapped[str] = mapped_column(String(12))
    recorded_by_state_id: Mapped[int | None] = mapped_column(
        ForeignKey("state.id", ondelete="RESTRICT")
    )
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    participants: Mapped[list[ExerciseParticipant]] = relationship(
        back_populates="exercise",
        cascade="all, delete-orphan",
        order_by="ExerciseParticipant.id",
    )
    domains: Mapped[list[ExerciseDomain]] = relationship(
        back_populates="exercise", cascade="all, delete-orphan", order_by="ExerciseDomain.domain"
    )


class ExerciseParticipant(Base):
    """A participant as the source names it (``name``), resolved to a registry state or
    organization where possible; a name that is neither (Hong Kong, "Baltic States") is kept
    with both empty, so nothing the source says is dropped."""

    __tablename__ = "exercise_participant"
    __table_args__ = (
        UniqueConstraint("exercise_id", "name"),
        Index("ix_exercise_participant_state", "state_id", "exercise_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    state_id: Mapped[int | None] = mapped_column(ForeignKey("state.id", ondelete="RESTRICT"))
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization.id", ondelete="SET NULL")
    )
    role: Mapped[str] = mapped_column(String(12))
    source_column: Mapped[str | None] = mapped_column(String(40))

    exercise: Mapped[Exercise] = relationship(back_populates="participants")


class ExerciseDomain(Base):
    """One domain of an exercise (``vocabulary.DOMAINS``)."""

    __tablename__ = "exercise_domain"
    __table_args__ = (
        UniqueConstraint("exercise_id", "domain"),
        Index("ix_exercise_domain_domain", "domain", "exercise_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"))
    domain: Mapped[str] = mapped_column(String(20))

    exercise: Mapped[Exercise] = relationship(back_populates="domains")
