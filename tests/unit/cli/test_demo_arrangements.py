"""The demo shares under implementing arrangements that its parties' liaisons agreed to, not
under the imported treaties (issue 9 §1): each is proposed by one demo party's liaison and
accepted by the others', enters into force, and carries the demo content."""

from __future__ import annotations

from collections import Counter

from sqlalchemy.orm import Session

from taawun.access.authentication import principal_for_username
from taawun.cli import demo
from taawun.core.clock import FixedClock
from taawun.intel import changes as intel
from taawun.intel import demo_content
from taawun.intel.markings import MarkingDefaults
from taawun.registry import service
from taawun.registry.policy import SHARING_DOMAIN

from ...accounts import create_accounts

ROOT_ACCOUNTS = {
    username: (state, agency, role, clearance)
    for state, agency, _, username, role, clearance in demo.DEMO_ACCOUNTS
}


def test_each_demo_agreement_gets_an_arrangement_its_parties_accepted(
    loaded_db: Session, clock: FixedClock
) -> None:
    create_accounts(loaded_db, ROOT_ACCOUNTS, password="demo-test-password", clock=clock)
    operator = principal_for_username(loaded_db, username="node.admin")
    arrangements, lines = demo._arrangements(loaded_db, clock)
    assert set(arrangements) == set(demo_content.AGREEMENTS) and len(lines) == 3
    for ref, (parties, ceiling) in demo_content.AGREEMENTS.items():
        found = service.get_agreement(operator, loaded_db, ref=arrangements[ref])
        parent = service.get_agreement(operator, loaded_db, ref=ref)
        assert found.status == "in_force" and found.parent == parent.id
        assert sorted(found.parties) == sorted(parties)
        assert (found.domains, found.sharing_ceiling) == ([SHARING_DOMAIN], ceiling.name)
        assert found.id in parent.arrangements and SHARING_DOMAIN not in parent.domains
    # Run again (the demo on a node it set up before): the same arrangements, nothing new.
    again, lines = demo._arrangements(loaded_db, clock)
    assert again == arrangements and all("already in force" in line for line in lines)

    content = demo_content.under_arrangements(demo_content.from_galaxies(), arrangements)
    stored: Counter[str] = Counter()
    for owner, username in demo.SHARERS.items():
        report = intel.share(
            principal_for_username(loaded_db, username=username),
            loaded_db,
            objects=[d.obj for d in content if d.owner == owner],
            defaults=MarkingDefaults(),
            clock=clock,
        )
        assert report.failed == 0, [o.reasons for o in report.outcomes if not o.ok][:3]
        stored[owner] = report.stored
    assert sum(stored.values()) == len(content)
