"""The release policy (docs/architecture.md, "The release policy"): who may read which intel.

An agency A (state S_A) may read object version O owned by agency B (state S_B)
at time t, by a user U of A, exactly when all hold:

1. U's clearance ≥ O's classification; and
2. S_A = S_B, or O is TLP:CLEAR and its owner released it to everyone on the
   node, or some agreement G on O's release list is in force at t (status and
   dates), has S_A and S_B both as parties at t, covers intelligence_sharing,
   and O's classification ≤ G's ceiling (no ceiling: UNCLASSIFIED only);
3. if O is TLP:RED, A is one of O's named recipients, or A = B.

The rule exists here twice: ``criterion`` is the SQL every query of intel uses
(through ``access.restrict`` in ``intel/repository.py``), ``may_read`` the
plain-Python predicate that tests compare it with on generated worlds. It is
evaluated at query time: suspending or ending G removes the access at once.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    exists,
    false,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import array

from taawun.access.restrict import Action
from taawun.core.principal import Principal
from taawun.intel.markings import Tlp
from taawun.intel.models import IntelObject, IntelRecipient, IntelRelease
from taawun.registry.policy import (
    SHARING_DOMAIN,
    is_in_force_on,
    sharing_grant,
    spell_covers_day,
)


def release_grants(principal_state: int, day: date) -> ColumnElement[bool]:
    """For a joined (intel_release, intel_object) pair: that release lets ``principal_state``
    read that object on ``day``."""
    return sharing_grant(
        IntelRelease.agreement_id,
        reader_state=principal_state,
        owner_state=IntelObject.owner_state_id,
        classification=IntelObject.classification,
        day=day,
    )


def agreement_grants(principal_state: int, day: date) -> ColumnElement[bool]:
    """Some agreement on the row's release list lets ``principal_state`` read the row at ``day``."""
    return exists(
        select(IntelRelease.agreement_id)
        .where(IntelRelease.object_seq == IntelObject.seq, release_grants(principal_state, day))
        .correlate_except(IntelRelease)
    )


def _int(value: int) -> ColumnElement[int]:
    """``value`` written into the SQL text rather than bound (it is an ``int``, so nothing
    but digits reaches the SQL)."""
    return literal_column(str(int(value)), Integer)


def grants_criterion(
    grants: Sequence[tuple[int, int, int]], reader_state: int, *, dialect: str
) -> ColumnElement[bool]:
    """Condition 2's agreement branch, given the reader's grants (agreement, party state,
    ceiling) read just before from the registry: the row's owner state is a party of an
    agreement on its release list, within that agreement's ceiling. One cheap test per partner
    state instead of a join per row; per row, only the branch of its owner's state runs.

    The release-list test is written for the database (``dialect``, its SQLAlchemy name, known
    when the statement is built): PostgreSQL overlaps the row's copy of its release list with
    the agreements (``release_ids && ARRAY[...]``, no probe of another table per row); SQLite,
    which has no arrays, probes ``intel_release``:

    - the probe finds the row's releases by ``object_seq`` alone and tests the agreement list
      on the few rows found. ``agreement_id + 0`` keeps the list out of the index condition:
      with the bare column SQLite probed ``ix_intel_release_agreement`` once per listed
      agreement, per row (4x slower at 100 agreements);
    - the ids (and the other values here) are literals in the SQL text, not bound parameters:
      a reader with 100 agreements would otherwise bind and send hundreds of values for every
      page (and PostgreSQL hashes a ``= ANY`` list only when it is a constant). The statement
      is built per reader and grants anyway (``intel/repository.py``), so its text is fixed
      per reader.
    """
    by_state: dict[int, dict[int, list[int]]] = {}
    for agreement_id, state, ceiling in grants:
        if state != reader_state:
            by_state.setdefault(state, {}).setdefault(ceiling, []).append(agreement_id)
    branches = [
        and_(IntelObject.owner_state_id == _int(state), _released_within(by_ceiling, dialect))
        for state, by_ceiling in sorted(by_state.items())
    ]
    return or_(*branches) if branches else false()


def _released_within(by_ceiling: Mapping[int, Sequence[int]], dialect: str) -> ColumnElement[bool]:
    """The row's release list holds an agreement of ``by_ceiling[c]`` for some ceiling ``c``
    at or above the row's classification."""
    groups = [
        ([_int(i) for i in sorted(set(ids))], IntelObject.classification <= _int(ceiling))
        for ceiling, ids in sorted(by_ceiling.items())
    ]
    if dialect == "postgresql":
        return or_(
            *(
                and_(IntelObject.release_ids.op("&&", is_comparison=True)(array(ids)), within)
                for ids, within in groups
            )
        )
    return exists(
        select(IntelRelease.object_seq)
        .where(
            IntelRelease.object_seq == IntelObject.seq,
            or_(
                *(
                    and_((IntelRelease.agreement_id + _int(0)).in_(ids), within)
                    for ids, within in groups
                )
            ),
        )
        .correlate_except(IntelRelease)
    )


class IntelPolicy:
    """The SQL form, for ``access.restrict``; ``day`` is the date the rule is evaluated at.

    With ``grants`` (the reader's, from ``registry.service.sharing_grants``) the agreement
    branch is the flat test of ``grants_criterion``; without, the nested form
    ``agreement_grants``. Both are checked against ``may_read`` by the differential tests.
    """

    def __init__(
        self,
        day: date,
        grants: Sequence[tuple[int, int, int]] | None = None,
        *,
        dialect: str = "",
    ) -> None:
        """``dialect``: the database's SQLAlchemy name, for the form of the release-list
        test with ``grants`` (``grants_criterion``)."""
        self.day = day
        self.grants = grants
        self.dialect = dialect

    def criterion(self, principal: Principal, action: Action) -> ColumnElement[bool]:
        if principal.system:
            return true()
        if principal.state_id is None or principal.agency_id is None:
            return false()
        if action is Action.CHANGE:
            return IntelObject.owner_agency_id == principal.agency_id
        return and_(
            IntelObject.classification <= int(principal.clearance),
            or_(
                IntelObject.owner_state_id == principal.state_id,
                and_(IntelObject.tlp == int(Tlp.CLEAR), IntelObject.released_to_all.is_(True)),
                agreement_grants(principal.state_id, self.day)
                if self.grants is None
                else grants_criterion(self.grants, principal.state_id, dialect=self.dialect),
            ),
            or_(
                IntelObject.tlp != int(Tlp.RED),
                IntelObject.owner_agency_id == principal.agency_id,
                exists(
                    select(IntelRecipient.agency_id).where(
                        IntelRecipient.object_seq == IntelObject.seq,
                        IntelRecipient.agency_id == principal.agency_id,
                    )
                ),
            ),
        )


# --- the plain-Python form, for tests ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class AgreementFacts:
    status: str
    in_force: date | None
    ended: date | None
    ceiling: int | None
    domains: frozenset[str]
    parties: tuple[tuple[int, date | None, date | None], ...]  # (state, entered, exited)

    def party_at(self, state: int, day: date) -> bool:
        return any(
            s == state and spell_covers_day(entered, exited, day)
            for s, entered, exited in self.parties
        )

    def in_force_at(self, day: date) -> bool:
        return is_in_force_on(self, day)


@dataclass(frozen=True, slots=True)
class ObjectFacts:
    owner_agency: int
    owner_state: int
    tlp: Tlp
    classification: int
    released_to_all: bool
    release_to: frozenset[int]
    recipients: frozenset[int]


def may_read(
    principal: Principal,
    obj: ObjectFacts,
    agreements: Mapping[int, AgreementFacts],
    day: date,
) -> bool:
    """The release policy as a plain predicate (tests only)."""
    if principal.system:
        return True
    if principal.state_id is None or principal.agency_id is None:
        return False
    if int(principal.clearance) < obj.classification:
        return False
    granted = (
        obj.owner_state == principal.state_id
        or (obj.tlp is Tlp.CLEAR and obj.released_to_all)
        or any(_grants(agreements[g], principal.state_id, obj, day) for g in obj.release_to)
    )
    if not granted:
        return False
    return obj.tlp is not Tlp.RED or principal.agency_id in _red_readers(obj)


def _grants(g: AgreementFacts, reader_state: int, obj: ObjectFacts, day: date) -> bool:
    return (
        g.in_force_at(day)
        and SHARING_DOMAIN in g.domains
        and obj.classification <= (g.ceiling or 0)
        and g.party_at(reader_state, day)
        and g.party_at(obj.owner_state, day)
    )


def _red_readers(obj: ObjectFacts) -> Collection[int]:
    return {obj.owner_agency, *obj.recipients}
