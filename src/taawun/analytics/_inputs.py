"""What the user typed into a question, checked: years (one rule: ``in_record``), states
(``registry.service.get_state``) and organisations (``registry.resolve_organization``).

Bad input raises ``InvalidInput`` naming the field (as the CLI's options and the API's
query name it), in one line.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from taawun.analytics.schemas import FIRST_YEAR
from taawun.core.clock import Clock, SystemClock
from taawun.core.errors import InvalidInput, NotFound
from taawun.core.principal import Principal
from taawun.registry import service as registry
from taawun.registry.schemas import StateRead


def today(clock: Clock | None) -> date:
    return (clock or SystemClock()).now().date()


def in_record(value: int, field: str, this_year: int) -> int:
    """A year of the record: from ATOP's first (1815; nothing earlier is held) to this one
    (an agreement in force today is not a fact about 2100)."""
    if not FIRST_YEAR <= value <= this_year:
        raise InvalidInput(
            f"{field}: year {value} is out of range ({FIRST_YEAR}-{this_year})",
            field=field,
            value=value,
        )
    return value


def year(value: int, clock: Clock | None, field: str = "year") -> int:
    """One year of the record (``in_record``), as ``clock`` tells this year."""
    return in_record(value, field, today(clock).year)


def window(
    first: int | None, last: int | None, clock: Clock | None, *, default_first: int = FIRST_YEAR
) -> tuple[int, int]:
    """``first`` (default ``default_first``: 1815) to ``last`` (default this year), both
    within the record (``in_record``; fields ``from`` and ``to``, as the CLI's options and
    the API's query name them), ``first`` not after ``last``."""
    this_year = today(clock).year
    last = this_year if last is None else in_record(last, "to", this_year)
    first = default_first if first is None else in_record(first, "from", this_year)
    if first > last:
        raise InvalidInput(f"from: {first} is after to ({last})", field="from", value=first)
    return first, last


def top(count: int, most: int) -> int:
    """How many rows a ranking shows: 1 to ``most``."""
    if not 1 <= count <= most:
        raise InvalidInput(f"top: between 1 and {most}", field="top", value=count)
    return count


def state(principal: Principal, session: Session, name: str, field: str) -> StateRead:
    """The state ``name`` (name, ISO or COW code); one without a COW code is in no
    dyad-year and is refused."""
    found = registry.get_state(principal, session, name=name, field=field)
    if found.cow_code is None:
        raise InvalidInput(
            f"{field}: {found.name} has no COW code and is in no dyad-year", field=field, value=name
        )
    return found


def organization(session: Session, org: str) -> str:
    """An organisation's key (``OIC``) by key or name; an unknown one is refused."""
    try:
        return registry.resolve_organization(session, org).key
    except NotFound as exc:
        raise InvalidInput(f"org: no organization {org!r}", field="org", value=org) from exc
