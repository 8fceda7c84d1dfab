"""The registry reads analytics needs, each through the registry's confidentiality rule.

Analytics derives its figures from the registry's tables (agreements, their party spells
and domains, states' COW codes). Every statement here goes through ``access.restrict``
with ``registry.policy.AGREEMENTS``, so a confidential agreement a viewer may not see
contributes nothing to anything computed for that viewer; and each uses the registry's
own definitions of "in force during" and "a spell during" a period. Only this module
selects registry tables in ``analytics`` (``tests/test_boundaries.py``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date
from typing import Final, NamedTuple

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from taawun.access.restrict import Action, restrict
from taawun.analytics._dyads import SpellRow
from taawun.core.principal import Principal
from taawun.registry.models import (
    Agreement,
    AgreementDomain,
    AgreementParty,
    Membership,
    Organization,
    State,
    StateSpell,
)
from taawun.registry.periods import Period
from taawun.registry.policy import AGREEMENTS, in_force_during, spell_during


def party_spells(session: Session, principal: Principal, period: Period) -> list[SpellRow]:
    """Every spell, of a state with a COW code, in a visible agreement in force during
    ``period`` and touching it; with the agreement's dates and status and the party's
    member-level obligations."""
    party = aliased(AgreementParty)  # not the policy's own AgreementParty (its subquery)
    stmt = (
        restrict(
            select(
                Agreement.id,
                Agreement.source,
                Agreement.source_id,
                Agreement.status,
                Agreement.in_force,
                Agreement.ended,
                Agreement.status_since,
                party.phase,
                State.cow_code,
                party.entered,
                party.exited,
                party.defense,
                party.offense,
                party.neutral,
                party.nonagg,
                party.consul,
            ),
            principal,
            Action.VIEW,
            policy=AGREEMENTS,
        )
        .join(party, party.agreement_id == Agreement.id)
        .join(State, State.id == party.state_id)
        .where(in_force_during(period), spell_during(party, period), State.cow_code.is_not(None))
    )
    return [
        SpellRow(
            agreement_id=r[0],
            ref=f"{r[1]} {r[2]}",
            status=r[3],
            in_force=r[4],
            ended=r[5],
            status_since=r[6],
            phase=r[7],
            ccode=r[8] or 0,  # never 0: the statement keeps states with a COW code
            entered=r[9],
            exited=r[10],
            owes=(r[11], r[12], r[13], r[14], r[15]),
        )
        for r in session.execute(stmt)
    ]


def agreement_domains(
    session: Session, principal: Principal, period: Period
) -> dict[int, set[str]]:
    """The domains of every visible agreement in force during ``period``."""
    stmt = (
        restrict(
            select(AgreementDomain.agreement_id, AgreementDomain.domain)
            .select_from(AgreementDomain)
            .join(Agreement, Agreement.id == AgreementDomain.agreement_id),
            principal,
            Action.VIEW,
            policy=AGREEMENTS,
        )
    ).where(in_force_during(period))
    found: dict[int, set[str]] = defaultdict(set)
    for agreement_id, domain in session.execute(stmt):
        found[agreement_id].add(domain)
    return dict(found)


def system_members(session: Session, first: int, last: int) -> dict[int, list[int]]:
    """The COW code of every member of the state system (``states2016.csv``, public) in each
    year from ``first`` to ``last``, sorted: a state counts in every year one of its spells
    touches, as COW's state-year lists (and fpsim's ``srs()``, which runs over them) do."""
    stmt = (
        select(State.cow_code, StateSpell.start, StateSpell.end)
        .join(StateSpell, StateSpell.state_id == State.id)
        .where(
            State.cow_code.is_not(None),
            StateSpell.start <= date(last, 12, 31),
            or_(StateSpell.end.is_(None), StateSpell.end >= date(first, 1, 1)),
        )
    )
    years: dict[int, set[int]] = {year: set() for year in range(first, last + 1)}
    for ccode, start, end in session.execute(stmt):
        assert ccode is not None  # the statement keeps states with a COW code
        until = last if end is None else min(end.year, last)
        for year in range(max(start.year, first), until + 1):
            years[year].add(ccode)
    return {year: sorted(found) for year, found in years.items()}


class StateLabel(NamedTuple):
    ccode: int
    abbrev: str
    name: str
    iso3: str | None


def state_labels(session: Session, ccodes: Collection[int] | None = None) -> dict[int, StateLabel]:
    """Names of states by COW code (all states with one when ``ccodes`` is None): the
    registry's public facts."""
    stmt = select(State.cow_code, State.cow_abbr, State.name, State.iso3).where(
        State.cow_code.is_not(None)
    )
    if ccodes is not None:
        stmt = stmt.where(State.cow_code.in_(sorted(set(ccodes))))
    return {
        c: StateLabel(c, abbr or iso3 or str(c), name, iso3)
        for c, abbr, name, iso3 in session.execute(stmt)
        if c is not None
    }


def organization_members(
    session: Session, key: str, first: int, last: int
) -> dict[int, frozenset[int]]:
    """The full members (COW codes) of organization ``key`` (COW IGO ``ioname``: OIC, NATO,
    CSTO, SCO, GCC, LOAS, WPact, ...) in each year from ``first`` to ``last``: public
    facts. An unknown key answers an empty set for every year."""
    stmt = (
        select(State.cow_code, Membership.from_year, Membership.to_year)
        .join(Membership, Membership.state_id == State.id)
        .join(Organization, Organization.id == Membership.organization_id)
        .where(
            Organization.key == key,
            Membership.status == "full",
            State.cow_code.is_not(None),
            Membership.from_year <= last,
            or_(Membership.to_year.is_(None), Membership.to_year >= first),
        )
    )
    years: dict[int, set[int]] = {year: set() for year in range(first, last + 1)}
    for ccode, since, until in session.execute(stmt):
        assert ccode is not None  # the statement keeps states with a COW code
        for year in range(max(since, first), min(last if until is None else until, last) + 1):
            years[year].add(ccode)
    return {year: frozenset(found) for year, found in years.items()}


PROVISIONS: Final = ("intcom", "base", "milaid", "milcon", "organ1", "contrib", "subord")
"""ATOP's agreement-level provisions read for the strength index (codebook 2.4: integrated
command, bases, military aid, policy coordination, an organisation, contributions,
subordination of forces); ``Agreement.terms["atop"]`` holds them as imported."""


def agreement_provisions(
    session: Session, principal: Principal, period: Period
) -> dict[int, dict[str, int]]:
    """ATOP's ``PROVISIONS`` of every visible agreement in force during ``period`` that has
    any (agreements not from ATOP have none)."""
    stmt = restrict(
        select(Agreement.id, Agreement.terms), principal, Action.VIEW, policy=AGREEMENTS
    ).where(in_force_during(period))
    found: dict[int, dict[str, int]] = {}
    for agreement_id, terms in session.execute(stmt):
        atop = (terms or {}).get("atop") or {}
        coded = {k: int(atop[k]) for k in PROVISIONS if isinstance(atop.get(k), int | float)}
        if any(coded.values()):
            found[agreement_id] = coded
    return found


# --- B


def agreement_refs(
    session: Session, principal: Principal, agreement_ids: Collection[int]
) -> dict[int, str]:
    """``source source_id`` (as ``party_spells`` names them) of visible agreements by id."""
    if not agreement_ids:
        return {}
    stmt = restrict(
        select(Agreement.id, Agreement.source, Agreement.source_id),
        principal,
        Action.VIEW,
        policy=AGREEMENTS,
    ).where(Agreement.id.in_(sorted(set(agreement_ids))))
    return {i: f"{source} {source_id}" for i, source, source_id in session.execute(stmt)}
