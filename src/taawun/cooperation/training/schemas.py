"""Training schemas: what the use cases take in (``ProgrammeCreate``, ``SeatsChange``,
``GraduatesRecord``) and give out (``ProgrammeRead``, ``Ledger``)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

MAX_SEATS = 10_000  # seats one programme offers one guest: far above any real course

# A programme as it is read: ``planned``, ``running`` and ``ended`` are a planned
# programme before, during and after its dates (``ended``: graduates not yet recorded).
PHASES = ("planned", "running", "ended", "completed", "cancelled")


class _Read(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)


class SeatOffer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    guest: str = Field(min_length=1, max_length=120, description="a state: ISO3, name, COW code")
    seats: int = Field(ge=1, le=MAX_SEATS, description="seats offered to that state")


class ProgrammeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    subject: str = Field(min_length=3, max_length=200)
    agreement: str = Field(
        min_length=1,
        max_length=120,
        description="the agreement it falls under, by id or reference (ATOP 6035): in force on "
        "the first day, covering training, with the host and every guest as parties",
    )
    start: date
    end: date = Field(description="the last day (on or after start)")
    offers: list[SeatOffer] = Field(min_length=1, max_length=200)
    host: str | None = Field(
        default=None, max_length=120, description="default: the caller's state"
    )
    location: str | None = Field(default=None, max_length=200)


class SeatsChange(BaseModel):
    """Seats a guest state takes (or gives back). ``guest`` defaults to the caller's state; the
    node operator, who is no state, names it."""

    model_config = ConfigDict(extra="forbid")

    seats: int = Field(ge=1, le=MAX_SEATS)
    guest: str | None = Field(default=None, max_length=120)


class GraduateCount(BaseModel):
    model_config = ConfigDict(extra="forbid")

    guest: str = Field(min_length=1, max_length=120)
    graduates: int = Field(ge=0, le=MAX_SEATS)


class GraduatesRecord(BaseModel):
    """Graduates per guest state; a guest not named graduated nobody (refused if it took
    seats: name it with 0 to say so)."""

    model_config = ConfigDict(extra="forbid")

    graduates: list[GraduateCount] = Field(min_length=1, max_length=200)


class SeatRead(_Read):
    state_id: int
    state: str
    offered: int
    taken: int
    graduates: int | None


class ProgrammeRead(_Read):
    id: str
    subject: str
    location: str | None
    host_id: int
    host: str
    agreement_id: int
    agreement: str | None = Field(description="its reference and title, where the caller sees it")
    start: date
    end: date
    status: str = Field(
        description="planned, running, ended (awaiting graduates), completed, cancelled"
    )
    seats: list[SeatRead]
    offered: int
    taken: int
    graduates: int | None
    created_at: datetime
    updated_at: datetime


class ProgrammePage(_Read):
    items: list[ProgrammeRead]
    total: int
    limit: int
    offset: int


class SeatFigures(_Read):
    """Seats of the programmes one state hosted for another in a window: programmes
    counted, seats offered, taken and (recorded) graduates."""

    programmes: int
    offered: int
    taken: int
    graduates: int


class LedgerRow(_Read):
    """A pair of states as ``a`` sees it: what it hosted for ``b``, what it received from
    ``b``, the balance of taken seats (positive: ``a`` gave more), and whether that is an
    imbalance (``Ledger.rule``)."""

    a_id: int
    a: str
    b_id: int
    b: str
    hosted: SeatFigures
    received: SeatFigures
    balance: int
    total: int
    imbalanced: bool


class Ledger(_Read):
    agreement_id: int | None
    agreement: str | None
    pair: list[str] | None
    start: date | None = Field(description="counted: programmes starting on or after this day")
    end: date | None = Field(description="counted: programmes starting on or before this day")
    threshold: float
    rule: str
    rows: list[LedgerRow]
