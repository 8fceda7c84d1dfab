"""Differential test of the release policy: the SQL criterion equals the Python predicate.

Hypothesis generates worlds — states, agencies, agreements with random status,
dates, ceilings, domains and party spells, objects with random owners, TLP,
classification, release lists and TLP:RED recipients — and a reader (agency,
role, clearance) at a random day. The rows ``intel/repository.py`` returns
through ``restrict`` must be exactly those ``policy.may_read`` allows, on SQLite
and on PostgreSQL, and so must the count.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import orjson
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

N_STATES = 4
AGENCIES_PER_STATE = 2
N_AGENCIES = N_STATES * AGENCIES_PER_STATE
NOW = datetime(2026, 1, 1, tzinfo=UTC)
BASE = date(2020, 1, 1)

days = st.integers(0, 365 * 10).map(lambda n: BASE + timedelta(days=n))
maybe_day = st.one_of(st.none(), days)
party = st.tuples(st.integers(0, N_STATES - 1), maybe_day, maybe_day)
domains = st.sets(st.sampled_from(["intelligence_sharing", "training", "consultation"]))
ceiling = st.one_of(st.none(), st.integers(0, 4))
agreement = st.one_of(
    st.fixed_dictionaries(
        {
            "status": st.sampled_from(
                ["proposed", "in_force", "suspended", "terminated", "expired"]
            ),
            "in_force": maybe_day,
            "ended": maybe_day,
            "ceiling": ceiling,
            "domains": domains,
            "parties": st.lists(party, min_size=1, max_size=4),
        }
    ),
    # in force for sharing from the start, between states without dates: random agreements
    # rarely grant anything, and the agreement branch must be exercised on every run
    st.fixed_dictionaries(
        {
            "status": st.just("in_force"),
            "in_force": st.just(BASE),
            "ended": st.none(),
            "ceiling": ceiling,
            "domains": domains.map(lambda d: d | {"intelligence_sharing"}),
            "parties": st.lists(
                st.tuples(st.integers(0, N_STATES - 1), st.none(), st.none()),
                min_size=2,
                max_size=4,
            ),
        }
    ),
)
intel = st.fixed_dictionaries(
    {
        "owner": st.integers(0, N_AGENCIES - 1),
        "tlp": st.sampled_from(list(Tlp)),
        "classification": st.integers(0, 4),
        "released_to_all": st.booleans(),
        "release": st.sets(st.integers(0, 5)),
        "recipients": st.sets(st.integers(0, N_AGENCIES - 1), max_size=3),
    }
)
reader = st.tuples(
    st.integers(0, N_AGENCIES - 1), st.sampled_from(list(Role)), st.sampled_from(list(Clearance))
)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    agreements=st.lists(agreement, min_size=1, max_size=6),
    objects=st.lists(intel, max_size=12),
    who=reader,
    day=days,
)
def test_sql_release_policy_equals_python_predicate(
    db: Session,
    agreements: list[dict[str, object]],
    objects: list[dict[str, object]],
    who: tuple[int, Role, Clearance],
    day: date,
) -> None:
    savepoint = db.begin_nested()
    try:
        states = [
            State(cow_code=9100 + i, name=f"S{i}", source="generated") for i in range(N_STATES)
        ]
        db.add_all(states)
        db.flush()
        agencies = [
            Agency(state_id=states[i // AGENCIES_PER_STATE].id, name=f"A{i}", created_at=NOW)
            for i in range(N_AGENCIES)
        ]
        db.add_all(agencies)
        db.flush()
        facts: dict[int, AgreementFacts] = {}
        agreement_ids: list[int] = []
        for n, g in enumerate(agreements):
            row = Agreement(
                title=f"g{n}",
                source="generated",
                source_id=str(n),
                status=g["status"],
                in_force=g["in_force"],
                ended=g["ended"],
                sharing_ceiling=g["ceiling"],
                confidential=False,
                terms={},
                created_at=NOW,
                updated_at=NOW,
            )
            row.domains = [AgreementDomain(domain=d, terms={}) for d in g["domains"]]  # type: ignore[attr-defined]
            row.parties = [
                AgreementParty(state_id=states[s].id, phase=0, entered=e, exited=x)
                for s, e, x in g["parties"]  # type: ignore[attr-defined]
            ]
            db.add(row)
            db.flush()
            agreement_ids.append(row.id)
            facts[row.id] = AgreementFacts(
                status=str(g["status"]),
                in_force=g["in_force"],  # type: ignore[arg-type]
                ended=g["ended"],  # type: ignore[arg-type]
                ceiling=g["ceiling"],  # type: ignore[arg-type]
                domains=frozenset(g["domains"]),  # type: ignore[arg-type]
                parties=tuple((states[s].id, e, x) for s, e, x in g["parties"]),  # type: ignore[attr-defined]
            )
        # Written as the ingest writes them (``repository.insert_versions``), so that the
        # release list's copy on the row, which PostgreSQL's policy reads, is set too.
        stored: list[dict[str, object]] = []
        releases: list[list[int]] = []
        recipients: list[list[int]] = []
        for n, o in enumerate(objects):
            owner = agencies[o["owner"]]  # type: ignore[index]
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
                    "tlp": int(o["tlp"]),  # type: ignore[call-overload]
                    "classification": o["classification"],
                    "released_to_all": o["released_to_all"],
                    "revoked": False,
                    "label": "",
                    "body": b"{}",
                }
            )
            releases.append([agreement_ids[i] for i in o["release"] if i < len(agreement_ids)])  # type: ignore[attr-defined]
            recipients.append([agencies[i].id for i in o["recipients"]])  # type: ignore[attr-defined]
        repository.insert_versions(db, stored, releases, recipients)
        seq_of = dict(db.execute(select(IntelObject.stix_id, IntelObject.seq)).all())
        expected: dict[int, ObjectFacts] = {}
        for values, o, release, recipient in zip(
            stored, objects, releases, recipients, strict=True
        ):
            expected[seq_of[str(values["stix_id"])]] = ObjectFacts(
                owner_agency=values["owner_agency_id"],  # type: ignore[arg-type]
                owner_state=values["owner_state_id"],  # type: ignore[arg-type]
                tlp=o["tlp"],  # type: ignore[arg-type]
                classification=o["classification"],  # type: ignore[arg-type]
                released_to_all=o["released_to_all"],  # type: ignore[arg-type]
                release_to=frozenset(release),
                recipients=frozenset(recipient),
            )
        db.flush()
        index, role, clearance = who
        me = agencies[index]
        principal = Principal(
            user_id=UserId(1),
            username="reader",
            agency_id=AgencyId(me.id),
            state_id=StateId(me.state_id),
            role=role,
            clearance=clearance,
        )
        rows, _ = repository.page(
            db,
            principal,
            day,
            scope=Scope(),
            filters=Filters(versions=("all",)),
            limit=1000,
            columns=("seq",),
        )
        got = {r[0] for r in rows}
        want = {seq for seq, obj in expected.items() if may_read(principal, obj, facts, day)}
        assert got == want
        # the nested form (no grants read first) must agree too
        nested = restrict(select(IntelObject.seq), principal, Action.VIEW, policy=IntelPolicy(day))
        assert set(db.scalars(nested)) == want
        total = repository.count(
            db, principal, day, scope=Scope(), filters=Filters(versions=("all",))
        )
        assert total == len(want)
        # the TAXII hot path (bodies joined by the database) reads the same rows
        joined = repository.joined_page(
            db, principal, day, scope=Scope(), filters=Filters(versions=("all",)), limit=1000
        )
        assert joined.count == len(want)
        assert len(orjson.loads(b"[" + joined.objects + b"]")) == len(want)
    finally:
        savepoint.rollback()
