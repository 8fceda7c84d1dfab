"""The only place that builds ``select()`` over registry tables.

Every statement touching agreements goes through ``restrict`` with
``policy.AGREEMENTS``; the helpers that read parties and domains take agreement
ids that came out of a restricted statement.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import date
from functools import cache
from typing import TypeVar, cast

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Select,
    and_,
    bindparam,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased, selectinload

from taawun.access.restrict import Action, restrict
from taawun.core.principal import Principal
from taawun.registry.models import (
    Agreement,
    AgreementDomain,
    AgreementParty,
    AgreementProposal,
    Membership,
    Organization,
    ProposalParty,
    RegistryRevision,
    State,
)
from taawun.registry.periods import Period
from taawun.registry.policy import (
    AGREEMENTS,
    PROPOSALS,
    AnyIntColumn,
    in_force_during,
    in_force_in_year,
    in_force_on,
    reader_grants,
    sharing_ceiling,
    spell_covers,
    spell_during,
    spell_in_year,
)

T = TypeVar("T")

# --- states ---------------------------------------------------------------------------


def state_by_id(session: Session, state_id: int) -> State | None:
    return session.get(State, state_id)


def states_where(session: Session, criterion: ColumnElement[bool]) -> list[State]:
    return list(session.scalars(select(State).where(criterion).order_by(State.id)))


def state_names(session: Session) -> list[tuple[int, str, str | None, str | None]]:
    rows = session.execute(select(State.id, State.name, State.name_pattern, State.iso3))
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def states_by_ids(session: Session, ids: Iterable[int]) -> dict[int, State]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {s.id: s for s in session.scalars(select(State).where(State.id.in_(wanted)))}


def state_with_spells(session: Session, state_id: int) -> State | None:
    stmt = select(State).options(selectinload(State.spells)).where(State.id == state_id)
    return session.scalars(stmt).first()


# --- organizations and memberships -----------------------------------------------------


def organization_by_key(session: Session, key: str) -> Organization | None:
    stmt = (
        select(Organization)
        .options(selectinload(Organization.names))
        .where(func.lower(Organization.key) == key.strip().lower())
    )
    return session.scalars(stmt).first()


def organizations(session: Session) -> list[Organization]:
    """Every organization, with its names over time."""
    stmt = select(Organization).options(selectinload(Organization.names))
    return list(session.scalars(stmt.order_by(Organization.key)))


def membership_by_id(session: Session, membership_id: int) -> Membership | None:
    return session.get(Membership, membership_id)


def _member_during(period: Period) -> ColumnElement[bool]:
    """The spell covers a day of ``period``: its first day (``from_date``, else 1 January of
    ``from_year``) is on or before the period's last, and its last day (``to_date``, else
    31 December of ``to_year``; ongoing when unset) on or after the period's first."""
    begun = or_(
        and_(Membership.from_date.is_not(None), Membership.from_date <= period.end),
        and_(Membership.from_date.is_(None), Membership.from_year <= period.end.year),
    )
    not_ended = or_(
        Membership.to_year.is_(None),
        and_(Membership.to_date.is_not(None), Membership.to_date >= period.start),
        and_(Membership.to_date.is_(None), Membership.to_year >= period.start.year),
    )
    return and_(begun, not_ended)


def members_of(session: Session, organization_id: int, period: Period | None) -> list[Membership]:
    stmt = (
        select(Membership)
        .options(selectinload(Membership.state), selectinload(Membership.organization))
        .where(Membership.organization_id == organization_id)
    )
    if period is not None:
        stmt = stmt.where(_member_during(period))
    return list(
        session.scalars(stmt.join(Membership.state).order_by(State.name, Membership.from_year))
    )


def memberships_of_state(
    session: Session, state_id: int, period: Period | None
) -> list[Membership]:
    stmt = (
        select(Membership)
        .options(selectinload(Membership.state), selectinload(Membership.organization))
        .where(Membership.state_id == state_id)
    )
    if period is not None:
        stmt = stmt.where(_member_during(period))
    return list(
        session.scalars(
            stmt.join(Membership.organization).order_by(Organization.key, Membership.from_year)
        )
    )


def find_membership(
    session: Session, *, organization_id: int, state_id: int, status: str, from_year: int
) -> Membership | None:
    stmt = select(Membership).where(
        Membership.organization_id == organization_id,
        Membership.state_id == state_id,
        Membership.status == status,
        Membership.from_year == from_year,
    )
    return session.scalars(stmt).first()


# --- agreements -------------------------------------------------------------------------


def visible_agreements(principal: Principal, action: Action = Action.VIEW) -> Select[Agreement]:
    return restrict(select(Agreement), principal, action, policy=AGREEMENTS)


def filter_agreements(
    stmt: Select[Agreement],
    *,
    party_ids: Sequence[int] = (),
    domains: Sequence[str] = (),
    organization_id: int | None = None,
    period: Period | None = None,
    text: str | None = None,
    status: str | None = None,
    source: str | None = None,
) -> Select[Agreement]:
    for state_id in party_ids:
        party = aliased(AgreementParty)
        cond = [party.agreement_id == Agreement.id, party.state_id == state_id]
        if period is not None:
            cond.append(spell_during(party, period))
        stmt = stmt.where(select(party.id).where(*cond).exists())
    for domain in domains:
        stmt = stmt.where(
            select(AgreementDomain.id)
            .where(AgreementDomain.agreement_id == Agreement.id, AgreementDomain.domain == domain)
            .exists()
        )
    if organization_id is not None:
        stmt = stmt.where(Agreement.organization_id == organization_id)
    if period is not None:
        stmt = stmt.where(in_force_during(period))
    if text:
        stmt = stmt.where(
            func.lower(Agreement.title).contains(text.strip().lower(), autoescape=True)
        )
    if status is not None:
        stmt = stmt.where(Agreement.status == status)
    if source is not None:
        stmt = stmt.where(Agreement.source == source)
    return stmt


def current_agreements_of(stmt: Select[Agreement], state_id: int) -> Select[Agreement]:
    party = aliased(AgreementParty)
    return stmt.where(
        Agreement.status.in_(("in_force", "suspended")),
        select(party.id)
        .where(
            party.agreement_id == Agreement.id,
            party.state_id == state_id,
            party.exited.is_(None),
        )
        .exists(),
    )


def covering(
    stmt: Select[Agreement], state_ids: Sequence[int], domains: Sequence[str], period: Period
) -> Select[Agreement]:
    """Agreements of ``stmt`` that cover any of ``domains`` and have every state of
    ``state_ids`` as a party: in force on ``period``'s one day, status and dates both (a
    live activity), or, for a longer period (a year of history), in force on some day of it
    with every state a party on some day of it (``in_force_during``)."""
    live = period.start == period.end
    for state_id in state_ids:
        party = aliased(AgreementParty)
        spell = spell_covers(party, period.start) if live else spell_during(party, period)
        stmt = stmt.where(
            select(party.id)
            .where(party.agreement_id == Agreement.id, party.state_id == state_id, spell)
            .exists()
        )
    return stmt.where(
        in_force_on(period.start) if live else in_force_during(period),
        select(AgreementDomain.id)
        .where(AgreementDomain.agreement_id == Agreement.id, AgreementDomain.domain.in_(domains))
        .exists(),
    )


def joining_in_year(
    principal: Principal,
    a: AnyIntColumn,
    b: AnyIntColumn,
    year: AnyIntColumn,
    domains: Sequence[str],
) -> Select[int]:
    """Ids of the agreements ``principal`` may see that cover any of ``domains`` and were in
    force in ``year`` with states ``a`` and ``b`` both parties some day of it: ``covering``
    for two states and a year, where the three are SQL expressions (columns of the caller's
    rows), earliest in force first. The caller takes ``.exists()`` or the first id.

    The statement starts from ``a``'s party rows (by ``ix_agreement_party_state``), so asked
    of every row of a large table it reads a few agreements per row, not all of them."""
    pa, pb = aliased(AgreementParty), aliased(AgreementParty)
    covers = (
        select(AgreementDomain.id)
        .where(AgreementDomain.agreement_id == Agreement.id, AgreementDomain.domain.in_(domains))
        .correlate_except(AgreementDomain)
        .exists()
    )
    return (
        visible_agreements(principal)
        .with_only_columns(Agreement.id)
        .select_from(pa)
        .join(Agreement, Agreement.id == pa.agreement_id)
        .join(pb, and_(pb.agreement_id == pa.agreement_id, pb.state_id == b))
        .where(
            pa.state_id == a,
            spell_in_year(pa, year),
            spell_in_year(pb, year),
            in_force_in_year(year),
            covers,
        )
        .order_by(Agreement.in_force, Agreement.id)
    )


def covering_spells(
    session: Session, principal: Principal, domains: Sequence[str]
) -> list[tuple[Agreement, int, date | None, date | None]]:
    """Every party spell (agreement, state, entered, exited) of the agreements ``principal``
    may see that cover any of ``domains``: one query, for questions asked of every pair of
    states at once (``service.joint_years``)."""
    covers = (
        select(AgreementDomain.id)
        .where(AgreementDomain.agreement_id == Agreement.id, AgreementDomain.domain.in_(domains))
        .exists()
    )
    stmt = (
        visible_agreements(principal)
        .add_columns(AgreementParty.state_id, AgreementParty.entered, AgreementParty.exited)
        .join(AgreementParty, AgreementParty.agreement_id == Agreement.id)
        .where(covers)
        .order_by(Agreement.in_force, Agreement.id, AgreementParty.id)
    )
    return [(a, s, e, x) for a, s, e, x in session.execute(stmt)]


def count(session: Session, stmt: Select[Agreement]) -> int:
    return int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)


def page(session: Session, stmt: Select[Agreement], *, limit: int, offset: int) -> list[Agreement]:
    ordered = stmt.options(selectinload(Agreement.organization)).order_by(
        Agreement.in_force, Agreement.id
    )
    return list(session.scalars(ordered.limit(limit).offset(offset)))


def agreements_by_ids(
    session: Session, principal: Principal, agreement_ids: Iterable[int]
) -> list[Agreement]:
    ids = list(set(agreement_ids))
    found: list[Agreement] = []
    for chunk in _chunks(ids):
        found += page(
            session,
            visible_agreements(principal).where(Agreement.id.in_(chunk)),
            limit=len(chunk),
            offset=0,
        )
    return found


def duplicate_exists(
    session: Session,
    principal: Principal,
    *,
    title: str,
    signed: date | None,
    party_ids: Sequence[int],
) -> bool:
    """A visible agreement with this title, signing date and (at least) these parties."""
    signed_match = Agreement.signed.is_(None) if signed is None else Agreement.signed == signed
    stmt = filter_agreements(visible_agreements(principal), party_ids=party_ids).where(
        Agreement.title == title,
        signed_match,
        Agreement.status.not_in(("declined", "withdrawn")),  # proposed again, it is no copy
    )
    return count(session, stmt) > 0


def arrangement_ids(session: Session, principal: Principal, parent_id: int) -> list[int]:
    """The visible implementing arrangements of agreement ``parent_id``."""
    stmt = visible_agreements(principal).where(Agreement.parent_id == parent_id)
    return list(session.scalars(stmt.with_only_columns(Agreement.id).order_by(Agreement.id)))


# --- proposals ----------------------------------------------------------------------------


def _proposal_statement(principal: Principal, action: Action) -> Select[AgreementProposal]:
    return restrict(select(AgreementProposal), principal, action, policy=PROPOSALS).options(
        selectinload(AgreementProposal.parties).selectinload(ProposalParty.state),
        selectinload(AgreementProposal.proposer_state),
        selectinload(AgreementProposal.agreement).selectinload(Agreement.domains),
        selectinload(AgreementProposal.agreement)
        .selectinload(Agreement.parties)
        .selectinload(AgreementParty.state),
    )


def proposal(
    session: Session, principal: Principal, proposal_id: str, action: Action = Action.VIEW
) -> AgreementProposal | None:
    """A proposal the principal may see (``PROPOSALS``), with its parties and its agreement:
    the agreement is loaded for the proposal's sake (a state it would add may act on it
    before it may see the agreement itself)."""
    stmt = _proposal_statement(principal, action).where(AgreementProposal.id == proposal_id)
    return session.scalars(stmt).first()


def proposals(
    session: Session,
    principal: Principal,
    *,
    status: str | None,
    awaiting_state: int | None,
    limit: int,
) -> list[AgreementProposal]:
    """Visible proposals, newest first; with ``awaiting_state``, those whose acceptance by
    that state is required and not yet given."""
    stmt = _proposal_statement(principal, Action.VIEW)
    if status is not None:
        stmt = stmt.where(AgreementProposal.status == status)
    if awaiting_state is not None:
        stmt = stmt.where(
            select(ProposalParty.proposal_id)
            .where(
                ProposalParty.proposal_id == AgreementProposal.id,
                ProposalParty.state_id == awaiting_state,
                ProposalParty.required.is_(True),
                ProposalParty.decision.is_(None),
            )
            .exists()
        )
    ordered = stmt.order_by(AgreementProposal.created_at.desc(), AgreementProposal.id)
    return list(session.scalars(ordered.limit(limit)))


def open_proposals_of(session: Session, agreement_id: int) -> list[AgreementProposal]:
    """The open proposal of an agreement (at most one, by a unique index), whoever may see
    it: for a change by a party, which every proposal of its agreement concerns, or by the
    node itself. Not for answering anyone else."""
    stmt = select(AgreementProposal).where(
        AgreementProposal.agreement_id == agreement_id, AgreementProposal.status == "open"
    )
    return list(session.scalars(stmt))


def agreement(
    session: Session, principal: Principal, agreement_id: int, action: Action = Action.VIEW
) -> Agreement | None:
    stmt = (
        visible_agreements(principal, action)
        .options(
            selectinload(Agreement.domains),
            selectinload(Agreement.parties).selectinload(AgreementParty.state),
            selectinload(Agreement.phases),
            selectinload(Agreement.organization),
        )
        .where(Agreement.id == agreement_id)
    )
    return session.scalars(stmt).first()


def agreement_id_by_source(
    session: Session, principal: Principal, source: str, source_id: str
) -> int | None:
    stmt = visible_agreements(principal).where(
        func.lower(Agreement.source) == source.lower(), Agreement.source_id == source_id
    )
    found = session.scalars(stmt).first()
    return None if found is None else found.id


def domains_of(session: Session, agreement_ids: Iterable[int]) -> dict[int, list[str]]:
    ids = list(set(agreement_ids))
    out: dict[int, list[str]] = defaultdict(list)
    for chunk in _chunks(ids):
        rows = session.execute(
            select(AgreementDomain.agreement_id, AgreementDomain.domain)
            .where(AgreementDomain.agreement_id.in_(chunk))
            .order_by(AgreementDomain.domain)
        )
        for agreement_id, domain in rows:
            out[agreement_id].append(domain)
    return out


def party_states_of(session: Session, agreement_ids: Iterable[int]) -> dict[int, list[State]]:
    ids = list(set(agreement_ids))
    out: dict[int, list[State]] = defaultdict(list)
    for chunk in _chunks(ids):
        rows = session.execute(
            select(AgreementParty.agreement_id, State)
            .join(State, State.id == AgreementParty.state_id)
            .where(AgreementParty.agreement_id.in_(chunk))
            .distinct()
            .order_by(AgreementParty.agreement_id, State.name)
        )
        for agreement_id, state in rows:
            out[agreement_id].append(state)
    return out


def partner_rows(
    session: Session, principal: Principal, state_id: int, period: Period
) -> list[tuple[int, int]]:
    """(partner state id, agreement id) for every visible agreement joining ``state_id`` to another
    party during ``period``, both being parties then."""
    mine = aliased(AgreementParty)
    theirs = aliased(AgreementParty)
    stmt = (
        restrict(select(theirs.state_id, Agreement.id), principal, Action.VIEW, policy=AGREEMENTS)
        .join(mine, mine.agreement_id == Agreement.id)
        .join(theirs, theirs.agreement_id == Agreement.id)
        .where(
            mine.state_id == state_id,
            theirs.state_id != state_id,
            spell_during(mine, period),
            spell_during(theirs, period),
            in_force_during(period),
        )
        .distinct()
    )
    return [(r[0], r[1]) for r in session.execute(stmt)]


def dyad_rows(
    session: Session, principal: Principal, a_id: int, b_id: int
) -> list[tuple[Agreement, date | None, date | None, date | None, date | None]]:
    """Each visible agreement with both states as parties, with each side's spell."""
    pa = aliased(AgreementParty)
    pb = aliased(AgreementParty)
    stmt = (
        restrict(
            select(Agreement, pa.entered, pa.exited, pb.entered, pb.exited),
            principal,
            Action.VIEW,
            policy=AGREEMENTS,
        )
        .join(pa, pa.agreement_id == Agreement.id)
        .join(pb, pb.agreement_id == Agreement.id)
        .where(pa.state_id == a_id, pb.state_id == b_id)
        .options(selectinload(Agreement.organization))
        .order_by(Agreement.in_force, Agreement.id, pa.entered, pb.entered)
    )
    return [(r[0], r[1], r[2], r[3], r[4]) for r in session.execute(stmt)]


@cache
def _grants_statement() -> Select[int, int, int]:
    """Built once, with bound parameters: it runs on every read of intel. The criterion is
    the registry policy's (``policy.reader_grants``); this only joins the two spells."""
    me = aliased(AgreementParty)
    party = aliased(AgreementParty)
    return (
        select(Agreement.id, party.state_id, sharing_ceiling())
        .join(me, me.agreement_id == Agreement.id)
        .join(party, party.agreement_id == Agreement.id)
        .where(
            reader_grants(
                me,
                party,
                reader_state=bindparam("reader_state", type_=Integer),
                day=bindparam("day", type_=Date),
            )
        )
    )


def sharing_grants(
    session: Session, reader_state: int, day: date
) -> tuple[tuple[int, int, int], ...]:
    """(agreement, party state, ceiling) for every agreement that, on ``day``, is in force,
    covers intelligence_sharing and has ``reader_state`` as a party, and every state that is a
    party then. Read as the node: the release policy (``intel/policy.py``) turns it into the
    per-row test, evaluated within the same query's transaction; nothing here reaches a user.

    Every read of intel asks for this, so it is cached under the registry's revision
    (``under_revision``)."""

    def grants() -> tuple[tuple[int, int, int], ...]:
        rows = session.execute(_grants_statement(), {"day": day, "reader_state": reader_state})
        return tuple(sorted({(r[0], r[1], int(r[2])) for r in rows}))

    return under_revision(session, ("grants", reader_state, day), grants)


def under_revision(session: Session, key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
    """``compute()``, cached in this process under ``key`` and the registry's revision.

    The database changes the revision on any write to agreements, their parties or their
    domains (triggers, migration 0003), and it is read here first, in the caller's
    transaction: a change made by anyone (the node, the CLI, plain SQL) is seen by the next
    call, and a result is never older than the revision it is cached under. ``key`` must
    hold everything ``compute`` depends on besides those tables, including what of the
    principal its policy depends on (``AgreementPolicy.view_key``); what is cached must
    not be changed by its users (tuples, frozen schemas)."""
    session.flush()  # the Core connection does not autoflush; a no-op when nothing is pending
    connection = session.connection()
    revision = connection.execute(_revision_statement()).scalar_one()
    full = (connection.engine.url, revision, *key)
    with _CACHE_LOCK:
        found = _CACHE.get(full, _MISSING)
    if found is _MISSING:
        found = compute()
        with _CACHE_LOCK:
            if len(_CACHE) >= _CACHE_MAX:
                _CACHE.clear()
            _CACHE[full] = found
    return cast("T", found)


@cache
def _revision_statement() -> Select[int]:
    return select(RegistryRevision.revision).where(RegistryRevision.id == 1)


_CACHE: dict[tuple[Hashable, ...], object] = {}
_CACHE_LOCK = threading.Lock()
_CACHE_MAX = 4096
_MISSING = object()


def _chunks(ids: list[int], size: int = 500) -> Iterable[list[int]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def agreement_id_taken(session: Session, agreement_id: int) -> bool:
    """Whether any agreement, visible or not, has this id (for choosing a new one only:
    the answer never reaches a user)."""
    stmt = select(Agreement.id).where(Agreement.id == agreement_id)
    return session.execute(stmt).first() is not None
