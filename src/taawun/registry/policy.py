"""Who sees and changes which agreement: the registry's one access rule.

Public agreements (every imported treaty) are seen by everyone. A
confidential agreement's existence, title, parties and terms are seen only by
users whose agency's state is one of its parties, in every query: the rule is
a SQL criterion applied by ``access.restrict`` in ``registry/repository.py``,
so lists, counts, dyads, partners and profiles all obey it. Changing an
agreement needs an admin who can see it, or a liaison of a party state; what
each of them may then do is the consent rule below.

Consent (``ConsentPolicy``): a user acts on an agreement for their state, as a liaison or
admin of one of its agencies, and only while that state is a current party (or, for a
proposal, a state the proposal would add). A proposal (``ProposalPolicy``) is seen only by
users of the states it concerns; the node itself (a system principal) sees every one.

It also holds the registry's definitions that other rules are built on, each written once
(as a SQL builder, with a plain-Python twin where Python code asks the same question):

- when an agreement is in force on a day (``in_force_on``, ``is_in_force_on``): status
  ``in_force``, its in-force date on or before the day, and ``ended`` unset or on or after
  the day (``ended`` is the last day in force, as ATOP's end date is);
- when a party spell covers a day (``spell_covers``, ``spell_covers_day``): ``entered``
  and ``exited`` are the first and last days of the spell, unset meaning unbounded;
- when an agreement was in force during a period of history (``in_force_during``), the
  question registry searches ask (``?in_force=1960``): the same dates, but any status the
  agreement may have reached since, except never having entered into force; and the same
  for a year that is a column of another query (``in_force_in_year``, ``spell_in_year``);
- the registry's half of the release policy (``sharing_grant``, ``reader_grants``);
- a party's *current* spells (``current_party_states``): those not ended before the day.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Protocol

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    cast,
    exists,
    extract,
    false,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import InstrumentedAttribute, aliased

from taawun.access.restrict import Action
from taawun.core.principal import Principal, Role
from taawun.registry.models import (
    Agreement,
    AgreementDomain,
    AgreementParty,
    AgreementProposal,
    ProposalParty,
)
from taawun.registry.periods import Period
from taawun.registry.vocabulary import NEVER_IN_FORCE

SHARING_DOMAIN = "intelligence_sharing"
IN_FORCE = "in_force"
IntColumn = ColumnElement[int] | InstrumentedAttribute[int]
# A column of another query, possibly empty (a transfer's supplier that is no state).
AnyIntColumn = IntColumn | ColumnElement[int | None] | InstrumentedAttribute[int | None]
# A day in SQL: a date, or an expression standing for one (a bound parameter).
Day = date | ColumnElement[date]


def _party_of(principal: Principal) -> ColumnElement[bool]:
    if principal.state_id is None:
        return false()
    return exists(
        select(AgreementParty.id).where(
            AgreementParty.agreement_id == Agreement.id,
            AgreementParty.state_id == principal.state_id,
        )
    )


class AgreementPolicy:
    @staticmethod
    def view_key(principal: Principal) -> tuple[bool, int | None]:
        """All of a principal that ``criterion(principal, Action.VIEW)`` depends on: two
        principals with the same key see the same agreements, so what they read may be
        cached under it (``repository.under_revision``). Kept next to the criterion, and
        tested against it (``tests/access/test_registry_policy.py``)."""
        return (principal.system, principal.state_id)

    def criterion(self, principal: Principal, action: Action) -> ColumnElement[bool]:
        if principal.system:
            return true()
        visible = or_(Agreement.confidential.is_(False), _party_of(principal))
        if action is Action.VIEW:
            return visible
        if principal.role is Role.ADMIN:
            return visible
        if principal.role is Role.LIAISON:
            return _party_of(principal)
        return false()

    @staticmethod
    def may_change_membership(principal: Principal, state_id: int) -> bool:
        if principal.system or principal.role is Role.ADMIN:
            return True
        return principal.role is Role.LIAISON and principal.state_id == state_id


class ProposalPolicy:
    """Who sees a proposal: users (of any role) of a state it concerns, the parties of its
    agreement and the states it would add; the node itself sees every one. Deciding needs
    more (``ConsentPolicy``), but never less: a proposal a user may not see answers as a
    missing one does."""

    def criterion(self, principal: Principal, action: Action) -> ColumnElement[bool]:
        if principal.system:
            return true()
        if principal.state_id is None:
            return false()
        return exists(
            select(ProposalParty.proposal_id).where(
                ProposalParty.proposal_id == AgreementProposal.id,
                ProposalParty.state_id == principal.state_id,
            )
        )


class ConsentPolicy:
    """Who may take which step of consent (the rule of ``registry/changes.py``).

    A user acts for a state: their agency's, as its liaison or admin, while it is a current
    party. Analysts and viewers take no step. An admin of a state that is no party may only
    suspend (for the node, whose suspension every party must then accept to lift). The node
    itself (a system principal: importers, the operator at the shell) acts directly and is
    no state: it records, changes and ends agreements without proposals, and neither accepts
    nor declines for anyone."""

    @staticmethod
    def acts_for(principal: Principal, state_ids: Iterable[int]) -> int | None:
        """The state among ``state_ids`` that ``principal`` acts for, if any."""
        if principal.system or principal.role not in (Role.LIAISON, Role.ADMIN):
            return None
        return principal.state_id if principal.state_id in set(state_ids) else None

    @staticmethod
    def may_suspend_for_the_node(principal: Principal) -> bool:
        return principal.system or principal.role is Role.ADMIN


def current_party_states(spells: Iterable[tuple[int, date | None]], day: date) -> set[int]:
    """The states with a spell (state, ``exited``) not ended before ``day``: the parties that
    decide for the agreement now (a spell yet to begin counts: a proposed agreement's)."""
    return {state for state, exited in spells if exited is None or exited >= day}


# --- in force, and party spells -----------------------------------------------------------


def _dates_reach(first: Day, last: Day) -> ColumnElement[bool]:
    """The agreement's in-force dates (from ``in_force`` to ``ended``, both included) reach
    some day from ``first`` to ``last``."""
    return and_(
        Agreement.in_force.is_not(None),
        Agreement.in_force <= last,
        or_(Agreement.ended.is_(None), Agreement.ended >= first),
    )


def in_force_on(day: Day) -> ColumnElement[bool]:
    """SQL, on rows of ``Agreement``: in force on ``day``, by status and dates. The status is
    the agreement's current one: suspending or ending it takes effect at once."""
    return and_(Agreement.status == IN_FORCE, _dates_reach(day, day))


class InForceFacts(Protocol):
    """What ``is_in_force_on`` reads: an ``AgreementRead``/``AgreementSummary``, or test facts."""

    @property
    def status(self) -> str: ...
    @property
    def in_force(self) -> date | None: ...
    @property
    def ended(self) -> date | None: ...


def is_in_force_on(agreement: InForceFacts, day: date) -> bool:
    """``in_force_on`` in plain Python, for an agreement already read."""
    return (
        agreement.status == IN_FORCE
        and agreement.in_force is not None
        and agreement.in_force <= day
        and (agreement.ended is None or agreement.ended >= day)
    )


def in_force_during(period: Period) -> ColumnElement[bool]:
    """SQL, on rows of ``Agreement``: in force on some day of ``period`` as far as the record
    shows, for questions about history (searches by year, partners, profiles). Unlike
    ``in_force_on`` it cannot ask for status ``in_force``: the status is today's, and an
    alliance that ended in 1979 (``terminated``/``expired``) was in force in 1960. So: its
    dates reach the period, it entered into force (not ``proposed``, ``declined`` or
    ``withdrawn``), and if it is suspended,
    the suspension (``status_since``) came after the period began."""
    return and_(
        _dates_reach(period.start, period.end),
        Agreement.status.not_in(NEVER_IN_FORCE),
        or_(Agreement.status != "suspended", Agreement.status_since > period.start),
    )


def _year(day: ColumnElement[date] | InstrumentedAttribute[date | None]) -> ColumnElement[int]:
    return cast(extract("year", day), Integer)


def in_force_in_year(year: AnyIntColumn) -> ColumnElement[bool]:
    """``in_force_during(Period.year(y))`` for a year that is a SQL expression (a column of
    the caller's rows: a transfer's year), so one query asks it of every row. The same
    conditions, each read on the dates' years; a suspension counts from its day, as there."""
    since = Agreement.status_since
    month, day = cast(extract("month", since), Integer), cast(extract("day", since), Integer)
    after_new_year = or_(_year(since) > year, and_(_year(since) == year, or_(month > 1, day > 1)))
    return and_(
        Agreement.in_force.is_not(None),
        _year(Agreement.in_force) <= year,
        or_(Agreement.ended.is_(None), _year(Agreement.ended) >= year),
        Agreement.status.not_in(NEVER_IN_FORCE),
        or_(Agreement.status != "suspended", after_new_year),
    )


def spell_in_year(party: type[AgreementParty], year: AnyIntColumn) -> ColumnElement[bool]:
    """``spell_during(party, Period.year(y))`` for a year that is a SQL expression."""
    return and_(
        or_(party.entered.is_(None), _year(party.entered) <= year),
        or_(party.exited.is_(None), _year(party.exited) >= year),
    )


class YearFacts(Protocol):
    """What ``years_in_force`` reads of an agreement."""

    @property
    def status(self) -> str: ...
    @property
    def status_since(self) -> date | None: ...
    @property
    def in_force(self) -> date | None: ...
    @property
    def ended(self) -> date | None: ...


Years = tuple[int, int | None]  # first and last year; None: no last year yet


def years_in_force(agreement: YearFacts) -> Years | None:
    """``in_force_in_year`` in plain Python, as the run of years it holds for (None: no
    year): from the in-force date's year to the end's, cut at a suspension's day."""
    if agreement.in_force is None or agreement.status in NEVER_IN_FORCE:
        return None
    first = agreement.in_force.year
    last = agreement.ended.year if agreement.ended is not None else None
    if agreement.status == "suspended":
        since = agreement.status_since
        if since is None:
            return None
        cut = since.year if (since.month, since.day) > (1, 1) else since.year - 1
        last = cut if last is None else min(last, cut)
    return None if last is not None and last < first else (first, last)


def spell_years(entered: date | None, exited: date | None) -> tuple[int | None, int | None]:
    """``spell_in_year`` in plain Python: the spell's first and last year (None: unbounded)."""
    return (
        None if entered is None else entered.year,
        None if exited is None else exited.year,
    )


def _spell_reaches(party: type[AgreementParty], first: Day, last: Day) -> ColumnElement[bool]:
    return and_(
        or_(party.entered.is_(None), party.entered <= last),
        or_(party.exited.is_(None), party.exited >= first),
    )


def spell_covers(party: type[AgreementParty], day: Day) -> ColumnElement[bool]:
    """SQL, on rows of ``party`` (``AgreementParty`` or an alias): the spell covers ``day``."""
    return _spell_reaches(party, day, day)


def spell_during(party: type[AgreementParty], period: Period) -> ColumnElement[bool]:
    """SQL: the spell covers some day of ``period``."""
    return _spell_reaches(party, period.start, period.end)


def spell_covers_day(entered: date | None, exited: date | None, day: date) -> bool:
    """``spell_covers`` in plain Python."""
    return (entered is None or entered <= day) and (exited is None or exited >= day)


def party_at(agreement_id: IntColumn, state: IntColumn | int, day: Day) -> ColumnElement[bool]:
    """SQL: ``state`` is a party of the agreement on ``day`` (some spell of its covers it)."""
    party = aliased(AgreementParty)
    return exists(
        select(party.id)
        .where(
            party.agreement_id == agreement_id,
            party.state_id == state,
            spell_covers(party, day),
        )
        .correlate_except(party)
    )


# --- the registry's half of the release policy ------------------------------------------


def sharing_ceiling() -> ColumnElement[int]:
    """SQL: the agreement's sharing ceiling; none means UNCLASSIFIED."""
    return func.coalesce(Agreement.sharing_ceiling, 0)


def shares_on(day: Day) -> ColumnElement[bool]:
    """SQL, on rows of ``Agreement``: in force on ``day`` and covering intelligence_sharing."""
    return and_(
        in_force_on(day),
        exists(
            select(AgreementDomain.id)
            .where(
                AgreementDomain.agreement_id == Agreement.id,
                AgreementDomain.domain == SHARING_DOMAIN,
            )
            .correlate_except(AgreementDomain)
        ),
    )


def reader_grants(
    reader: type[AgreementParty],
    party: type[AgreementParty],
    *,
    reader_state: IntColumn | int,
    day: Day,
) -> ColumnElement[bool]:
    """SQL, for the reader's sharing grants (``repository.sharing_grants``): on rows of
    ``Agreement`` joined with two of its party spells, ``reader``'s and ``party``'s, the
    agreement shares on ``day``, ``reader`` is a spell of ``reader_state`` covering the day,
    and ``party``'s spell covers the day too: so ``party.state_id`` is a state whose releases
    under the agreement ``reader_state`` may read then, up to ``sharing_ceiling()``."""
    return and_(
        reader.state_id == reader_state,
        shares_on(day),
        spell_covers(reader, day),
        spell_covers(party, day),
    )


def sharing_grant(
    agreement_id: IntColumn,
    *,
    reader_state: int,
    owner_state: IntColumn,
    classification: IntColumn,
    day: date,
) -> ColumnElement[bool]:
    """SQL: the agreement ``agreement_id`` lets ``reader_state`` read, on ``day``, what
    ``owner_state`` released under it at ``classification``: it is in force (status and
    dates), covers intelligence_sharing, its ceiling (none: UNCLASSIFIED) is not below the
    classification, and both states are parties on that day. The registry's half of the
    release policy (``intel/policy.py``), kept here because it reads registry tables."""
    return exists(
        select(Agreement.id)
        .where(
            Agreement.id == agreement_id,
            shares_on(day),
            classification <= sharing_ceiling(),
            party_at(Agreement.id, reader_state, day),
            party_at(Agreement.id, owner_state, day),
        )
        # Correlate every outer table (the caller's intel rows) explicitly: auto-correlation
        # only looks one level up, and would otherwise cross-join them in here.
        .correlate_except(Agreement)
    )


def visible_to(
    agreement_confidential: bool, party_state_ids: set[int], principal: Principal
) -> bool:
    """The same rule in plain Python, for tests that compare it with the SQL form."""
    if principal.system or not agreement_confidential:
        return True
    return principal.state_id is not None and principal.state_id in party_state_ids


AGREEMENTS = AgreementPolicy()
PROPOSALS = ProposalPolicy()
CONSENT = ConsentPolicy()

__all__ = [
    "AGREEMENTS",
    "CONSENT",
    "PROPOSALS",
    "SHARING_DOMAIN",
    "AgreementPolicy",
    "ConsentPolicy",
    "ProposalPolicy",
    "current_party_states",
    "in_force_during",
    "in_force_in_year",
    "in_force_on",
    "is_in_force_on",
    "party_at",
    "reader_grants",
    "shares_on",
    "sharing_ceiling",
    "sharing_grant",
    "spell_covers",
    "spell_covers_day",
    "spell_during",
    "spell_in_year",
    "spell_years",
    "visible_to",
    "years_in_force",
]
