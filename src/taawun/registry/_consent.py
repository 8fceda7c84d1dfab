"""The mechanics of consent, for the registry's writes (``changes.py``, ``lifecycle.py``,
``decisions.py``): which changes widen an agreement, the proposals that carry them, and the
step a proposal takes once every state it needs has accepted. Who may take which step, and
the audit entries, are in those modules and ``_proposals.py``.

Proposals keep values as JSON (dates as ISO strings, a ceiling by name, parties by state
id), as the ``changes`` and ``base`` columns store them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from taawun.core.errors import InvalidInput
from taawun.core.ids import IdFactory
from taawun.core.principal import Clearance, Principal
from taawun.registry.models import (
    Agreement,
    AgreementDomain,
    AgreementParty,
    AgreementProposal,
    ProposalParty,
)
from taawun.registry.policy import current_party_states
from taawun.registry.schemas import AgreementUpdate

# Fields that describe an agreement without changing what anyone reads or owes under it.
DESCRIPTIVE = frozenset({"title", "signed", "citation"})
AMENDABLE = (
    "title",
    "signed",
    "in_force",
    "ended",
    "confidential",
    "sharing_ceiling",
    "domains",
    "terms",
    "citation",
)
# Fields an amendment cannot set to nothing: an explicit null is taken as "unchanged".
NOT_NULL = frozenset({"title", "confidential", "domains", "terms"})
ADD_PARTIES = "add_parties"


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _day(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def current_parties(agreement: Agreement, day: date) -> set[int]:
    """The states that decide for ``agreement`` on ``day`` (``policy.current_party_states``)."""
    return current_party_states(((p.state_id, p.exited) for p in agreement.parties), day)


def values_of(agreement: Agreement) -> dict[str, Any]:
    """The amendable fields of an agreement, as a proposal stores them."""
    ceiling = agreement.sharing_ceiling
    return {
        "title": agreement.title,
        "signed": _iso(agreement.signed),
        "in_force": _iso(agreement.in_force),
        "ended": _iso(agreement.ended),
        "confidential": agreement.confidential,
        "sharing_ceiling": None if ceiling is None else Clearance(ceiling).name,
        "domains": sorted(d.domain for d in agreement.domains),
        "terms": agreement.terms or {},
        "citation": agreement.citation,
    }


def requested(data: AgreementUpdate) -> dict[str, Any]:
    """What an update asks for, field by field, in the same form."""
    out: dict[str, Any] = {}
    for field in AMENDABLE:
        if field not in data.model_fields_set:
            continue
        value = getattr(data, field)
        if value is None and field in NOT_NULL:
            continue
        if isinstance(value, date):
            value = value.isoformat()
        elif field == "sharing_ceiling" and value is not None:
            value = Clearance(value).name
        out[field] = value
    return out


def _rank(ceiling: str | None) -> int:
    return 0 if ceiling is None else int(Clearance[ceiling])  # none means UNCLASSIFIED


# How a field widens, for the fields that do not always: (old, new) -> widens. A date given
# where there was none, or taken away, may widen, so it counts as widening.
_WIDENS: dict[str, Callable[[Any, Any], bool]] = {
    "sharing_ceiling": lambda old, new: _rank(new) > _rank(old),
    "domains": lambda old, new: bool(set(new) - set(old)),
    "confidential": lambda old, new: bool(old) and not new,
    "in_force": lambda old, new: old is None or new is None or new < old,  # ISO dates sort
    "ended": lambda old, new: new is None or (old is not None and new > old),
}


def widens(field: str, old: Any, new: Any) -> bool:
    """Whether setting ``field`` from ``old`` to ``new`` could widen what anyone reads or
    owes under the agreement: a higher ceiling, a new domain, confidentiality dropped, an
    earlier in-force date, a later end (or none), other terms, a new party."""
    if field in DESCRIPTIVE:
        return False
    rule = _WIDENS.get(field)
    return True if rule is None else rule(old, new)


@dataclass(frozen=True, slots=True)
class Change:
    """An amendment: the new values, the values they replace, and which of them widen."""

    values: dict[str, Any]
    base: dict[str, Any]
    widening: tuple[str, ...]


def change_of(agreement: Agreement, wanted: dict[str, Any], add_parties: list[int]) -> Change:
    current = values_of(agreement)
    values = {f: v for f, v in wanted.items() if v != current[f]}
    base = {f: current[f] for f in values}
    if add_parties:
        values[ADD_PARTIES] = sorted(add_parties)
        base[ADD_PARTIES] = []
    widening = tuple(f for f in values if widens(f, base[f], values[f]))
    return Change(values=values, base=base, widening=widening)


def check(agreement: Agreement, values: dict[str, Any]) -> None:
    """Refuse values the agreement could not hold, before anything is stored or proposed."""
    merged = {**values_of(agreement), **values}
    signed, in_force, ended = (_day(merged[f]) for f in ("signed", "in_force", "ended"))
    if in_force is not None and signed is not None and in_force < signed:
        raise InvalidInput(
            "in_force: the agreement cannot enter into force before it is signed",
            field="in_force",
            value=in_force,
        )
    if ended is not None and in_force is not None and ended < in_force:
        raise InvalidInput(
            "ended: the agreement cannot end before it enters into force",
            field="ended",
            value=ended,
        )
    if in_force is None and agreement.status in ("in_force", "suspended"):
        raise InvalidInput(
            "in_force: an agreement in force needs its in-force date", field="in_force"
        )


def apply(agreement: Agreement, values: dict[str, Any], *, day: date) -> None:
    for field in ("title", "citation", "confidential", "terms"):
        if field in values:
            setattr(agreement, field, values[field])
    for field in ("signed", "in_force", "ended"):
        if field in values:
            setattr(agreement, field, _day(values[field]))
    if "sharing_ceiling" in values:
        ceiling = values["sharing_ceiling"]
        agreement.sharing_ceiling = None if ceiling is None else int(Clearance[ceiling])
    if "domains" in values:
        kept = {d.domain: d for d in agreement.domains}
        agreement.domains = [
            kept.get(d) or AgreementDomain(domain=d, terms={}) for d in values["domains"]
        ]
    joined = day if agreement.status in ("in_force", "suspended") else agreement.in_force
    for state_id in values.get(ADD_PARTIES, ()):
        agreement.parties.append(AgreementParty(state_id=state_id, phase=0, entered=joined))


def resume(agreement: Agreement, *, on: date) -> None:
    agreement.status = "in_force"
    agreement.status_since = on
    agreement.suspended_by_state_id = None
    if agreement.in_force is None:
        agreement.in_force = on


def new_proposal(
    agreement: Agreement,
    *,
    kind: str,
    values: dict[str, Any],
    base: dict[str, Any],
    proposer: Principal,
    proposer_state: int,
    concerned: set[int],
    required: set[int],
    now: datetime,
    ids: IdFactory,
) -> AgreementProposal:
    """An open proposal; the proposer's own state counts as having accepted it."""
    proposal = AgreementProposal(
        id=str(ids.uuid()),
        agreement=agreement,
        agreement_id=agreement.id,
        kind=kind,
        changes=values,
        base=base,
        status="open",
        proposer_user_id=proposer.user_id,
        proposer_agency_id=proposer.agency_id,
        proposer_state_id=proposer_state,
        created_at=now,
        decided_at=None,
    )
    proposal.parties = [
        ProposalParty(state_id=s, required=s in required) for s in sorted(concerned | required)
    ]
    decide(proposal, proposer_state, "accepted", proposer, now)
    return proposal


def decide(
    proposal: AgreementProposal, state_id: int, decision: str, who: Principal, now: datetime
) -> None:
    row = next(p for p in proposal.parties if p.state_id == state_id)
    row.decision = decision
    row.decided_by = who.user_id
    row.decided_at = now


def complete(proposal: AgreementProposal) -> bool:
    """Every state whose acceptance it needs has accepted it."""
    return all(p.decision == "accepted" for p in proposal.parties if p.required)


def stale(proposal: AgreementProposal, day: date) -> str | None:
    """Why the proposal can no longer be taken as proposed (the agreement changed under it,
    so the parties accepted something else), or None."""
    agreement = proposal.agreement
    if proposal.kind == "record":
        return None if agreement.status == "proposed" else f"the agreement is {agreement.status}"
    if proposal.kind == "resume":
        return None if agreement.status == "suspended" else f"the agreement is {agreement.status}"
    current = values_of(agreement)
    for field, value in proposal.base.items():
        if field == ADD_PARTIES:
            joined = set(proposal.changes[ADD_PARTIES]) & current_parties(agreement, day)
            if joined:
                return "a state it adds is a party already"
        elif current[field] != value:
            return f"the agreement's {field} changed since it was proposed"
    return None


def take_step(proposal: AgreementProposal, *, day: date, now: datetime) -> None:
    """What every required state accepted: the agreement enters into force (on its in-force
    date, or today if it has none), takes the amendment, or resumes."""
    agreement = proposal.agreement
    if proposal.kind == "record":
        start = agreement.in_force or day
        agreement.in_force = start
        agreement.status = "in_force"
        agreement.status_since = start
        for party in agreement.parties:
            if party.entered is None:
                party.entered = start
    elif proposal.kind == "amend":
        apply(agreement, proposal.changes, day=day)
    else:
        resume(agreement, on=_day(proposal.changes.get("on")) or day)
    agreement.updated_at = now
    proposal.status = "accepted"
    proposal.decided_at = now


def close(proposal: AgreementProposal, status: str, now: datetime) -> None:
    proposal.status = status
    proposal.decided_at = now
