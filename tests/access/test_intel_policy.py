"""The release policy (``intel/policy.py``), tested two ways on SQLite and PostgreSQL.

1. At its edges (``test_release_rule_at_its_edges``): one world per case, built so that
   exactly one condition of the rule decides, at its boundary (a date equal to the day, one
   day before, one after; a classification equal to the clearance or ceiling, one below, one
   above), with the answer written down. Every way intel is read must give that answer: a
   page (the reader's grants read first, ``grants_criterion``), the nested form
   (``agreement_grants``), the count, the TAXII joined page, and the agreement the audit
   names (``granting_agreements``); so must the plain-Python predicate ``may_read``. Weakening
   any one condition, in SQL or in the Python the two share (``registry/policy.py``), fails
   a case here, whatever Hypothesis happens to draw.
2. Differentially (``test_sql_release_policy_equals_python_predicate``): Hypothesis draws
   worlds of agreements that would grant but for one or two conditions changed, mostly to an
   edge of the day read (a party that joined late, left early, left and joined again; in
   force from or ended on the day or a day off; suspended, ended, never in force; no
   ceiling; not sharing), and a dozen or more objects of every owner, TLP, classification,
   release list and recipient list; every read path must return exactly the rows
   ``may_read`` allows. It finds what the cases above did not think of; the cases are what
   make a weakened condition fail every time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from taawun.access.models import Agency
from taawun.access.restrict import Action, restrict
from taawun.core.ids import AgencyId, StateId, UserId
from taawun.core.principal import Clearance, Principal, Role
from taawun.intel import repository
from taawun.intel.markings import Tlp
from taawun.intel.models import IntelObject
from taawun.intel.policy import AgreementFacts, IntelPolicy, ObjectFacts, may_read
from taawun.intel.repository import Filters, Scope
from taawun.registry.models import Agreement, AgreementDomain, AgreementParty, State
from taawun.registry.policy import SHARING_DOMAIN

N_STATES = 4
AGENCIES_PER_STATE = 2
N_AGENCIES = N_STATES * AGENCIES_PER_STATE
NOW = datetime(2026, 1, 1, tzinfo=UTC)
T = date(2024, 6, 15)  # the day read
DAY = timedelta(days=1)
EVERYTHING = Filters(versions=("all",))

# The cast of the edge cases: agency 0 of state 0 owns the object, agency 2 of state 1
# reads it; agency 1 is the owner's state's other agency, agency 3 the reader's.
OWNER, OWNER_STATE = 0, 0
OWNER_STATE_OTHER_AGENCY = 1
READER, READER_STATE = 2, 1
READER_STATE_OTHER_AGENCY = 3
OTHER_STATE = 2

Spell = tuple[int, date | None, date | None]  # (state index, entered, exited)
BOTH: tuple[Spell, ...] = ((OWNER_STATE, None, None), (READER_STATE, None, None))

U, R, C, S, TS = (int(c) for c in Clearance)  # UNCLASSIFIED ... TOP_SECRET


@dataclass(frozen=True, slots=True)
class Pact:
    """An agreement of a generated world; by default it lets the reader read the owner's
    releases under it up to SECRET."""

    status: str = "in_force"
    in_force: date | None = T - 30 * DAY
    ended: date | None = None
    ceiling: int | None = S
    domains: frozenset[str] = frozenset({SHARING_DOMAIN})
    parties: tuple[Spell, ...] = BOTH


@dataclass(frozen=True, slots=True)
class Item:
    """An object of a generated world; by default the owner's CONFIDENTIAL TLP:GREEN
    indicator released under the world's first agreement."""

    owner: int = OWNER  # agency index
    tlp: Tlp = Tlp.GREEN
    classification: int = C
    released_to_all: bool = False
    release: tuple[int, ...] = (0,)  # agreement indexes
    recipients: tuple[int, ...] = ()  # agency indexes


@dataclass(frozen=True, slots=True)
class World:
    agencies: list[Agency]
    agreements: dict[int, AgreementFacts]
    objects: dict[int, ObjectFacts]  # by seq


def _build(db: Session, pacts: Sequence[Pact], items: Sequence[Item]) -> World:
    states = [State(cow_code=9100 + i, name=f"S{i}", source="generated") for i in range(N_STATES)]
    db.add_all(states)
    db.flush()
    agencies = [
        Agency(state_id=states[i // AGENCIES_PER_STATE].id, name=f"A{i}", created_at=NOW)
        for i in range(N_AGENCIES)
    ]
    db.add_all(agencies)
    db.flush()
    rows: list[Agreement] = []
    for n, g in enumerate(pacts):
        row = Agreement(
            title=f"g{n}",
            source="generated",
            source_id=str(n),
            status=g.status,
            in_force=g.in_force,
            ended=g.ended,
            sharing_ceiling=g.ceiling,
            confidential=False,
            terms={},
            created_at=NOW,
            updated_at=NOW,
        )
        row.domains = [AgreementDomain(domain=d, terms={}) for d in sorted(g.domains)]
        row.parties = [
            AgreementParty(state_id=states[s].id, phase=0, entered=e, exited=x)
            for s, e, x in g.parties
        ]
        rows.append(row)
    db.add_all(rows)
    db.flush()
    agreement_ids = [row.id for row in rows]
    facts = {
        row.id: AgreementFacts(
            status=g.status,
            in_force=g.in_force,
            ended=g.ended,
            ceiling=g.ceiling,
            domains=g.domains,
            parties=tuple((states[s].id, e, x) for s, e, x in g.parties),
        )
        for row, g in zip(rows, pacts, strict=True)
    }
    # Written as the ingest writes them (``repository.insert_versions``), so that the
    # release list's copy on the row, which PostgreSQL's policy reads, is set too.
    stored: list[dict[str, object]] = []
    releases: list[list[int]] = []
    recipients: list[list[int]] = []
    for n, o in enumerate(items):
        owner = agencies[o.owner]
        stored.append(
            {
                "stix_id": f"indicator--00000000-0000-4000-8000-{n:012d}",
                "type": "indicator",
                "spec_version": "2.1",
                "created_us": 0,
                "version_us": 0,
                "added_us": n + 1,
                "is_first": True,
                "is_last": True,
                "owner_agency_id": owner.id,
                "owner_state_id": owner.state_id,
                "tlp": int(o.tlp),
                "classification": o.classification,
                "released_to_all": o.released_to_all,
                "revoked": False,
                "label": "",
                "body": b"{}",
            }
        )
        releases.append(sorted({agreement_ids[i] for i in o.release if i < len(agreement_ids)}))
        recipients.append(sorted({agencies[i].id for i in o.recipients}))
    repository.insert_versions(db, stored, releases, recipients)
    seq_of = dict(db.execute(select(IntelObject.stix_id, IntelObject.seq)).all())
    objects: dict[int, ObjectFacts] = {}
    for values, o, release, recipient in zip(stored, items, releases, recipients, strict=True):
        owner = agencies[o.owner]
        objects[seq_of[str(values["stix_id"])]] = ObjectFacts(
            owner_agency=owner.id,
            owner_state=owner.state_id,
            tlp=o.tlp,
            classification=o.classification,
            released_to_all=o.released_to_all,
            release_to=frozenset(release),
            recipients=frozenset(recipient),
        )
    db.flush()
    return World(agencies, facts, objects)


def _reader(agency: Agency, clearance: int, role: Role = Role.ANALYST) -> Principal:
    return Principal(
        user_id=UserId(1),
        username="reader",
        agency_id=AgencyId(agency.id),
        state_id=StateId(agency.state_id),
        role=role,
        clearance=Clearance(clearance),
    )


def _granting(
    obj: ObjectFacts, agreements: Mapping[int, AgreementFacts], reader_state: int, day: date
) -> set[int]:
    """The agreements on ``obj``'s release list that let ``reader_state`` read it on ``day``."""
    return {
        g
        for g in obj.release_to
        if agreements[g].in_force_at(day)
        and SHARING_DOMAIN in agreements[g].domains
        and obj.classification <= (agreements[g].ceiling or 0)
        and agreements[g].party_at(reader_state, day)
        and agreements[g].party_at(obj.owner_state, day)
    }


def _check_every_read_path(
    db: Session, world: World, principal: Principal, day: date, want: set[int]
) -> None:
    """Every way intel is read returns exactly ``want`` (and the audit names a granting
    agreement for exactly the rows of other states that one grants)."""
    rows, _ = repository.page(
        db, principal, day, scope=Scope(), filters=EVERYTHING, limit=1000, columns=("seq",)
    )
    assert {r[0] for r in rows} == want, "page (the reader's grants read first)"
    nested = restrict(select(IntelObject.seq), principal, Action.VIEW, policy=IntelPolicy(day))
    assert set(db.scalars(nested)) == want, "nested form (agreement_grants)"
    total = repository.count(db, principal, day, scope=Scope(), filters=EVERYTHING)
    assert total == len(want), "count"
    joined = repository.joined_page(
        db, principal, day, scope=Scope(), filters=EVERYTHING, limit=1000
    )
    assert joined.count == len(want), "TAXII joined page"
    assert len(orjson.loads(b"[" + joined.objects + b"]")) == len(want), "TAXII joined page"
    assert principal.state_id is not None
    others = [seq for seq, o in world.objects.items() if o.owner_state != principal.state_id]
    named = repository.granting_agreements(db, principal, day, others)
    for seq in others:
        granting = _granting(world.objects[seq], world.agreements, principal.state_id, day)
        assert named.get(seq) == (min(granting) if granting else None), "granting_agreements"


# --- 1. at the edges ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    readable: bool
    pacts: tuple[Pact, ...] = (Pact(),)
    item: Item = field(default_factory=Item)
    reader: int = READER  # agency index
    clearance: int = S
    # other objects in the same world, each with whether the reader may read it: a condition
    # that ties a row to its own releases or recipients holds only with other rows about
    beside: tuple[tuple[Item, bool], ...] = ()


def _pact(**changes: Any) -> tuple[Pact, ...]:
    return (replace(Pact(), **changes),)


def _item(**changes: Any) -> Item:
    return replace(Item(), **changes)


def _reader_spells(*spells: tuple[date | None, date | None]) -> tuple[Pact, ...]:
    return _pact(parties=((OWNER_STATE, None, None), *((READER_STATE, e, x) for e, x in spells)))


def _owner_spells(*spells: tuple[date | None, date | None]) -> tuple[Pact, ...]:
    return _pact(parties=((READER_STATE, None, None), *((OWNER_STATE, e, x) for e, x in spells)))


NOTHING_RELEASED = _item(release=())
CASES = [
    Case("granted", True),
    # 1. clearance ≥ classification (the agreement's ceiling out of the way)
    Case("clearance-equals-classification", True, _pact(ceiling=TS), _item(classification=S)),
    Case("clearance-one-above", True, _pact(ceiling=TS), _item(classification=C), clearance=S),
    Case("clearance-one-below", False, _pact(ceiling=TS), _item(classification=S), clearance=C),
    Case(
        "own-state-clearance-one-below",
        False,
        item=_item(classification=S, release=()),
        reader=OWNER_STATE_OTHER_AGENCY,
        clearance=C,
    ),
    Case(
        "released-to-all-clearance-one-below",
        False,
        item=_item(tlp=Tlp.CLEAR, released_to_all=True, classification=S, release=()),
        clearance=C,
    ),
    # 2a. own state
    Case(
        "own-state-nothing-released", True, item=NOTHING_RELEASED, reader=OWNER_STATE_OTHER_AGENCY
    ),
    Case("own-agency-nothing-released", True, item=NOTHING_RELEASED, reader=OWNER),
    Case("other-state-nothing-released", False, item=NOTHING_RELEASED),
    Case(
        "own-state-not-a-party",
        True,
        _pact(parties=((READER_STATE, None, None), (OTHER_STATE, None, None))),
        reader=OWNER_STATE_OTHER_AGENCY,
    ),
    # 2b. released to everyone: TLP:CLEAR only
    Case(
        "clear-released-to-all", True, item=_item(tlp=Tlp.CLEAR, released_to_all=True, release=())
    ),
    Case(
        "green-released-to-all", False, item=_item(tlp=Tlp.GREEN, released_to_all=True, release=())
    ),
    Case(
        "amber-released-to-all", False, item=_item(tlp=Tlp.AMBER, released_to_all=True, release=())
    ),
    Case("clear-not-released-to-all", False, item=_item(tlp=Tlp.CLEAR, release=())),
    # 2c. an agreement on the release list ...
    Case("agreement-not-on-release-list", False, item=NOTHING_RELEASED),
    Case(
        "released-under-another-agreement",
        False,
        (Pact(), Pact(parties=((OWNER_STATE, None, None), (OTHER_STATE, None, None)))),
        _item(release=(1,)),
    ),
    Case(
        "released-beside-an-object-not-released",
        False,
        item=NOTHING_RELEASED,
        beside=((Item(), True),),
    ),
    Case(
        "released-under-two-one-grants",
        True,
        (Pact(), Pact(parties=((OWNER_STATE, None, None), (OTHER_STATE, None, None)))),
        _item(release=(1, 0)),
    ),
    # ... in force: status
    Case("suspended", False, _pact(status="suspended")),
    Case("terminated", False, _pact(status="terminated")),
    Case("expired", False, _pact(status="expired")),
    Case("proposed", False, _pact(status="proposed")),
    # ... in force: from its in-force date
    Case("in-force-from-today", True, _pact(in_force=T)),
    Case("in-force-from-yesterday", True, _pact(in_force=T - DAY)),
    Case("in-force-from-tomorrow", False, _pact(in_force=T + DAY)),
    Case("in-force-date-unset", False, _pact(in_force=None)),
    # ... in force: to its end (the last day in force)
    Case("ended-today", True, _pact(ended=T)),
    Case("ended-yesterday", False, _pact(ended=T - DAY)),
    Case("ends-tomorrow", True, _pact(ended=T + DAY)),
    # ... the reader's state a party on the day
    Case("reader-joined-today", True, _reader_spells((T, None))),
    Case("reader-joins-tomorrow", False, _reader_spells((T + DAY, None))),
    Case("reader-joined-yesterday", True, _reader_spells((T - DAY, None))),
    Case("reader-leaves-today", True, _reader_spells((None, T))),
    Case("reader-left-yesterday", False, _reader_spells((None, T - DAY))),
    Case("reader-leaves-tomorrow", True, _reader_spells((None, T + DAY))),
    Case("reader-one-day-spell", True, _reader_spells((T, T))),
    Case("reader-left-rejoins-tomorrow", False, _reader_spells((None, T - DAY), (T + DAY, None))),
    Case("reader-left-rejoined-today", True, _reader_spells((None, T - DAY), (T, None))),
    Case("reader-not-a-party", False, _reader_spells()),
    # ... the owner's state a party on the day
    Case("owner-joined-today", True, _owner_spells((T, None))),
    Case("owner-joins-tomorrow", False, _owner_spells((T + DAY, None))),
    Case("owner-joined-yesterday", True, _owner_spells((T - DAY, None))),
    Case("owner-leaves-today", True, _owner_spells((None, T))),
    Case("owner-left-yesterday", False, _owner_spells((None, T - DAY))),
    Case("owner-leaves-tomorrow", True, _owner_spells((None, T + DAY))),
    Case("owner-one-day-spell", True, _owner_spells((T, T))),
    Case("owner-left-rejoins-tomorrow", False, _owner_spells((None, T - DAY), (T + DAY, None))),
    Case("owner-left-rejoined-today", True, _owner_spells((None, T - DAY), (T, None))),
    Case("owner-not-a-party", False, _owner_spells()),
    Case(
        "parties-of-different-agreements",
        False,
        (
            Pact(parties=((OWNER_STATE, None, None), (OTHER_STATE, None, None))),
            Pact(parties=((READER_STATE, None, None), (OTHER_STATE, None, None))),
        ),
        _item(release=(0, 1)),
    ),
    # ... covering intelligence_sharing
    Case("domain-not-sharing", False, _pact(domains=frozenset({"training"}))),
    Case("domains-with-sharing", True, _pact(domains=frozenset({"training", SHARING_DOMAIN}))),
    # ... with the classification within its ceiling
    Case("classification-equals-ceiling", True, _pact(ceiling=C), _item(classification=C)),
    Case("classification-one-below-ceiling", True, _pact(ceiling=C), _item(classification=R)),
    Case("classification-one-above-ceiling", False, _pact(ceiling=C), _item(classification=S)),
    Case("no-ceiling-unclassified", True, _pact(ceiling=None), _item(classification=U)),
    Case("no-ceiling-restricted", False, _pact(ceiling=None), _item(classification=R)),
    Case(
        "ceiling-of-a-listed-agreement-that-does-not-grant",
        False,
        (
            Pact(ceiling=R),
            Pact(ceiling=TS, parties=((OWNER_STATE, None, None), (OTHER_STATE, None, None))),
        ),
        _item(classification=S, release=(0, 1)),
    ),
    Case(
        "ceiling-of-an-agreement-not-listed",
        False,
        (Pact(ceiling=R), Pact(ceiling=TS)),
        _item(classification=S, release=(0,)),
    ),
    Case(
        "two-listed-the-higher-ceiling-grants",
        True,
        (Pact(ceiling=R), Pact(ceiling=S)),
        _item(classification=S, release=(0, 1)),
    ),
    # 3. TLP:RED: named recipients, or the owner agency
    Case("red-recipient", True, item=_item(tlp=Tlp.RED, recipients=(READER,))),
    Case(
        "red-recipient-another-agency",
        False,
        item=_item(tlp=Tlp.RED, recipients=(READER_STATE_OTHER_AGENCY,)),
    ),
    Case("red-no-recipients", False, item=_item(tlp=Tlp.RED)),
    Case(
        "red-recipient-not-released",
        False,
        item=_item(tlp=Tlp.RED, recipients=(READER,), release=()),
    ),
    Case("red-own-agency", True, item=_item(tlp=Tlp.RED, release=()), reader=OWNER),
    Case(
        "red-own-state-other-agency",
        False,
        item=_item(tlp=Tlp.RED, release=()),
        reader=OWNER_STATE_OTHER_AGENCY,
    ),
    Case(
        "red-own-state-recipient",
        True,
        item=_item(tlp=Tlp.RED, release=(), recipients=(OWNER_STATE_OTHER_AGENCY,)),
        reader=OWNER_STATE_OTHER_AGENCY,
    ),
    Case("amber-strict-not-a-recipient", True, item=_item(tlp=Tlp.AMBER_STRICT)),
    Case(
        "red-recipient-of-another-object",
        False,
        item=_item(tlp=Tlp.RED),
        beside=((_item(tlp=Tlp.RED, recipients=(READER,)), True),),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_release_rule_at_its_edges(db: Session, case: Case) -> None:
    savepoint = db.begin_nested()
    try:
        items = [(case.item, case.readable), *case.beside]
        world = _build(db, case.pacts, [item for item, _ in items])
        principal = _reader(world.agencies[case.reader], case.clearance)
        want = {seq for seq, (_, readable) in zip(world.objects, items, strict=True) if readable}
        python = {
            s for s, o in world.objects.items() if may_read(principal, o, world.agreements, T)
        }
        assert python == want, "may_read"
        _check_every_read_path(db, world, principal, T, want)
    finally:
        savepoint.rollback()


# --- 2. differentially, on generated worlds ------------------------------------------------

# A world is drawn so that a condition of the rule is often the only one that fails or only
# just holds: drawn at random, an agreement would almost never grant, and then nothing about
# the agreement branch would be tested. Every date falls within two days of T, the day read
# is T or a day either side, and a choice listed twice weighs twice.
days = st.sampled_from([T + k * DAY for k in (0, 1, -1, 2, -2)])
maybe_day = st.one_of(days, st.none())


# A state's spells in an agreement, when not one spell throughout: one spell (joined late,
# left early, or both), left and joined again, or none; at the edges of T, or drawn.
SPELLS: list[tuple[tuple[date | None, date | None], ...]] = [
    ((None, T - DAY),),
    ((T, None),),
    ((T + DAY, None),),
    ((None, T),),
    ((None, T - DAY), (T + DAY, None)),
    ((None, T - DAY), (T, None)),
    (),
    ((T, T),),
]
drawn_spells = st.one_of(
    st.tuples(st.tuples(maybe_day, maybe_day)),
    st.tuples(days, st.integers(1, 3)).map(lambda s: ((None, s[0]), (s[0] + s[1] * DAY, None))),
)


# An agreement is drawn granting (in force, sharing, every state a party throughout, the
# ceiling drawn), then has one or two of its conditions changed, mostly to a value at an
# edge of T.
CHANGES: list[tuple[str, Any]] = [
    *(("parties", (state, spells)) for spells in SPELLS for state in (READER_STATE, OWNER_STATE)),
    *(("in_force", d) for d in (T, T, T + DAY, T + DAY, T - DAY, None)),
    *(("ended", d) for d in (T, T, T - DAY, T - DAY, T + DAY)),
    *(("status", s) for s in ("suspended", "terminated", "expired", "proposed")),
    ("ceiling", None),
    ("ceiling", None),
    ("domains", frozenset({"training"})),
    ("domains", frozenset({"training"})),
]
changes = st.one_of(
    st.sampled_from(CHANGES),
    st.tuples(st.just("parties"), st.tuples(st.integers(0, N_STATES - 1), drawn_spells)),
    st.tuples(st.just("in_force"), maybe_day),
    st.tuples(st.just("ended"), days),
)


def _changed(ceiling: int, changed: list[tuple[str, Any]]) -> Pact:
    fields: dict[str, Any] = {"ceiling": ceiling}
    spells: dict[int, tuple[Spell, ...]] = {s: ((s, None, None),) for s in range(N_STATES)}
    for name, value in changed:
        if name == "parties":
            state, of_state = value
            spells[state] = tuple((state, e, x) for e, x in of_state)
        else:
            fields[name] = value
    parties = tuple(spell for of_state in spells.values() for spell in of_state)
    return replace(Pact(), **fields, parties=parties)


levels = st.sampled_from([U, R, C, S, TS])
pacts = st.builds(_changed, levels, st.lists(changes, min_size=1, max_size=2))
# Most objects are of other states than the reader's (the agreement branch), most are listed
# under one agreement (under several, a row is read if any grants, which hides a condition
# failing in one), most are not TLP:RED; 12 to 20 of them, so that each agreement is read
# through several.
items = st.builds(
    Item,
    owner=st.sampled_from([OWNER] * 4 + [4, 6] + list(range(N_AGENCIES))),
    tlp=st.sampled_from([Tlp.GREEN] * 4 + list(Tlp) + [Tlp.RED]),
    classification=levels,
    released_to_all=st.booleans(),
    release=st.sampled_from([(0,), (1,), (2,), (0,), (1,), (2,), (0, 1), (1, 2), ()]),
    recipients=st.sampled_from([(), (READER,), (READER,), (READER_STATE_OTHER_AGENCY,), (OWNER,)]),
)
worlds = st.fixed_dictionaries(
    {
        "agreements": st.lists(pacts, min_size=3, max_size=3),
        "objects": st.lists(items, min_size=12, max_size=20),
        # mostly agency READER, any agency now and then
        "reader": st.sampled_from([READER] * 8 + list(range(N_AGENCIES))),
        "role": st.sampled_from(list(Role)),
        "clearance": st.sampled_from([TS, TS, S, C, R, U]),
        "day": st.sampled_from([T, T, T + DAY, T - DAY]),
    }
)


@settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(w=worlds)
def test_sql_release_policy_equals_python_predicate(db: Session, w: dict[str, Any]) -> None:
    day: date = w["day"]
    savepoint = db.begin_nested()
    try:
        world = _build(db, w["agreements"], w["objects"])
        principal = _reader(world.agencies[w["reader"]], w["clearance"], w["role"])
        want = {
            s for s, o in world.objects.items() if may_read(principal, o, world.agreements, day)
        }
        _check_every_read_path(db, world, principal, day, want)
    finally:
        savepoint.rollback()
