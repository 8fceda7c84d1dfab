"""What transfers look like in and out: ``TransferCreate`` (a live transfer proposed by one
side), ``TransferRead``, the catalogue's ``ItemRead``, and ``AlliesShare`` (the answer to
"how much of a state's arms imports came from its allies")."""

from __future__ import annotations

from datetime import date
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from taawun.cooperation.transfers.vocabulary import CATEGORIES
from taawun.registry.schemas import StateRef

T = TypeVar("T")


class _Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class PartyRead(_Read):
    """A supplier or recipient: a registry state, or the name the record gives something
    that is not one (``kind``: organization, armed_group, entity, unknown)."""

    name: str
    kind: str
    state: StateRef | None = None


class ItemRead(_Read):
    """A catalogue entry (``catalogue.py``): the galaxy's, or a register's designation with
    ``same_as``, the galaxy entry it names."""

    id: int
    source: str
    designation: str
    description: str | None
    category: str | None
    origin: str | None
    origin_state: StateRef | None = None
    manufacturer: str | None
    operators: list[str]
    same_as: ItemRead | None = None


class AgreementRef(_Read):
    id: int
    source: str
    source_id: str
    title: str


class TransferRead(_Read):
    """A transfer. ``flagged``: no agreement covering ``technology_exchange`` or
    ``military_aid`` joined the two states in its year (live: on ``recorded_on``).
    ``uncertain`` names the fields SIPRI marks as uncertain. ``source_row`` is the line of
    ``source_file``; ``status`` is a live transfer's, ``condition`` SIPRI's (New, Second
    hand ...)."""

    id: int
    kind: str
    supplier: PartyRead
    recipient: PartyRead
    designation: str | None
    description: str | None
    category: str | None
    item: ItemRead | None = None
    quantity_ordered: int | None
    quantity_delivered: int | None
    order_year: int | None
    delivery_years: str | None
    year: int
    status: str | None
    status_since: date | None
    recorded_on: date | None
    proposed_by: str | None = None
    condition: str | None
    comments: str | None
    tiv_unit: float | None
    tiv_order: float | None
    tiv_delivered: float | None
    uncertain: list[str]
    agreement: AgreementRef | None = None
    flagged: bool
    public: bool
    source: str
    source_file: str | None
    source_row: int | None
    source_release: str | None


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class TransferCreate(BaseModel):
    """A live transfer, proposed by a liaison or admin of the supplier or of the recipient;
    the other side approves or refuses it. ``item`` is a designation, linked to the
    catalogue where exactly one entry answers to it."""

    model_config = ConfigDict(extra="forbid")

    supplier: str = Field(min_length=1, max_length=120, description="a state")
    recipient: str = Field(min_length=1, max_length=120, description="a state")
    item: str = Field(min_length=1, max_length=200, description="the designation")
    description: str | None = Field(default=None, max_length=300)
    category: str | None = None
    quantity: int | None = Field(default=None, ge=1, le=10_000_000)
    tiv: float | None = Field(default=None, ge=0, le=1_000_000)
    on: date | None = Field(default=None, description="the day it is recorded (default today)")
    public: bool = Field(default=False, description="seen by everyone, once the other side agrees")
    comments: str | None = Field(default=None, max_length=2000)

    @field_validator("category")
    @classmethod
    def _known(cls, value: str | None) -> str | None:
        if value is not None and value not in CATEGORIES:
            raise ValueError(f"unknown category {value!r}; expected one of {', '.join(CATEGORIES)}")
        return value


class DeliveryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quantity: int | None = Field(default=None, ge=0, le=10_000_000)
    on: date | None = None


class YearShare(_Read):
    """One year of a state's arms imports (SIPRI TIV, the TIV table): from states it was
    allied with that year (an agreement with an ATOP obligation in force with both), from
    other states, and from what is no state (organizations, groups, unknown suppliers)."""

    year: int
    total: float
    from_allies: float
    from_others: float
    from_non_states: float
    share: float | None


class SupplierShare(_Read):
    year: int
    supplier: PartyRead
    tiv: float
    allied: bool


class AlliesShare(_Read):
    state: StateRef
    first_year: int | None
    last_year: int | None
    obligations: list[str]
    years: list[YearShare]
    suppliers: list[SupplierShare]
    total: float
    from_allies: float
    share: float | None
    note: str
