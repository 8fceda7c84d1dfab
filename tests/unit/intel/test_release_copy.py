"""The release list's copy on each row (``intel_object.release_ids``) stays equal to
``intel_release`` through every writer, and PostgreSQL's policy reads the copy."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from taawun.core.principal import Clearance
from taawun.intel import changes
from taawun.intel.markings import MarkingDefaults
from taawun.intel.models import IntelObject, IntelRelease
from taawun.intel.policy import grants_criterion
from taawun.registry import changes as registry_changes
from taawun.registry.schemas import AgreementCreate

from .conftest import ROOT, World, indicator


def _copies(session: Session) -> dict[int, list[int]]:
    return {
        seq: list(ids)
        for seq, ids in session.execute(select(IntelObject.seq, IntelObject.release_ids))
    }


def _releases(session: Session) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for seq, g in session.execute(
        select(IntelRelease.object_seq, IntelRelease.agreement_id).order_by(
            IntelRelease.object_seq, IntelRelease.agreement_id
        )
    ):
        out.setdefault(seq, []).append(g)
    return out


def _in_sync(session: Session) -> dict[int, list[int]]:
    session.flush()
    copies, releases = _copies(session), _releases(session)
    assert copies == {seq: releases.get(seq, []) for seq in copies}
    return copies


def test_share_change_release_and_revoke_keep_the_copy_in_sync(
    loaded_db: Session, world: World
) -> None:
    second = registry_changes.record_agreement(
        ROOT,
        loaded_db,
        data=AgreementCreate(
            title="Second Turkey–Pakistan sharing agreement (test)",
            parties=["TUR", "PAK"],
            domains=["intelligence_sharing"],
            in_force=date(2024, 1, 1),
            sharing_ceiling=Clearance.SECRET,
        ),
        clock=world.clock,
    ).id
    first = world.agreement_id
    both = sorted([first, second])
    owner = world.user("TUR-MIT")
    report = changes.share(
        owner,
        loaded_db,
        objects=[indicator(1), indicator(2)],
        defaults=MarkingDefaults(release_to=(str(both[1]), str(both[0]))),  # unsorted
        clock=world.clock,
    )
    assert report.stored == 2
    changes.share(
        owner, loaded_db, objects=[indicator(3)], defaults=MarkingDefaults(), clock=world.clock
    )  # no release list
    copies = _in_sync(loaded_db)
    assert sorted(copies.values()) == sorted([[], both, both])

    one = indicator(1)["id"]
    changes.change_release(
        owner, loaded_db, stix_id=one, release_to=[str(first)], clock=world.clock
    )
    assert [first] in _in_sync(loaded_db).values()
    changes.change_release(owner, loaded_db, stix_id=one, release_to=[], clock=world.clock)
    changes.change_release(
        owner, loaded_db, stix_id=indicator(3)["id"], release_to=[str(second)], clock=world.clock
    )
    assert sorted(_in_sync(loaded_db).values()) == sorted([[], [second], both])

    changes.revoke(owner, loaded_db, stix_id=indicator(2)["id"], clock=world.clock)
    assert sorted(_in_sync(loaded_db).values()) == sorted([[], [second], both, both])


def _branch(*agreements: int, dialect: str = "postgresql") -> ColumnElement[bool]:
    # reader state 1: the first grant (its own state) is left out
    return grants_criterion(
        [(4, 1, 3), *((g, 2, 3) for g in agreements), (9, 3, 1)], reader_state=1, dialect=dialect
    )


def test_the_agreement_branch_reads_the_copy_on_postgresql_only() -> None:
    # cacheable, and the agreements are part of the cache key (fresh elements: compiling
    # an ORM select updates its compile options)
    for dialect in ("postgresql", "sqlite"):
        key = _branch(7, 5, dialect=dialect)._generate_cache_key()
        assert key is not None
        same = _branch(5, 7, dialect=dialect)._generate_cache_key()
        other = _branch(5, 8, dialect=dialect)._generate_cache_key()
        assert key.key == same.key  # type: ignore[union-attr]
        assert key.key != other.key  # type: ignore[union-attr]

    on_pg = str(_branch(7, 5).compile(dialect=postgresql.dialect()))
    on_sqlite = str(_branch(7, 5, dialect="sqlite").compile(dialect=sqlite.dialect()))
    assert "intel_object.release_ids && ARRAY[5, 7]" in on_pg
    assert "intel_release" not in on_pg
    assert "EXISTS" in on_sqlite and "release_ids" not in on_sqlite
    assert "IN (5, 7)" in on_sqlite
