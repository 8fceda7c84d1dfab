"""A confidential agreement is seen only by users of its parties, in every query."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from taawun.core.errors import NotFound
from taawun.core.principal import Principal, Role
from taawun.registry import changes, service
from taawun.registry.schemas import AgreementCreate

from .conftest import PrincipalFor

TITLE = "Turkey–Pakistan intelligence exchange protocol (test)"


@pytest.fixture
def secret_id(loaded_db: Session) -> int:
    created = changes.record_agreement(
        Principal.system_principal(),
        loaded_db,
        data=AgreementCreate(
            title=TITLE,
            parties=["TUR", "PAK"],
            domains=["intelligence_sharing"],
            in_force=date(2024, 1, 1),
            confidential=True,
            sharing_ceiling="SECRET",  # type: ignore[arg-type]
        ),
    )
    return created.id


def test_parties_see_it_everywhere(
    loaded_db: Session, secret_id: int, principal_for: PrincipalFor
) -> None:
    for state in ("TUR", "PAK"):
        me = principal_for(state)
        assert service.get_agreement(me, loaded_db, ref=secret_id).title == TITLE
        page = service.list_agreements(me, loaded_db, parties=["TUR", "PAK"], in_force=2025)
        assert secret_id in {a.id for a in page.items}
        dyad = service.dyad(me, loaded_db, a="TUR", b="PAK")
        assert secret_id in {e.agreement.id for e in dyad.entries}
        partners = service.partners(me, loaded_db, state="TUR", when=2025)
        pak = next(p for p in partners.partners if p.state.iso3 == "PAK")
        assert "intelligence_sharing" in pak.domains


def test_third_state_sees_nothing_not_even_a_count(
    loaded_db: Session, secret_id: int, principal_for: PrincipalFor
) -> None:
    saudi = principal_for("SAU", role=Role.ADMIN)
    public = Principal.public()
    for outsider in (saudi, public):
        with pytest.raises(NotFound) as hidden:
            service.get_agreement(outsider, loaded_db, ref=secret_id)
        with pytest.raises(NotFound) as missing:
            service.get_agreement(outsider, loaded_db, ref=secret_id + 10_000)
        assert hidden.value.message.replace(str(secret_id), "N") == missing.value.message.replace(
            str(secret_id + 10_000), "N"
        )
        page = service.list_agreements(outsider, loaded_db, parties=["TUR", "PAK"], limit=1000)
        insider = service.list_agreements(
            principal_for("TUR"), loaded_db, parties=["TUR", "PAK"], limit=1000
        )
        assert page.total == insider.total - 1
        assert secret_id not in {a.id for a in page.items}
        assert not service.list_agreements(outsider, loaded_db, text="intelligence exchange").total
        dyad = service.dyad(outsider, loaded_db, a="TUR", b="PAK")
        assert secret_id not in {e.agreement.id for e in dyad.entries}
        partners = service.partners(outsider, loaded_db, state="TUR", when=2025)
        assert all(secret_id not in p.agreements for p in partners.partners)
        assert all("intelligence_sharing" not in p.domains for p in partners.partners)
        profile = service.state_profile(outsider, loaded_db, state="PAK", when=2025)
        assert secret_id not in {a.id for a in profile.agreements}
        assert "intelligence_sharing" not in profile.partners_by_domain
