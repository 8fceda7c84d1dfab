"""Transfers of arms and technology, and the catalogue of what is transferred (ORM only).

One table holds three kinds (``vocabulary.KINDS``): the SIPRI TIV table's yearly totals
(``aggregate``: one supplier, one recipient, one year, the TIV delivered), the deals of
SIPRI's trade registers (``deal``) and transfers recorded on the node (``live``). Imported
rows are public and keep their source, file, line and the source's release; live ones are
seen by the two states and the covering agreement's parties (``policy``). Queries live in
``repository.py``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
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


class TransferItem(Base):
    """An entry of the item catalogue: a system of the MISP ``uavs`` galaxy (source
    ``MISP galaxy uavs``, keyed by the cluster's uuid: origin, manufacturer, operators) or a
    designation of SIPRI's registers (source ``SIPRI``, keyed by designation and
    description). ``same_as_id`` links a SIPRI designation to the galaxy entry it names
    (``catalogue.py`` says how)."""

    __tablename__ = "transfer_item"
    __table_args__ = (UniqueConstraint("source", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(200))
    designation: Mapped[str] = mapped_column(String(200), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(30))
    origin: Mapped[str | None] = mapped_column(String(120))
    origin_state_id: Mapped[int | None] = mapped_column(ForeignKey("state.id", ondelete="SET NULL"))
    manufacturer: Mapped[str | None] = mapped_column(String(200))
    operators: Mapped[list[str]] = mapped_column(JSON, default=list)
    operator_state_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    same_as_id: Mapped[int | None] = mapped_column(
        ForeignKey("transfer_item.id", ondelete="SET NULL"), index=True
    )
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)

    names: Mapped[list[TransferItemName]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="TransferItemName.name"
    )


class TransferItemName(Base):
    """A name an item answers to, normalised (``catalogue.normalise``): a galaxy entry's
    value, the part before its parentheses and each alternative inside them; a SIPRI entry's
    designation. Lookups (live transfers, the registers' links) go through these."""

    __tablename__ = "transfer_item_name"
    __table_args__ = (UniqueConstraint("item_id", "name"), Index("ix_transfer_item_name", "name"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("transfer_item.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))

    item: Mapped[TransferItem] = relationship(back_populates="names")


class Transfer(Base):
    """A transfer from a supplier to a recipient.

    A party is a registry state (``*_state_id``) or, in the record, something that is not
    one (SIPRI's NATO**, Hezbollah (Lebanon)*, "unknown recipient(s)"): the name as the
    source gives it is always kept (``*_name``), with its kind (``vocabulary.PARTY_KINDS``).
    ``year`` is the year the transfer counts in: the TIV table's year, a deal's year of
    order, a live transfer's year of record. ``agreement_id`` is the agreement covering
    ``technology_exchange`` or ``military_aid`` between the two states in that year (live:
    on ``recorded_on``); None flags the transfer as outside any. ``uncertain`` names the
    fields SIPRI marks as uncertain."""

    __tablename__ = "transfer"
    __table_args__ = (
        UniqueConstraint("source", "source_row"),
        Index("ix_transfer_recipient_year", "recipient_state_id", "year"),
        Index("ix_transfer_supplier_year", "supplier_state_id", "year"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), index=True)
    source: Mapped[str] = mapped_column(String(40))
    source_file: Mapped[str | None] = mapped_column(String(120))
    source_row: Mapped[int | None] = mapped_column(Integer)
    source_release: Mapped[str | None] = mapped_column(String(200))
    supplier_state_id: Mapped[int | None] = mapped_column(ForeignKey("state.id"))
    supplier_name: Mapped[str] = mapped_column(String(120))
    supplier_kind: Mapped[str] = mapped_column(String(16))
    recipient_state_id: Mapped[int | None] = mapped_column(ForeignKey("state.id"))
    recipient_name: Mapped[str] = mapped_column(String(120))
    recipient_kind: Mapped[str] = mapped_column(String(16))
    item_id: Mapped[int | None] = mapped_column(
        ForeignKey("transfer_item.id", ondelete="SET NULL"), index=True
    )
    designation: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(300))
    category: Mapped[str | None] = mapped_column(String(30))
    quantity_ordered: Mapped[int | None] = mapped_column(Integer)
    quantity_delivered: Mapped[int | None] = mapped_column(Integer)
    order_year: Mapped[int | None] = mapped_column(Integer)
    delivery_years: Mapped[str | None] = mapped_column(String(300))
    first_delivery: Mapped[int | None] = mapped_column(Integer)
    last_delivery: Mapped[int | None] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer, index=True)
    condition: Mapped[str | None] = mapped_column(String(40))
    comments: Mapped[str | None] = mapped_column(Text)
    tiv_unit: Mapped[float | None] = mapped_column(Float)
    tiv_order: Mapped[float | None] = mapped_column(Float)
    tiv_delivered: Mapped[float | None] = mapped_column(Float)
    uncertain: Mapped[list[str]] = mapped_column(JSON, default=list)
    agreement_id: Mapped[int | None] = mapped_column(
        ForeignKey("agreement.id", ondelete="SET NULL"), index=True
    )
    public: Mapped[bool] = mapped_column(Boolean, index=True)
    status: Mapped[str | None] = mapped_column(String(10))
    status_since: Mapped[date | None] = mapped_column(Date)
    recorded_on: Mapped[date | None] = mapped_column(Date)
    proposed_by_state_id: Mapped[int | None] = mapped_column(ForeignKey("state.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    item: Mapped[TransferItem | None] = relationship()
