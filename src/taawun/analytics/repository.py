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

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from taawun.access.restrict import Action, restrict
from taawun.analytics._dyads import SpellRow
from taawun.core.principal import Principal
from taawun.registry.models import Agreement, AgreementDomain, AgreementParty, State
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
