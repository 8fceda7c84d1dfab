"""Intel tables: STIX 2.1 object versions with their markings, and TAXII status resources.

One row per object *version* (STIX 2.1 §3.6: an object's id plus its
``modified``). Times are integers of microseconds since the epoch so that
ordering, ``added_after`` and version matching are exact on every backend;
``body`` holds the object's JSON exactly as served.

``intel_reference`` indexes the other direction of a reference: which current object
versions refer to a STIX id (``_references.py`` says which properties and why only current
versions).

``release_ids`` repeats the version's release list (``intel_release``, which stays the
source of truth) on the row, sorted: PostgreSQL's release policy tests it with one array
overlap instead of probing ``intel_release`` per row (``intel/policy.py``). Only
``intel/repository.py``'s writers set it, in the transaction that writes ``intel_release``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from taawun.storage.base import Base

BigId = BigInteger().with_variant(Integer, "sqlite")
# INTEGER[] on PostgreSQL; elsewhere (SQLite) a JSON list that no query reads.
AgreementIds = JSON().with_variant(postgresql.ARRAY(Integer), "postgresql")


class IntelObject(Base):
    __tablename__ = "intel_object"
    __table_args__ = (
        UniqueConstraint("owner_agency_id", "stix_id", "version_us"),
        Index("ix_intel_object_owner_added", "owner_agency_id", "added_us"),
        Index("ix_intel_object_type_added", "type", "added_us"),
        Index("ix_intel_object_stix_version", "stix_id", "version_us"),
    )

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    stix_id: Mapped[str] = mapped_column(String(120))
    type: Mapped[str] = mapped_column(String(60))
    spec_version: Mapped[str] = mapped_column(String(8))
    created_us: Mapped[int] = mapped_column(BigInteger)
    version_us: Mapped[int] = mapped_column(BigInteger)
    added_us: Mapped[int] = mapped_column(BigInteger, unique=True)
    is_first: Mapped[bool] = mapped_column(Boolean)
    is_last: Mapped[bool] = mapped_column(Boolean)
    owner_agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id", ondelete="RESTRICT"))
    owner_state_id: Mapped[int] = mapped_column(ForeignKey("state.id", ondelete="RESTRICT"))
    tlp: Mapped[int] = mapped_column(SmallInteger)
    classification: Mapped[int] = mapped_column(SmallInteger)
    released_to_all: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    label: Mapped[str] = mapped_column(String(400), default="")
    body: Mapped[bytes] = mapped_column(LargeBinary)
    release_ids: Mapped[list[int]] = mapped_column(AgreementIds, default=list, deferred=True)


class IntelRelease(Base):
    """An object version released under an agreement (the owner's release list)."""

    __tablename__ = "intel_release"
    __table_args__ = (Index("ix_intel_release_agreement", "agreement_id", "object_seq"),)

    object_seq: Mapped[int] = mapped_column(
        BigId, ForeignKey("intel_object.seq", ondelete="CASCADE"), primary_key=True
    )
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreement.id", ondelete="RESTRICT"), primary_key=True
    )


class IntelRecipient(Base):
    """A named recipient agency of a TLP:RED object version."""

    __tablename__ = "intel_recipient"

    object_seq: Mapped[int] = mapped_column(
        BigId, ForeignKey("intel_object.seq", ondelete="CASCADE"), primary_key=True
    )
    agency_id: Mapped[int] = mapped_column(
        ForeignKey("agency.id", ondelete="RESTRICT"), primary_key=True
    )


class IntelReference(Base):
    """One reference of an object's current version to a STIX id, by the property that makes
    it (``source_ref``, ``object_refs``...): the rows "who refers to ``ref_id``" reads,
    clustered by their key in that order (``WITHOUT ROWID`` on SQLite). Written and replaced
    by ``_ingest.store``; deleted with the version (ON DELETE CASCADE)."""

    __tablename__ = "intel_reference"
    __table_args__ = (
        Index("ix_intel_reference_object_seq", "object_seq"),
        {"sqlite_with_rowid": False},
    )

    ref_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    object_seq: Mapped[int] = mapped_column(
        BigId, ForeignKey("intel_object.seq", ondelete="CASCADE"), primary_key=True
    )
    property: Mapped[str] = mapped_column(String(40), primary_key=True)


class TaxiiStatus(Base):
    """A TAXII 2.1 status resource (§4.3): the outcome of one POST of objects."""

    __tablename__ = "taxii_status"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    agency_id: Mapped[int] = mapped_column(Integer)
    collection: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(12))
    request_timestamp: Mapped[datetime]
    total_count: Mapped[int] = mapped_column(Integer)
    success_count: Mapped[int] = mapped_column(Integer)
    failure_count: Mapped[int] = mapped_column(Integer)
    pending_count: Mapped[int] = mapped_column(Integer)
    successes: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    failures: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    pendings: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
