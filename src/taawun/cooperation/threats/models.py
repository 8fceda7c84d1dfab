"""The correlation index: one row per distinct value, one per occurrence (docs/architecture.md,
"Cooperation"). Nothing here stores a pair of correlated objects: "shared" is a question
asked at read time, through the release policy, of the occurrences.

- ``threat_value``: a distinct (kind, normal form) (``kinds.py``, ``normalize.py``), with
  whether it is *common* (on a MISP warninglist or an exclusion: ``common``,
  ``common_reason``; a datacenter or VPN range is only a ``note``), judged once two or more
  states hold it (``common`` NULL until then: a value one state holds is no shared threat,
  and where it is shown it is judged as it is read), and how many owner
  agencies and states hold it now (``agencies``, ``states``: kept exact by the indexer,
  never shown, since they count what a reader may not see; the per-value cap is tested
  against ``agencies`` when a question is asked).
- ``threat_occurrence``: the value in the *current* version of an intel object (a new
  version replaces its predecessor's occurrences; a revoked version has none), with the
  version's owner state and agency and ``date_added``. Its key (value, state, agency,
  object) is the order the shared-threat query reads it in, and lets the indexer ask
  "does this agency (state) hold this value already?" with one probe; on SQLite the table
  is clustered by it (``WITHOUT ROWID``). ``multi``: the value is held by two or more
  states; the query starts from the occurrences so flagged of the states it asks about (a
  partial index), a small part of the whole. Deleting the intel row deletes its
  occurrences (``ON DELETE CASCADE``). ``value_id`` has no foreign key: values are never
  deleted, only the indexer writes occurrences, and a key checked per row cost ingest a
  tenth more on PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from taawun.cooperation.threats.kinds import MAX_VALUE
from taawun.storage.base import Base

BigId = BigInteger().with_variant(Integer, "sqlite")


class ThreatValue(Base):
    __tablename__ = "threat_value"
    # The value leads: look-ups give the value (``repository.value_ids``).
    __table_args__ = (UniqueConstraint("value", "kind"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(MAX_VALUE))
    common: Mapped[bool | None] = mapped_column(Boolean, default=None)  # None: not judged
    common_reason: Mapped[str | None] = mapped_column(String(400), default=None)
    note: Mapped[str | None] = mapped_column(String(400), default=None)
    agencies: Mapped[int] = mapped_column(Integer, default=0)
    states: Mapped[int] = mapped_column(Integer, default=0)


class ThreatOccurrence(Base):
    __tablename__ = "threat_occurrence"
    __table_args__ = (
        Index("ix_threat_occurrence_object_seq", "object_seq"),
        Index(
            "ix_threat_occurrence_multi",
            "state_id",
            "value_id",
            sqlite_where=text("multi = 1"),
            postgresql_where=text("multi"),
        ),
        {"sqlite_with_rowid": False},
    )

    value_id: Mapped[int] = mapped_column(BigId, primary_key=True)  # threat_value.id
    state_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    object_seq: Mapped[int] = mapped_column(
        BigId, ForeignKey("intel_object.seq", ondelete="CASCADE"), primary_key=True
    )
    added_us: Mapped[int] = mapped_column(BigInteger)
    multi: Mapped[bool] = mapped_column(Boolean)
