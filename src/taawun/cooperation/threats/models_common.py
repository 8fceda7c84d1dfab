"""ORM models of the common-value index: the MISP warninglists as loaded into the node, and
the node's own entries (an admin's "this is common" or "this is not").

The lists are loaded once, at ``taawun import`` (``cooperation/importers/warninglists.py``),
into one table per way of matching, so that ingest matches a batch of values with a few
indexed queries and never reads a list file:

- ``common_exact``: a value of one kind, matched whole (a hash, a host name, an e-mail);
- ``common_host``: a host name matched with its subdomains (``google.com`` covers
  ``mail.google.com``), found by looking up every suffix of the value's host;
- ``common_network``: an IPv4 or IPv6 network (an address is a /32 or /128), its network
  address as fixed-width hex; the lists' networks are held by each matching process
  (``_common_networks.py``), which looks up the value masked at each prefix length, and
  the index serves the ranges inside a network value;
- ``common_pattern``: a substring or a regular expression, for the few lists matched so.

A row of these tables comes either from a list (``list_id``) or from a node entry
(``entry_id``), never both, so that the node's entries are matched by the same queries.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy import text as sql
from sqlalchemy.orm import Mapped, mapped_column

from taawun.storage.base import Base

ONE_SOURCE = "(list_id IS NULL) <> (entry_id IS NULL)"  # a list's row or a node entry's
FROM_ENTRY = sql("entry_id IS NOT NULL")  # the few rows of node entries, indexed apart


class CommonList(Base):
    """One MISP warninglist as loaded: what it says a hit means (``effect``: ``common`` or
    ``note``) and whether its hosts hand out subdomains to anyone (``namespace``)."""

    __tablename__ = "common_list"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # the list's folder name
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    match: Mapped[str] = mapped_column(String(12))  # MISP type: string, hostname, cidr, ...
    effect: Mapped[str] = mapped_column(String(8))  # common | note
    namespace: Mapped[bool]
    read: Mapped[int] = mapped_column(Integer)  # entries in its file
    loaded: Mapped[int] = mapped_column(Integer)  # entries that made rows
    merged: Mapped[int] = mapped_column(Integer)  # entries already there once normalised
    rejected: Mapped[int] = mapped_column(Integer)  # entries of no kind it applies to
    sha256: Mapped[str] = mapped_column(String(64))  # of its entries as loaded


class CommonEntry(Base):
    """A node entry made by an admin: ``effect`` ``common`` adds a value (or a host and its
    subdomains, or a network) to the common values; ``allow`` keeps it out of them, over
    any list that says otherwise."""

    __tablename__ = "common_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    scope: Mapped[str] = mapped_column(String(8))  # exact | suffix | network
    value: Mapped[str] = mapped_column(String(512))
    effect: Mapped[str] = mapped_column(String(8))  # common | allow
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(100))

    __table_args__ = (Index("uq_common_entry_key", "scope", "kind", "value", unique=True),)


class CommonExact(Base):
    __tablename__ = "common_exact"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int | None] = mapped_column(ForeignKey("common_list.id", ondelete="CASCADE"))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("common_entry.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(512))

    __table_args__ = (
        CheckConstraint(ONE_SOURCE, name="one_source"),
        Index("ix_common_exact_kind_value", "kind", "value"),
        Index(
            "ix_common_exact_entry_id",
            "entry_id",
            sqlite_where=FROM_ENTRY,
            postgresql_where=FROM_ENTRY,
        ),
    )


class CommonHost(Base):
    __tablename__ = "common_host"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int | None] = mapped_column(ForeignKey("common_list.id", ondelete="CASCADE"))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("common_entry.id", ondelete="CASCADE"))
    host: Mapped[str] = mapped_column(String(255))

    __table_args__ = (
        CheckConstraint(ONE_SOURCE, name="one_source"),
        Index("ix_common_host_host", "host"),
        Index(
            "ix_common_host_entry_id",
            "entry_id",
            sqlite_where=FROM_ENTRY,
            postgresql_where=FROM_ENTRY,
        ),
    )


class CommonNetwork(Base):
    __tablename__ = "common_network"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int | None] = mapped_column(ForeignKey("common_list.id", ondelete="CASCADE"))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("common_entry.id", ondelete="CASCADE"))
    family: Mapped[int] = mapped_column(SmallInteger)  # 4 or 6
    prefix: Mapped[int] = mapped_column(SmallInteger)
    network: Mapped[str] = mapped_column(String(32))  # 8 (IPv4) or 32 (IPv6) hex digits

    __table_args__ = (
        CheckConstraint(ONE_SOURCE, name="one_source"),
        Index("ix_common_network_family_network", "family", "network"),
        Index(
            "ix_common_network_entry_id",
            "entry_id",
            sqlite_where=FROM_ENTRY,
            postgresql_where=FROM_ENTRY,
        ),
    )


class CommonPattern(Base):
    """A substring or regular expression of a list, for values of one kind (few rows: they
    are read for the kinds a batch holds and matched in Python)."""

    __tablename__ = "common_pattern"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("common_list.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    match: Mapped[str] = mapped_column(String(12))  # substring | regex
    pattern: Mapped[str] = mapped_column(String(512))

    __table_args__ = (Index("ix_common_pattern_kind", "kind"),)
