"""What refers to an object (``intel_reference``, ``service.referring``), on the real registry
and both backends: the references of an object's current version are written on ingest,
replaced by a new version, gone when it is revoked or deleted; a reader sees only the
referrers the release policy lets it read, and no count of the others; migration 0017 fills
the table from a store's bodies exactly as ingest writes it, and is undone."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from taawun.access import service as access
from taawun.core.clock import SystemClock
from taawun.core.errors import InvalidInput
from taawun.core.ids import AgencyId, StateId, UserId
from taawun.core.principal import Clearance, Principal, Role
from taawun.intel import changes, service
from taawun.intel.markings import MarkingDefaults, Tlp
from taawun.intel.models import IntelObject, IntelReference
from taawun.intel.schemas import ReferrerPage
from taawun.storage.migrate import downgrade, upgrade

from ..conftest import new_database
from ..unit.intel.conftest import World, indicator, world  # noqa: F401 - the fixture

CREATED = "2026-01-01T00:00:00.000Z"
IDENTITY = "identity--00000000-0000-4000-8000-00000000a001"


def sdo(kind: str, n: int, **extra: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "type": kind,
        "spec_version": "2.1",
        "id": f"{kind}--00000000-0000-4000-8000-{n:012d}",
        "created": CREATED,
        "modified": CREATED,
    }
    return obj | extra


def malware(n: int) -> dict[str, Any]:
    return sdo("malware", n, name=f"malware {n}", is_family=True)


def relationship(n: int, source: str, target: str, kind: str = "indicates") -> dict[str, Any]:
    return sdo("relationship", n, relationship_type=kind, source_ref=source, target_ref=target)


def report(n: int, refs: list[str], **extra: Any) -> dict[str, Any]:
    return sdo("report", n, name=f"report {n}", published=CREATED, object_refs=refs, **extra)


@dataclass
class Linked:
    """MIT's indicator, malware and relationship (the indicator indicates the malware),
    released to Pakistan, and a report of all three authored by an identity, kept to
    Turkey; with the sharing world and the session, and ways to share and to ask."""

    world: World
    session: Session
    ind: str
    mal: str
    rel: str
    rep: str
    objects: dict[str, dict[str, Any]]

    def share(
        self, agency: str, objects: list[dict[str, Any]], *, released: bool, stored: int = -1
    ) -> None:
        """Share ``objects``: all stored, or ``stored`` of them."""
        release = (str(self.world.agreement_id),) if released else ()
        answer = changes.share(
            self.world.user(agency),
            self.session,
            objects=objects,
            defaults=MarkingDefaults(tlp=Tlp.AMBER, release_to=release),
            clock=self.world.clock,
        )
        assert answer.stored == (len(objects) if stored < 0 else stored), answer.outcomes

    def page(self, user: str | Principal, stix_id: str, limit: int = 50) -> ReferrerPage:
        reader = self.world.user(user) if isinstance(user, str) else user
        return service.referring(
            reader, self.session, stix_id=stix_id, limit=limit, clock=self.world.clock
        )

    def referrers(self, agency: str, stix_id: str) -> list[tuple[str, str]]:
        return [(r.id, r.property) for r in self.page(agency, stix_id).items]

    def rows_of(self, stix_id: str) -> int:
        """The reference rows of every stored version of ``stix_id`` (current or not)."""
        seqs = select(IntelObject.seq).where(IntelObject.stix_id == stix_id)
        stmt = select(func.count()).where(IntelReference.object_seq.in_(seqs))
        return int(self.session.scalar(stmt.select_from(IntelReference)) or 0)


@pytest.fixture
def linked(loaded_db: Session, world: World) -> Linked:  # noqa: F811 - the imported fixture
    ind, mal = indicator(1), malware(2)
    rel = relationship(3, ind["id"], mal["id"])
    rep = report(4, [ind["id"], mal["id"], rel["id"]], created_by_ref=IDENTITY)
    objects = {"ind": ind, "mal": mal, "rel": rel, "rep": rep}
    out = Linked(world, loaded_db, ind["id"], mal["id"], rel["id"], rep["id"], objects)
    out.share("TUR-MIT", [ind, mal, rel], released=True)
    out.share("TUR-MIT", [rep], released=False)
    return out


def test_the_references_of_what_is_shared_are_written_with_it(linked: Linked) -> None:
    ind, mal, rel, rep = linked.ind, linked.mal, linked.rel, linked.rep
    # the most recently stored first: the report came after the relationship
    assert linked.referrers("TUR-MIT", mal) == [(rep, "object_refs"), (rel, "target_ref")]
    assert linked.referrers("TUR-MIT", ind) == [(rep, "object_refs"), (rel, "source_ref")]
    assert linked.referrers("TUR-MIT", IDENTITY) == [(rep, "created_by_ref")]
    assert linked.referrers("TUR-MIT", rep) == []  # nothing refers to the report
    page = linked.page("TUR-MOD", mal)  # the same state reads it all
    relation = page.items[1]
    assert (relation.relationship_type, relation.other_ref) == ("indicates", ind)
    assert page.items[0].relationship_type is None and page.items[0].type == "report"
    assert not page.more
    # The same versions sent again are duplicates: nothing is written twice.
    linked.share("TUR-MIT", [linked.objects["rel"]], released=True, stored=0)
    assert linked.referrers("TUR-MIT", mal) == [(rep, "object_refs"), (rel, "target_ref")]


def test_a_reader_sees_only_the_referrers_it_may_read(linked: Linked) -> None:
    """Pakistan reads the relationship (released to it), not the report (kept to Turkey);
    Saudi Arabia neither. The hidden one is not counted in ``more`` either."""
    mal, rel = linked.mal, linked.rel
    assert linked.referrers("PAK-ISI", mal) == [(rel, "target_ref")]
    assert linked.referrers("PAK-ISI", IDENTITY) == []
    assert linked.referrers("SAU-GIP", mal) == []
    one = linked.page("PAK-ISI", mal, limit=1)
    assert [i.id for i in one.items] == [rel] and not one.more
    mine = linked.page("TUR-MIT", mal, limit=1)
    assert len(mine.items) == 1 and mine.more
    # A reader below the report's classification does not see it either.
    secret = report(5, [mal])
    answer = changes.share(
        linked.world.user("TUR-MIT"),
        linked.session,
        objects=[secret],
        defaults=MarkingDefaults(classification=Clearance.SECRET),
        clock=linked.world.clock,
    )
    assert answer.stored == 1
    low = linked.world.user("TUR-MOD", clearance=Clearance.RESTRICTED)
    assert secret["id"] not in {i.id for i in linked.page(low, mal).items}
    assert secret["id"] in {r for r, _ in linked.referrers("TUR-MOD", mal)}


def test_a_new_version_replaces_the_references_of_the_one_before(linked: Linked) -> None:
    ind, mal, rep = linked.ind, linked.mal, linked.rep
    newer = {**linked.objects["rep"], "modified": "2026-02-01T00:00:00.000Z", "object_refs": [ind]}
    linked.share("TUR-MIT", [newer], released=False)
    assert rep not in {r for r, _ in linked.referrers("TUR-MIT", mal)}
    versions = [(i.id, i.version) for i in linked.page("TUR-MIT", ind).items if i.id == rep]
    assert versions == [(rep, "2026-02-01T00:00:00.000000Z")]
    assert linked.rows_of(rep) == 2  # the new version's: the indicator and its author
    # An older version sent late is stored but is not the current one: nothing changes.
    older = {**linked.objects["rep"], "modified": "2026-01-15T00:00:00.000Z"}
    linked.share("TUR-MIT", [older], released=False)
    assert rep not in {r for r, _ in linked.referrers("TUR-MIT", mal)}
    assert linked.rows_of(rep) == 2
    # Another agency's object of the same id is another object: MIT's rows stay.
    theirs = {**newer, "modified": "2026-03-01T00:00:00.000Z", "object_refs": [mal]}
    linked.share("TUR-MOD", [theirs], released=False)
    assert (rep, "object_refs") in linked.referrers("TUR-MIT", ind)
    assert (rep, "object_refs") in linked.referrers("TUR-MIT", mal)
    assert linked.rows_of(rep) == 4  # and MOD's: the malware and the author


def test_revoked_and_deleted_referrers_are_gone(linked: Linked) -> None:
    mit, clock = linked.world.user("TUR-MIT"), linked.world.clock
    changes.revoke(mit, linked.session, stix_id=linked.rel, clock=clock)
    assert linked.referrers("TUR-MIT", linked.mal) == [(linked.rep, "object_refs")]
    assert linked.referrers("PAK-ISI", linked.mal) == []
    assert linked.rows_of(linked.rel) == 0
    changes.delete(mit, linked.session, stix_id=linked.rep, clock=clock)
    assert linked.referrers("TUR-MIT", linked.ind) == []
    assert linked.referrers("TUR-MIT", IDENTITY) == []
    assert linked.rows_of(linked.rep) == 0
    orphans = (
        select(func.count())
        .select_from(IntelReference)
        .where(IntelReference.object_seq.not_in(select(IntelObject.seq)))
    )
    assert linked.session.scalar(orphans) == 0


def test_an_object_refused_in_a_submission_writes_no_reference(linked: Linked) -> None:
    """Of a submission, only the objects stored give rows: not one refused for itself."""
    target = "malware--00000000-0000-4000-8000-00000000b001"
    broken = relationship(7, linked.ind, target)
    del broken["relationship_type"]
    answer = changes.share(
        linked.world.user("TUR-MIT"),
        linked.session,
        objects=[report(6, [target]), broken],
        defaults=MarkingDefaults(),
        clock=linked.world.clock,
    )
    assert (answer.stored, answer.failed) == (1, 1)
    assert linked.referrers("TUR-MIT", target) == [(report(6, [])["id"], "object_refs")]


def test_the_limit_is_bounded(linked: Linked) -> None:
    for limit in (0, service.MAX_LIMIT + 1):
        with pytest.raises(InvalidInput):
            linked.page("TUR-MIT", IDENTITY, limit=limit)


# --- migration 0017 ----------------------------------------------------------------------


def _node_user(session: Session) -> Principal:
    """An agency of a state of its own on an empty node (no registry imported)."""
    session.execute(text("INSERT INTO state (id, name, source) VALUES (9001, 'Testland', 'test')"))
    agency = access.create_agency(
        Principal.system_principal("test"),
        session,
        state_id=9001,
        name="Test agency",
        kind="intelligence",
        clock=SystemClock(),
    )
    return Principal(
        user_id=UserId(9001),
        username="tester",
        agency_id=AgencyId(agency.id),
        state_id=StateId(9001),
        role=Role.LIAISON,
        clearance=Clearance.SECRET,
    )


def _all_rows(session: Session) -> set[tuple[str, int, str]]:
    return {
        (r.ref_id, r.object_seq, r.property)
        for r in session.execute(
            select(IntelReference.ref_id, IntelReference.object_seq, IntelReference.property)
        )
    }


def test_the_migration_fills_the_references_of_a_store_and_is_undone(
    backend: str, tmp_path: Path
) -> None:
    """A node upgraded to 0017 gets the rows ingest would have written: those of current,
    unrevoked versions only."""
    engine = new_database(backend, "references", tmp_path)
    try:
        with Session(engine) as session:
            user = _node_user(session)
            ind, mal = indicator(1), malware(2)
            rel = relationship(3, ind["id"], mal["id"])
            gone = relationship(4, mal["id"], ind["id"], "related-to")
            rep = report(5, [ind["id"], mal["id"], rel["id"]], created_by_ref=IDENTITY)
            newer = {**rep, "modified": "2026-02-01T00:00:00.000Z", "object_refs": [mal["id"]]}
            many = [report(100 + n, [ind["id"]]) for n in range(2100)]  # past one batch
            for objects in ([ind, mal, rel, gone, rep], [newer], many):
                changes.share(user, session, objects=objects, defaults=MarkingDefaults())
            changes.revoke(user, session, stix_id=gone["id"])
            session.commit()
            written = _all_rows(session)
        assert len(written) == 2 + 2 + 2100  # rel; newer: the malware, its author; many
        assert (IDENTITY, "created_by_ref") in {(ref, name) for ref, _, name in written}

        downgrade(engine, "0016")
        with engine.connect() as connection:
            assert "intel_reference" not in engine.dialect.get_table_names(connection)
            assert connection.scalar(text("SELECT count(*) FROM intel_object")) == 2100 + 7
        upgrade(engine)
        with Session(engine) as session:
            assert _all_rows(session) == written
            # and the table works as written by ingest: a delete cascades
            session.execute(delete(IntelObject).where(IntelObject.stix_id == rel["id"]))
            session.commit()
            assert len(_all_rows(session)) == len(written) - 2
    finally:
        engine.dispose()
