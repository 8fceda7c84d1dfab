"""Combined operations: live ones under agreements, and the historical record (Geo-PKO).

ORM only; queries live in ``repository.py``. One table serves both kinds: a live operation
(``source`` ``taawun``) is proposed by a party state of an agreement covering
``combined_operations`` and seen only by that agreement's parties; one from the record
(``source`` ``Geo-PKO``, a UN peacekeeping mission) is public, has no agreement, lead or
proposer, and its contributors per year are in ``operation_deployment``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from taawun.storage.base import Base


class Operation(Base):
    """A combined operation. ``status``: ``proposed``, ``active``, ``concluded``,
    ``cancelled`` for a live one (the rules are ``changes.py``'s), ``recorded`` for one of
    the historical record, whose ``starts``/``ends`` are the first and last month the source
    observed it. The threat is kept as text (a name, and/or a shared-threat value with its
    kind) so it can later be linked to the shared-threat index without depending on it.
    The proposer's user and agency are kept as plain ids, as the audit log keeps its actors.
    """

    __tablename__ = "operation"
    __table_args__ = (UniqueConstraint("source", "source_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    source_id: Mapped[str] = mapped_column(String(60))
    public: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), index=True)
    status_since: Mapped[datetime]
    status_reason: Mapped[str | None] = mapped_column(Text)
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreement.id"), index=True)
    lead_state_id: Mapped[int | None] = mapped_column(ForeignKey("state.id"))
    proposer_state_id: Mapped[int | None] = mapped_column(ForeignKey("state.id"))
    proposer_user_id: Mapped[int | None] = mapped_column(Integer)
    proposer_agency_id: Mapped[int | None] = mapped_column(Integer)
    threat_name: Mapped[str | None] = mapped_column(String(200))
    threat_kind: Mapped[str | None] = mapped_column(String(40))
    threat_value: Mapped[str | None] = mapped_column(Text)
    area: Mapped[str | None] = mapped_column(Text)
    starts: Mapped[date | None] = mapped_column(Date)
    ends: Mapped[date | None] = mapped_column(Date)
    after_action: Mapped[str | None] = mapped_column(Text)
    observed_through: Mapped[date | None] = mapped_column(Date)
    source_rows: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class OperationState(Base):
    """A party state's answer to a live operation: ``joined`` or ``declined``, by whom and
    when. A party that has not answered has no row (it is ``awaiting``)."""

    __tablename__ = "operation_state"
    __table_args__ = (Index("ix_operation_state_state", "state_id", "operation_id"),)

    operation_id: Mapped[int] = mapped_column(
        ForeignKey("operation.id", ondelete="CASCADE"), primary_key=True
    )
    state_id: Mapped[int] = mapped_column(ForeignKey("state.id"), primary_key=True)
    response: Mapped[str] = mapped_column(String(10))
    decided_by_user_id: Mapped[int | None] = mapped_column(Integer)
    decided_by_agency_id: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[datetime]


class OperationTask(Base):
    """A task or phase of a live operation, with its dates and the state carrying it out."""

    __tablename__ = "operation_task"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    operation_id: Mapped[int] = mapped_column(
        ForeignKey("operation.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    state_id: Mapped[int | None] = mapped_column(ForeignKey("state.id"))
    starts: Mapped[date | None] = mapped_column(Date)
    ends: Mapped[date | None] = mapped_column(Date)
    added_by_state_id: Mapped[int] = mapped_column(ForeignKey("state.id"))
    created_at: Mapped[datetime]


class OperationIntel(Base):
    """A STIX object linked to a live operation. Only the id is kept: each reader is shown
    the objects the release policy lets it read, at the time it reads."""

    __tablename__ = "operation_intel"

    operation_id: Mapped[int] = mapped_column(
        ForeignKey("operation.id", ondelete="CASCADE"), primary_key=True
    )
    stix_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    linked_by_state_id: Mapped[int] = mapped_column(ForeignKey("state.id"))
    linked_by_user_id: Mapped[int | None] = mapped_column(Integer)
    linked_at: Mapped[datetime]


class OperationDeployment(Base):
    """A state's contribution to an operation of the record in one year (Geo-PKO).

    ``records``: source rows (deployment-location-map records) naming the state that year;
    ``maps``: distinct maps (year and month) among them; ``records_with_troops``: those that
    give a troop number. ``troops_peak``: the largest number of the state's troops drawn on
    any one map of that year (its numbers summed over the map's locations); Geo-PKO's
    numbers are what the UN deployment maps show, not official contribution totals, and
    where a record gives none the sum is a lower bound. None when no record gives one."""

    __tablename__ = "operation_deployment"
    __table_args__ = (
        UniqueConstraint("operation_id", "state_id", "year"),
        Index("ix_operation_deployment_state", "state_id", "year"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operation.id", ondelete="CASCADE"))
    state_id: Mapped[int] = mapped_column(ForeignKey("state.id"))
    year: Mapped[int] = mapped_column(Integer)
    records: Mapped[int] = mapped_column(Integer)
    maps: Mapped[int] = mapped_column(Integer)
    records_with_troops: Mapped[int] = mapped_column(Integer)
    troops_peak: Mapped[int | None] = mapped_column(Integer)
