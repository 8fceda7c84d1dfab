"""Registry questions: states, organizations, agreements, partners, dyads, profiles, and
the proposals that wait for the parties' consent.

Every function takes the ``principal`` first and returns schemas. Confidential
agreements are filtered in SQL by ``repository`` (through ``policy``), so a
hidden agreement is absent from lists, counts, partners and dyads, and answers
``NotFound`` exactly like a missing one; so does a proposal the principal's state is
no party to.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import Select
from sqlalchemy.orm import Session

from taawun.access.restrict import Action
from taawun.core.clock import Clock, SystemClock
from taawun.core.errors import InvalidInput, NotFound
from taawun.core.integers import INT32_MAX, bounded_int, is_ascii_digits
from taawun.core.principal import Clearance, Principal
from taawun.registry import repository, resolver
from taawun.registry.models import Agreement, AgreementProposal, Membership, Organization, State
from taawun.registry.periods import Period, parse_when
from taawun.registry.policy import AGREEMENTS, AnyIntColumn, spell_years, years_in_force
from taawun.registry.resolver import resolve_state
from taawun.registry.schemas import (
    AgreementRead,
    AgreementSummary,
    Coverage,
    DomainRead,
    DyadEntry,
    DyadTimeline,
    MembershipRead,
    OrganizationMembers,
    OrganizationNameRead,
    OrganizationRead,
    Page,
    PartnerRead,
    Partners,
    PartyRead,
    ProposalPartyRead,
    ProposalRead,
    StateProfile,
    StateRead,
    StateRef,
)
from taawun.registry.vocabulary import DOMAINS, PROPOSAL_STATUSES

MAX_LIMIT = 1000
_REF = re.compile(r"^\s*(?P<source>[A-Za-z][A-Za-z0-9 ._-]*?)[\s:#-]+(?P<id>[A-Za-z0-9._-]+)\s*$")
SOURCE_ALIASES = {
    "atop": "ATOP 5.1",
    "atop 5.1": "ATOP 5.1",
    "curated": "curated",
    "nca": "Fuhrmann NCA",
    "fuhrmann nca": "Fuhrmann NCA",
}


# --- states ----------------------------------------------------------------------------


def _state_ref(state: State) -> StateRef:
    return StateRef.model_validate(state)


def get_state(
    principal: Principal, session: Session, *, name: str, field: str = "state"
) -> StateRead:
    """Resolve ``name`` (ISO3, ISO2, COW code or abbreviation, common name) to a state; an
    unknown or ambiguous name is refused naming ``field`` (the input it came from)."""
    state = resolve_state(session, name, field=field)
    full = repository.state_with_spells(session, state.id)
    return StateRead.model_validate(full)


def _when(value: str | int | date | None, *, field: str, clock: Clock | None) -> Period:
    period = parse_when(value, field=field)
    if period is None:
        return Period.day((clock or SystemClock()).now().date())
    return period


def state_labels(session: Session, state_ids: Iterable[int]) -> dict[int, str]:
    """ISO3 (the name when it has none) of each state, by id: states are public facts, read
    alike by every principal."""
    return {i: s.iso3 or s.name for i, s in repository.states_by_ids(session, state_ids).items()}


def state_refs(session: Session, state_ids: Iterable[int]) -> dict[int, StateRef]:
    """``StateRef`` of each state, by id, in one query (states are public facts): for the
    contexts that show many states at once (an operation's contributors, its partners)."""
    return {i: _state_ref(s) for i, s in repository.states_by_ids(session, state_ids).items()}


# --- coverage --------------------------------------------------------------------------


def _agreement_coverage(agreements: Iterable[Agreement], period: Period) -> list[Coverage]:
    by_source: dict[tuple[str, date], int] = defaultdict(int)
    for agreement in agreements:
        if agreement.observed_through is not None:
            by_source[(agreement.source, agreement.observed_through)] += int(
                period.end > agreement.observed_through
            )
    return [
        Coverage(
            source=source,
            observed_through=through,
            carried_forward=carried > 0,
            note=(
                f"{source} observes through {through.isoformat()}; {carried} agreement(s) in this "
                f"answer are carried forward from then to {period.label}"
                if carried
                else f"{source} observes through {through.isoformat()}"
            ),
        )
        for (source, through), carried in sorted(by_source.items())
    ]


def _membership_coverage(memberships: Iterable[Membership], period: Period) -> list[Coverage]:
    by_source: dict[tuple[str, int], int] = defaultdict(int)
    for m in memberships:
        if m.observed_through is not None:
            by_source[(m.source, m.observed_through)] += int(period.end.year > m.observed_through)
    return [
        Coverage(
            source=source,
            observed_through=date(year, 12, 31),
            carried_forward=carried > 0,
            note=(
                f"{source} observes memberships through {year}; {carried} membership(s) are "
                f"carried forward from {year} to {period.label}"
                if carried
                else f"{source} observes memberships through {year}"
            ),
        )
        for (source, year), carried in sorted(by_source.items())
    ]


def _membership_read(m: Membership, period: Period | None) -> MembershipRead:
    carried = (
        period is not None
        and m.observed_through is not None
        and period.end.year > m.observed_through
    )
    return MembershipRead(
        id=m.id,
        organization=m.organization.key,
        state=_state_ref(m.state),
        status=m.status,
        from_year=m.from_year,
        to_year=m.to_year,
        from_date=m.from_date,
        to_date=m.to_date,
        observed_through=m.observed_through,
        source=m.source,
        carried_forward=carried,
    )


# --- organizations ---------------------------------------------------------------------


def resolve_organization(session: Session, key: str) -> Organization:
    """An organization by key or by any of its names, current or former (``resolver``)."""
    return resolver.resolve_organization(session, key)


def _organization_read(org: Organization) -> OrganizationRead:
    current = next((n for n in org.names if n.valid_to is None), None)
    return OrganizationRead.model_validate(org).model_copy(
        update={
            "name_since": current.valid_from if current else None,
            "former_names": [
                OrganizationNameRead.model_validate(n) for n in org.names if n.valid_to is not None
            ],
        }
    )


def list_organizations(principal: Principal, session: Session) -> list[OrganizationRead]:
    """Every organization, with its current name and former names."""
    return [_organization_read(o) for o in repository.organizations(session)]


def organization_members(
    principal: Principal,
    session: Session,
    *,
    organization: str,
    when: str | int | date | None = None,
    status: str | None = "full",
    clock: Clock | None = None,
) -> OrganizationMembers:
    """Members of ``organization`` during ``when`` (a year or date; default today)."""
    org = resolve_organization(session, organization)
    period = _when(when, field="year", clock=clock)
    rows = [
        m
        for m in repository.members_of(session, org.id, period)
        if status is None or m.status == status
    ]
    return OrganizationMembers(
        organization=_organization_read(org),
        when=period.label,
        members=[_membership_read(m, period) for m in rows],
        coverage=_membership_coverage(rows, period),
    )


# --- agreements ------------------------------------------------------------------------


def _summaries(session: Session, agreements: Sequence[Agreement]) -> list[AgreementSummary]:
    ids = [a.id for a in agreements]
    domains = repository.domains_of(session, ids)
    parties = repository.party_states_of(session, ids)
    return [
        AgreementSummary(
            id=a.id,
            title=a.title,
            source=a.source,
            source_id=a.source_id,
            signed=a.signed,
            in_force=a.in_force,
            ended=a.ended,
            status=a.status,
            confidential=a.confidential,
            organization=a.organization.key if a.organization else None,
            domains=domains.get(a.id, []),
            parties=[s.iso3 or s.name for s in parties.get(a.id, [])],
        )
        for a in agreements
    ]


def _suspended_by(agreement: Agreement) -> str | None:
    if agreement.status != "suspended":
        return None
    if agreement.suspended_by_state_id is None:
        return "node"
    by = next(
        (p.state for p in agreement.parties if p.state_id == agreement.suspended_by_state_id),
        None,
    )
    return str(agreement.suspended_by_state_id) if by is None else (by.iso3 or by.name)


def agreement_read(
    session: Session, agreement: Agreement, *, principal: Principal
) -> AgreementRead:
    """The agreement as ``principal`` reads it: its parent and its arrangements are named
    only where ``principal`` may see them."""
    summary = _summaries(session, [agreement])[0]
    ceiling = agreement.sharing_ceiling
    parent = agreement.parent_id
    if parent is not None and repository.agreement(session, principal, parent) is None:
        parent = None
    return AgreementRead(
        **summary.model_dump(),
        status_since=agreement.status_since,
        sharing_ceiling=None if ceiling is None else Clearance(ceiling).name,
        observed_through=agreement.observed_through,
        citation=agreement.citation,
        terms=agreement.terms or {},
        domain_terms=[DomainRead(domain=d.domain, terms=d.terms or {}) for d in agreement.domains],
        party_spells=[
            PartyRead(state=_state_ref(p.state), phase=p.phase, entered=p.entered, exited=p.exited)
            for p in agreement.parties
        ],
        phases=[
            {
                "phase": ph.phase,
                "source_id": ph.source_id,
                "begins": ph.begins,
                "ends": ph.ends,
                "terms": ph.terms,
            }
            for ph in agreement.phases
        ],
        parent=parent,
        arrangements=repository.arrangement_ids(session, principal, agreement.id),
        suspended_by=_suspended_by(agreement),
    )


def _check_domains(domains: Sequence[str]) -> list[str]:
    for d in domains:
        if d not in DOMAINS:
            raise InvalidInput(
                f"domain: unknown domain {d!r}; expected one of {', '.join(DOMAINS)}",
                field="domain",
                value=d,
                candidates=list(DOMAINS),
            )
    return list(domains)


def list_agreements(
    principal: Principal,
    session: Session,
    *,
    parties: Sequence[str] = (),
    domains: Sequence[str] = (),
    organization: str | None = None,
    in_force: str | int | date | None = None,
    text: str | None = None,
    status: str | None = None,
    source: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[AgreementSummary]:
    """Agreements the principal may see, filtered; every named party must be a party."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}", field="limit", value=limit)
    if offset < 0:
        raise InvalidInput("offset must not be negative", field="offset", value=offset)
    party_ids = [resolve_state(session, p, field="party").id for p in parties]
    org_id = resolve_organization(session, organization).id if organization else None
    period = parse_when(in_force, field="in_force")
    stmt = repository.filter_agreements(
        repository.visible_agreements(principal),
        party_ids=party_ids,
        domains=_check_domains(domains),
        organization_id=org_id,
        period=period,
        text=text,
        status=status,
        source=SOURCE_ALIASES.get(source.lower(), source) if source else None,
    )
    total = repository.count(session, stmt)
    rows = repository.page(session, stmt, limit=limit, offset=offset)
    return Page[AgreementSummary](
        items=_summaries(session, rows),
        total=total,
        limit=limit,
        offset=offset,
        coverage=_agreement_coverage(rows, period) if period else [],
    )


def find_agreement(
    principal: Principal, session: Session, ref: str | int, action: Action = Action.VIEW
) -> Agreement:
    """An agreement by id (``42``) or source reference (``ATOP 3275``, ``curated:smda-2025``)."""
    agreement_id: int | None
    text = str(ref).strip()
    if is_ascii_digits(text):
        agreement_id = bounded_int(text, maximum=INT32_MAX)  # None: no agreement has that id
    elif (m := _REF.match(text)) is not None:
        source = SOURCE_ALIASES.get(m["source"].strip().lower(), m["source"].strip())
        agreement_id = repository.agreement_id_by_source(session, principal, source, m["id"])
    else:
        agreement_id = None
    found = (
        None
        if agreement_id is None
        else repository.agreement(session, principal, agreement_id, action)
    )
    if found is None:
        if action is Action.CHANGE and agreement_id is not None:
            visible = repository.agreement(session, principal, agreement_id, Action.VIEW)
            if visible is not None:
                from taawun.core.errors import PermissionDenied

                raise PermissionDenied(
                    f"agreement {ref}: only an admin or a liaison of a party state may change it",
                    field="agreement",
                    value=ref,
                )
        raise NotFound(f"agreement: no agreement {ref!r}", field="agreement", value=ref)
    return found


def current_agreements_of(
    principal: Principal, session: Session, *, state_id: int
) -> list[AgreementSummary]:
    """Visible agreements, in force or suspended, of which ``state_id`` is a party now.

    Every TAXII request asks (a collection is an agreement), so the answer is cached under
    the registry's revision and what of ``principal`` the agreements' policy depends on."""

    def current() -> tuple[AgreementSummary, ...]:
        stmt = repository.current_agreements_of(repository.visible_agreements(principal), state_id)
        return tuple(_summaries(session, repository.page(session, stmt, limit=MAX_LIMIT, offset=0)))

    key = ("current_agreements", AGREEMENTS.view_key(principal), state_id)
    return list(repository.under_revision(session, key, current))


def covering_agreements(
    principal: Principal,
    session: Session,
    *,
    state_ids: Sequence[int],
    domains: Sequence[str],
    period: Period,
) -> list[AgreementSummary]:
    """The agreements ``principal`` may see that cover an activity of ``state_ids`` in any of
    ``domains`` during ``period`` (``repository.covering``: a day for a live activity, a
    year for one from the historical record). The cooperation context asks it of every
    operation, training programme, exercise and transfer; an empty answer flags the activity
    as outside any agreement."""
    unknown = sorted(set(domains) - set(DOMAINS))
    if unknown:
        raise InvalidInput(f"domain: unknown {', '.join(unknown)}", field="domain")
    stmt = repository.covering(
        repository.visible_agreements(principal), sorted(set(state_ids)), domains, period
    )
    return _summaries(session, repository.page(session, stmt, limit=MAX_LIMIT, offset=0))


def agreement_summaries(
    principal: Principal, session: Session, agreement_ids: Iterable[int]
) -> dict[int, AgreementSummary]:
    """The summaries of those agreements ``principal`` may see, by id (the others are
    absent): for another context naming the agreements its rows fall under."""
    found = repository.agreements_by_ids(session, principal, agreement_ids)
    return {a.id: a for a in _summaries(session, found)}


def agreements_joining_in_year(
    principal: Principal,
    *,
    a: AnyIntColumn,
    b: AnyIntColumn,
    year: AnyIntColumn,
    domains: Sequence[str],
) -> Select[int]:
    """``covering_agreements`` asked of every row of another context's query at once: SQL
    (ids, earliest in force first) of the agreements ``principal`` may see that cover any of
    ``domains`` and were in force in ``year`` with ``a`` and ``b`` both parties, where the
    three are that query's columns. Internal: cooperation's coverage of the historical record
    and its allies question (the ATOP obligations) are built on it, never a user."""
    unknown = sorted(set(domains) - set(DOMAINS))
    if unknown:
        raise InvalidInput(f"domain: unknown {', '.join(unknown)}", field="domain")
    return repository.joining_in_year(principal, a, b, year, sorted(set(domains)))


class JointYears(NamedTuple):
    """Agreement ``agreement_id`` (in force from ``in_force``) joined states ``a`` and ``b``
    in every year from ``first`` to ``last`` (None: to this day)."""

    agreement_id: int
    in_force: date | None
    a: int
    b: int
    first: int
    last: int | None


def joint_years(
    principal: Principal, session: Session, *, domains: Sequence[str]
) -> list[JointYears]:
    """``covering_agreements`` for every pair of states and every year at once, as runs of
    years: for each agreement ``principal`` may see that covers any of ``domains``, and each
    two of its parties' spells, the years in which it was in force with both (the same
    rule as ``covering``'s, in ``policy.years_in_force``/``spell_years``). Both orders of
    each pair; earliest in force first. For the cooperation importers, which ask it of tens
    of thousands of historical rows: one query, instead of one per row."""
    unknown = sorted(set(domains) - set(DOMAINS))
    if unknown:
        raise InvalidInput(f"domain: unknown {', '.join(unknown)}", field="domain")
    by_agreement: dict[int, list[tuple[int, int | None, int | None]]] = defaultdict(list)
    agreements: dict[int, Agreement] = {}
    for agreement, state_id, entered, exited in repository.covering_spells(
        session, principal, sorted(set(domains))
    ):
        agreements[agreement.id] = agreement
        by_agreement[agreement.id].append((state_id, *spell_years(entered, exited)))
    found: list[JointYears] = []
    for agreement_id, spells in by_agreement.items():
        agreement = agreements[agreement_id]
        years = years_in_force(agreement)
        if years is None:
            continue
        for a, a_first, a_last in spells:
            for b, b_first, b_last in spells:
                if a == b:
                    continue
                first = max(y for y in (years[0], a_first, b_first) if y is not None)
                ends = [y for y in (years[1], a_last, b_last) if y is not None]
                last = min(ends) if ends else None
                if last is None or last >= first:
                    found.append(JointYears(agreement_id, agreement.in_force, a, b, first, last))
    return found


def sharing_grants(
    session: Session, *, reader_state: int, on: date
) -> tuple[tuple[int, int, int], ...]:
    """What the release policy needs of the registry for one reader: (agreement, party state,
    ceiling) of each agreement in force on ``on`` that covers intelligence sharing and has
    ``reader_state`` as a party. Internal: it feeds a query's criterion, never a user."""
    return repository.sharing_grants(session, reader_state, on)


def get_agreement(principal: Principal, session: Session, *, ref: str | int) -> AgreementRead:
    """An agreement by reference (``find_agreement``). By id, the answer is cached under the
    registry's revision: every release of intel checks its agreements."""
    text = str(ref).strip()
    agreement_id = bounded_int(text, maximum=INT32_MAX) if is_ascii_digits(text) else None
    if agreement_id is None:
        return agreement_read(session, find_agreement(principal, session, ref), principal=principal)

    def read() -> AgreementRead:
        found = find_agreement(principal, session, agreement_id)
        return agreement_read(session, found, principal=principal)

    key = ("agreement", AGREEMENTS.view_key(principal), agreement_id)
    return repository.under_revision(session, key, read)


# --- proposals ---------------------------------------------------------------------

_PROPOSAL_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def find_proposal(
    principal: Principal, session: Session, proposal_id: str, action: Action = Action.VIEW
) -> AgreementProposal:
    """A proposal the principal may see; one they may not answers as a missing one does."""
    text = str(proposal_id).strip().lower()
    found = (
        repository.proposal(session, principal, text, action) if _PROPOSAL_ID.match(text) else None
    )
    if found is None:
        raise NotFound(
            f"proposal: no proposal {proposal_id!r}", field="proposal", value=proposal_id
        )
    return found


def proposal_read(proposal: AgreementProposal) -> ProposalRead:
    states = {p.state_id: p.state for p in proposal.parties}

    def name(state_id: int) -> str:
        state = states.get(state_id)
        return str(state_id) if state is None else (state.iso3 or state.name)

    def shown(values: dict[str, Any]) -> dict[str, Any]:
        if "add_parties" not in values:
            return dict(values)
        return {**values, "add_parties": [name(i) for i in values["add_parties"]]}

    is_open = proposal.status == "open"
    return ProposalRead(
        id=proposal.id,
        kind=proposal.kind,
        status=proposal.status,
        agreement_id=proposal.agreement_id,
        agreement_title=proposal.agreement.title,
        changes=shown(proposal.changes),
        before=shown(proposal.base),
        proposer_state=_state_ref(proposal.proposer_state),
        proposer_user_id=proposal.proposer_user_id,
        proposer_agency_id=proposal.proposer_agency_id,
        parties=[
            ProposalPartyRead(
                state=_state_ref(p.state),
                required=p.required,
                decision=p.decision,
                decided_by=p.decided_by,
                decided_at=p.decided_at,
            )
            for p in proposal.parties
        ],
        awaiting=[
            name(p.state_id)
            for p in proposal.parties
            if is_open and p.required and p.decision is None
        ],
        created_at=proposal.created_at,
        decided_at=proposal.decided_at,
    )


def get_proposal(principal: Principal, session: Session, *, proposal_id: str) -> ProposalRead:
    return proposal_read(find_proposal(principal, session, proposal_id))


def proposals(
    principal: Principal,
    session: Session,
    *,
    awaiting_me: bool = False,
    status: str | None = "open",
) -> list[ProposalRead]:
    """The proposals the principal may see (by default the open ones), newest first; with
    ``awaiting_me``, only those that wait for the decision of the principal's state."""
    if status is not None and status not in PROPOSAL_STATUSES:
        raise InvalidInput(
            f"status: unknown proposal status {status!r}; expected one of "
            f"{', '.join(PROPOSAL_STATUSES)}",
            field="status",
            value=status,
            candidates=list(PROPOSAL_STATUSES),
        )
    if awaiting_me and principal.state_id is None:
        return []  # the node itself, or nobody in particular: no state to wait for
    found = repository.proposals(
        session,
        principal,
        status=status,
        awaiting_state=principal.state_id if awaiting_me else None,
        limit=MAX_LIMIT,
    )
    return [proposal_read(p) for p in found]


# --- partners, dyads, profiles ------------------------------------------------------


def partners(
    principal: Principal,
    session: Session,
    *,
    state: str,
    when: str | int | date | None = None,
    clock: Clock | None = None,
) -> Partners:
    """The states joined to ``state`` by an agreement in force during ``when``, with domains."""
    me = resolve_state(session, state)
    return _partners(principal, session, me, _when(when, field="year", clock=clock))


def _partners(principal: Principal, session: Session, me: State, period: Period) -> Partners:
    rows = repository.partner_rows(session, principal, me.id, period)
    agreement_ids = {a for _, a in rows}
    domains = repository.domains_of(session, agreement_ids)
    by_partner: dict[int, set[int]] = defaultdict(set)
    for partner_id, agreement_id in rows:
        by_partner[partner_id].add(agreement_id)
    states = repository.states_by_ids(session, by_partner)
    items = [
        PartnerRead(
            state=_state_ref(states[pid]),
            domains=sorted({d for a in aids for d in domains.get(a, [])}),
            agreements=sorted(aids),
        )
        for pid, aids in by_partner.items()
    ]
    items.sort(key=lambda p: p.state.name)
    agreements = repository.agreements_by_ids(session, principal, agreement_ids)
    return Partners(
        state=_state_ref(me),
        when=period.label,
        partners=items,
        coverage=_agreement_coverage(agreements, period),
    )


def dyad(principal: Principal, session: Session, *, a: str, b: str) -> DyadTimeline:
    """Every agreement joining states ``a`` and ``b``, with the span both were parties."""
    state_a = resolve_state(session, a, field="a")
    state_b = resolve_state(session, b, field="b")
    if state_a.id == state_b.id:
        raise InvalidInput("a and b name the same state", field="b", value=b)
    spans: dict[int, tuple[Agreement, date | None, date | None]] = {}
    for agreement, a_in, a_out, b_in, b_out in repository.dyad_rows(
        session, principal, state_a.id, state_b.id
    ):
        start = max((d for d in (a_in, b_in) if d is not None), default=None)
        ends = [a_out, b_out]
        end = None if None in ends else min(d for d in ends if d is not None)
        if start is not None and end is not None and end < start:
            continue
        if agreement.id in spans:
            _, s0, e0 = spans[agreement.id]
            start = min((d for d in (s0, start) if d is not None), default=None)
            end = None if e0 is None or end is None else max(e0, end)
        spans[agreement.id] = (agreement, start, end)
    ordered = sorted(spans.values(), key=lambda t: (t[1] or date.min, t[0].id))
    summaries = {s.id: s for s in _summaries(session, [t[0] for t in ordered])}
    return DyadTimeline(
        a=_state_ref(state_a),
        b=_state_ref(state_b),
        entries=[
            DyadEntry(agreement=summaries[ag.id], joined_from=start, joined_to=end)
            for ag, start, end in ordered
        ],
        coverage=_agreement_coverage(
            [t[0] for t in ordered if t[2] is None], Period(date.max, date.max, "the present")
        ),
    )


def state_profile(
    principal: Principal,
    session: Session,
    *,
    state: str,
    when: str | int | date | None = None,
    clock: Clock | None = None,
) -> StateProfile:
    """Memberships, agreements in force and partners by domain of ``state`` during ``when``."""
    me = resolve_state(session, state)
    period = _when(when, field="year", clock=clock)
    memberships = repository.memberships_of_state(session, me.id, period)
    stmt = repository.filter_agreements(
        repository.visible_agreements(principal), party_ids=[me.id], period=period
    )
    agreements = repository.page(session, stmt, limit=MAX_LIMIT * 10, offset=0)
    found = _partners(principal, session, me, period)
    by_domain: dict[str, list[StateRef]] = defaultdict(list)
    for partner in found.partners:
        for domain in partner.domains:
            by_domain[domain].append(partner.state)
    full = repository.state_with_spells(session, me.id)
    return StateProfile(
        state=StateRead.model_validate(full),
        when=period.label,
        memberships=[_membership_read(m, period) for m in memberships],
        agreements=_summaries(session, agreements),
        partners_by_domain=dict(sorted(by_domain.items())),
        coverage=_agreement_coverage(agreements, period)
        + _membership_coverage(memberships, period),
    )


def cow_pairs(
    session: Session, by_state_pair: Mapping[tuple[int, int], float]
) -> dict[tuple[int, int], float]:
    """A figure per pair of registry state ids re-keyed by the pair's COW codes (the smaller
    first), summed where several ids share a code; a pair whose state has no COW code, or
    two ids of one code, is left out: the cooperation contexts' activity in the network's
    terms (``analytics.network``)."""
    refs = state_refs(session, {s for pair in by_state_pair for s in pair})
    found: dict[tuple[int, int], float] = {}
    for (a, b), value in by_state_pair.items():
        ca, cb = refs[a].cow_code, refs[b].cow_code
        if ca is not None and cb is not None and ca != cb:
            key = (min(ca, cb), max(ca, cb))
            found[key] = found.get(key, 0.0) + value
    return found
