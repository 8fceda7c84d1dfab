"""Registry tables: states, organizations, memberships, agreements and their parties.

ORM only; queries live in ``repository.py``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from taawun.storage.base import Base


class State(Base):
    """A sovereign state, keyed for users by its COW code and ISO 3166 codes."""

    __tablename__ = "state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cow_code: Mapped[int | None] = mapped_column(Integer, unique=True)
    cow_abbr: Mapped[str | None] = mapped_column(String(3))
    name: Mapped[str] = mapped_column(String(120))
    iso2: Mapped[str | None] = mapped_column(String(2), unique=True)
    iso3: Mapped[str | None] = mapped_column(String(3), unique=True)
    name_pattern: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)

    spells: Mapped[list[StateSpell]] = relationship(
        back_populates="state", order_by="StateSpell.start"
    )


class StateSpell(Base):
    """A period of membership in the COW state system (states2016.csv)."""

    __tablename__ = "state_spell"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    state_id: Mapped[int] = mapped_column(ForeignKey("state.id", ondelete="CASCADE"), index=True)
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date | None] = mapped_column(Date)

    state: Mapped[State] = relationship(back_populates="spells")


class Organization(Base):
    """A multilateral body (OIC, GCC, NATO, ...), keyed by its COW IGO ``ioname``."""

    __tablename__ = "organization"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    long_name: Mapped[str | None] = mapped_column(String(300))
    founded_year: Mapped[int | None] = mapped_column(Integer)
    dissolved_year: Mapped[int | None] = mapped_column(Integer)
    observed_through: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(200))
    source_id: Mapped[str | None] = mapped_column(String(40))

    names: Mapped[list[OrganizationName]] = relationship(
        back_populates="organization", order_by="OrganizationName.valid_from"
    )


class OrganizationName(Base):
    """A name an organization bears or bore, over the days it was in use (curated, with its
    source). ``valid_to`` is the last day of use; None marks the current name, which is also
    ``Organization.name``. Lookups by name answer to every one of them."""

    __tablename__ = "organization_name"
    __table_args__ = (UniqueConstraint("organization_id", "name", "valid_from"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(200))

    organization: Mapped[Organization] = relationship(back_populates="names")


class Membership(Base):
    """A state in an organization over a run of years; ``to_year`` None means ongoing.

    COW IGO codes memberships by year. When a source gives the exact days (a curated
    suspension), ``from_date``/``to_date`` hold the first and last day, in ``from_year``/
    ``to_year``; a question about a date then tells the two statuses of that year apart.
    """

    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("organization_id", "state_id", "status", "from_year"),
        Index("ix_membership_state_org", "state_id", "organization_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    state_id: Mapped[int] = mapped_column(ForeignKey("state.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12))
    from_year: Mapped[int] = mapped_column(Integer)
    to_year: Mapped[int | None] = mapped_column(Integer)
    from_date: Mapped[date | None] = mapped_column(Date)
    to_date: Mapped[date | None] = mapped_column(Date)
    observed_through: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(200))

    organization: Mapped[Organization] = relationship()
    state: Mapped[State] = relationship()


class Agreement(Base):
    """A formal security partnership, imported (ATOP, curated) or recorded by users."""

    __tablename__ = "agreement"
    __table_args__ = (UniqueConstraint("source", "source_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(400), index=True)
    source: Mapped[str] = mapped_column(String(40))
    source_id: Mapped[str] = mapped_column(String(60))
    signed: Mapped[date | None] = mapped_column(Date)
    in_force: Mapped[date | None] = mapped_column(Date, index=True)
    ended: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), index=True)
    status_since: Mapped[date | None] = mapped_column(Date)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    sharing_ceiling: Mapped[int | None] = mapped_column(Integer)
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization.id", ondelete="SET NULL"), index=True
    )
    observed_through: Mapped[date | None] = mapped_column(Date)
    terms: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    citation: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # An implementing arrangement names the agreement it implements (its parties are some of
    # the parent's); None for every other agreement.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agreement.id"), index=True)
    # Who suspended it, while ``suspended``: a party state, or None for the node (its admin or
    # operator), whose suspension every party must accept to lift.
    suspended_by_state_id: Mapped[int | None] = mapped_column(ForeignKey("state.id"))

    domains: Mapped[list[AgreementDomain]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan", order_by="AgreementDomain.domain"
    )
    parties: Mapped[list[AgreementParty]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan", order_by="AgreementParty.id"
    )
    phases: Mapped[list[AgreementPhase]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan", order_by="AgreementPhase.phase"
    )
    organization: Mapped[Organization | None] = relationship()


class AgreementDomain(Base):
    """One domain an agreement covers, with that domain's own terms."""

    __tablename__ = "agreement_domain"
    __table_args__ = (
        UniqueConstraint("agreement_id", "domain"),
        Index("ix_agreement_domain_domain", "domain", "agreement_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"))
    domain: Mapped[str] = mapped_column(String(30))
    terms: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    agreement: Mapped[Agreement] = relationship(back_populates="domains")


class AgreementPhase(Base):
    """A phase of an ATOP alliance (atop5_1aph.csv): dates and provisions that changed."""

    __tablename__ = "agreement_phase"
    __table_args__ = (UniqueConstraint("agreement_id", "phase"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"))
    phase: Mapped[int] = mapped_column(Integer)
    source_id: Mapped[str] = mapped_column(String(60))
    begins: Mapped[date | None] = mapped_column(Date)
    ends: Mapped[date | None] = mapped_column(Date)
    terms: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    agreement: Mapped[Agreement] = relationship(back_populates="phases")


class AgreementParty(Base):
    """A state's part in an agreement over one spell (one ATOP member row).

    The obligations the party itself undertakes during the spell toward the other parties
    (ATOP 5.1 member level, codebook section 2.33: ``defense``, ``offense``, ``neutral``,
    ``nonagg``, ``consul``, each marked (M), may differ between members: a guarantor owes
    defence, the guaranteed state may owe nothing). ``obligations_vary`` is ATOP's
    ``OBVARY``: the party owes them to some partners and not others, which the member file
    does not say. None in all six: not coded per member (curated agreements, agreements
    recorded on the node): every party owes what the agreement's domains say
    (``mutual_defense`` → defence, ``offense``, ``neutrality``, ``non_aggression``,
    ``consultation``), which is how the dyad-years of ``analytics`` read them."""

    __tablename__ = "agreement_party"
    __table_args__ = (
        Index("ix_agreement_party_state", "state_id", "agreement_id"),
        Index("ix_agreement_party_agreement", "agreement_id", "state_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"))
    state_id: Mapped[int] = mapped_column(ForeignKey("state.id", ondelete="RESTRICT"))
    phase: Mapped[int] = mapped_column(Integer, default=0)
    entered: Mapped[date | None] = mapped_column(Date)
    exited: Mapped[date | None] = mapped_column(Date)
    source_row: Mapped[int | None] = mapped_column(Integer)
    defense: Mapped[bool | None] = mapped_column(Boolean)
    offense: Mapped[bool | None] = mapped_column(Boolean)
    neutral: Mapped[bool | None] = mapped_column(Boolean)
    nonagg: Mapped[bool | None] = mapped_column(Boolean)
    consul: Mapped[bool | None] = mapped_column(Boolean)
    obligations_vary: Mapped[bool | None] = mapped_column(Boolean)

    agreement: Mapped[Agreement] = relationship(back_populates="parties")
    state: Mapped[State] = relationship()


class AgreementProposal(Base):
    """A step that needs the consent of states: an agreement to enter into force (``record``),
    a change that widens one (``amend``: ``changes`` holds the new values, ``base`` the values
    they replace, as they were when proposed), or a suspension to lift (``resume``).

    ``status`` is ``open`` until every required party accepted (``accepted``, and the step is
    taken), one declined (``declined``) or the proposer withdrew it (``withdrawn``). At most
    one proposal of an agreement is open (a partial unique index). The proposer's user and
    agency are kept as plain ids, as the audit log keeps its actors."""

    __tablename__ = "agreement_proposal"
    __table_args__ = (
        Index(
            "uq_agreement_proposal_open",
            "agreement_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("agreement.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(12))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    base: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(12), index=True)
    proposer_user_id: Mapped[int | None] = mapped_column(Integer)
    proposer_agency_id: Mapped[int | None] = mapped_column(Integer)
    proposer_state_id: Mapped[int] = mapped_column(ForeignKey("state.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]

    agreement: Mapped[Agreement] = relationship()
    proposer_state: Mapped[State] = relationship()
    parties: Mapped[list[ProposalParty]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="ProposalParty.state_id"
    )


class ProposalParty(Base):
    """A state a proposal concerns: every party of the agreement, and each state it would add.
    ``required``: the proposal takes effect only once this state accepted (a resumption needs
    only the state that suspended). ``decision`` stays None until a liaison or admin of the
    state decides."""

    __tablename__ = "proposal_party"
    __table_args__ = (Index("ix_proposal_party_state", "state_id", "proposal_id"),)

    proposal_id: Mapped[str] = mapped_column(
        ForeignKey("agreement_proposal.id", ondelete="CASCADE"), primary_key=True
    )
    state_id: Mapped[int] = mapped_column(
        ForeignKey("state.id", ondelete="RESTRICT"), primary_key=True
    )
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    decision: Mapped[str | None] = mapped_column(String(10))
    decided_by: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[datetime | None]

    proposal: Mapped[AgreementProposal] = relationship(back_populates="parties")
    state: Mapped[State] = relationship()


class DataSource(Base):
    """One imported dataset file set: what was read, its checksum, when."""

    __tablename__ = "data_source"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    citation: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    observed_through: Mapped[date | None] = mapped_column(Date)
    imported_at: Mapped[datetime]


class RegistryRevision(Base):
    """One row whose ``revision`` changes (to a new random value) whenever an agreement, its
    parties or its domains change, by database triggers (migration 0003), whoever writes:
    what is computed from those tables (the readers' sharing grants) can be cached under it."""

    __tablename__ = "registry_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(BigInteger)
